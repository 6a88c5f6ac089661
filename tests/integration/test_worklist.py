"""The worklist: the organisation's coming conversations, unopened questionnaires, open
touchpoints with nothing booked and declines due to be offered again; search and filters; a
constant number of queries; administrators are pointed to the access log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from portal.audit.models import AccessEvent
from portal.clinician import queries
from portal.db import session_factory
from portal.pathway import identity, status
from portal.pathway.models import Patient, Touchpoint
from portal.questionnaire.models import Response
from portal.settings import current as current_settings
from tests import factories
from tests.helpers import Page, PortalClient

OSLO = ZoneInfo("Europe/Oslo")


def _today() -> date:
    return datetime.now(OSLO).date()


def _at(days: int, hour: int = 10) -> datetime:
    """``hour`` o'clock Norwegian time, ``days`` from today."""
    return datetime.combine(_today() + timedelta(days=days), datetime.min.time(),
                            tzinfo=OSLO).replace(hour=hour).astimezone(UTC)


def _tp(person: Patient, number: int) -> Touchpoint:
    return next(t for t in person.pathways[0].touchpoints if t.number == number)


class World:
    def __init__(self, db: Session) -> None:
        self.db = db
        self.hospital, self.municipality = factories.organisations(db)

    def patient(self, given: str, family: str, diagnosed_days_ago: int) -> Patient:
        return factories.pathway_patient(self.db, self.hospital, self.municipality,
                                         _today() - timedelta(days=diagnosed_days_ago),
                                         given_name=given, family_name=family)


def _signed_in(app, member) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    client.raw.get("/language/en")  # the messages as written; the catalogs come later
    return client


def _names(page: Page, table: str) -> list[str]:
    return [" ".join(th.get_text().split()) for th in page.select(f"#{table} tbody th")]


def _row(page: Page, table: str, name: str) -> str:
    for row in page.select(f"#{table} tbody tr"):
        if " ".join(row.th.get_text().split()) == name:
            return " ".join(row.get_text(" ").split())
    raise AssertionError(f"{name} not in {table}")


@pytest.fixture
def world(db: Session) -> World:
    w = World(db)
    # Coming conversations (touchpoint 2, the municipality's).
    a = w.patient("Anne", "Aas", 100)
    _tp(a, 2).appointment_at = _at(3)
    b = w.patient("Bjørn", "Berg", 100)
    _tp(b, 2).appointment_at = _at(1)
    c = w.patient("Cecilie", "Dahl", 100)
    _tp(c, 2).appointment_at = _at(20)  # beyond the 14 days
    # Open, nothing booked: touchpoint 2 of E is overdue (past 4 months).
    w.patient("Dag", "Eide", 100)
    e = w.patient("Eva", "Fjeld", 200)
    _tp(e, 2).appointment_at = _at(-10)  # a past appointment books nothing ahead
    # Declined: F's date to offer again has come, G's has not.
    f = w.patient("Frode", "Gran", 100)
    _tp(f, 2).declined_on, _tp(f, 2).offer_again_on = _today() - timedelta(days=30), _today()
    g = w.patient("Guro", "Hauge", 100)
    _tp(g, 2).declined_on = _today() - timedelta(days=3)
    _tp(g, 2).offer_again_on = _today() + timedelta(days=1)
    # Upcoming (diagnosed last week): touchpoint 2 is not open yet.
    w.patient("Øyvind", "Sæther", 7)
    db.commit()
    factories.response(db, _tp(a, 2), urgent=True,
                       submitted_at=datetime.now(UTC) - timedelta(days=1))
    factories.response(db, _tp(b, 2), submitted=False)
    factories.response(db, _tp(c, 2), read=True)  # sent and opened
    w.nurse = factories.staff_member(db, w.municipality)
    return w


