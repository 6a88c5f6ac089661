"""Shared fixtures: a real database (SQLite file, or PostgreSQL from PORTAL_TEST_DATABASE_URL),
the app, a test client that parses and checks every page, and small factories."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from portal import create_app, migrations
from portal.db import Base, session_factory
from portal.settings import Settings
from tests.helpers import PortalClient

TEST_SECRET = "test-secret-key-that-is-long-enough-for-anything"

# Property tests explore new random examples on every run on a developer's machine. CI
# (HYPOTHESIS_PROFILE=ci, set by .ci/run) tries the same examples every time, so a new
# counterexample is found and fixed by whoever runs the tests, not met by a CI run of unrelated
# work. Counterexamples once found stay as @example lines.
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A freshly migrated database for the whole run."""
    url = os.environ.get("PORTAL_TEST_DATABASE_URL")
    if url:
        engine = create_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'portal-test.sqlite3'}"
    migrations.upgrade(url)
    return url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(env="development", secret_key=TEST_SECRET, instance_path=tmp_path,
                    database_url=database_url, dev_idp=True, secure_cookies=False)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    _empty_all_tables(app)


def _empty_all_tables(app: Flask) -> None:
    """Delete every row. The access log's triggers (migration 0003) refuse DELETE: they are set
    aside inside this one transaction, and are back in place when it commits."""
    session = session_factory(app)()
    try:
        connection = session.connection()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:  # SQLite cannot switch a trigger off: drop it and create it again
            triggers = connection.exec_driver_sql(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").all()
            for name, _sql in triggers:
                connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
        else:
            connection.exec_driver_sql("ALTER TABLE access_event DISABLE TRIGGER USER")
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(table.delete())
        if sqlite:
            for _name, sql in triggers:
                connection.exec_driver_sql(sql)
        else:
            connection.exec_driver_sql("ALTER TABLE access_event ENABLE TRIGGER USER")
        session.commit()
    finally:
        session.close()
        session_factory(app).kw["bind"].dispose()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session for arranging data and checking results; commit to make data visible."""
    session = session_factory(app)()
    yield session
    session.rollback()
    session.close()


@pytest.fixture
def client(app: Flask) -> PortalClient:
    return PortalClient(app)


@pytest.fixture(autouse=True)
def _no_outgoing_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any unplanned connection off this machine (mail, HTTP, DNS to the internet)."""
    real_connect = socket.socket.connect

    def guarded_connect(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else address
        local = isinstance(host, str) and (host.startswith("127.") or host in ("::1", "localhost"))
        if isinstance(host, str) and not local and self.family != socket.AF_UNIX:
            raise AssertionError(f"Unplanned outgoing connection to {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
