"""Rate limits (portal/limits.py): sign-in attempts and changes per client address, with a kind
429 page and Retry-After; reading pages is never limited. Every test runs on in-memory counters
and on Redis (127.0.0.1:6379, database 15, its own key prefix), and a Redis that cannot be
reached keeps the site up."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from flask import Flask
from werkzeug.test import TestResponse

from portal import create_app, limits
from portal.db import session_factory
from portal.settings import Settings, SettingsError
from tests.helpers import Page, PortalClient, check_page, path_of
from tests.integration.journey import (
    ANSWERS,
    fill_step,
    message,
    open_patient,
    response_of,
    signed_in_patient,
    step_url,
)

REDIS_URL = "redis://127.0.0.1:6379/15"
UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/0"  # port 1: refused at once


def _redis_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(params=["memory", "redis"])
def storage(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Where the counters live: "" (in memory) or Redis, under a key prefix of this test's own
    (so tests never share counters, and cleaning up touches only this test's keys)."""
    if request.param == "memory":
        yield ""
        return
    if not _redis_reachable():
        pytest.skip("Redis is not running on 127.0.0.1:6379 (start it with: redis-server "
                    "--daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no)")
    prefix = f"portal-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(limits, "KEY_PREFIX", prefix)
    yield REDIS_URL
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        keys = list(connection.scan_iter(match=f"*{prefix}*"))
        if keys:
            connection.delete(*keys)
    finally:
        connection.close()


@pytest.fixture
def settings(settings: Settings, storage: str) -> Settings:
    return settings.with_overrides(redis_url=storage, rate_limit_sign_in="3 per minute",
                                   rate_limit_posts="5 per minute")


def _another_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    session_factory(app).kw["bind"].dispose()


@pytest.fixture
def second_app(settings: Settings) -> Iterator[Flask]:
    """A second instance of the portal with the same settings (another gunicorn worker)."""
    yield from _another_app(settings)


def _start(client: PortalClient, **kwargs: Any) -> TestResponse:
    return client.raw.get("/sign-in/citizen/start", **kwargs)


def assert_too_many(app: Flask, response: TestResponse) -> Page:
    """The kind 429 page: our layout, what to do, when to come back."""
    assert response.status_code == 429, response.status_code
    page = check_page(response)
    assert page.text("main h1") == message(app, "Too many attempts")
    assert message(app, "Wait a minute and try again. Your saved answers are kept.") in page.text()
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "Traceback" not in page.soup.get_text()
    return page


# --- sign-in ----------------------------------------------------------------------------------


def test_the_fourth_sign_in_start_in_a_minute_is_refused_with_a_kind_page(app, client):
    for _ in range(3):
        assert _start(client).status_code == 303
    assert_too_many(app, _start(client))


def test_the_sign_in_limit_counts_per_client_address(app, client):
    for _ in range(3):
        assert _start(client).status_code == 303
    assert_too_many(app, _start(client))
    assert _start(client, environ_base={"REMOTE_ADDR": "192.0.2.7"}).status_code == 303


def test_three_whole_sign_ins_are_allowed_and_the_callback_is_limited_too(app, client, db):
    person, _ = open_patient(db)
    db.commit()
    for _ in range(3):
        assert client.sign_in(person.national_id).status_code == 303
    assert_too_many(app, client.raw.get("/sign-in/citizen/callback?code=x&state=y"))


def test_sending_the_development_providers_form_is_limited_but_showing_it_is_not(app, client):
    provider = path_of(_start(client).location)
    for _ in range(10):
        client.get(provider)  # showing the form is no attempt
    token = client.get(provider).csrf_token()
    for _ in range(3):
        page = client.post_page(provider, {"csrf_token": token, "national_id": "123"})
        assert page.select("#national_id-error")
    assert_too_many(app, client.raw.post(provider, data={"csrf_token": token,
                                                         "national_id": "123"}))


# --- reading is never limited ---------------------------------------------------------------


def test_reading_pages_is_not_limited(app, client, db):
    for _ in range(8):
        for url in ("/", "/sign-in", "/contacts"):
            client.get(url)
        with client.raw.get("/static/portal.css") as response:
            assert response.status_code == 200
        assert client.raw.get("/no-such-page").status_code == 404
    _, tp = signed_in_patient(client, db)
    for _ in range(8):
        for url in ("/patient/", step_url(tp, "work"), step_url(tp, 1)):
            client.get(url)


# --- changes (POST) -------------------------------------------------------------------------


