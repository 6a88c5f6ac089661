"""The patient's own contact page: the hospital first until the hand-over, the municipality
after; always the out-of-hours numbers; the GP, which the patient adds or corrects; who is
responsible for each agreed action; nothing of another patient's; one tap away on every page."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import event, select

from portal.clinician.models import AgreedAction
from portal.contacts.models import ContactPoint, Organisation, monday_to_friday
from portal.db import session_factory
from portal.pathway.models import Patient
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import fresh, step_url, touchpoint_id

URL = "/patient/contacts"


def hospital_contact(db, person: Patient) -> ContactPoint:
    contact = ContactPoint(organisation=person.pathways[0].hospital, role="forlopskoordinator",
                           name="Forløpskoordinator Test HF", phone="+4755975000",
                           opening_hours=monday_to_friday(time(8, 0), time(15, 0)))
    db.add(contact)
    db.commit()
    return contact


def municipal_contact(person: Patient) -> ContactPoint:
    return person.pathways[0].municipality.contact_points[0]


def signed_in(app, person: Patient) -> PortalClient:
    client = PortalClient(app)
    client.sign_in(person.national_id)
    return client


def hand_over(db, person: Patient) -> None:
    person.pathways[0].handed_over_at = datetime.now(UTC)
    db.commit()


def stored(db, person: Patient) -> tuple[str | None, str | None]:
    found = fresh(db).get(Patient, person.id)
    return found.gp_name, found.gp_phone


# --- whom to call, by stage ----------------------------------------------------------------------


def test_before_the_hand_over_the_hospital_comes_first(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    hospital = hospital_contact(db, person)
    page = signed_in(app, person).get(URL)
    now = page.one("#contact-now")
    assert now.select_one(f"#contact-{hospital.id}")
    assert now.select_one(f"#contact-{municipal_contact(person).id}") is None
    also = page.one("#contact-also")
    assert also.select_one(f"#contact-{municipal_contact(person).id}")
    assert "tel:+4755975000" in [a["href"] for a in now.select("a.button--call")]


def test_after_the_hand_over_the_municipality_comes_first(app, db):
    person = factories.patient(db, diagnosed_days_ago=40, held=(1,))
    hospital = hospital_contact(db, person)
    hand_over(db, person)
    page = signed_in(app, person).get(URL)
    assert page.one("#contact-now").select_one(f"#contact-{municipal_contact(person).id}")
    assert page.one("#contact-also").select_one(f"#contact-{hospital.id}")


def test_a_hand_over_never_recorded_switches_once_a_municipal_conversation_opens(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))  # touchpoint 2 is open
    page = signed_in(app, person).get(URL)
    assert page.one("#contact-now").select_one(f"#contact-{municipal_contact(person).id}")


def test_the_out_of_hours_numbers_are_always_there(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    page = signed_in(app, person).get(URL)
    links = [a["href"] for a in page.select("main section.safety a")]
    assert {"tel:113", "tel:116117"} <= set(links)


def test_a_patient_without_a_pathway_still_gets_the_numbers_and_the_gp_form(app, db):
    person = Patient(national_id=factories.national_id(), given_name="Uten", family_name="Forløp")
    db.add(person)
    db.commit()
    page = signed_in(app, person).get(URL)
    assert page.select("#contact-now") == []
    assert {"tel:113", "tel:116117"} <= {a["href"] for a in page.select("main section.safety a")}
    assert page.one("#gp_name")


# --- the GP --------------------------------------------------------------------------------------


def test_the_gp_is_added_and_shown_with_a_call_button(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    client = signed_in(app, person)
    page = client.get(URL)
    assert page.one("#gp_name")["value"] == ""
    assert page.select("#gp a.button--call") == []
    response = client.post(URL, {"csrf_token": page.csrf_token(), "gp_name": "  Dr. Lege  ",
                                 "gp_phone": "55 12 34 56"})
    assert response.location.endswith("/patient/contacts#gp")
    assert stored(db, person) == ("Dr. Lege", "+4755123456")
    page = client.get(URL)
    assert page.one("#gp a.button--call")["href"] == "tel:+4755123456"
    assert page.one("#gp_name")["value"] == "Dr. Lege"
    assert page.one("#gp_phone")["value"] == "55 12 34 56"
    assert page.one(".notice--success")


@pytest.mark.parametrize("phone", ["12", "55 12 34 5", "+47 00000000", "ring meg", "5" * 31])
def test_a_bad_gp_phone_is_refused_next_to_the_field_and_nothing_is_saved(app, db, phone):
    person = factories.patient(db, diagnosed_days_ago=5)
    client = signed_in(app, person)
    page = client.get(URL)
    page = client.post_page(URL, {"csrf_token": page.csrf_token(), "gp_name": "Dr. Lege",
                                  "gp_phone": phone})
    assert page.one("#gp_phone-error")
    assert page.one("#gp_phone")["aria-invalid"] == "true"
    assert page.one("#gp_phone")["value"] == phone  # what was typed is kept
    assert page.one("#gp_name")["value"] == "Dr. Lege"
    assert page.one(".error-summary a")["href"] == "#gp_phone"
    assert stored(db, person) == (None, None)


def test_the_gp_needs_a_name_and_a_phone_is_optional(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    client = signed_in(app, person)
    token = client.get(URL).csrf_token()
    page = client.post_page(URL, {"csrf_token": token, "gp_name": " ", "gp_phone": ""})
    assert page.one("#gp_name-error")
    assert stored(db, person) == (None, None)
    client.post(URL, {"csrf_token": token, "gp_name": "Legekontoret", "gp_phone": ""})
    assert stored(db, person) == ("Legekontoret", None)


def test_a_foreign_gp_number_is_kept_with_its_country_code(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    client = signed_in(app, person)
    client.post(URL, {"csrf_token": client.get(URL).csrf_token(), "gp_name": "Dr. Svensson",
                      "gp_phone": "+46 8 123 456 78"})
    assert stored(db, person) == ("Dr. Svensson", "+46812345678")


def test_the_gp_form_without_its_token_changes_nothing(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    client = signed_in(app, person)
    response = client.raw.post(URL, data={"gp_name": "Dr. Lege", "gp_phone": "55123456"})
    assert response.status_code == 400
    assert stored(db, person) == (None, None)


# --- agreed actions ------------------------------------------------------------------------------


def test_the_person_responsible_for_each_agreed_action_is_listed_with_links(app, db):
    person = factories.patient(db, diagnosed_days_ago=40, held=(1,))
    nurse = factories.staff_member(db, person.pathways[0].hospital)
    action = AgreedAction(touchpoint_id=touchpoint_id(person, 1), what="Time hos sosionom",
                          responsible="NAV Bergenhus", contact="Ring 55 97 00 00 eller post@nav.no",
                          created_by_id=nurse.id)
    db.add(action)
    db.commit()
    page = signed_in(app, person).get(URL)
    item = page.one(f"#responsible-{action.id}")
    assert "NAV Bergenhus" in item.get_text()
    assert [a["href"] for a in item.select("a")] == ["tel:+4755970000", "mailto:post@nav.no"]


# --- another patient -----------------------------------------------------------------------------


def test_another_patients_data_never_appears(app, db):
    person = factories.patient(db, diagnosed_days_ago=40, held=(1,))
    other = factories.patient(db, diagnosed_days_ago=40, held=(1,))
    other.gp_name, other.gp_phone = "Dr. Hemmelig", "+4755000000"
    nurse = factories.staff_member(db, other.pathways[0].hospital)
    db.add(AgreedAction(touchpoint_id=touchpoint_id(other, 1), what="Hemmelig tiltak",
                        responsible="Hemmelig ansvarlig", created_by_id=nurse.id))
    db.add(ContactPoint(organisation=other.pathways[0].hospital, role="kontaktlege",
                        name="Annen kontaktlege", phone="+4755999999"))
    other.pathways[0].municipality.name = "Annen kommune"
    db.commit()
    client = signed_in(app, person)
    text = client.get(URL).text()
    for secret in ("Dr. Hemmelig", "Hemmelig tiltak", "Hemmelig ansvarlig", "Annen kontaktlege",
                   "Annen kommune", "55 00 00 00"):
        assert secret not in text
    # Changing "the GP" changes only one's own.
    client.post(URL, {"csrf_token": client.get(URL).csrf_token(), "gp_name": "Dr. Min"})
    assert stored(db, other) == ("Dr. Hemmelig", "+4755000000")
    assert stored(db, person) == ("Dr. Min", None)


@pytest.mark.parametrize("who", ["relative", "staff"])
def test_only_patients_have_a_contact_page(app, db, who):
    person = factories.patient(db, diagnosed_days_ago=5)
    client = PortalClient(app)
    if who == "relative":
        client.sign_in(factories.relative(db, of=person).national_id)
    else:
        client.sign_in_staff(factories.staff_member(db, person.pathways[0].hospital).national_id)
    assert client.raw.get(URL).status_code == 404
    assert client.raw.post(URL, data={"gp_name": "x"}).status_code in (400, 404)
    assert stored(db, person) == (None, None)


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.raw.get(URL)
    assert response.status_code in (302, 303)
    assert response.location.split("?")[0].endswith("/sign-in")


# --- one tap away --------------------------------------------------------------------------------


def test_the_header_links_to_the_contact_page_on_every_patient_page(app, db):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client = signed_in(app, person)
    tp = touchpoint_id(person, 2)
    for url in ("/patient/", step_url(tp, 1), "/patient/access-log", URL, "/contacts",
                "/patient/no-such-page"):
        response = client.raw.get(url)
        link = Page(response).one("header a.header__contacts")
        assert link["href"] == URL, url


def test_nobody_else_gets_the_header_link(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    assert Page(PortalClient(app).raw.get("/contacts")).select("a.header__contacts") == []
    relative = PortalClient(app)
    relative.sign_in(factories.relative(db, of=person).national_id)
    assert relative.get("/relative/").select("a.header__contacts") == []


# --- statements ----------------------------------------------------------------------------------


def _count(app, client: PortalClient) -> int:
    engine = session_factory(app).kw["bind"]
    recorded: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        recorded.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.raw.get(URL).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(recorded)


def test_the_page_sends_as_many_statements_with_more_contact_points(app, db):
    person = factories.patient(db, diagnosed_days_ago=5)
    hospital_contact(db, person)
    client = signed_in(app, person)
    before = _count(app, client)
    hospital = db.scalar(select(Organisation).where(
        Organisation.id == person.pathways[0].hospital_id))
    for n in range(5):
        db.add(ContactPoint(organisation=hospital, role="kontaktlege", name=f"Lege {n}",
                            phone="+4755975000",
                            opening_hours=monday_to_friday(time(8, 0), time(15, 0))))
    db.commit()
    assert _count(app, client) == before
