"""The access log: record() keeps a snapshot of who did what, the database refuses changes,
`portal audit verify` finds tampering, the patient sees only their own entries, and the
administrator's pages stay within their own organisation.

People are signed in directly (cookie and server-side record), so these tests do not depend on
the sign-in flow.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, g
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal import audit
from portal.audit import operations
from portal.audit.chain import GENESIS, compute_hash, fields_of
from portal.audit.models import AccessAction, AccessEvent
from portal.auth.models import SignInSession
from portal.auth.session import PATIENT, RELATIVE, STAFF, Principal
from portal.contacts.models import Organisation
from portal.db import db_session
from portal.pathway.models import Patient
from portal.relatives.models import Relative, RelativeLink
from portal.staff.models import StaffMember, StaffRole
from tests import factories
from tests.helpers import PortalClient

# --- arranging ----------------------------------------------------------------------------------


def make_staff(db: Session, organisation: Organisation, given: str = "Kari",
               family: str = "Lege", *, title: str = "kreftsykepleier",
               clinician: bool = True, administrator: bool = False) -> StaffMember:
    member = StaffMember(national_id=factories.national_id("010180"), hpr_number="1234567",
                         given_name=given, family_name=family, title=title,
                         organisation=organisation, is_clinician=clinician,
                         is_administrator=administrator)
    db.add(member)
    db.commit()
    return member


def sign_in_as(client: PortalClient, db: Session, kind: str, subject_id: int,
               locale: str = "en") -> None:
    """What a successful sign-in leaves behind: the server's record and the session cookie."""
    token = secrets.token_urlsafe(32)
    db.add(SignInSession(token_hash=hashlib.sha256(token.encode("ascii")).hexdigest(),
                         kind=kind, subject_id=subject_id,
                         profile="staff" if kind == STAFF else "citizen"))
    db.commit()
    with client.raw.session_transaction() as session:
        session["principal"] = {"kind": kind, "id": subject_id, "sid": token}
        session["seen"] = session["signed_in_at"] = int(time.time())
        session["locale"] = locale


@contextmanager
def acting_as(app: Flask, kind: str, subject_id: int,
              path: str = "/staff/patients/1") -> Iterator[Session]:
    """A GET of ``path`` by a signed-in principal; commits what it recorded."""
    with app.test_request_context(path):
        g.principal = Principal(kind=kind, subject_id=subject_id)
        g.write_lock = kind == STAFF  # as auth/session.py does for staff
        yield db_session()
        db_session().commit()


def record_as(app: Flask, member: StaffMember | Relative, patient_id: int,
              action: AccessAction = AccessAction.READ_ANSWERS, **kwargs: Any) -> None:
    kind = STAFF if isinstance(member, StaffMember) else RELATIVE
    path = "/staff/patients/1" if kind == STAFF else "/relative/patients/1"
    with acting_as(app, kind, member.id, path):
        audit.record(patient_id, action, **kwargs)


def entries(db: Session) -> list[AccessEvent]:
    db.expire_all()
    return list(db.scalars(select(AccessEvent).order_by(AccessEvent.seq)))


@pytest.fixture
def hospital(db: Session) -> Organisation:
    hospital, _ = factories.organisations(db)
    db.commit()
    return hospital


@pytest.fixture
def nurse(db: Session, hospital: Organisation) -> StaffMember:
    return make_staff(db, hospital, "Kari", "Sykepleier")


@pytest.fixture
def person(db: Session) -> Patient:
    return factories.patient(db, diagnosed_days_ago=100, held=(1,))


@contextmanager
def triggers_bypassed(db: Session) -> Iterator[Session]:
    """What someone with full access to the database could do: get around the triggers (they
    are back in place when the transaction commits)."""
    connection = db.connection()
    if connection.dialect.name == "sqlite":
        triggers = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'access_event'").all()
        for name, _sql in triggers:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        yield db
        for _name, sql in triggers:
            connection.exec_driver_sql(sql)
    else:
        connection.exec_driver_sql("ALTER TABLE access_event DISABLE TRIGGER USER")
        yield db
        connection.exec_driver_sql("ALTER TABLE access_event ENABLE TRIGGER USER")
    db.commit()


# --- record() -----------------------------------------------------------------------------------


