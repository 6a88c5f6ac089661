"""The responsible organisation books, changes and removes appointments (Norwegian time, stored
in UTC, safe across the clock changes) and marks a touchpoint declined with a date to offer it
again, or undoes that. Nobody else may; every change is in the patient's access log."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit.models import AccessEvent
from portal.pathway.models import Patient, Touchpoint
from portal.settings import Settings
from portal.templating import when
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import fresh, touchpoint_id


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # The hostile-input test sends many posts from one address; the limits have their own tests.
    return settings.with_overrides(rate_limit_posts="100000 per minute")


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


def _signed_in(app, member) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    client.raw.get("/language/en")  # the messages as written; the catalogs come later
    return client


@pytest.fixture
def setup(app, db: Session) -> tuple[PortalClient, Patient, int]:
    """A municipal nurse, and a patient whose touchpoint 2 (the municipality's) is open."""
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    nurse = factories.staff_member(db, person.pathways[0].municipality)
    return _signed_in(app, nurse), person, touchpoint_id(person, 2)


def _touchpoint(db: Session, tp: int) -> Touchpoint:
    fresh(db)
    found = db.get(Touchpoint, tp)
    assert found is not None
    return found


def _book(client: PortalClient, tp: int, day: str, at: str, **more: str):
    url = f"/staff/touchpoints/{tp}/appointment"
    page = client.get(url)
    return client.raw.post(url, data={"csrf_token": page.csrf_token(), "day": day, "at": at,
                                      "place": more.get("place", ""),
                                      "with_whom": more.get("with_whom", "")})


@pytest.mark.parametrize(("day", "at", "utc"), [
    ("2027-07-01", "14:30", datetime(2027, 7, 1, 12, 30, tzinfo=UTC)),  # summer time
    ("2027-01-15", "14.30", datetime(2027, 1, 15, 13, 30, tzinfo=UTC)),  # winter time
    ("15.01.2027", "0900", datetime(2027, 1, 15, 8, 0, tzinfo=UTC)),
    # 02:30 happens twice on 31 October 2027: the first time, in summer time.
    ("2027-10-31", "02:30", datetime(2027, 10, 31, 0, 30, tzinfo=UTC)),
])
def test_an_appointment_is_norwegian_time_stored_in_utc(app, setup, db, day, at, utc):
    client, person, tp = setup
    response = _book(client, tp, day, at, place="Helsehuset, rom 3",
                     with_whom="Kari, kreftsykepleier")
    assert response.status_code == 303
    assert response.location.endswith(f"/staff/patients/{person.id}#touchpoint-{tp}")
    touchpoint = _touchpoint(db, tp)
    assert touchpoint.appointment_at == utc
    assert touchpoint.appointment_place == "Helsehuset, rom 3"
    assert touchpoint.appointment_with == "Kari, kreftsykepleier"
    page = client.get(f"/staff/patients/{person.id}")
    with app.test_request_context(), force_locale("en"):
        shown = " ".join(when(utc).split())  # Norwegian time: "July 1, 2027 at 2:30 PM"
    assert shown in page.text(f"#touchpoint-{tp}")
    assert "Helsehuset, rom 3" in page.text(f"#touchpoint-{tp}")
    events = list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == person.id)))
    assert events[0].action == audit.AccessAction.CHANGED
    assert events[0].touchpoint_number == 2


def test_a_time_the_clocks_skip_is_refused(setup, db):
    client, _person, tp = setup
    response = _book(client, tp, "2027-03-28", "02:30")  # clocks go from 02:00 to 03:00
    assert response.status_code == 200
    page = client.get(f"/staff/touchpoints/{tp}/appointment")  # nothing was stored
    assert _touchpoint(db, tp).appointment_at is None
    assert not page.select(".error-summary")


@pytest.mark.parametrize(("day", "at", "field", "message"), [
    ("", "14:30", "day", "Enter the date"),
    ("2027-07-01", "", "at", "Enter the time"),
    ("1.7.27x", "14:30", "day", "day.month.year"),
    ("2027-07-01", "25:00", "at", "hours and minutes"),
    ("2027-03-28", "02:30", "at", "clocks go forward"),
    ("01.01.2020", "10:00", "day", "before the diagnosis date"),
])
def test_bad_appointments_are_explained_and_kept(setup, db, day, at, field, message):
    client, _person, tp = setup
    url = f"/staff/touchpoints/{tp}/appointment"
    page = client.get(url)
    page = client.post_page(url, {"csrf_token": page.csrf_token(), "day": day, "at": at,
                                  "place": "Rom 3", "with_whom": ""})
    assert message in page.text(f"#{field}-error")
    assert page.title.startswith("Error:")
    assert page.one("#place")["value"] == "Rom 3"
    assert page.one("#day")["value"] == day
    assert _touchpoint(db, tp).appointment_at is None


