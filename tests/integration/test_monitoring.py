"""Monitoring: hand-computed figures on a small world at fixed dates, compared with the figures
function, the page's table (parsed) and the CSV; the small-number rule; who may see it.

``today`` is 15 March 2026 throughout (``portal.monitoring.views.today`` is replaced). Every
expected number below is worked out by hand in its comment from the arrangement in ``world``.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from portal.audit import operations
from portal.audit.models import AccessEvent
from portal.auth.session import PATIENT, STAFF
from portal.clinician.models import AgreedAction
from portal.contacts.models import Organisation
from portal.monitoring import figures, views
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.models import Response, Submission
from portal.staff.models import StaffMember
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.test_audit_log import sign_in_as

OSLO = ZoneInfo("Europe/Oslo")
TODAY = date(2026, 3, 15)


def oslo(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


@dataclass
class World:
    hospital: Organisation
    municipality: Organisation
    other_hospital: Organisation
    other_municipality: Organisation
    admin_hospital: StaffMember
    admin_municipality: StaffMember
    admin_other: StaffMember
    nurse: StaffMember
    patients: dict[str, Patient]


class Builder:
    def __init__(self, db: Session, hospital: Organisation, municipality: Organisation) -> None:
        self.db, self.hospital, self.municipality = db, hospital, municipality
        self.staff = factories.staff_member(db, hospital, given_name="Skriver")
        self.definition = definitions.latest("needs")

    def patient(self, diagnosis: date, created: datetime, *,
                hospital: Organisation | None = None,
                municipality: Organisation | None = None) -> Patient:
        person = Patient(national_id=factories.national_id(), given_name="Test",
                         family_name="Pasient")
        pathway = Pathway(patient=person, diagnosis_date=diagnosis, created_at=created,
                          hospital=hospital or self.hospital,
                          municipality=municipality or self.municipality)
        for number in (1, 2, 3):
            pathway.touchpoints.append(Touchpoint(
                number=number,
                organisation=pathway.hospital if number == 1 else pathway.municipality))
        self.db.add(person)
        self.db.flush()
        return person

    def submitted(self, touchpoint: Touchpoint, at: datetime) -> None:
        response = Response(touchpoint_id=touchpoint.id, questionnaire_id=self.definition.id,
                            questionnaire_version=self.definition.version, revision=1,
                            submitted_revision=1)
        response.submissions.append(Submission(number=1, revision=1, answers={},
                                               submitted_at=at))
        self.db.add(response)

    def action(self, touchpoint: Touchpoint) -> None:
        self.db.add(AgreedAction(touchpoint=touchpoint, what="Noe", responsible="Noen",
                                 created_by_id=self.staff.id))


def tp(patient: Patient, number: int) -> Touchpoint:
    return patient.pathways[0].touchpoints[number - 1]


@pytest.fixture
def world(db: Session) -> World:
    hospital, municipality = factories.organisations(db)
    other_hospital, other_municipality = factories.organisations(db)
    build = Builder(db, hospital, municipality)
    people: dict[str, Patient] = {}
    # R1–R6: diagnosed 1–6 June 2025, enrolled in June, conversation 1 held 20 June and handed
    # over; conversation 2 (window 1–6 Sept → 1–6 Oct, questionnaire opens 11–16 Aug): R1–R5
    # held it on 15 Sept, R1–R4 with the questionnaire sent on 14 Sept, R5 at 00:30 on 16 Sept
    # in Oslo (22:30 UTC on the 15th, summer time: not beforehand), R1 with an agreed action;
    # R6 declined it on 10 Sept.
    for k in range(1, 7):
        r = people[f"R{k}"] = build.patient(date(2025, 6, k), oslo(date(2025, 6, 10), 12))
        tp(r, 1).held_on = date(2025, 6, 20)
        r.pathways[0].handed_over_at = oslo(date(2025, 6, 21), 12)
        if k <= 5:
            tp(r, 2).held_on = date(2025, 9, 15)
            build.submitted(tp(r, 2), oslo(date(2025, 9, 14) if k < 5 else date(2025, 9, 16),
                                           18 if k < 5 else 0, 30))
        else:
            tp(r, 2).declined_on = date(2025, 9, 10)
            tp(r, 2).offer_again_on = date(2026, 1, 10)
    build.action(tp(people["R1"], 2))
    # Q1–Q4: diagnosed 3, 5, 10, 12 Nov 2025 (conversation 1 due by 3, 5, 10, 12 Dec), enrolled
    # 15 Nov. Q1: nothing, no appointment (overdue from 4 Dec). Q2: held 20 Jan without an
    # appointment (overdue at the end of December). Q3: declined 20 Dec. Q4: booked 2 April.
    for k, day in enumerate((3, 5, 10, 12), start=1):
        people[f"Q{k}"] = build.patient(date(2025, 11, day), oslo(date(2025, 11, 15), 9))
    tp(people["Q2"], 1).held_on = date(2026, 1, 20)
    tp(people["Q3"], 1).declined_on = date(2025, 12, 20)
    tp(people["Q3"], 1).offer_again_on = date(2026, 2, 20)
    tp(people["Q4"], 1).appointment_at = oslo(date(2026, 4, 2), 10)
    # P1–P12: diagnosed 1–12 Feb 2026. P1–P10 held conversation 1 on 25 Feb (25 - k days after
    # diagnosis: 24, 23, …, 15). P1–P5 sent the questionnaire beforehand (P5 at 23:30 on the
    # day, which is 22:30 UTC); P6 sent it at 00:30 the next day (23:30 UTC on the day: not
    # beforehand); P7–P10 did not. P1–P10 have agreed actions (P1 two). P1–P6 handed over. P11
    # declined on 26 Feb. P12: nothing (due by 12 March: overdue today). All enrolled 12 Feb
    # except P11 (28 Feb 23:30 in Oslo = 22:30 UTC: February) and P12 (1 March 00:30 in Oslo =
    # 28 Feb 23:30 UTC: March).
    for k in range(1, 13):
        created = oslo(date(2026, 2, 12), 9)
        if k == 11:
            created = oslo(date(2026, 2, 28), 23, 30)
        if k == 12:
            created = oslo(date(2026, 3, 1), 0, 30)
        p = people[f"P{k}"] = build.patient(date(2026, 2, k), created)
        if k <= 10:
            tp(p, 1).held_on = date(2026, 2, 25)
            build.action(tp(p, 1))
        if k <= 6:
            p.pathways[0].handed_over_at = oslo(date(2026, 2, 26), 12)
    build.action(tp(people["P1"], 1))
    for k in range(1, 5):
        build.submitted(tp(people[f"P{k}"], 1), oslo(date(2026, 2, 24), 12))
    build.submitted(tp(people["P5"], 1), oslo(date(2026, 2, 25), 23, 30))
    build.submitted(tp(people["P6"], 1), oslo(date(2026, 2, 26), 0, 30))
    tp(people["P11"], 1).declined_on = date(2026, 2, 26)
    tp(people["P11"], 1).offer_again_on = date(2026, 5, 26)
    # Elsewhere: S1 of the other hospital and municipality, held in February. Never counted.
    s1 = people["S1"] = build.patient(date(2026, 2, 3), oslo(date(2026, 2, 4), 9),
                                      hospital=other_hospital, municipality=other_municipality)
    tp(s1, 1).held_on = date(2026, 2, 10)
    db.commit()
    return World(
        hospital, municipality, other_hospital, other_municipality,
        factories.staff_member(db, hospital, clinician=False, administrator=True),
        factories.staff_member(db, municipality, clinician=False, administrator=True),
        factories.staff_member(db, other_hospital, clinician=False, administrator=True),
        factories.staff_member(db, hospital), people)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "today", lambda: TODAY)


def compute(db: Session, organisation: Organisation, kind: figures.PeriodKind = "month"
            ) -> dict[date, figures.PeriodFigures]:
    scope = figures.Scope(organisation, figures.periods(kind, TODAY), TODAY, "Europe/Oslo", 21)
    return {f.period.starts: f for f in figures.compute(db, scope)}


def raw(found: figures.PeriodFigures) -> dict[str, object]:
    return {"enrolled": found.enrolled, "offered": found.offered, "held": found.held,
            "declined": found.declined, "overdue": found.overdue,
            "with_questionnaire": found.with_questionnaire, "with_actions": found.with_actions,
            "handover_base": found.handover_base, "handed_over": found.handed_over}


ZERO = dict.fromkeys(("enrolled", "offered", "held", "declined", "overdue",
                      "with_questionnaire", "with_actions", "handover_base", "handed_over"), 0)


# --- the figures function ----------------------------------------------------------------------


def test_the_periods_are_the_last_twelve_months_or_eight_quarters():
    months = figures.periods("month", TODAY)
    assert [(p.starts, p.ends) for p in (months[0], months[-1])] == [
        (date(2025, 4, 1), date(2025, 4, 30)), (date(2026, 3, 1), date(2026, 3, 31))]
    assert len(months) == 12
    quarters = figures.periods("quarter", TODAY)
    assert len(quarters) == 8
    assert [(p.starts, p.ends) for p in (quarters[0], quarters[-1])] == [
        (date(2024, 4, 1), date(2024, 6, 30)), (date(2026, 1, 1), date(2026, 3, 31))]


def test_the_hospitals_figures_month_by_month(db, world):
    found = compute(db, world.hospital)
    expected = {
        # R1–R6: enrolled, offered (conversation 1 opens on the diagnosis date), held 20 June,
        # none with a questionnaire or an action, all 6 handed over.
        date(2025, 6, 1): ZERO | {"enrolled": 6, "offered": 6, "held": 6, "handover_base": 6,
                                  "handed_over": 6},
        # Q1–Q4 enrolled and offered in November.
        date(2025, 11, 1): ZERO | {"enrolled": 4, "offered": 4},
        # Q3 declined 20 Dec; on 31 Dec Q1 and Q2 are overdue (Q4 is booked ahead).
        date(2025, 12, 1): ZERO | {"declined": 1, "overdue": 2, "handover_base": 1},
        # Q2 held 20 Jan (not handed over); Q1 still overdue on 31 Jan.
        date(2026, 1, 1): ZERO | {"held": 1, "overdue": 1, "handover_base": 1},
        # P1–P11 enrolled (P12 counts in March); P1–P12 offered; P1–P10 held, P11 declined;
        # Q1 overdue on 28 Feb (P12 is due by 12 March); questionnaire beforehand P1–P5 = 5;
        # actions P1–P10 = 10; hand-over 6 (P1–P6) of 11 (P1–P11).
        date(2026, 2, 1): ZERO | {"enrolled": 11, "offered": 12, "held": 10, "declined": 1,
                                  "overdue": 1, "with_questionnaire": 5, "with_actions": 10,
                                  "handover_base": 11, "handed_over": 6},
        # P12 enrolled; overdue today: Q1 and P12.
        date(2026, 3, 1): ZERO | {"enrolled": 1, "overdue": 2},
    }
    for starts, item in found.items():
        assert raw(item) == expected.get(starts, ZERO), starts
    # Days to conversation 1: June 19, 18, 17, 16, 15, 14 → (17 + 16) / 2; February 24 … 15 →
    # (20 + 19) / 2; January one value, 76 (5 Nov → 20 Jan).
    assert found[date(2025, 6, 1)].median_days(1) == 16.5
    assert found[date(2026, 2, 1)].median_days(1) == 19.5
    assert found[date(2026, 1, 1)].median_days(1) == 76
    assert found[date(2026, 2, 1)].held_of(1) == 10


def test_the_hospitals_figures_quarter_by_quarter(db, world):
    found = compute(db, world.hospital, "quarter")
    assert len(found) == 8
    q1 = found[date(2026, 1, 1)]
    # January to today: enrolled 11 + 1; offered 12; held Q2 and P1–P10 = 11; declined P11;
    # overdue today Q1 and P12; questionnaire 5 of 11; actions 10 of 11; hand-over 6 of 12
    # (P1–P11 and Q2).
    assert raw(q1) == ZERO | {"enrolled": 12, "offered": 12, "held": 11, "declined": 1,
                              "overdue": 2, "with_questionnaire": 5, "with_actions": 10,
                              "handover_base": 12, "handed_over": 6}
    # 15 … 24 and 76: the sixth of eleven is 20.
    assert q1.median_days(1) == 20
    # October to December: Q1–Q4; Q3 declined; on 31 Dec Q1 and Q2 overdue; Q3's decline.
    assert raw(found[date(2025, 10, 1)]) == ZERO | {"enrolled": 4, "offered": 4, "declined": 1,
                                                    "overdue": 2, "handover_base": 1}
    assert raw(found[date(2025, 4, 1)]) == ZERO | {"enrolled": 6, "offered": 6, "held": 6,
                                                   "handover_base": 6, "handed_over": 6}
    assert raw(found[date(2025, 7, 1)]) == ZERO


def test_the_municipalitys_figures_month_by_month(db, world):
    found = compute(db, world.municipality)
    expected = {
        # Its patients' conversations 1 in June: 6 of 6 handed over.
        date(2025, 6, 1): ZERO | {"enrolled": 6, "handover_base": 6, "handed_over": 6},
        # R1–R6's questionnaires for conversation 2 open 11–16 Aug.
        date(2025, 8, 1): ZERO | {"offered": 6},
        # R1–R5 held 15 Sept (R1–R4 sent beforehand, R1 one action); R6 declined.
        date(2025, 9, 1): ZERO | {"held": 5, "declined": 1, "with_questionnaire": 4,
                                  "with_actions": 1},
        date(2025, 11, 1): ZERO | {"enrolled": 4},
        date(2025, 12, 1): ZERO | {"handover_base": 1},
        # Q1–Q4's questionnaires for conversation 2 open 13, 15, 20, 22 Jan; Q2's conversation 1.
        date(2026, 1, 1): ZERO | {"offered": 4, "handover_base": 1},
        date(2026, 2, 1): ZERO | {"enrolled": 11, "handover_base": 11, "handed_over": 6},
        # Conversation 2 of Q1–Q4 was due by 3, 5, 10, 12 March: all overdue today.
        date(2026, 3, 1): ZERO | {"enrolled": 1, "overdue": 4},
    }
    for starts, item in found.items():
        assert raw(item) == expected.get(starts, ZERO), starts
    # 15 Sept minus 1–5 June: 106, 105, 104, 103, 102.
    assert found[date(2025, 9, 1)].median_days(2) == 104
    assert found[date(2025, 9, 1)].median_days(3) is None


def test_another_organisations_patients_are_never_counted(db, world):
    found = compute(db, world.other_hospital)
    # S1 only: enrolled and offered in February, held 10 Feb (7 days).
    assert raw(found[date(2026, 2, 1)]) == ZERO | {"enrolled": 1, "offered": 1, "held": 1,
                                                   "handover_base": 1}
    assert sum(item.held for item in found.values()) == 1


# --- the page, the table and the CSV -----------------------------------------------------------


def table(page: Page) -> dict[str, dict[str, str]]:
    """Period label → column key → the cell's text."""
    rows = {}
    for row in page.select("table.monitoring-table tbody tr"):
        label = " ".join(row.select_one("th").get_text(" ").split()).replace(" (so far)", "")
        rows[label] = {cell["data-column"]: " ".join(cell.get_text(" ").split())
                       for cell in row.select("td")}
    return rows