def test_record_by_a_staff_member_keeps_a_snapshot(app, db, nurse, person, hospital):
    record_as(app, nurse, person.id, AccessAction.READ_ANSWERS, touchpoint_number=2,
              context="staff.patient")
    nurse.given_name, nurse.title = "Renamed", "lege"
    db.commit()
    (event,) = entries(db)
    assert (event.seq, event.prev_hash) == (1, GENESIS)
    assert event.actor_kind == "staff"
    assert event.actor_id == nurse.id
    assert event.actor_name == "Kari Sykepleier"
    assert event.actor_title == "kreftsykepleier"
    assert event.actor_hpr_number == "1234567"
    assert event.actor_role == "hospital_clinician"
    assert (event.actor_org_number, event.actor_org_name) == (hospital.org_number, hospital.name)
    assert (event.patient_id, event.action) == (person.id, "read_answers")
    assert (event.touchpoint_number, event.context) == (2, "staff.patient")
    assert event.hash == compute_hash(fields_of(event))


def test_record_takes_the_endpoint_as_context_when_none_is_given(app, db, nurse, person):
    record_as(app, nurse, person.id, AccessAction.OPENED_PATIENT)
    assert entries(db)[0].context == "clinician.patient"


def test_entries_form_a_chain(app, db, nurse, person):
    for action in (AccessAction.OPENED_PATIENT, AccessAction.READ_ANSWERS,
                   AccessAction.DOWNLOADED_PDF):
        record_as(app, nurse, person.id, action)
    found = entries(db)
    assert [e.seq for e in found] == [1, 2, 3]
    assert [e.prev_hash for e in found] == [GENESIS, found[0].hash, found[1].hash]
    assert [e.at for e in found] == sorted(e.at for e in found)
    assert audit.verify(db) == []


def test_the_role_is_the_one_the_endpoint_let_them_in_with(app, db, hospital, person):
    both = make_staff(db, hospital, "Ada", "Begge", clinician=True, administrator=True)
    with acting_as(app, STAFF, both.id, "/staff/patients/1"):
        audit.record(person.id, AccessAction.OPENED_PATIENT)
    with acting_as(app, STAFF, both.id, "/admin/access-log"):
        audit.record(person.id, AccessAction.READ_ACCESS_LOG)
    assert [e.actor_role for e in entries(db)] == ["hospital_clinician", "administrator"]


def test_record_by_a_relative_keeps_how_the_patient_describes_them(app, db, person):
    relative = Relative(national_id=factories.national_id("050590"), given_name="Siri",
                        family_name="Datter")
    db.add(RelativeLink(relative=relative, patient_id=person.id, relation="datter",
                        accepted_at=datetime.now(UTC)))
    db.commit()
    record_as(app, relative, person.id, AccessAction.READ_CONTACTS)
    (event,) = entries(db)
    assert (event.actor_kind, event.actor_role, event.actor_id) == ("relative", "relative",
                                                                    relative.id)
    assert (event.actor_name, event.actor_title) == ("Siri Datter", "datter")
    assert (event.actor_hpr_number, event.actor_org_number, event.actor_org_name) == (
        None, None, None)


def test_concurrent_requests_never_fork_the_chain(app, db, nurse, person, hospital):
    """Staff requests appending at the same time, each in its own transaction and connection."""
    others = [make_staff(db, hospital, "Per", f"Nummer{n}") for n in range(5)]
    errors: list[BaseException] = []
    start = threading.Barrier(len(others) + 1)

    def work(member: StaffMember) -> None:
        try:
            start.wait()
            for _ in range(5):
                record_as(app, member, person.id)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(m,)) for m in [nurse, *others]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert [e.seq for e in entries(db)] == list(range(1, 31))
    assert audit.verify(db) == []


def test_a_relatives_request_takes_the_write_lock_itself(app, db, person):
    """A relative's GET does not begin with the write lock on SQLite: record() takes it."""
    relative = Relative(national_id=factories.national_id("050590"), given_name="Siri",
                        family_name="Datter")
    db.add(relative)
    db.commit()
    for _ in range(2):
        record_as(app, relative, person.id, AccessAction.READ_CONTACTS)
    assert audit.verify(db) == []


@pytest.mark.parametrize("principal", [None, Principal(kind=PATIENT, subject_id=1)])
def test_record_refuses_a_patient_or_nobody(app, principal):
    with app.test_request_context("/patient/"):
        g.principal = principal
        with pytest.raises(RuntimeError):
            audit.record(1, AccessAction.OPENED_PATIENT)