def test_the_sections_of_a_municipal_worklist(app, world):
    page = _signed_in(app, world.nurse).get("/staff/")
    assert _names(page, "coming") == ["Berg, Bjørn", "Aas, Anne"]  # in time order
    assert "Started, not sent" in _row(page, "coming", "Berg, Bjørn")
    anne = _row(page, "coming", "Aas, Anne")
    assert "Urgent" in anne
    assert "Answers sent" in anne
    assert _names(page, "unread") == ["Aas, Anne"]  # Cecilie's was opened
    assert _names(page, "unbooked") == ["Fjeld, Eva", "Eide, Dag"]  # earliest window first
    assert "Overdue" in _row(page, "unbooked", "Fjeld, Eva")
    assert "Overdue" not in _row(page, "unbooked", "Eide, Dag")
    assert "Not started" in _row(page, "unbooked", "Eide, Dag")
    assert _names(page, "offer-again") == ["Gran, Frode"]
    links = [a["href"] for a in page.select("#coming tbody a")]
    assert all(href.startswith("/staff/patients/") for href in links)
    # Name, age, touchpoint, date, status: nothing more.
    assert len(page.select("#coming thead th")) == 5
    anne_row = page.select("#coming tbody tr")[1]
    born = identity.birth_date(world.db.scalar(
        select(Patient.national_id).where(Patient.family_name == "Aas")))
    age = _today().year - born.year - ((_today().month, _today().day) < (born.month, born.day))
    assert anne_row.select("td")[0].get_text().strip() == f"{age} years"
    assert not page.select('a[href="/staff/patients/new"]')  # only hospitals enrol


def test_the_hospital_sees_its_own_touchpoints_only(app, db, world):
    tp1 = _tp(world.patient("Hilde", "Isaksen", 3), 1)
    tp1.appointment_at = _at(2)
    db.commit()
    page = _signed_in(app, factories.staff_member(db, world.hospital)).get("/staff/")
    assert _names(page, "coming") == ["Isaksen, Hilde"]
    assert not page.select("#unread")
    assert page.one('a[href="/staff/patients/new"]')


def test_the_worklist_is_not_logged_opening_a_patient_is(app, db, world):
    client = _signed_in(app, world.nurse)
    page = client.get("/staff/")
    assert db.scalars(select(AccessEvent)).first() is None
    db.commit()
    client.get(page.select("#coming tbody a")[0]["href"])
    db.commit()
    assert [e.action for e in db.scalars(select(AccessEvent))] == ["opened_patient"]


@pytest.mark.parametrize(("q", "found"), [
    ("øyvind", ["Sæther, Øyvind"]),
    ("SÆTHER", ["Sæther, Øyvind"]),
    ("sæther øyv", ["Sæther, Øyvind"]),
    ("bjørn berg", ["Berg, Bjørn"]),
    ("e", None),  # most names
    ("%", []),  # a wildcard is a character like any other
    ("Nobody", []),
])
def test_search_by_name_in_any_case(app, world, q, found):
    page = _signed_in(app, world.nurse).get("/staff/", query_string={"q": q, "touchpoint": "2"})
    names = _names(page, "results")
    if found is None:
        assert len(names) > 3
    else:
        assert names == found
    assert not page.select("#coming")


def test_search_by_identity_number(app, db, world):
    person = db.scalar(select(Patient).where(Patient.family_name == "Berg"))
    client = _signed_in(app, world.nurse)
    page = client.get("/staff/", query_string={"q": person.national_id})
    assert _names(page, "results") == ["Berg, Bjørn", "Berg, Bjørn"]  # touchpoints 2 and 3
    spaced = f"{person.national_id[:6]} {person.national_id[6:]}"
    assert _names(client.get("/staff/", query_string={"q": spaced}), "results") == [
        "Berg, Bjørn", "Berg, Bjørn"]


@pytest.mark.parametrize(("q", "message"), [
    ("1234567890", "11 digits"),
    ("12345678901", "not a valid identity number"),
])
def test_a_bad_identity_number_is_explained(app, world, q, message):
    page = _signed_in(app, world.nurse).get("/staff/", query_string={"q": q})
    assert message in page.text("#q-error")
    assert page.one("#q")["value"] == q
    assert page.title.startswith("Error:")
    assert not page.select("#results")


@pytest.mark.parametrize(("state", "names"), [
    ("declined", ["Gran, Frode", "Hauge, Guro"]),
    ("overdue", ["Fjeld, Eva"]),
    ("submitted", ["Aas, Anne", "Dahl, Cecilie"]),
    ("upcoming", ["Sæther, Øyvind"]),
])
def test_filter_by_state(app, world, state, names):
    page = _signed_in(app, world.nurse).get("/staff/", query_string={"state": state,
                                                                     "touchpoint": "2"})
    assert _names(page, "results") == names
    assert page.one("#state option[selected]")["value"] == state