def signed_in(client: PortalClient, db: Session, member: StaffMember) -> PortalClient:
    """Signed in with English chosen, so that the assertions read as the source text does (the
    translations are tested in test_i18n.py)."""
    member.preferred_locale = "en"
    db.commit()
    sign_in_as(client, db, STAFF, member.id)
    return client


def test_the_page_shows_the_hospitals_figures_with_small_numbers_withheld(db, world, client):
    page = signed_in(client, db, world.admin_hospital).get("/staff/monitoring")
    assert page.one("h1").get_text(strip=True) == f"Monitoring for {world.hospital.name}"
    rows = table(page)
    assert list(rows)[:3] == ["March 2026", "February 2026", "January 2026"]
    assert len(rows) == 12
    assert rows["February 2026"] == {
        "enrolled": "11", "offered": "12", "held": "10", "declined": "fewer than 5",
        "overdue": "fewer than 5", "median_days_1": "19.5",
        "questionnaire_share": "50%",  # 5 of 10
        "actions_share": "100%",  # 10 of 10
        "handed_over_share": "55%",  # 6 of 11 = 54.5 %
    }
    assert rows["June 2025"] == {
        "enrolled": "6", "offered": "6", "held": "6", "declined": "0", "overdue": "0",
        "median_days_1": "16.5", "questionnaire_share": "0%", "actions_share": "0%",
        "handed_over_share": "100%"}
    assert rows["January 2026"] == {
        "enrolled": "0", "offered": "0", "held": "fewer than 5", "declined": "0",
        "overdue": "fewer than 5", "median_days_1": "too few to show",
        "questionnaire_share": "too few to show", "actions_share": "too few to show",
        "handed_over_share": "too few to show"}
    # A hospital trust holds conversation 1 only: no median column for 2 or 3.
    headings = [th.get_text(" ", strip=True) for th in page.select("table thead th")]
    assert "Median days from diagnosis to conversation 1" in headings
    assert not [h for h in headings if h.endswith("conversation 2")]


