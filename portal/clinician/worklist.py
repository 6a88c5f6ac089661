"""Staff pages. Minimal for now: whom the staff member's organisation follows, and one patient's
submitted answers as far as the staff member may see them. The worklist, the summary, the PDF and
the conversation record replace these pages in the clinician issue (4)."""

from __future__ import annotations

from typing import Any

from flask import render_template
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.clinician.blueprint import bp
from portal.db import db_session
from portal.pathway import identity
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.patient.flow import today
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import Definition
from portal.questionnaire.models import Response, Submission
from portal.questionnaire.sharing import shareable
from portal.staff.models import CLINICIANS

LIST_LIMIT = 200


@bp.get("/")
@access.staff()
def worklist() -> str:
    staff = access.current_staff()
    patients: list[Patient] = []
    if staff.roles & set(CLINICIANS):
        organisation_id = staff.organisation_id
        patients = list(db_session().scalars(
            select(Patient).join(Pathway)
            .where(or_(Pathway.hospital_id == organisation_id,
                       Pathway.municipality_id == organisation_id))
            .order_by(Patient.family_name, Patient.given_name, Patient.id)
            .distinct().limit(LIST_LIMIT)
        ))
    return render_template("clinician/worklist.html", staff=staff, patients=patients,
                           limit=LIST_LIMIT)


@bp.get("/patients/<int:patient_id>")
@access.staff(*CLINICIANS)
def patient(patient_id: int) -> str:
    staff = access.current_staff()
    person = access.load_staff_patient(patient_id)
    touchpoints = list(db_session().scalars(
        select(Touchpoint).join(Pathway).where(Pathway.patient_id == person.id)
        .order_by(Pathway.diagnosis_date, Touchpoint.number)
        .options(selectinload(Touchpoint.organisation))
    ))
    responses = {r.touchpoint_id: r for r in db_session().scalars(
        select(Response).where(Response.touchpoint_id.in_([t.id for t in touchpoints]))
        .options(selectinload(Response.submissions))
    )}
    audit.record(person.id, audit.AccessAction.OPENED_PATIENT, context="staff.patient")
    shown: list[tuple[Touchpoint, Submission | None, Definition | None, dict[str, Any], bool]] = []
    for touchpoint in touchpoints:
        response = responses.get(touchpoint.id)
        submission = response.submissions[-1] if response and response.submissions else None
        if submission is None or response is None:
            shown.append((touchpoint, None, None, {}, False))
            continue
        definition = definitions.get(response.questionnaire_id, response.questionnaire_version)
        if definition is None:  # every stored version is loaded at start-up; never happens
            raise LookupError(response.questionnaire_id)
        answers, withheld = shareable(definition, submission.answers,
                                      touchpoint.organisation_id == staff.organisation_id)
        audit.record(person.id, audit.AccessAction.READ_ANSWERS,
                     touchpoint_number=touchpoint.number, context="staff.patient")
        shown.append((touchpoint, submission, definition, answers, withheld))
    return render_template("clinician/patient.html", person=person, shown=shown,
                           age=identity.age_on(person.national_id, today()),
                           masked=identity.masked(person.national_id))
