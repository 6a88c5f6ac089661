"""Monitoring on the demo data (hand-computed for a fixed day) and the number of statements as
the data grows.

``demo.load(db, today=TODAY)`` places every persona's dates relative to 15 March 2026; only the
enrolment time is stamped with the real clock, so the test sets it to 10 February 2026.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select, update

from portal import demo
from portal.contacts.models import Organisation
from portal.db import session_factory
from portal.demo import generator
from portal.monitoring import figures, views
from portal.pathway.models import Pathway
from tests.helpers import PortalClient

TODAY = date(2026, 3, 15)
TROND = "11096510057"  # administrator, Helse Bergen HF
MONA = "16087410130"  # administrator, Bergen kommune


def _organisation(db, org_number: str) -> Organisation:
    return db.scalar(select(Organisation).where(Organisation.org_number == org_number))


@pytest.fixture
def loaded(db, monkeypatch):
    monkeypatch.setattr(views, "today", lambda: TODAY)
    demo.load(db, today=TODAY)
    db.execute(update(Pathway).values(created_at=datetime(2026, 2, 10, 12, tzinfo=UTC)))
    db.commit()


def _figures(db, org_number: str) -> dict[date, figures.PeriodFigures]:
    scope = figures.Scope(_organisation(db, org_number), figures.periods("month", TODAY), TODAY,
                          "Europe/Oslo", 21)
    return {f.period.starts: f for f in figures.compute(db, scope)}


def _nonzero(found: figures.PeriodFigures) -> dict[str, int]:
    names = ("enrolled", "offered", "held", "declined", "overdue", "with_questionnaire",
             "with_actions", "handover_base", "handed_over")
    return {name: getattr(found, name) for name in names if getattr(found, name)}


def test_helse_bergen_on_the_demo_data(db, loaded):
    found = _figures(db, demo.HOSPITAL_ORG_NUMBER)
    # Diagnosis dates (15 March 2026 minus the persona's days): Astrid 16 Oct 2025 (150),
    # Kari 30 Nov (105), Per 7 Dec (98), Nils 1 Feb 2026 (42), Emma 3 Mar (12), Ingrid 7 Mar
    # (8), Ola 10 Mar (5). Conversation 1 opens on the diagnosis date.
    expected = {
        # Astrid: held 25 Oct (diagnosis + 9), sent the day before, handed over.
        date(2025, 10, 1): {"offered": 1, "held": 1, "with_questionnaire": 1,
                            "handover_base": 1, "handed_over": 1},
        date(2025, 11, 1): {"offered": 1},  # Kari
        # Kari held 12 Dec and Per 19 Dec (diagnosis + 12 each), both sent beforehand, Kari
        # with three agreed actions; both handed over.
        date(2025, 12, 1): {"offered": 1, "held": 2, "with_questionnaire": 2, "with_actions": 1,
                            "handover_base": 2, "handed_over": 2},
        # All seven enrolled (the time set above); Nils offered.
        date(2026, 2, 1): {"enrolled": 7, "offered": 1},
        # Emma, Ingrid and Ola offered; Nils overdue today (due by 1 March, nothing booked).
        date(2026, 3, 1): {"offered": 3, "overdue": 1},
    }
    for starts, item in found.items():
        assert _nonzero(item) == expected.get(starts, {}), starts
    assert found[date(2025, 12, 1)].median_days(1) == 12
    assert found[date(2025, 10, 1)].median_days(1) == 9


def test_bergen_kommune_on_the_demo_data(db, loaded):
    found = _figures(db, demo.BERGEN_ORG_NUMBER)
    # Bergen's six personas (Nils lives in Askøy). Conversation 2 opens 21 days before
    # diagnosis + 3 months: Astrid 16 Jan - 21 = 26 Dec; Kari 28 Feb (30 Nov + 3 months, the
    # month's end) - 21 = 7 Feb; Per 7 Mar - 21 = 14 Feb. Astrid declined it on 24 Jan
    # (diagnosis + 100). Its patients' conversations 1 as at the hospital.
    expected = {
        date(2025, 10, 1): {"handover_base": 1, "handed_over": 1},
        date(2025, 12, 1): {"offered": 1, "handover_base": 2, "handed_over": 2},
        date(2026, 1, 1): {"declined": 1},
        date(2026, 2, 1): {"enrolled": 6, "offered": 2},
    }
    for starts, item in found.items():
        assert _nonzero(item) == expected.get(starts, {}), starts


def test_the_demo_administrators_pages(db, loaded, app):
    client = PortalClient(app)
    client.sign_in_staff(MONA)
    page = client.get("/staff/monitoring")
    assert page.one("h1").get_text(strip=True) == "Monitorering for Bergen kommune"  # bokmål
    february = page.one("table.monitoring-table tbody tr:nth-of-type(2)")
    cells = {td["data-column"]: td.get_text(strip=True) for td in february.select("td")}
    assert cells["enrolled"] == "6"
    assert cells["offered"] not in ("0", "2")  # withheld, in whatever language the page is in
    trond = PortalClient(app)
    trond.sign_in_staff(TROND)
    assert "Helse Bergen HF" in trond.get("/staff/monitoring").one("h1").get_text()


# --- statements ---------------------------------------------------------------------------------

NOW = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    engine = session_factory(app).kw["bind"]
    recorded: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        recorded.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield recorded
    event.remove(engine, "before_cursor_execute", record)


def test_the_monitoring_pages_send_as_many_statements_with_five_times_the_data(
        app, db, statements, monkeypatch):
    monkeypatch.setattr(views, "today", lambda: NOW.date())
    demo.load(db)
    db.commit()
    with app.app_context():
        generator.generate(db, 40, seed=21, now=NOW)
    urls = ["/staff/monitoring", "/staff/monitoring?period=quarter",
            "/staff/monitoring.csv?period=month",
            "/staff/monitoring/held.csv?from=2025-03-03&to=2026-03-02"]
    clients = {}
    for who in (TROND, MONA):
        clients[who] = PortalClient(app)
        clients[who].sign_in_staff(who)

    def count() -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], bytes]]:
        counts, bodies = {}, {}
        for who, client in clients.items():
            for url in urls:
                statements.clear()
                response = client.raw.get(url)
                assert response.status_code == 200, (who, url)
                counts[who, url] = len(statements)
                bodies[who, url] = response.data
        return counts, bodies

    small, small_bodies = count()
    with app.app_context():
        generator.generate(db, 160, seed=22, now=NOW)
    large, large_bodies = count()
    for key, number in small.items():
        if key[1] == urls[3] and small_bodies[key].count(b"\r\n") == 1:
            # An empty export writes nothing to the access log (lock, newest entry, insert).
            assert large[key] == number + 3, key
        else:
            assert large[key] == number, key
    # The data did grow: the trust's figures CSV and its export changed.
    assert large_bodies[TROND, urls[2]] != small_bodies[TROND, urls[2]]
    assert len(large_bodies[TROND, urls[3]]) > len(small_bodies[TROND, urls[3]])
    # Seven statements of figures for a page; no more than a handful besides (sign-in session,
    # staff member).
    assert small[TROND, urls[0]] <= 12
