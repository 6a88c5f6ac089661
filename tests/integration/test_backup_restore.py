"""``portal db backup`` and ``portal db restore`` (portal/ops/backup.py): the demo data plus an
access log, backed up while another thread keeps writing, restored into a fresh database, and
checked there: the same rows, the same migration, the access log's chain intact."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from portal import create_app, demo, migrations
from portal.audit import operations
from portal.audit.models import AccessAction, AccessEvent
from portal.db import Base, session_factory, session_scope
from portal.ops import backup
from portal.pathway.models import Patient
from portal.settings import Settings
from portal.staff.models import StaffMember, StaffRole


def counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: connection.scalar(select(func.count()).select_from(table)) or 0
                    for table in Base.metadata.sorted_tables}
    finally:
        engine.dispose()


def revision(url: str) -> str | None:
    engine = create_engine(url)
    try:
        return migrations.current_revision(engine)
    finally:
        engine.dispose()


def _app(settings: Settings, url: str) -> Iterator[Flask]:
    app = create_app(settings.with_overrides(database_url=url))
    yield app
    session_factory(app).kw["bind"].dispose()


def _log(app: Flask, entries: int) -> None:
    """Append ``entries`` to the access log, one commit each (a nurse opening patients)."""
    for _ in range(entries):
        with session_scope(app) as session:
            member = session.scalars(select(StaffMember).order_by(StaffMember.id)).first()
            patient = session.scalars(select(Patient).order_by(Patient.id)).first()
            assert member is not None
            assert patient is not None
            operations.append(session, operations.staff_actor(member, StaffRole.HOSPITAL_CLINICIAN),
                              patient.id, AccessAction.OPENED_PATIENT)


class Writer(threading.Thread):
    """Keeps appending to the access log until stopped."""

    def __init__(self, app: Flask) -> None:
        super().__init__(daemon=True)
        self.app, self.stop, self.written, self.error = app, threading.Event(), 0, None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                _log(self.app, 1)
                self.written += 1
        except BaseException as exc:  # reported by the test
            self.error = exc


def _loaded(app: Flask) -> None:
    with session_scope(app) as session:
        demo.load(session)
    _log(app, 5)


def _verify(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    return result.output


def _backup_while_writing(app: Flask, path: Path) -> Writer:
    writer = Writer(app)
    writer.start()
    try:
        while writer.written < 3 and writer.error is None:  # the writer is under way
            threading.Event().wait(0.01)
        result = app.test_cli_runner().invoke(args=["db", "backup", str(path)])
        assert result.exit_code == 0, result.output
        assert "Backed up to" in result.output
        during = writer.written
        while writer.written < during + 3 and writer.error is None:  # and went on after it
            threading.Event().wait(0.01)
    finally:
        writer.stop.set()
        writer.join(timeout=30)
    assert writer.error is None, writer.error
    return writer


# --- SQLite ------------------------------------------------------------------------------------


def test_sqlite_backup_while_writing_and_restore_into_a_fresh_file(settings, tmp_path):
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    migrations.upgrade(source)
    for live in _app(settings, source):
        _loaded(live)
        before = counts(source)["access_event"]
        _backup_while_writing(live, tmp_path / "backup.sqlite3")
        after = counts(source)["access_event"]
    snapshot = counts(f"sqlite:///{tmp_path / 'backup.sqlite3'}")
    assert before < snapshot["access_event"] < after  # taken while the log grew
    assert snapshot["patient"] > 5
    assert snapshot["staff_member"] > 3

    for restored in _app(settings, target):
        result = restored.test_cli_runner().invoke(args=["db", "restore",
                                                         str(tmp_path / "backup.sqlite3")])
        assert result.exit_code == 0, result.output
        assert counts(target) == snapshot
        assert revision(target) == migrations.head_revision(target)
        assert f"{snapshot['access_event']} entries, chain intact" in _verify(restored)
        assert restored.test_client().get("/readyz").status_code == 200


def test_sqlite_restore_refuses_to_replace_a_database_without_yes(settings, tmp_path):
    source = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    migrations.upgrade(source)
    for live in _app(settings, source):
        _loaded(live)
        runner = live.test_cli_runner()
        assert runner.invoke(args=["db", "backup", str(tmp_path / "b.sqlite3")]).exit_code == 0
        again = runner.invoke(args=["db", "backup", str(tmp_path / "b.sqlite3")])
        assert again.exit_code == 1
        assert "exists already" in again.output
        refused = runner.invoke(args=["db", "restore", str(tmp_path / "b.sqlite3")])
        assert refused.exit_code == 1
        assert "--yes" in refused.output
        _log(live, 2)
        grown = counts(source)
        done = runner.invoke(args=["db", "restore", "--yes", str(tmp_path / "b.sqlite3")])
        assert done.exit_code == 0, done.output
        assert counts(source)["access_event"] == grown["access_event"] - 2
        _verify(live)


def test_a_file_that_is_not_a_portal_database_is_refused(settings, tmp_path):
    not_portal = tmp_path / "other.sqlite3"
    engine = create_engine(f"sqlite:///{not_portal}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    engine.dispose()
    text_file = tmp_path / "notes.txt"
    text_file.write_text("not a database at all\n" * 100)
    target = tmp_path / "target.sqlite3"
    for app in _app(settings, f"sqlite:///{target}"):
        for bad in (not_portal, text_file):
            result = app.test_cli_runner().invoke(args=["db", "restore", "--yes", str(bad)])
            assert result.exit_code == 1
            assert "is not a portal database" in result.output
    assert not target.exists()


# --- PostgreSQL --------------------------------------------------------------------------------


@pytest.fixture
def postgres_target(database_url: str) -> Iterator[str]:
    """A second PostgreSQL database beside the test database (``<name>_restore``), empty."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        pytest.skip("PostgreSQL is not configured: set PORTAL_TEST_DATABASE_URL to a "
                    "postgresql+psycopg:// URL to test pg_dump and pg_restore.")
    name = f"{url.database}_restore"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    server.dispose()


