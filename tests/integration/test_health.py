"""``/healthz`` and ``/readyz`` (portal/ops/health.py): what a load balancer sees."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import event

from portal import create_app
from portal.db import session_factory
from portal.ops import health
from portal.settings import Settings
from tests.helpers import PortalClient
from tests.integration.journey import open_patient


def statements_during(app: Flask, run) -> list[str]:  # type: ignore[no-untyped-def]
    """Every SQL statement sent on the app's engine (and the readiness engine) while ``run``."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    engine = session_factory(app).kw["bind"]
    event.listen(engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return seen


def test_healthz_answers_ok_with_no_store_and_touches_no_database(app, db):
    person, _ = open_patient(db)
    client = PortalClient(app)
    client.sign_in(person.national_id)  # a session cookie that would be looked up
    responses = []
    queries = statements_during(app, lambda: responses.append(client.raw.get("/healthz")))
    response = responses[0]
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "application/json"
    assert queries == []
    assert "Set-Cookie" not in response.headers
    assert response.headers["X-Request-ID"]


def test_a_normal_page_with_the_same_cookie_does_look_the_session_up(app, db):
    """The control for the test above: the counting sees a session lookup when there is one."""
    person, _ = open_patient(db)
    client = PortalClient(app)
    client.sign_in(person.national_id)
    queries = statements_during(app, lambda: client.raw.get("/patient/"))
    assert any("sign_in_session" in q for q in queries)


def test_healthz_is_never_rate_limited(settings):
    for app in _unready_app(settings.with_overrides(rate_limit_sign_in="1 per minute",
                                                    rate_limit_posts="1 per minute"),
                            settings.database_url):
        client = app.test_client()
        for _ in range(5):
            assert client.post("/healthz").status_code == 405
        assert [client.get("/healthz").status_code for _ in range(20)] == [200] * 20


def test_readyz_is_ok_when_the_database_answers_and_is_at_the_head(app, client):
    response = client.raw.get("/readyz")
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"status": "ok",
                                   "checks": {"database": "ok", "migrations": "ok"}}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_unavailable_when_the_migrations_are_not_at_the_head(app, client,
                                                                       monkeypatch):
    monkeypatch.setattr(health, "_head", lambda: "9999_not_yet_written")
    response = client.raw.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"].endswith("code expects 9999_not_yet_written")


def _unready_app(settings: Settings, url: str) -> Iterator[Flask]:
    app = create_app(settings.with_overrides(database_url=url))
    yield app
    session_factory(app).kw["bind"].dispose()


@pytest.mark.parametrize("url", [
    "postgresql+psycopg://portal:secret-password@127.0.0.1:1/portal",  # nothing listens: refused
    "sqlite:////nonexistent-folder/portal.sqlite3",
])
def test_readyz_is_unavailable_quickly_and_says_no_more_than_which_check(settings, url):
    for app in _unready_app(settings, url):
        started = time.monotonic()
        response = app.test_client().get("/readyz")
        assert time.monotonic() - started < health.READY_TIMEOUT_SECONDS + 1
        assert response.status_code == 503
        assert response.get_json() == {"status": "unavailable",
                                       "checks": {"database": "unreachable",
                                                  "migrations": "unknown"}}
        text = response.get_data(as_text=True)
        for secret in ("secret-password", "127.0.0.1", "nonexistent", "portal.sqlite3"):
            assert secret not in text
        # Liveness does not depend on the database.
        assert app.test_client().get("/healthz").status_code == 200


def test_readyz_is_unavailable_on_an_empty_database(settings, tmp_path: Path):
    for app in _unready_app(settings, f"sqlite:///{tmp_path / 'empty.sqlite3'}"):
        response = app.test_client().get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"] == {"database": "ok",
                                                 "migrations": "not migrated"}
