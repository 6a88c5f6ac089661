"""The staff member's page of one patient: who they are, and the pathway's three conversations
with their state, appointment and record. The answers themselves are on each touchpoint's
summary page (``summary.page``), which logs reading them; this page logs OPENED_PATIENT."""

from __future__ import annotations

from dataclasses import dataclass

from flask import render_template
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from portal import access, audit
from portal.clinician import queries
from portal.clinician.blueprint import bp
from portal.clinician.record import records_for
from portal.db import db_session
from portal.i18n import LANGUAGE_NAMES
from portal.pathway import identity, status
from portal.pathway.models import Pathway, Touchpoint
from portal.patient.flow import today
from portal.questionnaire.models import Response
from portal.settings import current as current_settings
from portal.staff.models import CLINICIANS


@dataclass(frozen=True)
class TouchpointView:
    status: status.TouchpointStatus
    markers: tuple[str, ...]
    #: The reader's organisation holds it: it may book, decline and record.
    responsible: bool
    #: The reader may open its summary (responsible, or touchpoint 1 handed over to them).
    readable: bool

    @property
    def touchpoint(self) -> Touchpoint:
        return self.status.touchpoint


@bp.get("/patients/<int:patient_id>")
@access.staff(*CLINICIANS)
def patient(patient_id: int) -> str:
    staff = access.current_staff()
    person = access.load_staff_patient(patient_id)
    session, organisation_id = db_session(), staff.organisation_id
    # The latest pathway the reader's organisation takes part in; a pathway at another
    # hospital is not theirs to see.
    pathway = session.scalar(
        select(Pathway)
        .where(Pathway.patient_id == person.id,
               or_(Pathway.hospital_id == organisation_id,
                   Pathway.municipality_id == organisation_id))
        .order_by(Pathway.diagnosis_date.desc(), Pathway.id.desc()).limit(1)
        .options(joinedload(Pathway.hospital), joinedload(Pathway.municipality),
                 selectinload(Pathway.touchpoints).joinedload(Touchpoint.organisation)))
    if pathway is None:  # load_staff_patient found one: never happens
        raise LookupError(person.id)
    touchpoints = list(pathway.touchpoints)
    responses = {r.touchpoint_id: r for r in session.scalars(
        select(Response).where(Response.touchpoint_id.in_([t.id for t in touchpoints])))}
    settings, day = current_settings(), today()
    views = []
    for touchpoint in touchpoints:
        response = responses.get(touchpoint.id)
        responsible = touchpoint.organisation_id == organisation_id
        handed_over = (touchpoint.number == 1 and pathway.handed_over_at is not None
                       and pathway.municipality_id == organisation_id)
        views.append(TouchpointView(
            status.status(touchpoint, response, settings, day),
            queries.markers(touchpoint, response, day, settings) if responsible or handed_over
            else (), responsible, responsible or handed_over))
    records = records_for(touchpoints)
    audit.record(person.id, audit.AccessAction.OPENED_PATIENT)
    return render_template(
        "clinician/patient.html", person=person, pathway=pathway, views=views, records=records,
        age=identity.age_on(person.national_id, day), masked=identity.masked(person.national_id),
        language=LANGUAGE_NAMES.get(person.preferred_locale or ""))