def test_the_page_by_quarter(db, world, client):
    page = signed_in(client, db, world.admin_hospital).get("/staff/monitoring?period=quarter")
    rows = table(page)
    assert len(rows) == 8
    assert next(iter(rows)) == "Q1 2026"
    assert rows["Q1 2026"] == {
        "enrolled": "12", "offered": "12", "held": "11", "declined": "fewer than 5",
        "overdue": "fewer than 5", "median_days_1": "20",
        "questionnaire_share": "45%",  # 5 of 11 = 45.5 %, rounded half to even
        "actions_share": "too few to show",  # 10 of 11 would give away the 1 without
        "handed_over_share": "50%"}  # 6 of 12
    assert page.one("#period-1").has_attr("checked")


def test_the_municipalitys_page(db, world, client):
    rows = table(signed_in(client, db, world.admin_municipality).get("/staff/monitoring"))
    assert rows["September 2025"] == {
        "enrolled": "0", "offered": "0", "held": "5", "declined": "fewer than 5",
        "overdue": "0", "median_days_2": "104", "median_days_3": "too few to show",
        "questionnaire_share": "too few to show",  # 4 of 5
        "actions_share": "too few to show",  # 1 of 5
        "handed_over_share": "too few to show"}
    assert rows["June 2025"]["handed_over_share"] == "100%"  # 6 of its 6 patients
    assert rows["March 2026"]["overdue"] == "fewer than 5"
    assert rows["August 2025"]["offered"] == "6"