def test_the_post_limit_refuses_the_sixth_change_in_a_minute_and_saves_nothing(app, client, db):
    _, tp = signed_in_patient(client, db)  # sending the provider's form was the first POST
    url = step_url(tp, "strain")
    data = fill_step(client, url, {"strain": "4"})
    for _ in range(4):
        assert client.raw.post(url, data=data).status_code == 303
    refused = client.raw.post(url, data={**data, "strain": "9"})
    assert_too_many(app, refused)
    response = response_of(db, tp)
    assert response is not None
    assert response.answer_values()["strain"] == 4
    # Another address still gets through (one crowded address does not stop everyone).
    other = client.raw.post(url, data={**data, "strain": "2"},
                            environ_base={"REMOTE_ADDR": "192.0.2.8"})
    assert other.status_code == 303


def test_the_post_limit_is_one_counter_across_every_form(app, client, db):
    _, tp = signed_in_patient(client, db)
    for page_id in ("what_matters", "strain", "family", "work"):
        url = step_url(tp, page_id)
        assert client.raw.post(url, data=fill_step(client, url, ANSWERS[page_id])).status_code \
            == 303
    sign_out = client.get("/patient/").one("header form.header__sign-out")
    refused = client.raw.post(sign_out["action"],
                              data={"csrf_token": sign_out.select_one("input")["value"]})
    assert_too_many(app, refused)


def test_the_development_providers_token_endpoint_is_not_counted(app, client, db):
    person, _ = open_patient(db)
    db.commit()
    for _ in range(2):  # two sign-ins: two form POSTs, and two token calls that are not counted
        assert client.sign_in(person.national_id).status_code == 303
    url = "/patient/"
    token = client.get(url).one("header form.header__sign-out input")["value"]
    for _ in range(3):
        client.raw.post("/sign-out", data={"csrf_token": token})  # 3 more: 5 in all
    assert_too_many(app, client.raw.post("/sign-out", data={"csrf_token": token}))


# --- several instances, and Redis down ------------------------------------------------------


@pytest.mark.parametrize("storage", ["redis"], indirect=True)
def test_two_instances_sharing_redis_share_the_counter(app, second_app, client):
    other = PortalClient(second_app)
    for _ in range(2):
        assert _start(client).status_code == 303
    assert _start(other).status_code == 303
    assert_too_many(second_app, _start(other))
    assert_too_many(app, _start(client))


@pytest.mark.parametrize("storage", ["redis"], indirect=True)
def test_counters_in_redis_are_kept_under_the_portals_key_prefix(app, client):
    assert _start(client).status_code == 303
    connection = redis.Redis.from_url(REDIS_URL)
    try:
        keys = [k.decode() for k in connection.scan_iter(match=f"*{limits.KEY_PREFIX}*")]
    finally:
        connection.close()
    assert keys
    assert all("/auth.start/" in key for key in keys)


@pytest.mark.parametrize("storage", ["memory"], indirect=True)
def test_in_memory_counters_are_per_instance(app, second_app, client):
    other = PortalClient(second_app)
    for _ in range(3):
        assert _start(client).status_code == 303
    assert_too_many(app, _start(client))
    assert _start(other).status_code == 303


@pytest.fixture
def app_without_redis(settings: Settings) -> Iterator[Flask]:
    yield from _another_app(settings.with_overrides(redis_url=UNREACHABLE_REDIS_URL))


@pytest.mark.parametrize("storage", ["memory"], indirect=True)  # replaced by the bad URL
def test_an_unreachable_redis_does_not_take_the_site_down(app_without_redis, db, caplog):
    client = PortalClient(app_without_redis)
    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        client.get("/")
        person, tp = open_patient(db)
        db.commit()
        assert client.sign_in(person.national_id).status_code == 303
        url = step_url(tp, "strain")
        assert client.raw.post(url, data=fill_step(client, url, {"strain": "3"})).status_code \
            == 303
    assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    # The limits still hold, counted in memory.
    for _ in range(2):
        assert _start(client).status_code == 303
    assert_too_many(app_without_redis, _start(client))


@pytest.mark.parametrize("storage", ["memory"], indirect=True)
def test_a_malformed_limit_is_refused_at_start_up(settings):
    with pytest.raises(SettingsError, match="PORTAL_RATE_LIMIT_SIGN_IN"):
        create_app(settings.with_overrides(rate_limit_sign_in="lots"))


@pytest.fixture
def app_without_limits(settings: Settings) -> Iterator[Flask]:
    yield from _another_app(settings.with_overrides(rate_limit_sign_in="", rate_limit_posts=""))


@pytest.mark.parametrize("storage", ["memory"], indirect=True)
def test_an_empty_limit_turns_it_off(app_without_limits):
    """For load tests (tests/bench): PORTAL_RATE_LIMIT_POSTS= and PORTAL_RATE_LIMIT_SIGN_IN=."""
    client = PortalClient(app_without_limits)
    for _ in range(10):
        assert _start(client).status_code == 303
        assert client.raw.post("/sign-out").status_code < 429