def test_the_database_accepts_every_action(app, db, nurse, person):
    for action in AccessAction:
        record_as(app, nurse, person.id, action)
    assert {e.action for e in entries(db)} == set(AccessAction)


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 23, 8, 5, 0, 123456, tzinfo=UTC),
    datetime(2026, 11, 23, 8, 5, 0, 1, tzinfo=UTC),
    datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # a whole second, on the night clocks change
    # Oslo time in the hour that happens twice when clocks go back.
    datetime(2026, 10, 25, 2, 30, 0, 999999, tzinfo=ZoneInfo("Europe/Oslo")),
])
def test_a_hash_is_the_same_after_a_round_trip_through_the_database(
        app, db, nurse, person, monkeypatch, moment):
    monkeypatch.setattr(operations, "utcnow", lambda: moment)
    record_as(app, nurse, person.id)
    (event,) = entries(db)
    # (An ambiguous local time never equals a time in another zone: compare in UTC.)
    assert event.at == moment.astimezone(UTC)
    assert event.at.tzinfo is UTC
    assert event.hash == compute_hash(fields_of(event))


# --- the database refuses changes ---------------------------------------------------------------


@pytest.mark.parametrize("statement", [
    "UPDATE access_event SET patient_id = patient_id + 1",
    "UPDATE access_event SET hash = hash",
    "DELETE FROM access_event",
])
def test_the_database_refuses_to_change_or_delete_an_entry(app, db, nurse, person, statement):
    record_as(app, nurse, person.id)
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text(statement))
    db.rollback()
    assert len(entries(db)) == 1


def test_the_database_refuses_a_change_through_the_orm(app, db, nurse, person):
    record_as(app, nurse, person.id)
    (event,) = entries(db)
    event.actor_name = "Someone Else"
    with pytest.raises(DBAPIError, match="append-only"):
        db.commit()
    db.rollback()
    assert entries(db)[0].actor_name == "Kari Sykepleier"


def test_postgresql_refuses_truncate_too(app, db, nurse, person):
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("TRUNCATE is PostgreSQL's")
    record_as(app, nurse, person.id)
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("TRUNCATE access_event"))
    db.rollback()
    assert len(entries(db)) == 1


# --- portal audit verify ------------------------------------------------------------------------


def verify(app: Flask) -> Any:
    return app.test_cli_runner().invoke(args=["audit", "verify"])


def test_verify_passes_an_empty_log(app):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "0 entries, chain intact."


@pytest.fixture
def five_entries(app, db, nurse, person) -> list[AccessEvent]:
    for _ in range(5):
        record_as(app, nurse, person.id)
    return entries(db)


def test_verify_passes_an_untouched_log(app, five_entries):
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        f"5 entries, chain intact (newest: entry 5, hash {five_entries[-1].hash}).")


@pytest.mark.parametrize(("statements", "problem"), [
    (["UPDATE access_event SET patient_id = patient_id + 1 WHERE seq = 3"],
     "Entry 3 does not match its hash: it has been changed."),
    (["UPDATE access_event SET at = at WHERE seq = 5",
      "UPDATE access_event SET action = 'exported' WHERE seq = 5"],
     "Entry 5 does not match its hash: it has been changed."),
    (["DELETE FROM access_event WHERE seq = 2"],
     "Entry 2 is missing: removed from the log."),
    (["DELETE FROM access_event WHERE seq = 1"],
     "Entry 1 is missing: removed from the log."),
    (["UPDATE access_event SET seq = 100 WHERE seq = 2",
      "UPDATE access_event SET seq = 2 WHERE seq = 3",
      "UPDATE access_event SET seq = 3 WHERE seq = 100"],
     "Entry 2 does not match its hash: it has been changed."),
])
def test_verify_finds_tampering_that_got_around_the_triggers(app, db, five_entries, statements,
                                                           problem):
    with triggers_bypassed(db):
        for statement in statements:
            db.execute(text(statement))
    result = verify(app)
    assert result.exit_code == 1
    assert problem in result.output
    assert "chain broken" in result.output


def test_the_triggers_are_back_after_tampering(app, db, five_entries):
    with triggers_bypassed(db):
        db.execute(text("UPDATE access_event SET context = 'x' WHERE seq = 1"))
    with pytest.raises(DBAPIError, match="append-only"):
        db.execute(text("DELETE FROM access_event"))
    db.rollback()


# --- the patient's page -------------------------------------------------------------------------