def read_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_the_csv_has_the_same_figures(db, world, client):
    signed_in(client, db, world.admin_hospital)
    response = client.raw.get("/staff/monitoring.csv?period=month")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.data)
    header, body = rows[0], rows[1:]
    assert len(body) == 12
    by_period = {row[0]: dict(zip(header, row, strict=True)) for row in body}
    february = by_period["February 2026"]
    assert february["First day"] == "2026-02-01"
    assert february["Last day"] == "2026-02-28"
    assert february["Patients enrolled"] == "11"
    assert february["Conversations declined"] == "fewer than 5"
    assert february["Median days from diagnosis to conversation 1"] == "19.5"
    assert february["Questionnaire sent beforehand, per cent of conversations held"] == "50"
    assert by_period["January 2026"]["Median days from diagnosis to conversation 1"] == (
        "too few to show")
    assert body[0][0] == "March 2026"


def test_the_chart_has_a_bar_per_period_and_labels_withheld_bars(db, world, client):
    page = signed_in(client, db, world.admin_hospital).get("/staff/monitoring")
    svg = page.one("svg.monitoring-chart")
    assert svg["role"] == "img"
    title, desc = svg.select_one("title"), svg.select_one("desc")
    assert svg["aria-labelledby"] == f"{title['id']} {desc['id']}"
    assert title.get_text(strip=True) == "Conversations offered, held and declined"
    assert "March 2026: offered 0, held 0, declined 0" in desc.get_text()
    assert svg["viewbox"].startswith("0 0 300 ")  # attribute names are parsed lower-case
    assert svg["width"] == "100%"
    groups = svg.select("g.monitoring-chart__period")
    assert len(groups) == 12
    labels = [g.select_one(".monitoring-chart__period-label").get_text() for g in groups]
    assert labels[:2] == ["Mar 2026", "Feb 2026"]
    february = groups[1]
    values = {t["data-series"]: t.get_text() for t in february.select(".monitoring-chart__value")}
    assert values == {"offered": "12", "held": "10", "declined": "fewer than 5"}
    # A bar for 12 and 10, none for the withheld declines; the longer bar is the larger count.
    bars = {b["class"][1].rsplit("--", 1)[1]: float(b["width"])
            for b in february.select("rect.monitoring-chart__bar")}
    assert set(bars) == {"offered", "held"}
    assert bars["offered"] > bars["held"] > 0
    withheld = february.select_one('[data-series="declined"]')
    assert "monitoring-chart__value--withheld" in withheld["class"]
    # Every series has its own pattern as well as its own colour.
    fills = {r["fill"] for r in svg.select("rect.monitoring-chart__bar")}
    assert fills <= {f"url(#monitoring-pattern-{k})" for k in ("offered", "held", "declined")}
    assert len(svg.select("defs pattern")) == 3
    # No inline style anywhere (the CSP forbids it): sizes and colours come from portal.css.
    assert not page.soup.select("[style]")


