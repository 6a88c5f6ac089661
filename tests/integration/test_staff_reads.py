"""Every look at a patient's answers by staff lands in the access log the patient reads, with the
touchpoint it was about, and the patient's sharing choices hold: another service does not see
what was kept for the conversation, only that something was."""

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
    fresh,
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
    return person, tp, client


def _actions(db, patient_id: int) -> list[tuple[str, int | None]]:
    fresh(db)
    return [(e.action, e.touchpoint_number) for e in db.scalars(
        select(AccessEvent).where(AccessEvent.patient_id == patient_id).order_by(AccessEvent.seq))]


def test_a_nurse_reading_the_summary_shows_up_in_the_patients_access_log(app, db):
    person, tp, patient_client = _patient_with_sent_answers(app, db, keep_private=[
        "sexual_health"])
    municipality = person.pathways[0].municipality
    nurse = factories.staff_member(db, municipality, given_name="Anne")
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    page = staff.get(f"/staff/touchpoints/{tp}/summary")
    # The municipality holds this conversation: it sees all of it, kept topics included.
    assert PRIVATE_NOTE in page.text()
    assert not page.select("main .summary-withheld")

    assert _actions(db, person.id) == [(audit.AccessAction.READ_SUMMARY, 2)]
    log = patient_client.get("/patient/access-log")
    entries = log.text()
    assert "Anne" in entries
    assert municipality.name in entries


def test_downloading_the_pdf_is_logged_as_a_download(app, db):
    person, tp, _ = _patient_with_sent_answers(app, db)
    nurse = factories.staff_member(db, person.pathways[0].municipality)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    assert staff.raw.get(f"/staff/touchpoints/{tp}/summary.pdf").status_code == 200
    assert _actions(db, person.id) == [(audit.AccessAction.DOWNLOADED_PDF, 2)]


def test_a_summary_nobody_may_read_is_not_logged(app, db):
    person, tp, _ = _patient_with_sent_answers(app, db)
    hospital = person.pathways[0].hospital  # touchpoint 2 belongs to the municipality
    nurse = factories.staff_member(db, hospital)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    assert staff.raw.get(f"/staff/touchpoints/{tp}/summary").status_code == 404
    assert _actions(db, person.id) == []


def test_a_relative_reading_contacts_is_logged(app, db):
    person, _ = open_patient(db)
    relative = factories.relative(db, of=person)
    client = PortalClient(app)
    client.sign_in(relative.national_id)
    client.get(f"/relative/patients/{person.id}")
    events = list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == person.id)))
    # The page shows whom to contact and the booked conversations: both are logged.
    assert [e.action for e in events] == [audit.AccessAction.READ_CONTACTS,
                                          audit.AccessAction.READ_APPOINTMENTS]
    assert {e.actor_kind for e in events} == {"relative"}


def test_the_log_verifies_after_real_reads(app, db):
    person, tp, _ = _patient_with_sent_answers(app, db)
    nurse = factories.staff_member(db, person.pathways[0].municipality)
    staff = PortalClient(app)
    staff.sign_in_staff(nurse.national_id)
    for _ in range(3):
        staff.get(f"/staff/touchpoints/{tp}/summary")
    staff.get(f"/staff/touchpoints/{tp}/summary?show=identity")
    assert [a for a, _ in _actions(db, person.id)][-2:] == [
        audit.AccessAction.READ_SUMMARY, audit.AccessAction.SHOWED_IDENTITY_NUMBER]
    assert nurse.hpr_number == db.scalar(
        select(AccessEvent.actor_hpr_number).where(AccessEvent.patient_id == person.id).limit(1))
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "5 entries" in result.output
