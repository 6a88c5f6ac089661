"""A relative's pages. Minimal for now: the patients who have let them in, and whom to contact.
Invitations and the relative's own questionnaire come with the contacts and relatives issue (5)."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access, audit
from portal.contacts.models import Organisation
from portal.db import db_session
from portal.pathway.models import Pathway
from portal.relatives.models import RelativeLink

bp = Blueprint("relative", __name__, url_prefix="/relative")


@bp.get("/")
@access.relative
def home() -> str:
    relative = access.current_relative()
    links = [link for link in db_session().scalars(
        select(RelativeLink).where(RelativeLink.relative_id == relative.id)
        .options(selectinload(RelativeLink.patient))
    ) if link.active]
    return render_template("relatives/home.html", relative=relative, links=links)


@bp.get("/patients/<int:patient_id>")
@access.relative
def patient(patient_id: int) -> str:
    person = access.load_relative_patient(patient_id)
    pathway = db_session().scalar(
        select(Pathway).where(Pathway.patient_id == person.id)
        .order_by(Pathway.diagnosis_date.desc()).limit(1)
        .options(selectinload(Pathway.hospital).selectinload(Organisation.contact_points),
                 selectinload(Pathway.municipality).selectinload(Organisation.contact_points))
    )
    # Which hospital and municipality follow the patient is health information: logged.
    audit.record(person.id, audit.AccessAction.READ_CONTACTS, context="relative.patient")
    return render_template("relatives/patient.html", person=person, pathway=pathway)
