"""Signing in through the real OpenID Connect provider (npm oidc-provider) in headless Chromium at
phone size: a patient through the ID-porten-like provider, a patient who cancels there, and a
doctor through the HelseID-like one (PAR, private_key_jwt, DPoP).

The portal runs on its own live server here, configured for the two providers (not the built-in
development provider the other browser tests use), and the providers know its address.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Request as PlaywrightRequest
from werkzeug.serving import make_server

from portal import create_app
from portal.contacts.models import Organisation, OrganisationKind
from portal.db import session_factory
from portal.settings import Settings
from portal.staff.models import StaffMember
from tests import factories
from tests.browser.conftest import _QuietHandler
from tests.browser.support import PHONE, Watch
from tests.conftest import TEST_SECRET, _empty_all_tables
from tests.integration.oidc_support import (
    CANCELLED,
    HELSEID_HPR,
    HELSEID_ORG,
    HELSEID_PID,
    citizen_client,
    citizen_settings,
    needs_provider,
    sign_in_session_count,
    staff_client,
    staff_settings,
)
from tests.oidc_provider.harness import free_port, generate_client_key, running

pytestmark = needs_provider

ORG_NUMBER = factories.org_number()
DOCTOR_PID = factories.national_id("131169")
STAFF_ACCOUNTS = {
    "doctor": {HELSEID_PID: DOCTOR_PID, HELSEID_HPR: "565501872", HELSEID_ORG: ORG_NUMBER,
               "name": "Lise Lege", "given_name": "Lise", "family_name": "Lege"},
}


@dataclass
class LivePortal:
    app: Flask
    url: str
    citizen_issuer: str
    staff_issuer: str

    def in_norwegian(self, text: str) -> str:
        """What the portal shows for this English source text in bokmål (the phone's language)."""
        with self.app.test_request_context(), force_locale("nb"):
            return str(gettext(text))


@pytest.fixture(scope="module")
def portal(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LivePortal]:
    """The portal on a loopback port, signing in through the two real providers."""
    citizen_issuer = f"http://127.0.0.1:{free_port()}"
    staff_issuer = f"http://127.0.0.1:{free_port()}"
    private_jwk, public_jwks = generate_client_key("portal-staff-browser-key")
    settings = Settings(
        env="development", secret_key=TEST_SECRET, secure_cookies=False,
        instance_path=tmp_path_factory.mktemp("oidc-browser-instance"),
        database_url=database_url, dev_idp=False,
        citizen_oidc=citizen_settings(citizen_issuer),
        staff_oidc=staff_settings(staff_issuer, private_jwk),
    )
    app = create_app(settings)
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, name="live-portal-oidc", daemon=True)
    thread.start()
    try:
        with running("citizen", [citizen_client(url)],
                     port=int(urlsplit(citizen_issuer).port or 0)), \
             running("helseid", [staff_client(public_jwks, url)], STAFF_ACCOUNTS,
                     port=int(urlsplit(staff_issuer).port or 0)):
            yield LivePortal(app, url, citizen_issuer, staff_issuer)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        _empty_all_tables(app)


@pytest.fixture
def phone(browser: Browser, portal: LivePortal) -> Iterator[BrowserContext]:
    """A fresh phone (no cookies from other tests) pointed at this portal."""
    context = browser.new_context(**PHONE, base_url=portal.url)
    yield context
    context.close()


def make_patient(app: Flask) -> str:
    session = session_factory(app)()
    try:
        return factories.patient(session, diagnosed_days_ago=100, held=(1,)).national_id
    finally:
        session.close()


def make_doctor(app: Flask) -> None:
    session = session_factory(app)()
    try:
        hospital = Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name="Test HF",
                                org_number=ORG_NUMBER)
        session.add(StaffMember(national_id=DOCTOR_PID, given_name="Lise", family_name="Lege",
                                organisation=hospital))
        session.commit()
    finally:
        session.close()


def at_provider(page: Page, issuer: str) -> None:
    expect(page).to_have_url(re.compile(rf"^{re.escape(issuer)}/interaction/"))
    expect(page.locator("input#login")).to_be_visible()