# --- who may see it ----------------------------------------------------------------------------


def test_an_administrator_sees_only_their_own_organisation(db, world, client):
    page = signed_in(client, db, world.admin_other).get("/staff/monitoring")
    assert page.one("h1").get_text(strip=True) == f"Monitoring for {world.other_hospital.name}"
    rows = table(page)
    # Only S1: one of everything is "fewer than 5"; nothing of the hospital's 10 in February.
    assert rows["February 2026"]["held"] == "fewer than 5"
    assert rows["June 2025"]["held"] == "0"
    # There is no way to ask for another organisation: a parameter is ignored.
    again = table(client.get(f"/staff/monitoring?organisation={world.hospital.id}"))
    assert again == rows


@pytest.mark.parametrize("url", ["/staff/monitoring", "/staff/monitoring.csv",
                                 "/staff/monitoring/held.csv?from=2026-01-01&to=2026-03-01"])
def test_a_clinician_or_a_patient_gets_404(db, world, client, url):
    sign_in_as(client, db, STAFF, world.nurse.id)
    assert client.raw.get(url).status_code == 404
    other = PortalClient(client.app)
    sign_in_as(other, db, PATIENT, world.patients["P1"].id)
    assert other.raw.get(url).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.raw.get("/staff/monitoring")
    assert response.status_code == 302
    assert response.location.startswith("/sign-in")
    assert "staff=1" in response.location


