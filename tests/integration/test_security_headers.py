"""Security headers and cookies, as written down in portal/security.py and create_app."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from portal import create_app
from portal.db import session_factory
from tests.helpers import PortalClient
from tests.integration.journey import signed_in_patient, step_url


def _csp(response: TestResponse) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["Content-Security-Policy"].split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.fixture
def step_page(client, db):
    _, tp = signed_in_patient(client, db)
    return client.get(step_url(tp, "work"))


def test_csp_allows_no_inline_code_without_the_nonce(step_page):
    csp = _csp(step_page.response)
    assert "'unsafe-inline'" not in step_page.response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in step_page.response.headers["Content-Security-Policy"]
    assert csp["default-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]


def test_csp_nonce_matches_the_pages_script_and_changes_per_request(client, step_page):
    csp = _csp(step_page.response)
    script = step_page.one("head script")
    assert f"'nonce-{script['nonce']}'" in csp["script-src"]
    again = client.get(step_page.response.request.path)
    assert again.one("head script")["nonce"] != script["nonce"]


def test_csp_nonce_also_covers_the_pages_style(client, db):
    _, tp = signed_in_patient(client, db)
    page = client.get(step_url(tp, "work"))  # has conditional follow-ups: a nonced <style>
    style = page.one("head style")
    assert f"'nonce-{style['nonce']}'" in _csp(page.response)["style-src"]


@pytest.mark.parametrize("url", ["/", "/sign-in", "/no-such-page"])
def test_every_response_has_the_protective_headers(client, url):
    response = client.raw.get(url)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_pages_with_health_data_are_not_stored(step_page):
    assert step_page.response.headers["Cache-Control"] == "no-store"


def test_redirects_are_not_stored_either(client, db):
    _, tp = signed_in_patient(client, db)
    response = client.raw.get(f"/patient/touchpoints/{tp}/questionnaire")
    assert response.status_code in (302, 303)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("selector", ['link[rel="stylesheet"]', "script[src]"])
def test_fingerprinted_static_files_are_cached_for_a_year(client, selector):
    tag = client.get("/").one(f"head {selector}")
    url = tag.get("href") or tag["src"]
    assert "v=" in urlsplit(url).query
    with client.raw.get(url) as response:  # a file response: close it
        assert response.status_code == 200
        cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache
    assert "public" in cache


def test_a_static_file_without_its_fingerprint_is_not_cached_for_a_year(client):
    with client.raw.get("/static/portal.css") as response:
        assert response.status_code == 200
        assert "max-age=31536000" not in response.headers.get("Cache-Control", "")


# --- the session cookie ------------------------------------------------------------------------


def _session_cookie(response: TestResponse) -> dict[str, str | bool]:
    (header,) = [h for h in response.headers.getlist("Set-Cookie")
                 if h.startswith("portal_session=")]
    attributes: dict[str, str | bool] = {}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value or True
    return attributes


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    cookie = _session_cookie(client.raw.get("/language/en"))
    assert cookie.get("httponly") is True
    assert cookie.get("samesite") == "Lax"
    assert "secure" not in cookie  # development settings: HTTP on localhost


@pytest.fixture
def secure_app(settings) -> Iterator[Flask]:
    app = create_app(settings.with_overrides(secure_cookies=True))
    yield app
    session_factory(app).kw["bind"].dispose()


def test_the_session_cookie_is_secure_when_configured(secure_app):
    client = PortalClient(secure_app)
    response = client.raw.get("/language/en", base_url="https://localhost")
    cookie = _session_cookie(response)
    assert cookie.get("secure") is True
    assert cookie.get("httponly") is True
    assert cookie.get("samesite") == "Lax"


def test_the_session_cookie_is_set_when_signing_in(client, db):
    person, _ = signed_in_patient(client, db)
    response = client.sign_in(person.national_id)
    assert _session_cookie(response).get("httponly") is True