def test_the_patient_sees_their_own_entries_newest_first(app, db, client, nurse, person,
                                                          hospital, monkeypatch):
    other = factories.patient(db, diagnosed_days_ago=100)
    doctor = make_staff(db, hospital, "Ola", "Lege", title="overlege")
    snoop = make_staff(db, hospital, "Per", "Snok", title="lege")
    times = iter([datetime(2026, 11, 2, 9, 15, tzinfo=UTC),
                  datetime(2026, 11, 3, 13, 5, tzinfo=UTC),
                  datetime(2026, 11, 3, 14, 0, tzinfo=UTC)])
    monkeypatch.setattr(operations, "utcnow", lambda: next(times))
    record_as(app, nurse, person.id, AccessAction.OPENED_PATIENT)
    record_as(app, snoop, other.id, AccessAction.READ_ANSWERS, touchpoint_number=1)
    record_as(app, doctor, person.id, AccessAction.READ_ANSWERS, touchpoint_number=2)
    sign_in_as(client, db, PATIENT, person.id)

    page = client.get("/patient/access-log")

    assert [h.get_text(" ", strip=True) for h in page.select("main h2.access-log__day")] == [
        "Tuesday, November 3, 2026", "Monday, November 2, 2026"]
    shown = [" ".join(li.get_text(" ").split()) for li in page.select("main .access-log__entry")]
    assert shown == [
        "3:00 PM Ola Lege, overlege at Test HF, read your answers for conversation 2.",
        "10:15 AM Kari Sykepleier, kreftsykepleier at Test HF, opened your page.",
    ]
    assert "Snok" not in page.text()
    assert page.select("main .access-log__entry time")[0]["datetime"] == "2026-11-03T14:00:00+00:00"


def test_a_patient_nobody_has_looked_at_is_told_so(app, db, client, person):
    sign_in_as(client, db, PATIENT, person.id)
    page = client.get("/patient/access-log")
    assert page.select("main .access-log__entry") == []
    assert page.text("main .access-log__empty") == "Nobody has looked at your information yet."
    assert "When you use the portal yourself, it is not listed here." in page.text()
    # Whom to contact: the organisations that follow the patient.
    assert page.select("main .card .contact") or page.select("main .card p")


def test_the_patient_page_shows_older_entries_on_the_next_page(app, db, client, nurse, person,
                                                               monkeypatch):
    monkeypatch.setattr("portal.audit.views.PATIENT_PAGE_SIZE", 2)
    for action in (AccessAction.OPENED_PATIENT, AccessAction.READ_ANSWERS,
                   AccessAction.READ_SUMMARY):
        record_as(app, nurse, person.id, action)
    sign_in_as(client, db, PATIENT, person.id)
    first = client.get("/patient/access-log")
    assert len(first.select("main .access-log__entry")) == 2
    older = client.get(first.one("main a[href*='before=']")["href"])
    (entry,) = older.select("main .access-log__entry")
    assert "opened your page" in entry.get_text()
    assert older.select("main a[href*='before=']") == []


@pytest.mark.parametrize("before", ["abc", "-1", "0", "99999999999999999999", "1e3"])
def test_the_patient_page_survives_a_bad_page_number(db, client, person, before):
    sign_in_as(client, db, PATIENT, person.id)
    client.get("/patient/access-log", query_string={"before": before})


def test_the_patient_page_needs_a_signed_in_patient(db, client, nurse):
    assert client.raw.get("/patient/access-log").status_code in (302, 303)
    sign_in_as(client, db, STAFF, nurse.id)
    client.get("/patient/access-log", status=404)


# --- the administrator's pages ------------------------------------------------------------------


@pytest.fixture
def administrator(db: Session, hospital: Organisation) -> StaffMember:
    return make_staff(db, hospital, "Anne", "Admin", title="seksjonsleder", clinician=False,
                      administrator=True)


def test_the_administrator_sees_their_organisations_staff_with_counts(
        app, db, client, administrator, nurse, person, hospital, monkeypatch):
    other_org, _ = factories.organisations(db)
    stranger = make_staff(db, other_org, "Frida", "Fremmed")
    record_as(app, nurse, person.id)
    record_as(app, nurse, person.id)
    record_as(app, stranger, person.id)
    old = datetime.now(UTC) - timedelta(days=40)
    monkeypatch.setattr(operations, "utcnow", lambda: old)
    record_as(app, nurse, person.id)  # more than 30 days ago: not counted
    sign_in_as(client, db, STAFF, administrator.id)

    page = client.get("/admin/access-log")

    rows = {" ".join(row.select("td")[0].get_text(" ").split()):
            row.select("td")[-1].get_text(strip=True) for row in page.select("main tbody tr")}
    assert rows == {"Anne Admin": "0", "Kari Sykepleier": "2"}
    link = page.one(f"main a[href='/admin/access-log/staff/{nurse.id}']")
    assert link.get_text(strip=True) == "Kari Sykepleier"