def test_the_administrators_start_page_links_to_monitoring(db, world, client):
    page = signed_in(client, db, world.admin_hospital).get("/staff/")
    assert page.select('main a[href="/staff/monitoring"]')


# --- the registration export -------------------------------------------------------------------


def test_the_registration_export_lists_held_conversations_and_logs_each_patient(
        app, db, world, client):
    signed_in(client, db, world.admin_hospital)
    engine = app.extensions["portal.db"].kw["bind"]
    inserts: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO access_event"):
            inserts.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.raw.get("/staff/monitoring/held.csv?from=2026-01-01&to=2026-02-28")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.data)
    assert rows[0] == ["National identity number", "Conversation", "Held on", "Diagnosis date",
                       "Procedure code"]
    # Q2 on 20 Jan, then P1–P10 on 25 Feb; not S1 (another hospital), not R1–R6 (June).
    expected = [[world.patients["Q2"].national_id, "1", "2026-01-20", "2025-11-05", ""]]
    expected += sorted([[world.patients[f"P{k}"].national_id, "1", "2026-02-25",
                         f"2026-02-{k:02d}", ""] for k in range(1, 11)])
    assert rows[1:] == expected
    # One entry per conversation, written in one INSERT.
    entries = db.scalars(select(AccessEvent).order_by(AccessEvent.seq)).all()
    assert sorted(e.patient_id for e in entries) == sorted(
        world.patients[name].id for name in ["Q2", *(f"P{k}" for k in range(1, 11))])
    assert {(e.action, e.context, e.touchpoint_number, e.actor_id) for e in entries} == {
        ("exported", "registration export", 1, world.admin_hospital.id)}
    assert len(inserts) == 1
    assert operations.verify(db) == []
    # The patient reads it in their own access log.
    patient_client = PortalClient(app)
    sign_in_as(patient_client, db, PATIENT, world.patients["P3"].id)
    log = patient_client.get("/patient/access-log").text()
    assert (f"{world.admin_hospital.full_name}, sykepleier at {world.hospital.name}, exported "
            "your national identity number and the date of conversation 1, so that the "
            "conversation is registered as held.") in log
    # The administrator's access log names it too.
    staff_log = client.get(f"/admin/access-log/staff/{world.admin_hospital.id}")
    assert "Exported for registration" in staff_log.text()


