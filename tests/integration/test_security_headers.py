"""Security headers and cookies, as written down in portal/security.py and create_app."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from flask import Flask, url_for
from sqlalchemy import select
from werkzeug.test import TestResponse

from portal import create_app, demo
from portal.clinician.models import AgreedAction
from portal.db import session_factory
from portal.pathway.models import Patient
from portal.settings import OidcSettings, Settings
from portal.staff.models import StaffMember
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


def _assert_protective_headers(response: TestResponse, production: bool = False) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    csp = _csp(response)
    assert csp["frame-ancestors"] == ["'none'"]
    # Forms send to the portal only; no form's POST may redirect elsewhere (test_hostile_input).
    assert csp["form-action"] == ["'self'"]
    assert csp["default-src"] == ["'none'"]
    if production:
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    else:
        assert "Strict-Transport-Security" not in headers
    if response.request.path.startswith("/static/"):
        return
    if headers["Cache-Control"] == "private, max-age=300":
        # The public contact lookup, to a visitor with no session (portal/security.py).
        assert response.request.path.startswith("/contacts"), response.request.path
        assert "portal_session" not in response.request.cookies
        return
    assert headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("url", ["/", "/sign-in", "/no-such-page", "/healthz", "/readyz"])
def test_every_response_has_the_protective_headers(client, url):
    _assert_protective_headers(client.raw.get(url))


# --- a walk of every GET endpoint, as every kind of visitor ------------------------------------

#: Who walks: nobody signed in, and one demo persona of each kind (portal/demo.py).
VISITORS = {
    "anonymous": None,
    "patient": ("citizen", "12035812324"),
    "relative": ("citizen", "28048310046"),
    "nurse": ("staff", "15077910015"),
    "coordinator": ("staff", "02029010075"),
    "administrator": ("staff", "11096510057"),
}


def _sample_arguments(db) -> dict[str, object]:
    """A value for every URL variable the portal uses (a new one must be added here)."""
    patient = db.scalar(select(Patient).where(Patient.national_id == "12035812324"))
    staff = db.scalar(select(StaffMember).where(StaffMember.national_id == "15077910015"))
    pathway = patient.current_pathway
    action = db.scalar(select(AgreedAction.id).order_by(AgreedAction.id).limit(1))
    return {"touchpoint_id": pathway.touchpoints[1].id, "number": 2,
            "patient_id": patient.id, "staff_id": staff.id, "code": "en",
            "profile": "citizen", "filename": "portal.css", "pathway_id": pathway.id,
            "action_id": action or 1, "questionnaire_id": "needs", "version": 1,
            # The public contact lookup: "number" (above) is a municipality number there too.
            "slug": "bergen", "rest": "0000", "contact_id": 1,
            "link_id": 1,
            # A relative's invitation: the demo's, whose token is known.
            "token": demo.DEMO_INVITATION_TOKEN, "invitation_id": 1}


def _get_urls(app: Flask, arguments: dict[str, object], skip: frozenset[str] = frozenset()
              ) -> list[str]:
    rules = [r for r in app.url_map.iter_rules()
             if "GET" in (r.methods or ()) and r.endpoint not in skip]
    unknown = sorted({a for r in rules for a in r.arguments} - set(arguments))
    assert not unknown, f"add sample values for the URL variables {unknown}"
    with app.test_request_context():
        return sorted(url_for(r.endpoint, **{a: arguments[a] for a in r.arguments})
                      for r in rules)


@pytest.fixture
def demo_db(app, db):
    demo.load(db)
    db.commit()
    return db


@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_of_a_walk_of_get_endpoints_has_the_protective_headers(app, demo_db,
                                                                          visitor):
    client = PortalClient(app)
    if VISITORS[visitor] is not None:
        profile, national_id = VISITORS[visitor]
        assert client.sign_in(national_id, profile=profile).status_code == 303
    walked = 0
    for url in _get_urls(app, _sample_arguments(demo_db)):
        with client.raw.get(url) as response:
            assert response.status_code < 500, (url, response.status_code)
            _assert_protective_headers(response)
            if response.mimetype == "text/html" and response.status_code == 200:
                walked += 1
    assert walked >= 3


@pytest.fixture
def production_app(database_url, tmp_path) -> Iterator[Flask]:
    citizen = OidcSettings(issuer="https://idporten.example", client_id="portal",
                           client_secret="client-secret")
    app = create_app(Settings(env="production", secret_key="p" * 48, instance_path=tmp_path,
                              database_url=database_url, dev_idp=False, secure_cookies=True,
                              citizen_oidc=citizen, accessibility_contact="uu@helse.example.no",
                              base_url="https://pasientportal.example.no"))
    yield app
    session_factory(app).kw["bind"].dispose()


def test_production_sends_hsts_on_every_response(production_app, db):
    client = PortalClient(production_app)
    arguments = {"touchpoint_id": 1, "number": 2, "patient_id": 1, "staff_id": 1, "code": "en",
                 "profile": "citizen", "filename": "portal.css", "pathway_id": 1,
                 "action_id": 1, "questionnaire_id": "needs", "version": 1,
                 "slug": "bergen", "rest": "0000", "contact_id": 1,
                 "link_id": 1, "token": "no-such-token", "invitation_id": 1}
    # Starting a sign-in would call the (unreachable) provider: its page is the failure page.
    urls = _get_urls(production_app, arguments, skip=frozenset({"auth.start"}))
    for url in [*urls, "/no-such-page"]:
        with client.raw.get(url, base_url="https://localhost") as response:
            assert response.status_code < 500, (url, response.status_code)
            _assert_protective_headers(response, production=True)


def test_development_sends_no_hsts(client):
    for url in ("/", "/sign-in", "/no-such-page", "/static/portal.css"):
        with client.raw.get(url) as response:
            assert "Strict-Transport-Security" not in response.headers


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


# --- form-action 'self' and the redirects that follow a form -----------------------------------


def test_signing_out_never_redirects_a_form_to_another_origin(app, client, db):
    signed_in_patient(client, db)
    # The provider's discovery document, as ID-porten's: logout on another host.
    metadata = app.extensions["portal.oidc_metadata"]
    ((issuer, (expires, found)),) = metadata.items()
    metadata[issuer] = (expires, {**found,
                                  "end_session_endpoint": "https://login.idporten.example/logout"})
    form = client.get("/patient/").one("header form.header__sign-out")
    response = client.raw.post(form["action"],
                               data={"csrf_token": form.select_one("input")["value"]})
    assert response.status_code == 303
    assert urlsplit(response.location).netloc in ("", "localhost"), response.location
