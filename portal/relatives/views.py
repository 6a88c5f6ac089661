"""A relative's pages: the patients who have let them in, and for each only what the patient
allows today (``access.relative_permissions``, checked again on every request):

- contact points and appointments (``may_see_contacts``), logged READ_CONTACTS and
  READ_APPOINTMENTS;
- the patient's sent answers within the patient's sharing choices (``may_see_answers``), logged
  READ_ANSWERS per conversation;
- the relative's own questionnaire (``may_answer_own``, ``questionnaire.py``).

Accepting an invitation is in ``invitations.py``; a guardian acting for a child in
``guardians.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.contacts import lookup
from portal.db import db_session
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire import sharing
from portal.questionnaire.definition import Definition
from portal.questionnaire.models import Response, Submission
from portal.relatives.models import RelativeLink
from portal.settings import current as current_settings

bp = Blueprint("relative", __name__, url_prefix="/relative")

#: The relative's own questionnaire (helper module ``questionnaire.py``).
OWN_QUESTIONNAIRE = "relative.questionnaire"


@dataclass(frozen=True)
class LinkView:
    link: RelativeLink
    #: What the link allows today (``access.RelativePermission`` values).
    permissions: frozenset[str]
    #: A guardian who may act on the child's behalf now.
    may_act: bool


@bp.get("/")
@access.relative
def home() -> str:
    relative = access.current_relative()
    links = [link for link in db_session().scalars(
        select(RelativeLink).where(RelativeLink.relative_id == relative.id)
        .options(selectinload(RelativeLink.patient)).order_by(RelativeLink.id)
    ) if link.active]
    views = [LinkView(link, access.relative_permissions(link),
                      link.guardian and access.guardian_link(relative.id, link.patient_id,
                                                             acting=True) is not None)
             for link in links]
    return render_template("relatives/home.html", relative=relative, links=views,
                           own_questionnaire=OWN_QUESTIONNAIRE in current_app.view_functions)


def _latest_pathway(patient: Patient) -> Pathway | None:
    found: Pathway | None = db_session().scalar(
        select(Pathway).where(Pathway.patient_id == patient.id)
        .order_by(Pathway.diagnosis_date.desc(), Pathway.id.desc()).limit(1)
        .options(*lookup.contact_loading(lookup.today(), via=selectinload(Pathway.hospital)),
                 *lookup.contact_loading(lookup.today(), via=selectinload(Pathway.municipality)),
                 selectinload(Pathway.touchpoints).selectinload(Touchpoint.organisation)))
    return found


def upcoming_appointments(pathway: Pathway | None, now: datetime) -> list[Touchpoint]:
    """Booked conversations from today on that are neither held nor declined."""
    if pathway is None:
        return []
    zone = ZoneInfo(current_settings().display_timezone)
    start_of_today = datetime.combine(now.astimezone(zone).date(), time(0), tzinfo=zone)
    return [t for t in pathway.touchpoints
            if t.appointment_at is not None and t.held_on is None and t.declined_on is None
            and t.appointment_at >= start_of_today]


@bp.get("/patients/<int:patient_id>")
@access.relative
def patient(patient_id: int) -> str:
    link = access.load_relative_link(patient_id, access.RelativePermission.CONTACTS)
    person = link.patient
    pathway = _latest_pathway(person)
    now = lookup.now()
    # Which hospital and municipality follow the patient, and when they meet, is health
    # information: both are logged.
    audit.record(person.id, audit.AccessAction.READ_CONTACTS, context="relative.patient")
    audit.record(person.id, audit.AccessAction.READ_APPOINTMENTS, context="relative.patient")
    return render_template("relatives/patient.html", person=person, pathway=pathway,
                           appointments=upcoming_appointments(pathway, now), now=now,
                           permissions=access.relative_permissions(link),
                           own_questionnaire=OWN_QUESTIONNAIRE in current_app.view_functions)


@dataclass(frozen=True)
class SharedAnswers:
    touchpoint: Touchpoint
    definition: Definition
    submission: Submission
    #: The answers the patient lets pass beyond the conversation.
    answers: dict[str, Any]
    #: Some topics were kept for the conversation only (not which).
    kept_back: bool


def shared_answers(pathway: Pathway | None) -> list[SharedAnswers]:
    """The last sent answers of each conversation, within the patient's sharing choices: a
    relative sees what another service would, never what was kept for the conversation."""
    if pathway is None:
        return []
    by_touchpoint = {t.id: t for t in pathway.touchpoints}
    responses = db_session().scalars(
        select(Response).where(Response.touchpoint_id.in_(by_touchpoint),
                               Response.submitted_revision.is_not(None))
        .options(selectinload(Response.submissions)))
    shown = []
    for response in responses:
        definition = definitions.get(response.questionnaire_id, response.questionnaire_version)
        if definition is None or not response.submissions:
            continue
        submission = response.submissions[-1]
        answers, kept_back = sharing.shareable(definition, submission.answers,
                                               same_organisation=False)
        shown.append(SharedAnswers(by_touchpoint[response.touchpoint_id], definition,
                                   submission, answers, kept_back))
    return sorted(shown, key=lambda s: s.touchpoint.number)


@bp.get("/patients/<int:patient_id>/answers")
@access.relative
def answers(patient_id: int) -> str:
    link = access.load_relative_link(patient_id, access.RelativePermission.ANSWERS)
    shown = shared_answers(_latest_pathway(link.patient))
    for each in shown:
        audit.record(link.patient_id, audit.AccessAction.READ_ANSWERS,
                     touchpoint_number=each.touchpoint.number, context="relative.answers")
    return render_template("relatives/answers.html", person=link.patient, shown=shown)


# Importing these modules registers their routes on this blueprint.
from portal.relatives import (  # noqa: E402, F401
    guardians,
    invitations,
    questionnaire,
)