def test_postgresql_backup_while_writing_and_restore(app, db: Session, settings, database_url,
                                                     postgres_target, tmp_path):
    _loaded(app)
    before = counts(database_url)["access_event"]
    path = tmp_path / "portal.dump"
    _backup_while_writing(app, path)
    assert before < counts(database_url)["access_event"]

    for restored in _app(settings, postgres_target):
        runner = restored.test_cli_runner()
        result = runner.invoke(args=["db", "restore", str(path)])
        assert result.exit_code == 0, result.output
        restored_counts = counts(postgres_target)
        assert restored_counts["access_event"] > before
        assert restored_counts["patient"] == counts(database_url)["patient"]
        assert revision(postgres_target) == migrations.head_revision(postgres_target)
        entries = restored_counts["access_event"]
        assert f"{entries} entries, chain intact" in _verify(restored)
        # The append-only triggers came back with the restore.
        with session_scope(restored) as session, pytest.raises(Exception, match="append-only"):
            session.execute(AccessEvent.__table__.delete())
        again = runner.invoke(args=["db", "restore", str(path)])
        assert again.exit_code == 1
        assert "--yes" in again.output
        replaced = runner.invoke(args=["db", "restore", "--yes", str(path)])
        assert replaced.exit_code == 0, replaced.output
        assert counts(postgres_target) == restored_counts


def test_libpq_environment_carries_the_password_and_options_not_the_command_line():
    url = make_url("postgresql+psycopg://portal:p%40ss@db.internal:6543/portal?sslmode=require")
    assert backup.libpq_environment(url) == {
        "PGHOST": "db.internal", "PGPORT": "6543", "PGUSER": "portal", "PGPASSWORD": "p@ss",
        "PGDATABASE": "portal", "PGSSLMODE": "require"}


def test_missing_postgresql_tools_are_named(monkeypatch, tmp_path):
    monkeypatch.setattr(backup.shutil, "which", lambda _name: None)
    with pytest.raises(backup.BackupError, match=r"pg_dump was not found.*postgresql-client"):
        backup.backup("postgresql+psycopg://portal@127.0.0.1/portal", tmp_path / "x.dump")


def test_db_current_names_the_databases_migration_and_the_newest(settings, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    migrations.upgrade(url, "0007")
    for app in _app(settings, url):
        behind = app.test_cli_runner().invoke(args=["db", "current"])
        assert behind.exit_code == 0
        head = migrations.head_revision(url)
        assert f"the newest is {head} (run portal db upgrade)" in behind.output
        migrations.upgrade(url)
        current = app.test_cli_runner().invoke(args=["db", "current"])
        assert f"Database is at {head}; the newest is {head} (up to date)." in current.output
