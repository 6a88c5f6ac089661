"""Trusted proxy headers (``PORTAL_TRUSTED_PROXIES``, ProxyFix in create_app): the client's
address for the rate limits, https URLs and ``is_secure`` behind a TLS-terminating proxy, and
the request id; with 0 trusted proxies every forwarded header is ignored."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, jsonify, request, url_for

from portal import access, create_app
from portal.db import session_factory
from portal.settings import Settings
from tests.helpers import PortalClient

PROXY = "10.0.0.2"  # the reverse proxy, as gunicorn sees it
ALICE, BOB = "198.51.100.10", "198.51.100.20"


def _app(settings: Settings, proxies: int) -> Iterator[Flask]:
    app = create_app(settings.with_overrides(trusted_proxies=proxies,
                                             rate_limit_sign_in="3 per minute"))

    @access.public
    def seen() -> object:
        return jsonify(remote=request.remote_addr, secure=request.is_secure,
                       callback=url_for("auth.callback", profile="citizen", _external=True))

    app.add_url_rule("/_seen", "seen", seen)
    PortalClient(app)  # the development provider's back channel, answered in-process
    yield app
    session_factory(app).kw["bind"].dispose()


@pytest.fixture
def one_proxy(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings, 1)


@pytest.fixture
def no_proxy(settings: Settings) -> Iterator[Flask]:
    yield from _app(settings, 0)


def _start(app: Flask, forwarded_for: str | None) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return app.test_client().get("/sign-in/citizen/start", headers=headers,
                                 environ_base={"REMOTE_ADDR": PROXY}).status_code


FORWARDED = {"X-Forwarded-For": ALICE, "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "pasientportal.example.no"}


def test_behind_one_proxy_the_client_address_scheme_and_host_come_from_its_headers(one_proxy):
    seen = one_proxy.test_client().get("/_seen", headers=FORWARDED,
                                       environ_base={"REMOTE_ADDR": PROXY}).get_json()
    assert seen == {"remote": ALICE, "secure": True,
                    "callback": "https://pasientportal.example.no/sign-in/citizen/callback"}


def test_with_no_trusted_proxy_the_forwarded_headers_are_ignored(no_proxy):
    seen = no_proxy.test_client().get("/_seen", headers=FORWARDED,
                                      environ_base={"REMOTE_ADDR": PROXY}).get_json()
    assert seen == {"remote": PROXY, "secure": False,
                    "callback": "http://localhost/sign-in/citizen/callback"}


def test_two_clients_behind_one_proxy_have_their_own_sign_in_counters(one_proxy):
    assert [_start(one_proxy, ALICE) for _ in range(3)] == [303, 303, 303]
    assert _start(one_proxy, ALICE) == 429
    assert _start(one_proxy, BOB) == 303


def test_a_forged_hop_is_not_trusted_beyond_the_configured_count(one_proxy):
    """Alice sends her own X-Forwarded-For naming Bob; the proxy appends her real address.
    Only the proxy's entry counts: she is still Alice, and Bob is not spent."""
    for _ in range(3):
        assert _start(one_proxy, f"{BOB}, {ALICE}") == 303
    assert _start(one_proxy, ALICE) == 429
    assert _start(one_proxy, BOB) == 303
    seen = one_proxy.test_client().get("/_seen", headers={"X-Forwarded-For": f"{BOB}, {ALICE}"},
                                       environ_base={"REMOTE_ADDR": PROXY}).get_json()
    assert seen["remote"] == ALICE


def test_with_no_trusted_proxy_every_client_shares_the_proxys_counter(no_proxy):
    assert [_start(no_proxy, ALICE) for _ in range(3)] == [303, 303, 303]
    assert _start(no_proxy, BOB) == 429


def test_a_trusted_proxys_request_id_is_kept_and_returned(one_proxy):
    response = one_proxy.test_client().get("/healthz",
                                           headers={"X-Request-ID": "lb-4f2a9c01-77"})
    assert response.headers["X-Request-ID"] == "lb-4f2a9c01-77"


@pytest.mark.parametrize("offered", ["short", "has spaces in it", "x" * 129, "<script>1</script>"])
def test_a_request_id_that_does_not_look_like_one_is_replaced(one_proxy, offered):
    response = one_proxy.test_client().get("/healthz", headers={"X-Request-ID": offered})
    assert response.headers["X-Request-ID"] != offered
    assert len(response.headers["X-Request-ID"]) == 32


def test_with_no_trusted_proxy_a_clients_request_id_is_not_used(no_proxy):
    first = no_proxy.test_client().get("/healthz", headers={"X-Request-ID": "lb-4f2a9c01-77"})
    second = no_proxy.test_client().get("/healthz")
    assert first.headers["X-Request-ID"] != "lb-4f2a9c01-77"
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
