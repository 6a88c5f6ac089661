"""The public contact lookup: no sign-in; search by any name form or number; a canonical page per
municipality with the municipality's and its hospital trusts' contact points, "open now" at a
fixed moment (weekday, Saturday, public holiday, an exception), 116 117 and 113 when closed; the
vCard; search as you type; the helpful 404; caching; statements that do not grow with the data.

Strings are not translated yet (the lead translates at the end), so the tests assert structure:
ids, classes, hrefs, status codes, and times, which read alike in every language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from portal.contacts import lookup
from portal.contacts.models import (
    ContactPoint,
    OpeningException,
    OpeningHours,
    Organisation,
    OrganisationKind,
    ServedMunicipality,
    monday_to_friday,
)
from portal.contacts.reference import SHIPPED_CSV, Municipality, load_municipalities, read_csv
from portal.db import session_factory
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import signed_in_patient

OSLO = ZoneInfo("Europe/Oslo")
BERGEN = "/contacts/4601-bergen"
#: A Tuesday in winter time, a Saturday, and 1 May (a public holiday, a Friday).
TUESDAY_10 = datetime(2026, 3, 3, 10, 0, tzinfo=OSLO)
SATURDAY_12 = datetime(2026, 3, 7, 12, 0, tzinfo=OSLO)
MAY_DAY_10 = datetime(2026, 5, 1, 10, 0, tzinfo=OSLO)


@dataclass
class Region:
    coordinator: ContactPoint
    nurse: ContactPoint
    archived: ContactPoint
    pathway_coordinator: ContactPoint
    elsewhere: ContactPoint
    bergen: Organisation
    hospital: Organisation


@pytest.fixture
def region(db) -> Region:
    """The municipality reference list; Bergen kommune with two contact points (and an archived
    one); Helse Bergen HF serving Bergen; another trust that does not; Askøy has no organisation
    in the portal."""
    load_municipalities(db, read_csv(SHIPPED_CSV), date(2024, 1, 1))
    bergen = Organisation(kind=OrganisationKind.MUNICIPALITY, name="Bergen kommune",
                          org_number=factories.org_number(), municipality_number="4601")
    coordinator = ContactPoint(
        organisation=bergen, role="kreftkoordinator", name="Kreftkoordinator i Bergen",
        phone="+4755560000", sms="+4791234567", email="kreft@bergen.example.org",
        address="Rådhusgaten 10, 5014 Bergen", languages="nb,en,pl",
        note="Ring gjerne før du kommer.", position=1,
        opening_hours=monday_to_friday(time(8, 0), time(15, 30)))
    nurse = ContactPoint(organisation=bergen, role="kreftsykepleier", name="Kreftsykepleier Åsane",
                         phone="+4755561111", position=2)
    archived = ContactPoint(organisation=bergen, role="annet", name="Gammelt nummer",
                            phone="+4755569999", archived_at=datetime.now(UTC))
    hospital = Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name="Helse Bergen HF",
                            org_number=factories.org_number(),
                            served_municipalities=[ServedMunicipality(municipality_number="4601"),
                                                   ServedMunicipality(municipality_number="4627")])
    lunch = [OpeningHours(weekday=d, opens=time(8, 0), closes=time(11, 30)) for d in range(5)]
    lunch += [OpeningHours(weekday=d, opens=time(12, 0), closes=time(15, 0)) for d in range(5)]
    pathway_coordinator = ContactPoint(organisation=hospital, role="forlopskoordinator",
                                       name="Forløpskoordinator", phone="+4755975000",
                                       opening_hours=lunch)
    stavanger = Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name="Helse Stavanger HF",
                             org_number=factories.org_number(),
                             served_municipalities=[ServedMunicipality(municipality_number="1103")])
    elsewhere = ContactPoint(organisation=stavanger, role="forlopskoordinator",
                             name="Forløpskoordinator i Stavanger", phone="+4751518000")
    db.add_all([bergen, coordinator, nurse, archived, hospital, pathway_coordinator, stavanger,
                elsewhere])
    db.commit()
    return Region(coordinator, nurse, archived, pathway_coordinator, elsewhere, bergen, hospital)


@pytest.fixture
def at(monkeypatch) -> Callable[[datetime], None]:
    """Stand at a fixed moment: ``at(moment)``."""
    def stand(moment: datetime) -> None:
        monkeypatch.setattr(lookup, "now", lambda: moment.astimezone(UTC))
    return stand


def card(page: Page, contact: ContactPoint):
    return page.one(f"#contact-{contact.id}")


def hrefs(tag) -> list[str]:
    return [a["href"] for a in tag.select("a[href]")]


# --- search --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "canonical"), [
    ("Tromsø", "/contacts/5501-tromso"), ("Tromso", "/contacts/5501-tromso"),
    ("TROMSO", "/contacts/5501-tromso"), ("5501", "/contacts/5501-tromso"),
    ("Karasjok", "/contacts/5610-karasjohka"), ("Kárášjohka", "/contacts/5610-karasjohka"),
    ("karasjohka", "/contacts/5610-karasjohka"), ("  bergen ", BERGEN),
    ("Nord-Aurdal", "/contacts/3451-nord-aurdal"),
])
def test_a_search_that_names_one_municipality_goes_to_its_page(client, region, query, canonical):
    response = client.raw.get("/contacts", query_string={"q": query})
    assert response.status_code == 303
    assert urlsplit(response.location).path == canonical
    client.get(canonical)


@pytest.mark.parametrize(("query", "expected"), [
    ("trom", "/contacts/5501-tromso"), ("karas", "/contacts/5610-karasjohka"),
    ("kárá", "/contacts/5610-karasjohka"), ("Berg", BERGEN),
])
def test_a_search_by_the_start_of_any_name_form_lists_the_municipality(client, region, query,
                                                                       expected):
    page = client.get(f"/contacts?q={query}")
    links = [a["href"] for a in page.select("#results a")]
    assert expected in links
    assert page.select("#no-results") == []


def test_two_municipalities_of_the_same_name_are_both_listed(client, region):
    page = client.get("/contacts?q=Herøy")  # one in Nordland, one in Møre og Romsdal
    assert len(page.select("#results a")) == 2


def test_a_search_that_matches_nothing_says_so_and_keeps_what_was_typed(client, region):
    page = client.get("/contacts?q=Atlantis")
    assert page.one("#no-results")
    assert page.one("input#q")["value"] == "Atlantis"
    assert page.one("input#q")["type"] == "search"


def test_a_search_too_long_gets_a_message_next_to_the_field(client, region):
    page = client.get("/contacts?q=" + "b" * 101)
    assert page.one("#q-error")
    assert page.one("input#q")["aria-invalid"] == "true"
    assert page.one(".error-summary a")["href"] == "#q"
    assert page.select("#results") == []


def test_without_a_search_every_municipality_is_listed_by_county(client, region):
    page = client.get("/contacts")
    counties = page.select("details.county")
    assert len(counties) == 15
    links = page.select("details.county a")
    assert len(links) == 357
    assert BERGEN in [a["href"] for a in links]
    label = page.one("label[for=q]")
    assert label.get_text(strip=True)
    assert page.one("form[role=search]")["method"] == "get"
    assert page.select("form[role=search] input[name=csrf_token]") == []


def test_the_search_page_has_a_description_a_canonical_link_and_its_script(client, region):
    page = client.get("/contacts?q=Berg")
    assert page.one('meta[name="description"]')["content"].strip()
    assert page.one('link[rel="canonical"]')["href"] == "http://localhost/contacts"
    assert "contact-search.js" in page.one('script[src*="contact-search"]')["src"]
    municipality = client.get(BERGEN)
    assert municipality.select('script[src*="contact-search"]') == []


# --- a municipality's page -----------------------------------------------------------------------


def test_the_page_lists_the_municipalitys_and_the_serving_trusts_contact_points(client, region,
                                                                              at):
    at(TUESDAY_10)
    page = client.get(BERGEN)
    sections = page.select("main section.organisation")
    assert [s.select_one("h2").get_text(strip=True) for s in sections] == [
        "Bergen kommune", "Helse Bergen HF"]
    shown = {a["id"] for a in page.select("article.contact")}
    assert shown == {f"contact-{c.id}" for c in (region.coordinator, region.nurse,
                                                 region.pathway_coordinator)}
    # Ordered by position within the organisation.
    first = sections[0].select("article.contact")
    assert [a["id"] for a in first] == [f"contact-{region.coordinator.id}",
                                        f"contact-{region.nurse.id}"]
    coordinator = card(page, region.coordinator)
    links = hrefs(coordinator)
    assert "tel:+4755560000" in links
    assert "sms:+4791234567" in links
    assert "mailto:kreft@bergen.example.org" in links
    assert f"/contacts/cards/{region.coordinator.id}.vcf" in links
    assert coordinator.select_one("a.button--call")["href"] == "tel:+4755560000"
    assert "55 56 00 00" in coordinator.select_one("a.button--call").get_text()
    text = coordinator.get_text(" ")
    assert "Rådhusgaten 10, 5014 Bergen" in text
    assert "Ring gjerne før du kommer." in text
    # Languages and weekdays in words, in bokmål (Babel's names).
    for word in ("polsk", "engelsk", "mandag", "fredag"):
        assert word in text
    # A contact point without SMS or e-mail has neither link.
    nurse = hrefs(card(page, region.nurse))
    assert not [h for h in nurse if h.startswith(("sms:", "mailto:"))]


def test_the_page_has_a_title_a_description_and_a_canonical_link(client, region):
    page = client.get(BERGEN)
    assert "Bergen" in page.title
    assert "Bergen" in page.one('meta[name="description"]')["content"]
    assert page.one('link[rel="canonical"]')["href"] == "http://localhost" + BERGEN
    assert page.one("main h1")
    assert page.one("form[role=search] input#q")


def test_the_lunch_break_is_shown_as_two_intervals(client, region, at):
    at(TUESDAY_10)
    hours = card(client.get(BERGEN), region.pathway_coordinator).select(".hours dd")
    assert "08:00–11:30" in hours[0].get_text()
    assert "12:00–15:00" in hours[0].get_text()


def test_archived_and_unrelated_contact_points_are_not_shown(client, region):
    page = client.get(BERGEN)
    assert page.select(f"#contact-{region.archived.id}") == []
    assert page.select(f"#contact-{region.elsewhere.id}") == []
    assert "Helse Stavanger HF" not in page.text()


def test_open_on_a_weekday_morning_closes_at_the_end_of_the_day(client, region, at):
    at(TUESDAY_10)
    coordinator = card(client.get(BERGEN), region.coordinator)
    status = coordinator.select_one(".contact__status")
    assert "contact__status--open" in status["class"]
    assert "15:30" in status.get_text()
    assert coordinator.select(".contact__after-hours") == []


def test_during_the_lunch_break_it_is_closed_and_opens_again_today(client, region, at):
    at(datetime(2026, 3, 3, 11, 45, tzinfo=OSLO))
    hospital = card(client.get(BERGEN), region.pathway_coordinator)
    status = hospital.select_one(".contact__status")
    assert "contact__status--closed" in status["class"]
    assert "12:00" in status.get_text()


def _assert_closed_with_numbers(contact_card, opens: str) -> None:
    status = contact_card.select_one(".contact__status")
    assert "contact__status--closed" in status["class"]
    assert opens in status.get_text()
    after_hours = contact_card.select_one(".contact__after-hours")
    assert {"tel:116117", "tel:113"} <= set(hrefs(after_hours))


def test_closed_on_saturday_with_116_117_and_113(client, region, at):
    at(SATURDAY_12)
    page = client.get(BERGEN)
    _assert_closed_with_numbers(card(page, region.coordinator), "08:00")
    assert "mandag" in card(page, region.coordinator).select_one(".contact__status").get_text()


def test_closed_on_a_public_holiday_opens_the_next_working_day(client, region, at):
    at(MAY_DAY_10)  # Friday 1 May: the next opening is Monday 4 May
    coordinator = card(client.get(BERGEN), region.coordinator)
    _assert_closed_with_numbers(coordinator, "08:00")
    assert "mandag" in coordinator.select_one(".contact__status").get_text()


def test_after_the_spring_clock_change_the_hours_are_still_local(client, region, at):
    # Monday after the last Sunday of March: 07:30 summer time is 05:30 UTC, still closed.
    at(datetime(2026, 3, 30, 5, 30, tzinfo=UTC))
    status = card(client.get(BERGEN), region.coordinator).select_one(".contact__status")
    assert "contact__status--closed" in status["class"]
    at(datetime(2026, 3, 30, 6, 30, tzinfo=UTC))  # 08:30 summer time
    status = card(client.get(BERGEN), region.coordinator).select_one(".contact__status")
    assert "contact__status--open" in status["class"]


def test_an_exception_in_the_next_two_weeks_is_listed_and_applies(client, db, region, at):
    db.add(OpeningException(contact_point_id=region.coordinator.id, day=date(2026, 12, 24),
                            opens=time(8, 0), closes=time(12, 0)))
    db.add(OpeningException(contact_point_id=region.coordinator.id, day=date(2027, 2, 1)))
    db.commit()
    at(datetime(2026, 12, 21, 9, 0, tzinfo=OSLO))
    coordinator = card(client.get(BERGEN), region.coordinator)
    exceptions = coordinator.select(".hours--exceptions .hours__row")
    assert len(exceptions) == 1  # 1 February is more than two weeks off
    assert "12:00" in exceptions[0].get_text()
    at(datetime(2026, 12, 24, 13, 0, tzinfo=OSLO))
    _assert_closed_with_numbers(card(client.get(BERGEN), region.coordinator), "08:00")


def test_a_contact_point_without_opening_hours_is_not_called_open(client, region, at):
    at(TUESDAY_10)
    nurse = card(client.get(BERGEN), region.nurse)
    assert "contact__status--unknown" in nurse.select_one(".contact__status")["class"]
    assert nurse.select(".hours") == []
    assert {"tel:116117", "tel:113"} <= set(hrefs(nurse.select_one(".contact__after-hours")))


def test_a_municipality_without_an_organisation_still_gets_a_page(client, region):
    page = client.get("/contacts/4627-askoy")
    assert page.one("#municipality-not-registered")  # Helse Bergen HF serves Askøy
    assert [s.select_one("h2").get_text(strip=True)
            for s in page.select("section.organisation")] == ["Helse Bergen HF"]
    lonely = client.get("/contacts/0301-oslo")
    assert lonely.one("#nothing-registered")
    assert lonely.select("article.contact") == []
    assert {"tel:116117", "tel:113"} <= set(hrefs(lonely.one("main")))


def test_every_page_of_the_lookup_shows_the_out_of_hours_numbers(client, region):
    for url in ("/contacts", BERGEN, "/contacts/9999-nowhere"):
        response = client.raw.get(url)
        page = Page(response)
        assert {"tel:116117", "tel:113"} <= set(hrefs(page.one("main"))), url


def test_no_sign_in_is_needed_and_anonymous_pages_may_be_cached_briefly(app, region):
    anonymous = PortalClient(app)
    for url in ("/contacts", BERGEN, f"/contacts/cards/{region.coordinator.id}.vcf",
                "/contacts/search.json?q=berg"):
        response = anonymous.raw.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, max-age=300", url
        assert "Accept-Language" in response.headers["Vary"]
        assert "Set-Cookie" not in response.headers


def test_to_a_signed_in_patient_the_same_page_is_not_stored(app, db, region):
    patient = PortalClient(app)
    signed_in_patient(patient, db)
    response = patient.raw.get(BERGEN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert Page(response).one("a.header__contacts")


def test_errors_and_redirects_are_never_cached(client, region):
    for url in ("/contacts/9999-nowhere", "/contacts/4601-bergn", "/contacts?q=Bergen"):
        assert client.raw.get(url).headers["Cache-Control"] == "no-store", url


# --- addresses: canonical, short, unknown --------------------------------------------------------


@pytest.mark.parametrize("wrong", ["/contacts/4601-bergn", "/contacts/4601-BERGEN",
                                   "/contacts/4601-oslo", "/contacts/4601", "/contacts/4601-",
                                   "/contacts/4601/", "/contacts/4601-bergen/"])
def test_another_form_of_the_address_moves_permanently_to_the_canonical_one(client, region,
                                                                            wrong):
    response = client.raw.get(wrong)
    assert response.status_code == 301
    assert urlsplit(response.location).path == BERGEN


@pytest.mark.parametrize("unknown", ["/contacts/9999-nowhere", "/contacts/9999", "/contacts/abcd",
                                     "/contacts/12345-x", "/contacts/x", "/contacts/4601-bergen/x",
                                     "/contacts/%00%00%00%00-x", "/contacts/cards/x.vcf"])
def test_an_unknown_number_is_a_kind_404_with_the_search_box(client, region, unknown):
    page = client.get(unknown, status=404)
    assert page.one("main h1")
    assert page.one("main form[role=search] input#q")
    assert page.select('a[href="/contacts"]')


def test_a_municipality_ended_by_a_reform_says_so(client, db, region):
    db.add(Municipality(number="1850", name="Tysfjord", county_number="18",
                        county_name="Nordland", valid_from=date(1869, 1, 1),
                        valid_to=date(2019, 12, 31), search_key="tysfjord"))
    db.commit()
    page = client.get("/contacts/1850-tysfjord", status=404)
    assert "Tysfjord" in page.one("main h1").get_text()
    assert page.one("main form[role=search]")
    assert client.raw.get("/contacts?q=Tysfjord").status_code == 200  # not found by search


# --- the vCard -----------------------------------------------------------------------------------


def test_the_vcard_downloads_with_its_properties(client, region, at):
    at(TUESDAY_10)
    response = client.raw.get(f"/contacts/cards/{region.coordinator.id}.vcf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/vcard; charset=utf-8"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="kreftkoordinator-i-bergen.vcf"')
    text = response.get_data(as_text=True)
    lines = text.replace("\r\n ", "").split("\r\n")
    assert lines[:2] == ["BEGIN:VCARD", "VERSION:4.0"]
    assert "FN:Kreftkoordinator i Bergen" in lines
    assert "ORG:Bergen kommune" in lines
    assert "TEL;VALUE=uri;TYPE=voice:tel:+4755560000" in lines
    assert "TEL;VALUE=uri;TYPE=text:tel:+4791234567" in lines
    assert "EMAIL;TYPE=work:kreft@bergen.example.org" in lines
    assert "ADR;TYPE=work:;;Rådhusgaten 10\\, 5014 Bergen;;;;" in lines
    note = next(line for line in lines if line.startswith("NOTE:"))
    assert "Ring gjerne før du kommer." in note
    assert "15:30" in note
    assert any(line.startswith("TITLE:") for line in lines)


@pytest.mark.parametrize("which", ["archived", "missing", "huge"])
def test_no_vcard_for_an_archived_or_unknown_contact_point(client, region, which):
    contact_id = {"archived": region.archived.id, "missing": 999999,
                  "huge": 2**40}[which]
    assert client.raw.get(f"/contacts/cards/{contact_id}.vcf").status_code == 404


# --- search as you type --------------------------------------------------------------------------


def test_search_as_you_type_answers_at_most_ten_municipalities_without_health_data(client,
                                                                                   region):
    found = client.raw.get("/contacts/search.json?q=s").get_json()["results"]
    assert len(found) == 10
    assert all(set(item) == {"number", "name", "county", "url"} for item in found)
    bergen = client.raw.get("/contacts/search.json?q=bergen").get_json()["results"]
    assert bergen[0] == {"number": "4601", "name": "Bergen", "county": "Vestland",
                         "url": BERGEN}
    sami = client.raw.get("/contacts/search.json?q=karasjok").get_json()["results"]
    assert sami[0]["url"] == "/contacts/5610-karasjohka"


@pytest.mark.parametrize("query", ["", "   ", "x" * 101, "\x00", "%", "'; DROP TABLE x; --"])
def test_search_as_you_type_with_odd_queries_answers_an_empty_list(client, region, query):
    response = client.raw.get("/contacts/search.json", query_string={"q": query})
    assert response.status_code == 200
    assert response.get_json() == {"results": []}


# --- statements: one per list, whatever the length -----------------------------------------------


def _count(app, client: PortalClient, url: str) -> int:
    engine = session_factory(app).kw["bind"]
    recorded: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        recorded.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.raw.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(recorded)


def test_the_municipality_page_sends_as_many_statements_with_more_contact_points(app, client, db,
                                                                                 region):
    before = _count(app, client, BERGEN)
    for n in range(6):
        db.add(ContactPoint(organisation_id=region.bergen.id, role="kreftsykepleier",
                            name=f"Sykepleier {n}", phone="+4755561111",
                            opening_hours=monday_to_friday(time(8, 0), time(15, 0)),
                            exceptions=[OpeningException(day=lookup.today())]))
    for _ in range(3):
        db.add(Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name="Ekstra HF",
                            org_number=factories.org_number(),
                            served_municipalities=[ServedMunicipality(municipality_number="4601")],
                            contact_points=[ContactPoint(role="forlopskoordinator", name="Ekstra",
                                                         phone="+4755975000")]))
    db.commit()
    after = _count(app, client, BERGEN)
    assert len(client.get(BERGEN).select("article.contact")) == 3 + 6 + 3
    assert after == before
    assert before <= 6  # the municipality, organisations, contact points, hours, exceptions