def authorization_requests(page: Page, issuer: str) -> list[dict[str, list[str]]]:
    """The query of every authorization request the browser sends to this provider."""
    seen: list[dict[str, list[str]]] = []

    def record(request: PlaywrightRequest) -> None:
        if request.url.startswith(f"{issuer}/auth?"):
            seen.append(parse_qs(urlsplit(request.url).query))

    page.on("request", record)
    return seen


def test_a_patient_signs_in_through_the_provider(phone: BrowserContext,
                                                 portal: LivePortal) -> None:
    national_id = make_patient(portal.app)
    watch = Watch()
    page = watch.attach(phone.new_page())

    page.goto("/sign-in")
    page.locator("main a[href^='/sign-in/citizen/start']").click()
    at_provider(page, portal.citizen_issuer)
    page.locator("input#login").fill(national_id)
    page.locator("select#acr").select_option("idporten-loa-high")
    page.locator("button#sign-in").click()

    expect(page).to_have_url(f"{portal.url}/patient/")
    expect(page.locator("main h1")).to_be_visible()
    expect(page.locator("form.header__sign-out")).to_be_visible()
    portal_cookies = [c for c in phone.cookies() if c["name"] == "portal_session"]
    assert len(portal_cookies) == 1
    assert portal_cookies[0]["httpOnly"]
    watch.check()


def test_a_patient_cancelling_at_the_provider(phone: BrowserContext,
                                              portal: LivePortal) -> None:
    make_patient(portal.app)
    before = sign_in_session_count(portal.app)
    watch = Watch()
    page = watch.attach(phone.new_page())

    page.goto("/sign-in")
    page.locator("main a[href^='/sign-in/citizen/start']").click()
    at_provider(page, portal.citizen_issuer)
    page.locator("button#cancel").click()

    expect(page).to_have_url(re.compile(r"/sign-in/citizen/callback\?.*error=access_denied"))
    expect(page.locator("main h1")).to_have_text(portal.in_norwegian(CANCELLED))
    assert sign_in_session_count(portal.app) == before
    page.goto("/patient/")
    expect(page).to_have_url(re.compile(r"/sign-in\?"))
    watch.check()


def test_a_doctor_signs_in_through_helseid(phone: BrowserContext, portal: LivePortal) -> None:
    make_doctor(portal.app)
    watch = Watch()
    page = watch.attach(phone.new_page())
    pushed = authorization_requests(page, portal.staff_issuer)

    page.goto("/sign-in?staff=1")
    page.locator("main a[href^='/sign-in/staff/start']").click()
    at_provider(page, portal.staff_issuer)
    expect(page.locator("select#acr")).to_have_count(0)
    page.locator("input#login").fill("doctor")
    page.locator("button#sign-in").click()

    expect(page).to_have_url(f"{portal.url}/staff/")
    expect(page.locator("main h1")).to_be_visible()
    # Pushed authorization request: the browser carried only a handle.
    assert len(pushed) == 1
    assert set(pushed[0]) == {"client_id", "request_uri"}
    watch.check()


def test_signing_out_in_the_browser_ends_the_session_at_the_provider_too(
        phone: BrowserContext, portal: LivePortal) -> None:
    national_id = make_patient(portal.app)
    page = phone.new_page()
    page.goto("/sign-in")
    page.locator("main a[href^='/sign-in/citizen/start']").click()
    at_provider(page, portal.citizen_issuer)
    page.locator("input#login").fill(national_id)
    page.locator("button#sign-in").click()
    expect(page).to_have_url(f"{portal.url}/patient/")

    page.locator("form.header__sign-out button").click()

    expect(page).to_have_url(re.compile(rf"^{re.escape(portal.citizen_issuer)}/session/end"))
    page.locator("button#logout").click()
    expect(page).to_have_url(f"{portal.url}/signed-out")
    # Signed out at the provider too: signing in again asks who you are.
    page.goto("/sign-in")
    page.locator("main a[href^='/sign-in/citizen/start']").click()
    at_provider(page, portal.citizen_issuer)
