"""The responsible organisation records the conversation: when, who held it, whether a relative
took part. Bad input is explained next to the field with nothing lost; a declined touchpoint that
is recorded is no longer declined; every change is in the patient's access log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit.models import AccessEvent
from portal.pathway.models import Patient
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    answer,
    answer_everything,
    fresh,
    location_path,
    message,
    submit,
    touchpoint_id,
    touchpoint_row,
)

# --- helpers shared by the conversation record's tests -------------------------------------


def today() -> date:
    """Today in Oslo, as the portal counts days."""
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


def hospital_patient(app: Any, db: Session, keep_private: list[str] | None = None,
                     sent: bool = True) -> tuple[Patient, int]:
    """A patient diagnosed five days ago whose touchpoint 1 (the hospital's) is open; with
    ``sent``, they answered everything (journey.ANSWERS keeps mental_health private) and sent it."""
    person = factories.patient(db, diagnosed_days_ago=5)
    tp1 = touchpoint_id(person, 1)
    if sent:
        client = PortalClient(app)
        client.sign_in(person.national_id)
        answer_everything(client, tp1)
        if keep_private is not None:
            answer(client, tp1, "sharing", {"keep_private": keep_private})
        submit(client, tp1)
    return person, tp1


def staff_client(app: Any, db: Session, organisation: Any, given_name: str = "Test"
                 ) -> PortalClient:
    member = factories.staff_member(db, organisation, given_name=given_name)
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    return client


def events(db: Session, patient_id: int) -> list[AccessEvent]:
    fresh(db)
    return list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == patient_id)
                           .order_by(AccessEvent.seq)))


def changes(db: Session, patient_id: int) -> list[int | None]:
    """The touchpoint numbers of the CHANGED entries in the patient's access log."""
    return [e.touchpoint_number for e in events(db, patient_id)
            if e.action == audit.AccessAction.CHANGED]


def field_error(page: Page, field_id: str) -> str:
    return " ".join(page.one(f"#{field_id}-error").get_text(" ").split())


def record_conversation(client: PortalClient, tp: int, **values: Any) -> Any:
    url = f"/staff/touchpoints/{tp}/conversation"
    page = client.get(url)
    return client.raw.post(url, data={**page.form_data(), **values})


# --- tests -----------------------------------------------------------------------------------


def test_the_form_offers_today_and_the_staff_members_name_and_title(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital, given_name="Anne")
    page = nurse.get(f"/staff/touchpoints/{tp1}/conversation")
    assert page.one("#held_on")["value"] == today().isoformat()
    assert page.one("#held_on")["type"] == "date"
    assert page.one("#held_by")["value"] == "Anne Helsepersonell, sykepleier"
    assert page.select('input[name="relative_present"][checked]') == []


def test_recording_the_conversation_saves_it_and_logs_the_change(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    held = today() - timedelta(days=1)
    response = record_conversation(nurse, tp1, held_on=held.isoformat(),
                                   held_by="Kari Lege, overlege", relative_present="yes")
    assert response.status_code == 303
    assert location_path(response) == f"/staff/patients/{person.id}"
    row = touchpoint_row(fresh(db), tp1)
    assert (row.held_on, row.held_by, row.relative_present) == (held, "Kari Lege, overlege", True)
    assert changes(db, person.id) == [1]

    # Editable later: the form shows what was recorded.
    page = nurse.get(f"/staff/touchpoints/{tp1}/conversation")
    assert page.one("#held_by")["value"] == "Kari Lege, overlege"
    assert [t["value"] for t in page.select('input[name="relative_present"][checked]')] == ["yes"]
    record_conversation(nurse, tp1, relative_present="no", held_on=held.strftime("%d.%m.%Y"))
    row = touchpoint_row(fresh(db), tp1)
    assert (row.held_on, row.relative_present) == (held, False)
    assert changes(db, person.id) == [1, 1]


def test_a_date_in_the_future_is_refused_with_what_was_typed_kept(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    tomorrow = (today() + timedelta(days=1)).isoformat()
    response = record_conversation(nurse, tp1, held_on=tomorrow, held_by="Someone Else",
                                   relative_present="no")
    page = Page(response)
    assert response.status_code == 200
    assert field_error(page, "held_on").endswith(message(
        app, "The date cannot be in the future. Record the conversation once it is held."))
    assert page.one("#held_on")["aria-invalid"] == "true"
    assert page.one("#held_on")["value"] == tomorrow
    assert page.one("#held_by")["value"] == "Someone Else"
    assert page.select(".error-summary a[href='#held_on']")
    assert touchpoint_row(fresh(db), tp1).held_on is None
    assert changes(db, person.id) == []


def test_a_date_before_the_diagnosis_or_not_a_date_is_refused(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    before = (person.pathways[0].diagnosis_date - timedelta(days=1)).isoformat()
    page = Page(record_conversation(nurse, tp1, held_on=before, relative_present="no"))
    assert field_error(page, "held_on")
    assert person.pathways[0].diagnosis_date.strftime("%Y") in field_error(page, "held_on")
    page = Page(record_conversation(nurse, tp1, held_on="31.02.2026", held_by="",
                                    relative_present=""))
    assert field_error(page, "held_on").endswith(message(
        app, "Enter a date as day.month.year, for example 23.11.2026."))
    assert page.one("#held_on")["value"] == "31.02.2026"
    assert field_error(page, "held_by")
    assert field_error(page, "relative_present")
    assert len(page.select(".error-summary li")) == 3
    assert touchpoint_row(fresh(db), tp1).held_on is None


def test_recording_a_declined_touchpoint_clears_the_decline(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    row = touchpoint_row(db, tp1)
    row.declined_on = today() - timedelta(days=2)
    row.offer_again_on = today() + timedelta(days=30)
    db.commit()
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = nurse.get(f"/staff/touchpoints/{tp1}/conversation")
    assert page.select("main .notice")
    response = record_conversation(nurse, tp1, relative_present="no")
    assert response.status_code == 303
    row = touchpoint_row(fresh(db), tp1)
    assert row.held_on == today()
    assert (row.declined_on, row.offer_again_on) == (None, None)


def test_only_the_organisation_holding_the_touchpoint_records_it(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    pathway = person.pathways[0]
    pathway.handed_over_at = datetime.now(UTC)
    touchpoint_row(db, tp1).held_on = today()
    db.commit()
    municipal = staff_client(app, db, pathway.municipality)
    municipal.get(f"/staff/touchpoints/{tp1}/conversation", status=404)
    tp2 = touchpoint_id(person, 2)
    token = municipal.get(f"/staff/touchpoints/{tp2}/conversation").csrf_token()
    response = municipal.raw.post(f"/staff/touchpoints/{tp1}/conversation", data={
        "csrf_token": token, "held_on": date(2026, 1, 1).isoformat(), "held_by": "X",
        "relative_present": "no"})
    assert response.status_code == 404
    hospital = staff_client(app, db, pathway.hospital)
    hospital.get(f"/staff/touchpoints/{tp2}/conversation", status=404)
    other = staff_client(app, db, factories.organisations(db)[0])
    other.get(f"/staff/touchpoints/{tp1}/conversation", status=404)
    assert touchpoint_row(fresh(db), tp1).held_by is None
