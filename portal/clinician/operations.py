"""Enrolment, appointments and declines. Each operation flushes and logs the change (CHANGED)
for the patient's access log; the request commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from portal import access, audit
from portal.contacts.models import Organisation
from portal.notices import outbox
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.pathway.rules import WINDOW_RULES, Place
from portal.settings import current as current_settings


class Enrolled(StrEnum):
    NEW_PATIENT = "new_patient"
    #: The patient was in the portal already (another hospital, or an earlier pathway there):
    #: a relapse or a new diagnosis gets a pathway of its own.
    NEW_PATHWAY = "new_pathway"
    #: The patient has a pathway at this hospital already: nothing was changed.
    ALREADY = "already"


@dataclass(frozen=True)
class Enrolment:
    outcome: Enrolled
    patient: Patient


@dataclass(frozen=True)
class PatientDetails:
    national_id: str
    given_name: str
    family_name: str
    preferred_locale: str
    mobile: str | None
    email: str | None
    children_under_18: bool


def find_patient(session: Session, national_id: str) -> Patient | None:
    return session.scalar(select(Patient).where(Patient.national_id == national_id)
                          .options(selectinload(Patient.pathways)))


def enrol(session: Session, details: PatientDetails, hospital: Organisation,
          municipality: Organisation, diagnosis_date: date) -> Enrolment:
    """A patient and a pathway with its three touchpoints, or a new pathway for a patient who
    is in the portal already. Never a second patient for one identity number."""
    patient = find_patient(session, details.national_id)
    outcome = Enrolled.NEW_PATHWAY
    if patient is None:
        outcome = Enrolled.NEW_PATIENT
        patient = Patient(national_id=details.national_id, given_name=details.given_name,
                          family_name=details.family_name)
        try:
            # Two clinicians enrolling the same new number at once: the unique identity number
            # stops the second (PostgreSQL waits for the first to commit), which then goes on
            # with the patient the first one created.
            with session.begin_nested():
                session.add(patient)
                session.flush()
        except IntegrityError:
            patient = find_patient(session, details.national_id)
            if patient is None:
                raise
            outcome = Enrolled.NEW_PATHWAY
    if outcome == Enrolled.NEW_PATHWAY and any(p.hospital_id == hospital.id
                                               for p in patient.pathways):
        return Enrolment(Enrolled.ALREADY, patient)
    # The name stays as it was; how to reach the patient and the household are as told now.
    patient.preferred_locale = details.preferred_locale
    patient.children_under_18 = details.children_under_18
    if details.mobile or outcome == Enrolled.NEW_PATIENT:
        patient.mobile = details.mobile
    if details.email or outcome == Enrolled.NEW_PATIENT:
        patient.email = details.email
    pathway = Pathway(patient=patient, diagnosis_date=diagnosis_date, hospital=hospital,
                      municipality=municipality)
    for window_rule in WINDOW_RULES:
        where = hospital if window_rule.place == Place.HOSPITAL else municipality
        pathway.touchpoints.append(Touchpoint(number=window_rule.number, organisation=where))
    session.add(pathway)
    session.flush()
    audit.record(patient.id, audit.AccessAction.CHANGED, context=f"enrolment: {outcome}")
    return Enrolment(outcome, patient)


def set_appointment(session: Session, touchpoint: Touchpoint, at: datetime, place: str | None,
                    with_whom: str | None) -> bool:
    """Book or change the appointment. A declined touchpoint is declined no more: the patient
    said yes after all. Returns whether a decline was undone."""
    undone = touchpoint.declined_on is not None
    touchpoint.appointment_at = at
    touchpoint.appointment_place = place or None
    touchpoint.appointment_with = with_whom or None
    if undone:
        touchpoint.declined_on = None
        touchpoint.offer_again_on = None
    _changed(session, touchpoint, "appointment")
    # The patient (and a child's parents) hear that something changed, in this same transaction.
    outbox.appointment_changed(session, touchpoint, current_settings(), access.local_today())
    return undone


def remove_appointment(session: Session, touchpoint: Touchpoint) -> None:
    touchpoint.appointment_at = None
    touchpoint.appointment_place = None
    touchpoint.appointment_with = None
    _changed(session, touchpoint, "appointment removed")


def decline(session: Session, touchpoint: Touchpoint, declined_on: date,
            offer_again_on: date) -> None:
    """The patient said no for now; the appointment, if any, is cancelled. A conversation that
    was held cannot be declined (the caller checks; the database refuses it too)."""
    if touchpoint.held_on is not None:
        raise ValueError("A conversation that was held cannot be declined.")
    touchpoint.declined_on = declined_on
    touchpoint.offer_again_on = offer_again_on
    touchpoint.appointment_at = None
    touchpoint.appointment_place = None
    touchpoint.appointment_with = None
    _changed(session, touchpoint, "declined")


def undo_decline(session: Session, touchpoint: Touchpoint) -> None:
    """The patient changed their mind: the touchpoint is open to a conversation again."""
    touchpoint.declined_on = None
    touchpoint.offer_again_on = None
    _changed(session, touchpoint, "decline undone")


def _changed(session: Session, touchpoint: Touchpoint, what: str) -> None:
    session.flush()
    audit.record(touchpoint.pathway.patient_id, audit.AccessAction.CHANGED,
                 touchpoint_number=touchpoint.number, context=what)