def test_change_and_remove_an_appointment(setup, db):
    client, _person, tp = setup
    _book(client, tp, "2027-07-01", "14:30", place="Rom 3")
    page = client.get(f"/staff/touchpoints/{tp}/appointment")
    assert page.one("#day")["value"] == "2027-07-01"
    assert page.one("#at")["value"] == "14:30"
    assert page.one("#place")["value"] == "Rom 3"
    _book(client, tp, "2027-07-02", "09:00")
    touchpoint = _touchpoint(db, tp)
    assert touchpoint.appointment_at == datetime(2027, 7, 2, 7, 0, tzinfo=UTC)
    assert touchpoint.appointment_place is None
    page = client.get(f"/staff/touchpoints/{tp}/appointment")
    response = client.post(f"/staff/touchpoints/{tp}/appointment",
                           {"csrf_token": page.csrf_token(), "action": "remove"})
    assert response.location.endswith(f"#touchpoint-{tp}")
    assert _touchpoint(db, tp).appointment_at is None
    page = client.get(f"/staff/touchpoints/{tp}/appointment")
    assert "Remove the appointment" not in page.text()


def test_the_patient_sees_the_appointment(setup, db, app):
    client, person, tp = setup
    _book(client, tp, (_today() + timedelta(days=3)).isoformat(), "10:15", place="Rom 3")
    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    patient.raw.get("/language/en")
    assert "Rom 3" in patient.get("/patient/").text()


