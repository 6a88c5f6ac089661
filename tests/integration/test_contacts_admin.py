"""Administrators keep their organisation's contact points and served municipalities current:
create, edit, archive and the history of who changed what and when; every page is scoped to the
administrator's own organisation; bad input gets a message next to the field and changes
nothing; a form without its CSRF token changes nothing either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import demo
from portal.contacts.models import (
    ContactPoint,
    ContactPointChange,
    OpeningException,
    OpeningHours,
    Organisation,
    ServedMunicipality,
)
from portal.contacts.reference import (
    SHIPPED_CSV,
    SHIPPED_VALID_FROM,
    Municipality,
    load_municipalities,
    read_csv,
)
from portal.staff.models import StaffMember
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import fresh

NEW = "/staff/organisation/contacts/new"
LIST = "/staff/organisation/contacts"
MUNICIPALITIES = "/staff/organisation/municipalities"
REMOVE = "/staff/organisation/municipalities/remove"


def edit_url(contact_id: int) -> str:
    return f"/staff/organisation/contacts/{contact_id}"


def archive_url(contact_id: int) -> str:
    return f"/staff/organisation/contacts/{contact_id}/archive"


def history_url(contact_id: int) -> str:
    return f"/staff/organisation/contacts/{contact_id}/history"


@dataclass
class World:
    hospital: Organisation
    municipality: Organisation
    admin: StaffMember
    own_contact: int
    other_contact: int
    other_hospital: Organisation


@pytest.fixture
def world(db: Session) -> World:
    load_municipalities(db, read_csv(SHIPPED_CSV), SHIPPED_VALID_FROM)
    hospital, municipality = factories.organisations(db)
    other_hospital, _ = factories.organisations(db)
    own = ContactPoint(organisation=hospital, role="forlopskoordinator",
                       name="Forløpskoordinator Test", phone="+4755975000")
    other = ContactPoint(organisation=other_hospital, role="forlopskoordinator",
                         name="Someone else's", phone="+4755975000")
    db.add_all([own, other])
    db.commit()
    admin = factories.staff_member(db, hospital, clinician=False, administrator=True,
                                   given_name="Trine")
    return World(hospital, municipality, admin, own.id, other.id, other_hospital)


@pytest.fixture
def admin(app: Any, world: World) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(world.admin.national_id)
    return client


def signed_in(app: Any, member: StaffMember) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    return client


def form_data(page: Page, **values: Any) -> dict[str, Any]:
    return {**page.form_data("main form[method=post]"), **values}


VALID = {
    "role": "kreftsykepleier", "name": "Kreftsykepleier, poliklinikken",
    "phone": "55 97 50 00", "sms": "+47 555 12 001", "email": "Kreft.Sykepleier@Example.ORG",
    "address": "Haukelandsveien 22, 5021 Bergen", "languages": ["en", "nb"],
    "note": "Ring gjerne.", "closed_on_public_holidays": "y",
    "day0_1_opens": "08:00", "day0_1_closes": "11:30",
    "day0_2_opens": "12:00", "day0_2_closes": "15:00",
    "day1_1_opens": "0800", "day1_1_closes": "15.30",
    "exception0_day": "24.12.2026", "exception0_opens": "08:00", "exception0_closes": "12:00",
    "exception1_day": "2026-05-18", "exception1_closed": "y",
}


def contacts_of(db: Session, organisation: Organisation) -> list[ContactPoint]:
    return list(fresh(db).scalars(select(ContactPoint).where(
        ContactPoint.organisation_id == organisation.id).order_by(ContactPoint.id)))


def change_rows(db: Session, contact_id: int) -> list[ContactPointChange]:
    return list(fresh(db).scalars(select(ContactPointChange).where(
        ContactPointChange.contact_point_id == contact_id).order_by(ContactPointChange.id)))


def everything(db: Session) -> tuple[Any, ...]:
    """Every contact point with its hours, and every change and served municipality."""
    fresh(db)
    points = tuple(sorted((c.id, repr(c.snapshot()), str(c.updated_at), str(c.archived_at))
                          for c in db.scalars(select(ContactPoint))))
    counts = tuple(db.scalar(select(func.count()).select_from(model)) for model in (
        ContactPointChange, OpeningHours, OpeningException, ServedMunicipality))
    return points, counts


# --- create, edit, archive, history -----------------------------------------------------------


def test_the_list_shows_the_organisations_own_contact_points_only(admin, world):
    page = admin.get(LIST)
    names = [row.get_text(" ", strip=True) for row in page.select(".contact-admin__name")]
    assert names == ["Forløpskoordinator Test"]
    assert page.select(f'a[href="{edit_url(world.own_contact)}"]')
    assert page.select(f'a[href="{history_url(world.own_contact)}"]')
    assert page.select(f'a[href="{archive_url(world.own_contact)}"]')
    assert not page.select(f'a[href="{edit_url(world.other_contact)}"]')
    assert page.select(f'a[href="{MUNICIPALITIES}"]')  # a hospital trust serves municipalities


def test_the_administrators_start_page_links_to_the_contact_points(admin):
    assert admin.get("/staff/").select(f'main a[href="{LIST}"]')


def test_a_new_contact_point_is_saved_normalised_with_a_change_by_the_administrator(
        admin, world, db):
    page = admin.get(NEW)
    assert page.one("#closed_on_public_holidays").has_attr("checked")  # on by default
    assert page.one("#languages-0")["value"] == "nb"
    assert page.one("#languages-0").has_attr("checked")
    assert page.one("#phone")["type"] == "tel"
    assert page.one("#email")["type"] == "email"
    assert page.one("#day0_1_opens")["type"] == "time"
    assert page.one("#exception0_day")["type"] == "date"
    assert len(page.select("input[name$=_day]")) == 3  # three empty rows for a new one
    response = admin.post(NEW, form_data(page, **VALID))
    assert response.location.endswith(LIST)
    contact = contacts_of(db, world.hospital)[-1]
    assert (contact.role, contact.name, contact.phone, contact.sms, contact.email) == (
        "kreftsykepleier", "Kreftsykepleier, poliklinikken", "+4755975000", "+4755512001",
        "Kreft.Sykepleier@example.org")
    assert contact.address == "Haukelandsveien 22, 5021 Bergen"
    assert contact.languages == "nb,en"  # in the order offered
    assert contact.note == "Ring gjerne."
    assert contact.closed_on_public_holidays is True
    assert [(r.weekday, r.opens, r.closes) for r in contact.opening_hours] == [
        (0, time(8), time(11, 30)), (0, time(12), time(15)), (1, time(8), time(15, 30))]
    assert [(r.day, r.opens, r.closes) for r in contact.exceptions] == [
        (date(2026, 5, 18), None, None), (date(2026, 12, 24), time(8), time(12))]
    [change] = change_rows(db, contact.id)
    assert change.changed_by_id == world.admin.id
    assert change.changed_by_name == world.admin.full_name
    assert change.snapshot == contact.snapshot()
    listed = admin.get(LIST)
    assert listed.select(f'a[href="{edit_url(contact.id)}"]')
    assert "55 97 50 00" in listed.text()  # shown formatted


def test_the_edit_form_shows_the_saved_values_and_saving_them_unchanged_writes_nothing(
        admin, world, db):
    admin.post(NEW, form_data(admin.get(NEW), **VALID))
    contact = contacts_of(db, world.hospital)[-1]
    page = admin.get(edit_url(contact.id))
    assert page.one("#phone")["value"] == "55 97 50 00"
    assert page.one("#sms")["value"] == "55 51 20 01"
    assert page.one("#day0_2_opens")["value"] == "12:00"
    assert page.one("#day1_1_closes")["value"] == "15:30"
    assert page.one("#exception0_day")["value"] == "2026-05-18"
    assert page.one("#exception0_closed").has_attr("checked")
    assert page.one("#exception1_opens")["value"] == "08:00"
    assert len(page.select("input[name$=_day]")) == 5  # two saved, three empty
    before = everything(db)
    response = admin.post(edit_url(contact.id), page.form_data("main form[method=post]"))
    assert response.location.endswith(LIST)
    assert everything(db) == before
    assert len(change_rows(db, contact.id)) == 1


def test_an_edit_is_saved_and_the_history_shows_who_when_and_what(app, admin, world, db):
    admin.post(NEW, form_data(admin.get(NEW), **VALID))
    contact = contacts_of(db, world.hospital)[-1]
    colleague = factories.staff_member(db, world.hospital, clinician=False, administrator=True,
                                       given_name="Kjersti")
    other_admin = signed_in(app, colleague)
    page = other_admin.get(edit_url(contact.id))
    other_admin.post(edit_url(contact.id), form_data(
        page, phone="+47 55 51 20 00", day0_2_opens="", day0_2_closes="", exception0_day="",
        exception0_closed=[]))
    contact = contacts_of(db, world.hospital)[-1]
    assert contact.phone == "+4755512000"
    assert [(r.weekday, r.opens) for r in contact.opening_hours] == [(0, time(8)), (1, time(8))]
    assert [r.day for r in contact.exceptions] == [date(2026, 12, 24)]
    first, second = change_rows(db, contact.id)
    assert second.changed_by_id == colleague.id
    assert second.changed_by_name == colleague.full_name
    assert second.snapshot == contact.snapshot()
    assert first.snapshot != second.snapshot
    history = admin.get(history_url(contact.id))
    sections = history.select("section.contact-change")
    assert len(sections) == 2
    newest, oldest = sections
    assert colleague.full_name in newest.select_one(".contact-change__by").get_text()
    assert world.admin.full_name in oldest.select_one(".contact-change__by").get_text()
    assert newest.select_one("time")["datetime"] >= oldest.select_one("time")["datetime"]
    rows = [[cell.get_text(" ", strip=True) for cell in row.select("td")]
            for row in newest.select("tbody tr")]
    # What changed: the phone, Monday's hours and the exception of 18 May, before and after.
    assert ["55 97 50 00", "55 51 20 00"] in rows
    assert ["08:00–11:30, 12:00–15:00", "08:00–11:30"] in rows
    assert len(rows) == 3
    assert len(oldest.select("thead th")) == 2  # the first version: every value, no "before"


def test_a_contact_point_from_before_the_history_gets_its_old_version_kept(admin, world, db):
    page = admin.get(edit_url(world.own_contact))
    admin.post(edit_url(world.own_contact), form_data(page, name="Forløpskoordinator, kreft"))
    baseline, change = change_rows(db, world.own_contact)
    assert baseline.changed_by_id is None
    assert baseline.snapshot["name"] == "Forløpskoordinator Test"
    assert change.snapshot["name"] == "Forløpskoordinator, kreft"
    history = admin.get(history_url(world.own_contact))
    rows = [[c.get_text(" ", strip=True) for c in r.select("td")]
            for r in history.select("section.contact-change")[0].select("tbody tr")]
    assert rows == [["Forløpskoordinator Test", "Forløpskoordinator, kreft"]]


def test_archiving_hides_the_contact_point_and_keeps_its_history(admin, world, db):
    page = admin.get(archive_url(world.own_contact))
    admin.post(archive_url(world.own_contact), {"csrf_token": page.csrf_token()})
    [contact] = [c for c in contacts_of(db, world.hospital) if c.id == world.own_contact]
    assert contact.archived_at is not None
    assert change_rows(db, world.own_contact)[-1].snapshot["archived"] is True
    listed = admin.get(LIST)
    assert not listed.select(f'a[href="{edit_url(world.own_contact)}"]')
    assert listed.select(f'a[href="{history_url(world.own_contact)}"]')
    admin.get(history_url(world.own_contact))
    admin.get(edit_url(world.own_contact), status=404)
    admin.get(archive_url(world.own_contact), status=404)
    assert admin.raw.post(archive_url(world.own_contact),
                          data={"csrf_token": page.csrf_token()}).status_code == 404


# --- who may -----------------------------------------------------------------------------------


def test_another_organisations_contact_point_is_not_found(admin, world, db):
    token = admin.get(LIST).csrf_token()
    before = everything(db)
    for contact_id in (world.other_contact, 999_999_999, 2**40):
        for url in (edit_url(contact_id), archive_url(contact_id), history_url(contact_id)):
            admin.get(url, status=404)
        for url in (edit_url(contact_id), archive_url(contact_id)):
            response = admin.raw.post(url, data={**VALID, "csrf_token": token})
            assert response.status_code == 404, url
    assert everything(db) == before


def pages(world: World) -> list[str]:
    return [LIST, NEW, edit_url(world.own_contact), archive_url(world.own_contact),
            history_url(world.own_contact), MUNICIPALITIES]


def test_staff_who_are_not_administrators_get_not_found(app, world, db):
    clinician = signed_in(app, factories.staff_member(db, world.hospital))
    for url in pages(world):
        clinician.get(url, status=404)
    patient = factories.patient(db, diagnosed_days_ago=30)
    citizen = PortalClient(app)
    citizen.sign_in(patient.national_id)
    for url in pages(world):
        citizen.get(url, status=404)


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    for url in pages(world):
        response = client.raw.get(url)
        assert response.status_code in (302, 303), url
        assert response.location.split("?")[0].endswith("/sign-in")


def test_a_municipalitys_administrator_keeps_its_own_contact_points_and_serves_nobody(
        app, world, db):
    member = factories.staff_member(db, world.municipality, clinician=False, administrator=True)
    municipal = signed_in(app, member)
    page = municipal.get(LIST)
    assert [a.get_text(strip=True) for a in page.select(".contact-admin__name")] == [
        "Kreftkoordinator Test"]
    assert not page.select(f'a[href="{MUNICIPALITIES}"]')
    municipal.get(MUNICIPALITIES, status=404)
    municipal.get(edit_url(world.own_contact), status=404)
    token = page.csrf_token()
    assert municipal.raw.post(REMOVE, data={"csrf_token": token,
                                            "number": "4601"}).status_code == 404


# --- bad input ----------------------------------------------------------------------------------

#: (what is sent, the field whose message it is). Every other value is VALID's.
BAD = [
    ({"phone": ""}, "phone"),
    ({"phone": "12"}, "phone"),
    ({"phone": "12345678"}, "phone"),  # the right length, but no such number
    ({"phone": "55 97 50 00 ring meg"}, "phone"),
    ({"sms": "sms"}, "sms"),
    ({"email": "kari@"}, "email"),
    ({"email": "kari@example"}, "email"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"address": "x" * 301}, "address"),
    ({"note": "x" * 501}, "note"),
    ({"role": "sjef"}, "role-0"),
    ({"role": []}, "role-0"),
    ({"languages": []}, "languages-0"),
    ({"languages": ["nb", "xx"]}, "languages-0"),
    ({"day0_1_opens": "15:00", "day0_1_closes": "08:00"}, "day0_1_closes"),
    ({"day0_2_opens": "11:00"}, "day0_2_opens"),  # overlaps 08:00–11:30
    ({"day0_1_opens": "25:00"}, "day0_1_opens"),
    ({"day3_1_opens": "08:00"}, "day3_1_closes"),
    ({"day3_2_closes": "16:00"}, "day3_2_opens"),
    ({"exception0_day": "31.02.2026"}, "exception0_day"),
    ({"exception1_day": "24.12.2026"}, "exception1_day"),  # the same day twice
    ({"exception0_opens": "", "exception0_closes": ""}, "exception0_opens"),
    ({"exception1_opens": "08:00", "exception1_closes": "12:00"}, "exception1_opens"),
    ({"exception0_day": ""}, "exception0_day"),
    ({"exception0_opens": "12:00", "exception0_closes": "08:00"}, "exception0_closes"),
    ({"exception2_closes": "12:00"}, "exception2_day"),
]


@pytest.mark.parametrize(("values", "field"), BAD, ids=[f"{f}:{i}" for i, (_, f) in
                                                         enumerate(BAD)])
def test_bad_input_gets_a_message_next_to_the_field_and_changes_nothing(admin, world, db,
                                                                       values, field):
    before = everything(db)
    sent = {**VALID, **values}
    page = admin.post_page(NEW, form_data(admin.get(NEW), **sent))
    assert everything(db) == before
    base = field.removesuffix("-0")
    assert page.one(f"#{base}-error").get_text(strip=True)
    assert page.one(f"#{field}")["aria-invalid"] == "true"
    assert page.select(f'.error-summary a[href="#{field}"]')
    # Nothing typed is lost: every text field shows what was sent.
    for name, value in sent.items():
        if isinstance(value, str) and name not in ("role", "closed_on_public_holidays") \
                and not name.endswith("_closed"):
            shown = page.one(f"[name={name}]")
            assert (shown.get_text() if shown.name == "textarea" else shown["value"]) == value
    assert len(page.select(".error-summary li")) == 1


def test_bad_input_on_an_edit_keeps_the_saved_contact_point_as_it_was(admin, world, db):
    before = everything(db)
    page = admin.get(edit_url(world.own_contact))
    shown = admin.post_page(edit_url(world.own_contact),
                            form_data(page, phone="+47 12", day4_1_opens="16:00",
                                      day4_1_closes="09:00"))
    assert shown.one("#phone-error")
    assert shown.one("#day4_1_closes-error")
    assert shown.one("#phone")["value"] == "+47 12"
    assert everything(db) == before


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(admin, world, db):
    before = everything(db)
    page = admin.get(NEW)
    data = {k: v for k, v in form_data(page, **VALID).items() if k != "csrf_token"}
    assert admin.raw.post(NEW, data=data).status_code == 400
    assert admin.raw.post(edit_url(world.own_contact), data=data).status_code == 400
    assert admin.raw.post(archive_url(world.own_contact), data={}).status_code == 400
    assert admin.raw.post(MUNICIPALITIES, data={"municipality": "4627"}).status_code == 400
    assert admin.raw.post(REMOVE, data={"number": "4601"}).status_code == 400
    assert everything(db) == before


# --- the municipalities a hospital trust serves --------------------------------------------------


def served(db: Session, hospital: Organisation) -> list[str]:
    return list(fresh(db).scalars(select(ServedMunicipality.municipality_number).where(
        ServedMunicipality.hospital_id == hospital.id).order_by(
            ServedMunicipality.municipality_number)))


def add(client: PortalClient, typed: str) -> Any:
    return client.raw.post(MUNICIPALITIES, data={"csrf_token": client.get(MUNICIPALITIES)
                                                 .csrf_token(), "municipality": typed})


@pytest.mark.parametrize(("typed", "number"), [
    ("4627", "4627"), ("Askøy", "4627"), ("askoy", "4627"), (" Bergen ", "4601"),
    ("Kautokeino", "5612"),  # Guovdageaidnu by its Norwegian name
])
def test_a_municipality_is_added_by_number_or_name(admin, world, db, typed, number):
    response = add(admin, typed)
    assert response.status_code == 303
    assert served(db, world.hospital) == [number]
    page = admin.get(MUNICIPALITIES)
    assert page.one(f"#served-{number}")
    assert page.select(f'#served-{number} button[name=number][value="{number}"]')


@pytest.mark.parametrize("typed", ["9999", "123", "Ingensteds", "", "4627x" * 30, "４６２７"])
def test_an_unknown_municipality_gets_a_message_and_changes_nothing(admin, world, db, typed):
    before = everything(db)
    page = Page(add(admin, typed))
    assert page.status == 200
    assert page.one("#municipality-error").get_text(strip=True)
    assert page.one("#municipality")["aria-invalid"] == "true"
    assert page.one("#municipality")["value"] == typed.strip()
    assert page.select('.error-summary a[href="#municipality"]')
    assert everything(db) == before


def test_an_ended_municipality_number_is_refused_with_what_happened(admin, world, db):
    db.add(Municipality(number="1850", name="Tysfjord", county_number="18",
                        county_name="Nordland", valid_from=date(2000, 1, 1),
                        valid_to=date(2019, 12, 31), search_key="tysfjord"))
    db.commit()
    before = everything(db)
    page = Page(add(admin, "1850"))
    assert page.status == 200
    assert "Tysfjord" in page.one("#municipality-error").get_text()
    assert everything(db) == before
    assert Page(add(admin, "Tysfjord")).one("#municipality-error")  # not in force by name
    assert everything(db) == before


def test_a_name_that_fits_several_offers_a_choice(admin, world, db):
    page = Page(add(admin, "Herøy"))  # one in Møre og Romsdal, one in Nordland
    assert page.status == 200
    assert page.one("#municipality-error")
    offered = {b["value"] for b in page.select("button[name=municipality]")}
    assert offered == {"1515", "1818"}
    assert served(db, world.hospital) == []
    token = page.csrf_token()
    admin.post(MUNICIPALITIES, {"csrf_token": token, "municipality": "1818"})
    assert served(db, world.hospital) == ["1818"]


def test_a_municipality_already_served_is_not_added_twice(admin, world, db):
    add(admin, "4627")
    page = Page(add(admin, "Askøy"))
    assert page.status == 200
    assert page.one("#municipality-error")
    assert served(db, world.hospital) == ["4627"]


def test_a_municipality_is_removed_and_only_from_the_own_hospital(app, admin, world, db):
    add(admin, "4627")
    add(admin, "4601")
    world.other_hospital.served_municipalities.append(
        ServedMunicipality(municipality_number="4627"))
    db.commit()
    token = admin.get(MUNICIPALITIES).csrf_token()
    admin.post(REMOVE, {"csrf_token": token, "number": "4627"})
    assert served(db, world.hospital) == ["4601"]
    assert served(db, world.other_hospital) == ["4627"]
    before = everything(db)
    admin.post(REMOVE, {"csrf_token": token, "number": "4627"})  # not served: nothing happens
    admin.post(REMOVE, {"csrf_token": token, "number": "x" * 50})
    assert everything(db) == before


# --- the demo ------------------------------------------------------------------------------------


def test_the_demo_hospital_serves_the_bergen_area_and_has_demo_contact_points(app, db):
    demo.load(db)
    db.commit()
    hospital = db.scalar(select(Organisation).where(
        Organisation.org_number == demo.HOSPITAL_ORG_NUMBER))
    assert hospital is not None
    assert served(db, hospital) == sorted([
        "4601", "4627", "4626", "4631", "4624", "4630", "4628", "4625", "4622", "4632", "4633",
        "4634", "4629", "4621"])
    contacts = hospital.current_contacts
    assert len(contacts) == 3
    assert all("(demo)" in c.name for c in contacts)
    coordinator = contacts[0]
    assert coordinator.sms
    assert coordinator.email.endswith("@example.org")
    assert coordinator.address == "Haukelandsveien 22, 5021 Bergen"
    assert len([r for r in coordinator.opening_hours if r.weekday == 0]) == 2  # lunch break
    [eve] = coordinator.exceptions
    assert (eve.day.month, eve.day.day, eve.opens, eve.closes) == (12, 24, time(8), time(12))
    every = list(db.scalars(select(ContactPoint)))
    assert all(c.phone.startswith("+47555") for c in every)
    for contact in every:
        [change] = contact.changes
        assert (change.changed_by_name, change.changed_by_id) == ("Demodata", None)
    demo.load(db)  # again: nothing new
    db.commit()
    assert len(list(db.scalars(select(ContactPointChange)))) == len(every)
    trond = PortalClient(app)
    trond.sign_in_staff("11096510057")
    assert len(trond.get(LIST).select(".contact-admin__name")) == 3
    assert len(trond.get(MUNICIPALITIES).select(".served > li")) == 14
    mona = PortalClient(app)
    mona.sign_in_staff("16087410130")
    assert [a.get_text(strip=True) for a in mona.get(LIST).select(".contact-admin__name")] == [
        "Kreftkoordinator i Bergen (demo)"]
    mona.get(edit_url(coordinator.id), status=404)