def test_the_administrator_sees_one_staff_members_accesses(app, db, client, administrator,
                                                           nurse, person, monkeypatch):
    times = iter([datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
                  datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
                  datetime(2026, 11, 21, 9, 0, tzinfo=UTC)])
    monkeypatch.setattr(operations, "utcnow", lambda: next(times))
    record_as(app, nurse, person.id, AccessAction.OPENED_PATIENT)
    record_as(app, nurse, person.id, AccessAction.READ_ANSWERS, touchpoint_number=2)
    # A patient who is no longer in the portal: the log outlives them.
    operations.append(db, operations.staff_actor(nurse, StaffRole.HOSPITAL_CLINICIAN),
                      987654, AccessAction.DOWNLOADED_PDF, touchpoint_number=1)
    db.commit()
    sign_in_as(client, db, STAFF, administrator.id)

    page = client.get(f"/admin/access-log/staff/{nurse.id}")

    rows = [[" ".join(td.get_text(" ").split()) for td in row.select("td")]
            for row in page.select("main tbody tr")]
    assert [row[1:] for row in rows] == [
        ["No longer in the portal", "Downloaded a PDF file", "1"],
        ["Test Pasient", "Read the answers", "2"],
        ["Test Pasient", "Opened the patient's page", ""],
    ]

    period = client.get(f"/admin/access-log/staff/{nurse.id}",
                        query_string={"start": "2026-11-20", "end": "20.11.2026"})
    assert [[td.get_text(" ", strip=True) for td in row.select("td")][2]
            for row in period.select("main tbody tr")] == ["Read the answers"]
    assert period.one("input#start")["value"] == "2026-11-20"


@pytest.mark.parametrize(("query", "field"), [
    ({"start": "32.13.2026"}, "start"),
    ({"start": "not a date"}, "start"),
    ({"end": "0001-01-01"}, "end"),
    ({"start": "2026-11-20", "end": "2026-11-19"}, "end"),
    ({"start": "2026-11-20\x00"}, "start"),
])
def test_a_bad_period_is_explained_next_to_the_field(db, client, administrator, nurse, query,
                                                     field):
    sign_in_as(client, db, STAFF, administrator.id)
    page = client.get(f"/admin/access-log/staff/{nurse.id}", query_string=query)
    assert page.one(f"#{field}-error").get_text(strip=True)
    assert page.one(f"#{field}")["aria-invalid"] == "true"
    assert page.one(f".error-summary a[href='#{field}']")
    assert page.title.startswith("Error:")
    assert page.select("main table") == []


@pytest.mark.parametrize("kind", ["patient", "clinician", "relative"])
@pytest.mark.parametrize("url", ["/admin/access-log", "/admin/access-log/staff/{staff_id}"])
def test_the_administrators_pages_are_404_for_everyone_else(db, client, nurse, person, kind,
                                                            url):
    if kind == "patient":
        sign_in_as(client, db, PATIENT, person.id)
    elif kind == "clinician":
        sign_in_as(client, db, STAFF, nurse.id)
    else:
        relative = Relative(national_id=factories.national_id("050590"), given_name="Siri",
                            family_name="Datter")
        db.add(relative)
        db.commit()
        sign_in_as(client, db, RELATIVE, relative.id)
    client.get(url.format(staff_id=nurse.id), status=404)


def test_the_administrators_pages_send_an_anonymous_visitor_to_sign_in(client, nurse):
    for url in ("/admin/access-log", f"/admin/access-log/staff/{nurse.id}"):
        assert client.raw.get(url).status_code in (302, 303)


def test_an_administrator_of_another_organisation_gets_404(db, client, nurse, person):
    other_org, _ = factories.organisations(db)
    other_admin = make_staff(db, other_org, "Olav", "Annen", clinician=False,
                             administrator=True)
    sign_in_as(client, db, STAFF, other_admin.id)
    client.get(f"/admin/access-log/staff/{nurse.id}", status=404)
    page = client.get("/admin/access-log")
    assert "Sykepleier" not in page.text()


@pytest.mark.parametrize("staff_id", ["0", "99999999999", "2147483648"])
def test_an_unknown_staff_member_is_404(db, client, administrator, staff_id):
    sign_in_as(client, db, STAFF, administrator.id)
    client.get(f"/admin/access-log/staff/{staff_id}", status=404)
