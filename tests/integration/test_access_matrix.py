"""Who sees what, as a role × endpoint matrix: every kind of person against every page that
shows a patient's information. A page someone may not see answers 404, so that they cannot
even learn it exists; an anonymous visitor is sent to sign in."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

from portal.pathway.models import Patient
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import touchpoint_id


@dataclass
class World:
    patient: Patient
    other_patient: Patient
    people: dict[str, tuple[str, str]]  # who → (profile, national_id)


@pytest.fixture
def world(db: Session) -> World:
    patient = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    other = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    pathway = patient.pathways[0]
    hospital, municipality = pathway.hospital, pathway.municipality
    elsewhere = other.pathways[0].municipality
    linked = factories.relative(db, of=patient)
    withdrawn = factories.relative(db, of=patient, withdrawn=True)
    not_accepted = factories.relative(db, of=patient, accepted=False)
    staff = {
        "hospital clinician": factories.staff_member(db, hospital),
        "municipal clinician": factories.staff_member(db, municipality),
        "clinician elsewhere": factories.staff_member(db, elsewhere),
        "administrator": factories.staff_member(db, hospital, clinician=False,
                                                administrator=True),
    }
    people = {
        "patient": ("citizen", patient.national_id),
        "other patient": ("citizen", other.national_id),
        "relative": ("citizen", linked.national_id),
        "relative withdrawn": ("citizen", withdrawn.national_id),
        "relative not accepted": ("citizen", not_accepted.national_id),
        **{who: ("staff", member.national_id) for who, member in staff.items()},
    }
    return World(patient, other, people)


def _url(world: World, where: str) -> str:
    patient_id = world.patient.id
    tp1, tp2 = touchpoint_id(world.patient, 1), touchpoint_id(world.patient, 2)
    return {
        "patient home": "/patient/",
        "patient questionnaire": f"/patient/touchpoints/{touchpoint_id(world.patient, 2)}/"
                                 "steps/1",
        "patient access log": "/patient/access-log",
        "patient contacts": "/patient/contacts",
        "relative home": "/relative/",
        "patient: notices": "/patient/notices",
        "relative: notices": "/relative/notices",
        "relative: the patient": f"/relative/patients/{patient_id}",
        "relative: own questionnaire": f"/relative/patients/{patient_id}/questionnaire",
        "relative: own questionnaire step": f"/relative/patients/{patient_id}/questionnaire/"
                                            "steps/2",
        "relative: answers": f"/relative/patients/{patient_id}/answers",
        "relative: accept invitation": "/relative/invitations/accept",
        "patient: relatives": "/patient/relatives",
        "patient: invite a relative": "/patient/relatives/invite",
        "patient: a relative": f"/patient/relatives/{_link_id(world)}",
        "staff home": "/staff/",
        "staff: the patient": f"/staff/patients/{patient_id}",
        "admin: access log": "/admin/access-log",
        "admin: monitoring": "/staff/monitoring",
        "admin: monitoring CSV": "/staff/monitoring.csv?period=quarter",
        "admin: registration export": "/staff/monitoring/held.csv?from=2026-01-01&to=2026-03-31",
        "staff: enrol": "/staff/patients/new",
        "staff: summary 1": f"/staff/touchpoints/{tp1}/summary",
        "staff: summary 2": f"/staff/touchpoints/{tp2}/summary",
        "staff: summary 2 PDF": f"/staff/touchpoints/{tp2}/summary.pdf",
        "staff: appointment 1": f"/staff/touchpoints/{tp1}/appointment",
        "staff: decline 2": f"/staff/touchpoints/{tp2}/decline",
        "staff: conversation 2": f"/staff/touchpoints/{tp2}/conversation",
        "staff: new action 1": f"/staff/touchpoints/{tp1}/actions/new",
        "staff: hand-over": f"/staff/pathways/{world.patient.pathways[0].id}/hand-over",
        "staff: FHIR questionnaire": "/staff/fhir/Questionnaire/needs-1",
        "patient: own PDF 2": f"/patient/touchpoints/{tp2}/summary.pdf",
    }[where]


def _link_id(world: World) -> int:
    """The link of the relative who was let in (the matrix's "relative")."""
    from sqlalchemy import select
    from sqlalchemy.orm import object_session

    from portal.relatives.models import RelativeLink

    session = object_session(world.patient)
    assert session is not None
    return int(session.scalar(
        select(RelativeLink.id).where(RelativeLink.patient_id == world.patient.id,
                                      RelativeLink.accepted_at.is_not(None),
                                      RelativeLink.withdrawn_at.is_(None)).limit(1)) or 0)


OK, GONE, SIGN_IN = 200, 404, "sign-in"
#: Each page's expected answer per person; anyone not listed gets 404.
ALLOWED: dict[str, set[str]] = {
    "patient home": {"patient", "other patient"},
    "patient questionnaire": {"patient"},
    "patient access log": {"patient", "other patient"},
    "patient contacts": {"patient", "other patient"},
    "relative home": {"relative"},
    "patient: notices": {"patient", "other patient"},
    "relative: notices": {"relative"},
    "relative: the patient": {"relative"},
    "relative: own questionnaire": {"relative"},
    "relative: own questionnaire step": {"relative"},
    "relative: answers": set(),  # seeing the answers is off until the patient turns it on
    "relative: accept invitation": set(),  # only with an invitation opened in this browser
    "patient: relatives": {"patient", "other patient"},
    "patient: invite a relative": {"patient", "other patient"},
    "patient: a relative": {"patient"},
    "staff home": {"hospital clinician", "municipal clinician", "clinician elsewhere",
                   "administrator"},
    "staff: the patient": {"hospital clinician", "municipal clinician"},
    "admin: access log": {"administrator"},
    "admin: monitoring": {"administrator"},
    "admin: monitoring CSV": {"administrator"},
    "admin: registration export": {"administrator"},
    "staff: enrol": {"hospital clinician"},
    "staff: summary 1": {"hospital clinician"},  # the municipality only after the hand-over
    "staff: summary 2": {"municipal clinician"},
    "staff: summary 2 PDF": {"municipal clinician"},
    "staff: appointment 1": {"hospital clinician"},
    "staff: decline 2": {"municipal clinician"},
    "staff: conversation 2": {"municipal clinician"},
    "staff: new action 1": {"hospital clinician"},
    "staff: hand-over": {"hospital clinician"},
    "staff: FHIR questionnaire": {"hospital clinician", "municipal clinician",
                                  "clinician elsewhere"},
    "patient: own PDF 2": {"patient"},
}
PEOPLE = ["anonymous", "patient", "other patient", "relative", "relative withdrawn",
          "relative not accepted", "hospital clinician", "municipal clinician",
          "clinician elsewhere", "administrator"]
#: Citizens the portal does not show anything to are never signed in at all.
NOT_SIGNED_IN = {"anonymous", "relative withdrawn", "relative not accepted"}


@pytest.mark.parametrize("where", sorted(ALLOWED))
@pytest.mark.parametrize("who", PEOPLE)
def test_who_sees_what(app, world, where, who):
    client = PortalClient(app)
    if who != "anonymous":
        profile, national_id = world.people[who]
        client.sign_in(national_id, profile=profile)
    response = client.raw.get(_url(world, where))
    if who in NOT_SIGNED_IN:
        assert response.status_code in (302, 303), (who, where, response.status_code)
        assert response.location.split("?")[0].endswith("/sign-in")
    elif who in ALLOWED[where]:
        assert response.status_code == OK, (who, where, response.status_code)
    else:
        assert response.status_code == GONE, (who, where, response.status_code)


def test_a_staff_member_cannot_open_a_patient_outside_their_organisation(app, world, db):
    other_hospital_patient = factories.patient(db, diagnosed_days_ago=30)
    client = PortalClient(app)
    client.sign_in(world.people["hospital clinician"][1], profile="staff")
    client.get(f"/staff/patients/{world.patient.id}")
    client.get(f"/staff/patients/{other_hospital_patient.id}", status=404)
    client.get("/staff/patients/999999999", status=404)
    client.get(f"/staff/patients/{2**40}", status=404)


def test_a_relative_cannot_open_a_patient_who_has_not_let_them_in(app, world):
    client = PortalClient(app)
    client.sign_in(world.people["relative"][1])
    client.get(f"/relative/patients/{world.patient.id}")
    client.get(f"/relative/patients/{world.other_patient.id}", status=404)