def test_a_forged_filter_is_refused_kindly(app, world):
    page = _signed_in(app, world.nurse).get("/staff/", query_string={"state": "nonsense",
                                                                     "touchpoint": "7"})
    assert "Choose one of the options" in page.text("#state-error")
    assert "Choose one of the options" in page.text("#touchpoint-error")


def test_lists_are_bounded_and_say_so(app, world, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 1)
    monkeypatch.setattr(queries.coming_conversations, "__defaults__", (1,))
    page = _signed_in(app, world.nurse).get("/staff/")
    assert _names(page, "coming") == ["Berg, Bjørn"]
    assert "Showing the first 1" in page.text("section:has(#coming)")


def test_an_administrator_who_is_not_a_clinician_is_pointed_to_the_access_log(app, db):
    hospital, _municipality = factories.organisations(db)
    admin = factories.staff_member(db, hospital, clinician=False, administrator=True)
    page = _signed_in(app, admin).get("/staff/")
    assert page.one('main a[href="/admin/access-log"]')
    assert not page.select("table")
    assert not page.select("form[role=search]")


@contextmanager
def _counting(app) -> Iterator[list[str]]:
    engine = session_factory(app).kw["bind"]
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_data(app, db, world):
    client = _signed_in(app, world.nurse)
    client.get("/staff/")
    with _counting(app) as few:
        client.get("/staff/")
    for n in range(12):
        person = world.patient(f"Ny{n}", "Pasient", 100 + n * 20)
        _tp(person, 2).appointment_at = _at(n % 5)
        if n % 3 == 0:
            _tp(person, 3).declined_on = _today() - timedelta(days=1)
            _tp(person, 3).offer_again_on = _today()
    db.commit()
    with _counting(app) as many:
        page = client.get("/staff/")
    assert len(_names(page, "coming")) > 2
    assert len(many) == len(few), many


# --- the state filter agrees with the pathway's rules ----------------------------------------


def test_every_state_in_sql_is_the_state_the_rules_give(app, db):
    """Touchpoints in every corner (windows, appointments near the opening day, responses)
    are each found by exactly the SQL filter of the state ``status.status`` gives them."""
    w = World(db)
    appointments = [None, -40, -1, 0, 1, 20, 21, 22, 60]
    touchpoints: list[Touchpoint] = []
    for diagnosed in (0, 5, 20, 40, 70, 80, 95, 120, 130, 340, 360, 380, 560, 600):
        for n, days in enumerate(appointments):
            person = w.patient(f"P{diagnosed}", f"A{n}", diagnosed)
            for number in (1, 2, 3):
                touchpoint = _tp(person, number)
                touchpoint.organisation_id = w.municipality.id  # all in one list
                touchpoint.appointment_at = None if days is None else _at(days, hour=0)
                touchpoints.append(touchpoint)
            if n == 1:
                _tp(person, 2).held_on = _today() - timedelta(days=1)
            if n == 2:
                _tp(person, 3).declined_on = _today()
                _tp(person, 3).offer_again_on = _today() + timedelta(days=5)
    db.commit()
    for i, touchpoint in enumerate(touchpoints[::4]):
        factories.response(db, touchpoint, submitted=i % 2 == 0)
    responses = {r.touchpoint_id: r for r in db.scalars(select(Response))}
    with app.test_request_context():
        settings = current_settings()
        clock = queries.Clock(_today(), settings.display_timezone)
        expected: dict[str, set[int]] = {}
        for touchpoint in touchpoints:
            found = status.status(touchpoint, responses.get(touchpoint.id), settings, _today())
            expected.setdefault(str(found.state), set()).add(touchpoint.id)
            if found.overdue:
                expected.setdefault("overdue", set()).add(touchpoint.id)
        session = session_factory(app)()
        try:
            for state in ("upcoming", "open", "submitted", "held", "declined", "overdue"):
                listing = queries.search(session, w.municipality.id, clock, settings,
                                         national_id=None, words=[], number=None, state=state,
                                         limit=10_000)
                assert {row.touchpoint.id for row in listing.rows} == expected.get(state, set()), \
                    state
        finally:
            session.close()
    assert len(expected) == 6  # every state occurs


