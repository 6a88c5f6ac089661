"""On SQLite, a request that will write must hold the write lock from its first statement.

A transaction that read first and then writes fails at once with "database is locked" when
another connection wrote in between: SQLite cannot wait for that case. The journey benchmark
(tests/bench/journey.py) found the sign-in callback failing that way under load.
"""

from __future__ import annotations

import sqlite3

import pytest
from flask import Flask
from sqlalchemy import text

from portal.db import db_session


def _locked_by_another(app: Flask) -> bool:
    path = app.extensions["portal.settings"].resolved_database_url.removeprefix("sqlite:///")
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        return "locked" in str(error)
    finally:
        other.close()
    return False


@pytest.fixture
def sqlite_app(app: Flask) -> Flask:
    if not app.extensions["portal.settings"].resolved_database_url.startswith("sqlite"):
        pytest.skip("SQLite's locking only; PostgreSQL locks rows (SELECT ... FOR UPDATE).")
    return app


@pytest.mark.parametrize(("method", "path", "locks"), [
    ("GET", "/sign-in/citizen/callback", True),   # a GET that stores the sign-in session
    ("POST", "/sign-out", True),
    ("GET", "/contacts", False),                  # reading only: other requests may write
])
def test_requests_that_write_take_the_lock_first(sqlite_app: Flask, method: str, path: str,
                                                 locks: bool) -> None:
    sqlite_app.config["WTF_CSRF_ENABLED"] = False  # the lock is what is tested here
    with sqlite_app.test_request_context(path, method=method):
        sqlite_app.preprocess_request()
        db_session().execute(text("SELECT 1"))
        assert _locked_by_another(sqlite_app) is locks
        db_session().rollback()
