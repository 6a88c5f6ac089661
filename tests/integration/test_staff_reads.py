"""Every look at a patient's answers by staff lands in the access log the patient reads, and
the patient's sharing choices hold: another service does not see what was kept for the
conversation, only that something was."""

from __future__ import annotations

from sqlalchemy import select

from portal import audit
from portal.audit.models import AccessEvent
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import (
    ANSWERS,
    answer,
    answer_everything,
    open_patient,
    submit,
)

PRIVATE_NOTE = "Dette vil jeg bare ta opp i samtalen."


def _patient_with_sent_answers(app, db, keep_private: list[str] | None = None):
    """A patient who has sent answers for touchpoint 2 (the municipality's)."""
    person, tp = open_patient(db)
    client = PortalClient(app)
    client.sign_in(person.national_id)
    answer_everything(client, tp)
    answer(client, tp, "sexual_health", {"sexual_health_concern": "very_much",
                                         "sexual_health_note": PRIVATE_NOTE})
    answer(client, tp, "work", ANSWERS["work"])
    if keep_private is not None:
        answer(client, tp, "sharing", {"keep_private": keep_private})
    submit(client, tp)
    return person, client


def test_a_nurse_reading_answers_shows_up_in_the_patients_access_log(app, db):
    person, patient_client = _patient_with_sent_answers(app, db)
    municipality = person.pathways[0].municipality
    nurse = factories.staff_member(db, municipality, given_name="Anne")
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    page = staff.get(f"/staff/patients/{person.id}")
    assert PRIVATE_NOTE in page.text()  # the municipality holds this conversation: all of it

    actions = [e.action for e in db.scalars(
        select(AccessEvent).where(AccessEvent.patient_id == person.id).order_by(AccessEvent.seq))]
    assert actions == [audit.AccessAction.OPENED_PATIENT, audit.AccessAction.READ_ANSWERS]
    log = patient_client.get("/patient/access-log")
    entries = log.text()
    assert "Anne" in entries
    assert municipality.name in entries


def test_another_service_does_not_see_what_was_kept_for_the_conversation(app, db):
    person, _ = _patient_with_sent_answers(app, db, keep_private=["sexual_health"])
    hospital = person.pathways[0].hospital  # touchpoint 2 belongs to the municipality
    nurse = factories.staff_member(db, hospital)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    page = staff.get(f"/staff/patients/{person.id}")
    assert PRIVATE_NOTE not in page.soup.get_text()
    assert ANSWERS["work"]["work_note"] in page.text()
    assert page.select("main .notice")  # says something was kept back, not what


def test_opening_a_patient_without_sent_answers_is_logged_once(app, db):
    person, _ = open_patient(db)
    nurse = factories.staff_member(db, person.pathways[0].hospital)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    staff.get(f"/staff/patients/{person.id}")
    events = list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == person.id)))
    assert [e.action for e in events] == [audit.AccessAction.OPENED_PATIENT]
    assert events[0].actor_hpr_number == nurse.hpr_number


def test_a_relative_reading_contacts_is_logged(app, db):
    person, _ = open_patient(db)
    relative = factories.relative(db, of=person)
    client = PortalClient(app)
    client.sign_in(relative.national_id)
    client.get(f"/relative/patients/{person.id}")
    events = list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == person.id)))
    assert [e.action for e in events] == [audit.AccessAction.READ_CONTACTS]
    assert events[0].actor_kind == "relative"


def test_the_log_verifies_after_real_reads(app, db):
    person, _ = _patient_with_sent_answers(app, db)
    nurse = factories.staff_member(db, person.pathways[0].municipality)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    for _ in range(3):
        staff.get(f"/staff/patients/{person.id}")
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "6 entries" in result.output