# --- the staff patient page ------------------------------------------------------------------


def test_the_patient_page_header_and_what_each_reader_may_do(app, db):
    hospital, municipality = factories.organisations(db)
    person = factories.pathway_patient(db, hospital, municipality, _today() - timedelta(days=40),
                                       given_name="Åse", family_name="Ødegård")
    person.mobile, person.email, person.children_under_18 = "+4791234567", "ase@example.no", True
    person.preferred_locale = "nn"
    db.commit()
    tp1, tp2 = _tp(person, 1), _tp(person, 2)
    nurse = _signed_in(app, factories.staff_member(db, hospital))
    page = nurse.get(f"/staff/patients/{person.id}")
    facts = page.text(".patient-facts")
    assert identity.masked(person.national_id) in facts
    assert person.national_id not in page.soup.get_text()
    for shown in (municipality.name, hospital.name, "Norsk nynorsk", "91 23 45 67",
                  "ase@example.no", "Yes"):
        assert shown in facts, shown
    assert page.one('a[href="tel:+4791234567"]')
    first = page.text(f"#touchpoint-{tp1.id}")
    assert "Overdue" in first  # diagnosed 40 days ago, touchpoint 1 due within a month
    assert page.one(f'a[href="/staff/touchpoints/{tp1.id}/summary"]')
    assert page.one(f'a[href="/staff/touchpoints/{tp1.id}/appointment"]')
    assert page.one(f'a[href="/staff/touchpoints/{tp1.id}/decline"]')
    assert not page.select(f'#touchpoint-{tp2.id} a[href*="/staff/touchpoints/"]')
    # The municipality may open touchpoint 1's summary after the hand-over, and change nothing.
    coordinator = _signed_in(app, factories.staff_member(db, municipality))
    page = coordinator.get(f"/staff/patients/{person.id}")
    assert not page.select(f'a[href="/staff/touchpoints/{tp1.id}/summary"]')
    assert page.one(f'a[href="/staff/touchpoints/{tp2.id}/appointment"]')
    person.pathways[0].handed_over_at = datetime.now(UTC)
    db.commit()
    page = coordinator.get(f"/staff/patients/{person.id}")
    assert page.one(f'a[href="/staff/touchpoints/{tp1.id}/summary"]')
    assert not page.select(f'a[href="/staff/touchpoints/{tp1.id}/appointment"]')


def test_opening_a_patient_is_logged_once_and_reads_no_answers(app, db, world):
    person = db.scalar(select(Patient).where(Patient.family_name == "Aas"))
    client = _signed_in(app, world.nurse)
    page = client.get(f"/staff/patients/{person.id}")
    assert not page.select(".summary-list__key:-soup-contains('What matters')")
    db.commit()
    events = list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == person.id)))
    assert [e.action for e in events] == ["opened_patient"]


def test_the_patient_page_shows_the_latest_pathway_of_the_readers_organisation(app, db, world):
    person = db.scalar(select(Patient).where(Patient.family_name == "Berg"))
    other_hospital, _ = factories.organisations(db)
    other_hospital.name = "Annet HF"
    later = factories.pathway_patient(db, other_hospital, world.municipality, _today())
    later.pathways[0].patient = person  # a new diagnosis at another hospital
    db.commit()
    page = _signed_in(app, factories.staff_member(db, world.hospital)).get(
        f"/staff/patients/{person.id}")
    assert world.hospital.name in page.text(".patient-facts")
    assert other_hospital.name not in page.text()


def test_the_patient_page_has_a_constant_number_of_queries(app, db, world):
    quiet = world.patient("Stille", "Pasient", 10)
    busy = db.scalar(select(Patient).where(Patient.family_name == "Aas"))
    for number in (1, 3):
        factories.response(db, _tp(busy, number), urgent=number == 1)
    _tp(busy, 3).declined_on, _tp(busy, 3).offer_again_on = _today(), _today()
    db.commit()
    client = _signed_in(app, world.nurse)
    client.get(f"/staff/patients/{quiet.id}")
    with _counting(app) as few:
        client.get(f"/staff/patients/{quiet.id}")
    with _counting(app) as many:
        client.get(f"/staff/patients/{busy.id}")
    assert len(many) == len(few), many