def test_only_the_responsible_organisation_books(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    pathway = person.pathways[0]
    hospital_nurse = _signed_in(app, factories.staff_member(db, pathway.hospital))
    municipal_nurse = _signed_in(app, factories.staff_member(db, pathway.municipality))
    elsewhere = _signed_in(app, factories.staff_member(
        db, factories.patient(db, diagnosed_days_ago=10).pathways[0].hospital))
    tp1, tp2 = touchpoint_id(person, 1), touchpoint_id(person, 2)
    pathway.handed_over_at = datetime.now(UTC)  # the municipality may read touchpoint 1 ...
    db.commit()
    for what in ("appointment", "decline"):
        hospital_nurse.get(f"/staff/touchpoints/{tp1}/{what}")
        hospital_nurse.get(f"/staff/touchpoints/{tp2}/{what}", status=404)
        municipal_nurse.get(f"/staff/touchpoints/{tp1}/{what}", status=404)  # ... not change it
        municipal_nurse.get(f"/staff/touchpoints/{tp2}/{what}")
        elsewhere.get(f"/staff/touchpoints/{tp2}/{what}", status=404)
        token = municipal_nurse.get("/staff/").csrf_token()
        answer = municipal_nurse.raw.post(f"/staff/touchpoints/{tp1}/{what}",
                                          data={"csrf_token": token, "day": "2027-07-01",
                                                "at": "10:00", "declined_on": "",
                                                "offer_again_on": "2027-07-01"})
        assert answer.status_code == 404
    assert _touchpoint(db, tp1).appointment_at is None


# --- declining -------------------------------------------------------------------------------


def _decline(client: PortalClient, tp: int, declined_on: str, offer_again_on: str):
    url = f"/staff/touchpoints/{tp}/decline"
    page = client.get(url)
    data = page.form_data("main form")
    data.update(declined_on=declined_on, offer_again_on=offer_again_on)
    return client.raw.post(url, data=data)


def test_declining_asks_for_a_date_to_offer_again(setup, db):
    client, person, tp = setup
    page = client.get(f"/staff/touchpoints/{tp}/decline")
    assert page.one("#declined_on")["value"] == _today().isoformat()  # today by default
    assert page.one("#offer_again_on")["value"] == ""  # the clinician chooses
    again = _today() + timedelta(days=60)
    _book(client, tp, (_today() + timedelta(days=3)).isoformat(), "10:00")
    response = _decline(client, tp, _today().isoformat(), again.isoformat())
    assert response.status_code == 303
    touchpoint = _touchpoint(db, tp)
    assert (touchpoint.declined_on, touchpoint.offer_again_on) == (_today(), again)
    assert touchpoint.appointment_at is None  # the appointment is cancelled
    page = client.get(f"/staff/patients/{person.id}")
    assert "Said no for now" in page.text(f"#touchpoint-{tp}")
    actions = [e.action for e in db.scalars(select(AccessEvent).where(
        AccessEvent.patient_id == person.id).order_by(AccessEvent.seq))]
    assert actions[:2] == [audit.AccessAction.CHANGED, audit.AccessAction.CHANGED]


@pytest.mark.parametrize(("declined", "again", "field", "message"), [
    (0, None, "offer_again_on", "Enter the date to offer"),
    (0, 0, "offer_again_on", "must be after the date the patient said no"),
    (0, -5, "offer_again_on", "must be after the date the patient said no"),
    (-1, 30, "declined_on", "cannot be in the future"),
    (200, 30, "declined_on", "before the diagnosis date"),
])
def test_bad_decline_dates_are_explained(setup, db, declined, again, field, message):
    client, _person, tp = setup
    declined_on = _today() - timedelta(days=declined)
    offer = "" if again is None else (declined_on + timedelta(days=again)).isoformat()
    page = client.post_page(f"/staff/touchpoints/{tp}/decline",
                            {"csrf_token": client.get("/staff/").csrf_token(),
                             "declined_on": declined_on.isoformat(), "offer_again_on": offer})
    assert message in page.text(f"#{field}-error")
    assert _touchpoint(db, tp).declined_on is None


def test_a_held_conversation_cannot_be_declined(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client = _signed_in(app, factories.staff_member(db, person.pathways[0].hospital))
    tp1 = touchpoint_id(person, 1)
    page = client.get(f"/staff/touchpoints/{tp1}/decline")
    assert "cannot be marked as declined" in page.text(".notice:not(.notice--success)")
    assert not page.select("main form")
    page = client.post_page(f"/staff/touchpoints/{tp1}/decline",
                            {"csrf_token": client.get("/staff/").csrf_token(),
                             "declined_on": _today().isoformat(),
                             "offer_again_on": (_today() + timedelta(days=9)).isoformat()})
    assert "cannot be marked as declined" in page.text(".notice:not(.notice--success)")
    assert _touchpoint(db, tp1).declined_on is None
    patient_page = client.get(f"/staff/patients/{person.id}")
    assert not patient_page.select(f'a[href="/staff/touchpoints/{tp1}/decline"]')


def test_undo_a_decline(setup, db):
    client, _person, tp = setup
    _decline(client, tp, _today().isoformat(), (_today() + timedelta(days=30)).isoformat())
    page = client.get(f"/staff/touchpoints/{tp}/decline")
    assert "said no on" in page.text(".notice:not(.notice--success)")
    response = client.post(f"/staff/touchpoints/{tp}/decline",
                           {"csrf_token": page.csrf_token(), "action": "undo"})
    assert response.status_code == 303
    touchpoint = _touchpoint(db, tp)
    assert (touchpoint.declined_on, touchpoint.offer_again_on) == (None, None)


def test_booking_an_appointment_ends_a_decline(setup, db):
    client, _person, tp = setup
    _decline(client, tp, _today().isoformat(), (_today() + timedelta(days=30)).isoformat())
    page = client.get(f"/staff/touchpoints/{tp}/appointment")
    assert "had said no" in page.text(".notice:not(.notice--success)")
    _book(client, tp, (_today() + timedelta(days=40)).isoformat(), "10:00")
    touchpoint = _touchpoint(db, tp)
    assert touchpoint.declined_on is None
    assert touchpoint.appointment_at is not None


# --- hostile input to this part's forms (the lead wires them into test_hostile_input too) ----

HOSTILE_FIELDS = {
    "/staff/patients/new": ("national_id", "given_name", "family_name", "municipality",
                            "diagnosis_date", "locale", "mobile", "email", "children_under_18"),
    "appointment": ("day", "at", "place", "with_whom", "action"),
    "decline": ("declined_on", "offer_again_on", "action"),
}


def test_hostile_input_never_breaks_these_forms(app, db):
    from hypothesis import HealthCheck, given
    from hypothesis import settings as hypothesis_settings
    from hypothesis import strategies as st

    from tests.integration.test_hostile_input import assert_safe, hostile_value, send

    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    hospital_nurse = _signed_in(app, factories.staff_member(db, person.pathways[0].hospital))
    municipal_nurse = _signed_in(app, factories.staff_member(db, person.pathways[0].municipality))
    token_h = hospital_nurse.get("/staff/").csrf_token()
    token_m = municipal_nurse.get("/staff/").csrf_token()
    tp2 = touchpoint_id(person, 2)

    @given(where=st.sampled_from(sorted(HOSTILE_FIELDS)), data=st.data())
    @hypothesis_settings(max_examples=60, deadline=None, database=None,
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.function_scoped_fixture])
    def check(where: str, data: st.DataObject) -> None:
        fields = HOSTILE_FIELDS[where]
        pairs = [(name, data.draw(hostile_value)) for name in fields
                 if data.draw(st.booleans())]
        if where.startswith("/"):
            client, url, token = hospital_nurse, where, token_h
        else:
            client, url, token = municipal_nurse, f"/staff/touchpoints/{tp2}/{where}", token_m
        response = send(client, url, [("csrf_token", token), *pairs])
        assert response.status_code != 429  # the limits are off for this module (below)
        assert_safe(response, pairs)
        query = {"q": data.draw(hostile_value), "state": data.draw(hostile_value),
                 "touchpoint": data.draw(hostile_value)}
        answer = municipal_nurse.raw.get("/staff/", query_string={
            k: v for k, v in query.items() if isinstance(v, str)})
        assert_safe(answer)

    check()