def test_the_registration_export_carries_the_configured_code(app, db, world, client):
    page = signed_in(client, db, world.admin_municipality).get("/staff/monitoring")
    notice = page.one("main .notice")
    assert "PORTAL_NEEDS_ASSESSMENT_CODE" in notice.get_text()
    app.extensions["portal.settings"] = app.extensions["portal.settings"].with_overrides(
        needs_assessment_code="=BEHOV01")
    page = client.get("/staff/monitoring")
    assert not page.select("main .notice")
    response = client.raw.get("/staff/monitoring/held.csv?from=1.9.2025&to=30.9.2025")
    rows = read_csv(response.data)
    # R1–R5's conversation 2; a code that a spreadsheet would run as a formula is defused.
    assert sorted(row[1:] for row in rows[1:]) == [
        ["2", "2025-09-15", f"2025-06-0{k}", "'=BEHOV01"] for k in range(1, 6)]


@pytest.mark.parametrize(("query", "field", "message"), [
    ("from=&to=2026-01-01", "from", "Enter a date as day.month.year, for example 23.11.2026."),
    ("from=2026-02-30&to=2026-03-01", "from",
     "Enter a date as day.month.year, for example 23.11.2026."),
    ("from=2026-03-01&to=2026-02-01", "to",
     "The end date must be the same as or after the start date."),
    ("from=2025-01-01&to=2026-01-01", "to",
     "Choose at most one year: the end date must be less than a year after the start date."),
])
def test_a_bad_export_period_is_explained_next_to_the_field(db, world, client, query, field,
                                                             message):
    signed_in(client, db, world.admin_hospital)
    page = client.get(f"/staff/monitoring/held.csv?{query}")
    assert page.response.mimetype == "text/html"
    error = page.one(f"#{field}-error")
    assert error.get_text(" ", strip=True) == f"Error: {message}"
    assert page.one(f"#{field}")["aria-invalid"] == "true"
    assert page.title.startswith("Error:")
    assert page.one(".error-summary a")["href"] == f"#{field}"
    assert db.scalar(select(func.count()).select_from(AccessEvent)) == 0


def test_a_year_exactly_is_allowed(db, world, client):
    signed_in(client, db, world.admin_hospital)
    response = client.raw.get("/staff/monitoring/held.csv?from=2025-03-16&to=2026-03-15")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert len(read_csv(response.data)) == 1 + 6 + 1 + 10  # R1–R6, Q2, P1–P10
