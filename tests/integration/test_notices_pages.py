"""Choosing how to hear from the portal (patients and relatives), and the notices written in
the same transaction as the change that causes them: an appointment booked or moved, a
relative invited, a questionnaire sent with an urgent answer."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.contacts.models import ContactPoint
from portal.notices.models import Notice, NoticeKind
from portal.notices.outbox import plan
from portal.pathway.models import Patient
from portal.relatives.models import Relative
from tests import factories
from tests.helpers import Page, PortalClient, path_of
from tests.integration import journey
from tests.integration.journey import fresh, touchpoint_id


@pytest.fixture
def settings(settings):
    return replace(settings, base_url="https://pasientportal.example.no",
                   smtp_host="127.0.0.1", mail_from="varsel@pasientportal.example.no",
                   rate_limit_posts="100000 per minute")


def notices(db, kind: str | None = None) -> list[Notice]:
    query = select(Notice).order_by(Notice.id)
    if kind:
        query = query.where(Notice.kind == kind)
    return list(fresh(db).scalars(query))


def _signed_in(app, national_id: str, staff: bool = False) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(national_id) if staff else client.sign_in(national_id)
    client.raw.get("/language/en")
    return client


def _choose(client: PortalClient, url: str, **values: str):
    page = client.get(url)
    return client.raw.post(url, data={**page.form_data(), **values})


# --- the preferences pages -------------------------------------------------------------------


def test_the_patient_finds_the_page_from_home_and_sees_the_rule_for_not_chosen(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    person.email = "kari@example.no"
    db.commit()
    client = _signed_in(app, person.national_id)
    home = client.get("/patient/")
    assert home.one("#notices-link")["href"] == "/patient/notices"
    page = client.get("/patient/notices")
    assert "You have not chosen yet" in page.text("#notices-now")
    assert "by e-mail now" in page.text("#notices-now")
    assert page.one("#email")["value"] == "kari@example.no"
    assert page.select("input[name=channel][checked]") == []
    assert page.one("form#main-form")


@pytest.mark.parametrize(("values", "field", "says"), [
    ({"channel": "email", "email": ""}, "email", "Enter the e-mail address"),
    ({"channel": "sms", "mobile": ""}, "mobile", "Enter the mobile number"),
    ({"channel": "sms", "mobile": "55 12 34 56"}, "mobile", "Enter a mobile number"),
    ({"channel": "email", "email": "kari@"}, "email", "in the right format"),
    ({"channel": "post"}, "channel", "Choose one of the options"),
])
def test_a_wrong_choice_is_explained_next_to_its_field_and_nothing_saved(app, db, values,
                                                                          field, says):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client = _signed_in(app, person.national_id)
    page = Page(_choose(client, "/patient/notices", **{"mobile": "", "email": "", **values}))
    assert page.status == 200
    assert says in page.text(f"#{field}-error")
    assert page.select(".error-summary a")[0]["href"].startswith(f"#{field}")
    assert fresh(db).get(Patient, person.id).notice_channel is None


def test_the_patient_chooses_text_messages_and_the_number_is_stored_as_e164(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client = _signed_in(app, person.national_id)
    response = _choose(client, "/patient/notices", channel="sms", mobile="912 34 567",
                       email="Kari@Example.no")
    assert response.status_code == 303
    stored = fresh(db).get(Patient, person.id)
    assert (stored.notice_channel, stored.mobile, stored.email) == (
        "sms", "+4791234567", "Kari@example.no")
    page = client.get("/patient/notices")
    assert "by text message now" in page.text("#notices-now")
    assert page.select("input[name=channel][checked]")[0]["value"] == "sms"


def test_a_patient_who_chooses_none_gets_no_notice(app, db, settings):
    person = factories.patient(db, diagnosed_days_ago=0)
    person.email = "kari@example.no"
    db.commit()
    client = _signed_in(app, person.national_id)
    assert _choose(client, "/patient/notices", channel="none").status_code == 303
    tp = fresh(db).get(Patient, person.id).current_pathway.touchpoints[0]
    with app.app_context():
        planned = plan(db, settings, tp.pathway.diagnosis_date)
    db.commit()
    assert planned.questionnaire_open == 0
    assert notices(db) == []


def test_a_relative_chooses_too_and_cannot_open_the_patients_page(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    relative = factories.relative(db, person)
    client = _signed_in(app, relative.national_id)
    assert client.get("/relative/").one("#notices-link a")["href"] == "/relative/notices"
    client.get("/patient/notices", status=404)
    response = _choose(client, "/relative/notices", channel="email", email="liv@example.no")
    assert response.status_code == 303
    stored = fresh(db).get(Relative, relative.id)
    assert (stored.notice_channel, stored.email) == ("email", "liv@example.no")
    patient_client = _signed_in(app, person.national_id)
    patient_client.get("/relative/notices", status=404)


# --- hooks ---------------------------------------------------------------------------------


def _book(client: PortalClient, tp: int, day: str, at: str):
    url = f"/staff/touchpoints/{tp}/appointment"
    page = client.get(url)
    return client.raw.post(url, data={"csrf_token": page.csrf_token(), "day": day, "at": at,
                                      "place": "Helsehuset", "with_whom": "Sykepleier"})


def test_booking_and_moving_an_appointment_each_make_one_notice(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    person.mobile = "+4791234567"
    db.commit()
    tp = touchpoint_id(person, 2)
    nurse = factories.staff_member(db, person.pathways[0].municipality)
    client = _signed_in(app, nurse.national_id, staff=True)
    day = (journey.touchpoint_row(db, tp).pathway.diagnosis_date + timedelta(days=130))
    assert _book(client, tp, day.isoformat(), "10:00").status_code == 303
    assert _book(client, tp, day.isoformat(), "10:00").status_code == 303  # saved again
    [booked] = notices(db, NoticeKind.APPOINTMENT)
    assert (booked.channel, booked.recipient, booked.patient_id, booked.touchpoint_id,
            booked.link) == ("sms", "+4791234567", person.id, tp, "/patient/")
    assert _book(client, tp, day.isoformat(), "11:30").status_code == 303
    assert len(notices(db, NoticeKind.APPOINTMENT)) == 2


def test_a_failed_booking_leaves_no_notice(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    person.email = "kari@example.no"
    db.commit()
    tp = touchpoint_id(person, 2)
    nurse = factories.staff_member(db, person.pathways[0].municipality)
    client = _signed_in(app, nurse.national_id, staff=True)
    assert _book(client, tp, "not a date", "10:00").status_code == 200
    assert notices(db) == []


def _invite(app, db, **values: str) -> tuple[Patient, Page]:
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client = _signed_in(app, person.national_id)
    page = client.get("/patient/relatives/invite")
    response = client.raw.post("/patient/relatives/invite", data={
        **page.form_data(), "name": "Liv Nordmann", "relation": "datter", **values})
    assert response.status_code == 303
    return person, client.get(path_of(response.location))


def test_an_invitation_is_sent_by_email_when_a_mailer_is_configured(app, db):
    person, page = _invite(app, db, email="liv@example.no", mobile="912 34 567")
    [notice] = notices(db)
    token = page.one("#invitation-link")["value"].rsplit("/", 1)[1]
    assert (notice.kind, notice.channel, notice.recipient, notice.link, notice.locale) == (
        "invitation", "email", "liv@example.no", f"/invitations/{token}", "en")
    assert notice.patient_id == person.id
    assert "sending the link by e-mail to liv@example.no" in page.text("#invitation-sent")


def test_without_a_sender_for_the_address_given_the_patient_sends_it(app, db):
    _person, page = _invite(app, db, email="", mobile="912 34 567")  # no SMS gateway here
    assert notices(db) == []
    assert "does not send the link" in page.text("#invitation-sent")


@pytest.mark.parametrize("on", [True, False])
def test_an_urgent_questionnaire_tells_the_team_only_when_the_setting_is_on(app, db, on):
    app.extensions["portal.settings"] = replace(app.extensions["portal.settings"],
                                                notice_urgent_to_team=on)
    client = PortalClient(app)
    person, tp = journey.signed_in_patient(client, db)
    municipality = person.pathways[0].municipality
    db.add(ContactPoint(organisation=municipality, role="kreftsykepleier", name="Team",
                        phone="+4755000000", email="team@kommune.example.no", position=5))
    db.commit()
    journey.answer(client, tp, "mental_health", {"mental_health_concern": "very_much",
                                                 "mental_health_self_harm": "yes"})
    journey.submit(client, tp)
    found = notices(db, NoticeKind.URGENT_TO_TEAM)
    if not on:
        assert found == []
        return
    [notice] = found
    assert (notice.channel, notice.recipient, notice.link, notice.organisation_id) == (
        "email", "team@kommune.example.no", "/staff/", municipality.id)
    assert notice.patient_id is None
    journey.answer(client, tp, "what_matters", {"what_matters": "Endret"})
    journey.submit(client, tp)  # a correction: still one notice
    assert len(notices(db, NoticeKind.URGENT_TO_TEAM)) == 1
