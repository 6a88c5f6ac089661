"""Signing in through the real OpenID Connect provider (npm oidc-provider, see
``tests/oidc_provider``): the provider's client registrations, the portal's settings for it, a
person's browser at the provider (``ProviderBrowser``), and the checks every failure shares.

The portal is driven through Flask's test client (``http://localhost``); the provider runs as a
Node process on ``127.0.0.1:<port>`` and is driven with ``requests``, one redirect at a time,
until it sends the browser back to the portal: that URL is then handed to the test client.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from flask import Flask
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from portal.auth.models import SignInSession
from portal.db import session_factory
from portal.settings import OidcSettings, Settings
from tests.helpers import Page, PortalClient, check_page, path_of
from tests.oidc_provider.harness import available

#: Skips a module when Node or the provider's node_modules are missing (with the reason).
needs_provider = pytest.mark.skipif(available() is not None, reason=available() or "")

PORTAL = "http://localhost"  # Flask's test client
CITIZEN_CLIENT_ID = "portal-citizen"
CITIZEN_SECRET = "citizen-client-secret-for-tests-only"
STAFF_CLIENT_ID = "portal-staff"
HELSEID_PID = "helseid://claims/identity/pid"
HELSEID_HPR = "helseid://claims/hpr/hpr_number"
HELSEID_ORG = "helseid://claims/client/claims/orgnr_parent"

# The failure pages' headings (in English: tests switch the portal's language first).
CANCELLED = "You stopped the sign-in"
SAFER_SIGN_IN = "A safer sign-in is needed"
DID_NOT_WORK = "The sign-in did not work"
NO_PATHWAY = "We did not find you in the portal"
NO_STAFF_ACCESS = "You do not have access to the portal yet"


# --- the provider's registrations and the portal's settings ------------------------------------

def citizen_client(portal: str = PORTAL) -> dict[str, Any]:
    """The portal as the ID-porten-like provider knows it (client_secret_basic)."""
    return {
        "client_id": CITIZEN_CLIENT_ID, "client_secret": CITIZEN_SECRET,
        "redirect_uris": [f"{portal}/sign-in/citizen/callback"],
        "post_logout_redirect_uris": [f"{portal}/signed-out"],
    }


def staff_client(public_jwks: dict[str, Any], portal: str = PORTAL) -> dict[str, Any]:
    """The portal as the HelseID-like provider knows it (private_key_jwt with this key)."""
    return {
        "client_id": STAFF_CLIENT_ID, "token_endpoint_auth_method": "private_key_jwt",
        "jwks": public_jwks,
        "redirect_uris": [f"{portal}/sign-in/staff/callback"],
        "post_logout_redirect_uris": [f"{portal}/signed-out"],
    }


def citizen_settings(issuer: str, **overrides: Any) -> OidcSettings:
    oidc = OidcSettings(issuer=issuer, client_id=CITIZEN_CLIENT_ID, client_secret=CITIZEN_SECRET,
                        acr_values=("idporten-loa-high",))
    return replace(oidc, **overrides)


def staff_settings(issuer: str, private_jwk: dict[str, Any], **overrides: Any) -> OidcSettings:
    oidc = OidcSettings(
        issuer=issuer, client_id=STAFF_CLIENT_ID, private_key=json.dumps(private_jwk),
        scopes="openid profile helseid://scopes/identity/pid helseid://scopes/hpr/hpr_number",
        par="required", pid_claim=HELSEID_PID, hpr_claim=HELSEID_HPR, org_claim=HELSEID_ORG,
    )
    return replace(oidc, **overrides)


def portal_settings(settings: Settings, citizen: OidcSettings | None = None,
                    staff: OidcSettings | None = None) -> Settings:
    """The test settings with the real provider(s) instead of the built-in development one."""
    return replace(settings, dev_idp=False, citizen_oidc=citizen, staff_oidc=staff)


# --- the person's browser at the provider ------------------------------------------------------

@dataclass
class Visit:
    """Where following the provider's redirects ended: one of its pages, or back at the portal
    (``url`` starts with the portal's address; ``response`` is the provider's redirect)."""

    url: str
    response: requests.Response
    portal: str

    @property
    def at_portal(self) -> bool:
        return self.url.startswith(self.portal + "/")

    @property
    def portal_path(self) -> str:
        """Path and query at the portal, for the test client."""
        assert self.at_portal, f"still at the provider: {self.url} ({self.response.status_code})"
        return path_of(self.url)

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.url).query).items()}

    @property
    def soup(self) -> BeautifulSoup:
        return BeautifulSoup(self.response.text, "html.parser")

    @property
    def heading(self) -> str:
        h1 = self.soup.select_one("h1")
        return h1.get_text(strip=True) if h1 else ""


@dataclass
class ProviderBrowser:
    """A person's browser at the provider: keeps the provider's cookies, follows its redirects
    one at a time and stops when it is sent back to the portal."""

    portal: str = PORTAL
    http: requests.Session = field(default_factory=requests.Session)

    def open(self, url: str, came_from: requests.Response | None = None) -> Visit:
        """Go to ``url`` (where ``came_from`` redirected to, if anything) and follow redirects."""
        response = came_from
        for _ in range(10):
            if url.startswith(self.portal + "/"):
                assert response is not None, "that is the portal, not the provider"
                return Visit(url, response, self.portal)
            response = self.http.get(url, allow_redirects=False, timeout=10)
            location = response.headers.get("Location")
            if not response.is_redirect or not location:
                return Visit(url, response, self.portal)
            url = urljoin(url, location)
        raise AssertionError("too many redirects at the provider")

    def press(self, visit: Visit, control_id: str, **fields: str) -> Visit:
        """Press the button with this id on the provider's page (its form, with ``fields``)."""
        soup = visit.soup
        button = soup.find(id=control_id)
        assert button is not None, f"no #{control_id} on {visit.url}: {visit.response.text[:300]}"
        form = button.find_parent("form") or soup.find(id=str(button.get("form", "")))
        assert form is not None
        assert str(form.get("method", "")).lower() == "post"
        data = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[name]")}
        if button.get("name"):
            data[str(button["name"])] = str(button.get("value", ""))
        data.update(fields)
        action = urljoin(visit.url, str(form.get("action") or visit.url))
        response = self.http.post(action, data=data, allow_redirects=False, timeout=10)
        location = response.headers.get("Location")
        if not response.is_redirect or not location:
            return Visit(action, response, self.portal)
        return self.open(urljoin(action, location), came_from=response)


@dataclass
class SignInAttempt:
    """A sign-in started at the portal and answered at the provider."""

    start: TestResponse
    browser: ProviderBrowser
    login_page: Visit
    back: Visit | None = None

    @property
    def authorize_url(self) -> str:
        """The provider URL the portal sent the browser to."""
        return str(self.start.location)

    @property
    def authorize_params(self) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.authorize_url).query))

    @property
    def callback(self) -> str:
        """Where the provider sent the browser back to (path and query at the portal)."""
        assert self.back is not None
        return self.back.portal_path


def start_sign_in(client: PortalClient, profile: str, next_url: str | None = None,
                  browser: ProviderBrowser | None = None, **kwargs: Any) -> SignInAttempt:
    """Press the portal's sign-in button and arrive at the provider's login page."""
    query = {"next": next_url} if next_url else None
    start = client.raw.get(f"/sign-in/{profile}/start", query_string=query, **kwargs)
    assert start.status_code == 303, (start.status_code, start.get_data(as_text=True)[:500])
    browser = browser or ProviderBrowser()
    page = browser.open(str(start.location))
    assert page.response.status_code == 200, (page.url, page.response.text[:500])
    assert page.soup.select_one("input#login") is not None, page.response.text[:500]
    return SignInAttempt(start, browser, page)


def login_through_provider(client: PortalClient, profile: str, login: str,
                           acr: str | None = None, next_url: str | None = None) -> SignInAttempt:
    """Start at the portal, sign in at the provider as ``login`` (at level ``acr``) and stop
    when the provider sends the browser back: ``attempt.callback`` is for the test client."""
    attempt = start_sign_in(client, profile, next_url)
    fields = {"login": login} | ({"acr": acr} if acr else {})
    attempt.back = attempt.browser.press(attempt.login_page, "sign-in", **fields)
    assert attempt.back.at_portal, (attempt.back.url, attempt.back.response.text[:500])
    return attempt


def cancel_at_provider(client: PortalClient, profile: str) -> SignInAttempt:
    attempt = start_sign_in(client, profile)
    attempt.back = attempt.browser.press(attempt.login_page, "cancel")
    assert attempt.back.at_portal, (attempt.back.url, attempt.back.response.text[:500])
    return attempt


# --- the portal's side of the back channel -----------------------------------------------------

@dataclass
class Exchange:
    """One back-channel call from the portal to the provider."""

    method: str
    url: str
    headers: CaseInsensitiveDict[str]
    form: dict[str, str]
    status: int
    response_headers: CaseInsensitiveDict[str]
    body: Any

    @property
    def path(self) -> str:
        return urlsplit(self.url).path


class ProviderTap(HTTPAdapter):
    """Mounted on the portal's HTTP client (``app.extensions["portal.oidc_adapters"]``): sends
    every call to the real provider over HTTP, records it, and may alter the answer on its way
    back (``alter(path, body)`` returns the body the portal sees), like an attacker in between."""

    def __init__(self, alter: Callable[[str, Any], Any] | None = None) -> None:
        super().__init__()
        self.alter = alter
        self.exchanges: list[Exchange] = []

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        response = super().send(request, *args, **kwargs)
        raw = request.body
        body_text = raw.decode() if isinstance(raw, bytes) else str(raw or "")
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        path = urlsplit(request.url or "").path
        if self.alter is not None:
            altered = self.alter(path, body)
            if altered is not body:
                body = altered
                response._content = json.dumps(body).encode()
        self.exchanges.append(Exchange(
            method=str(request.method), url=str(request.url),
            headers=CaseInsensitiveDict({k: str(v) for k, v in request.headers.items()}),
            form=dict(parse_qsl(body_text)),
            status=response.status_code, response_headers=CaseInsensitiveDict(response.headers),
            body=body,
        ))
        return response

    def to(self, path: str) -> list[Exchange]:
        return [e for e in self.exchanges if e.path == path]


def tap_provider(app: Flask, issuer: str,
                 alter: Callable[[str, Any], Any] | None = None) -> ProviderTap:
    tap = ProviderTap(alter)
    app.extensions["portal.oidc_adapters"] = {issuer + "/": tap}
    return tap


def authorization_request(attempt: SignInAttempt, tap: ProviderTap) -> dict[str, str]:
    """The authorization request's parameters: in the URL, or pushed first (PAR, RFC 9126)."""
    params = attempt.authorize_params
    if "request_uri" not in params:
        return params
    pushed = [e for e in tap.to("/request") if e.status == 201
              and e.body.get("request_uri") == params["request_uri"]]
    assert len(pushed) == 1, "the request_uri was not pushed by the portal"
    return pushed[0].form


def jwt_part(token: str, index: int = 1) -> dict[str, Any]:
    """A JWT's header (0) or claims (1), not verified: for looking, never for trusting."""
    part = token.split(".")[index]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return decoded


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- what every outcome is checked for ---------------------------------------------------------

def use_english(client: PortalClient) -> None:
    switched = client.raw.get("/language/en", query_string={"next": "/"})
    assert switched.status_code == 303


def sign_in_session_count(app: Flask) -> int:
    session = session_factory(app)()
    try:
        return int(session.scalar(select(func.count()).select_from(SignInSession)) or 0)
    finally:
        session.close()


def principal_of(client: PortalClient) -> dict[str, Any] | None:
    with client.raw.session_transaction() as session:
        principal: dict[str, Any] | None = session.get("principal")
        return principal


def failure_page(response: TestResponse, status: int, heading: str) -> Page:
    """The page the person sees: this status and this main heading."""
    assert response.status_code == status, (response.status_code, response.location,
                                            response.get_data(as_text=True)[:800])
    page = check_page(response)
    assert page.text("main h1") == heading
    return page


Failures = Callable[[], list[str]]


def watch_sign_in_failures(caplog: pytest.LogCaptureFixture) -> Failures:
    """Why sign-ins failed, as the portal logs it ("reason: detail"): the page shows only the
    reason; the log says what exactly was wrong, so a test sees that it failed for its cause."""
    caplog.set_level(logging.INFO, logger="portal")
    prefix = "Sign-in failed: "

    def failures() -> list[str]:
        return [r.getMessage().removeprefix(prefix) for r in caplog.records
                if r.getMessage().startswith(prefix)]

    return failures


def assert_no_session(client: PortalClient, app: Flask, sessions_before: int) -> None:
    """No principal in the cookie, no new sign-in record, and patient and staff pages still
    send the browser to the sign-in page."""
    assert principal_of(client) is None
    assert sign_in_session_count(app) == sessions_before
    for home in ("/patient/", "/relative/", "/staff/"):
        response = client.raw.get(home)
        assert response.status_code in (302, 303), (home, response.status_code)
        assert urlsplit(response.location).path == "/sign-in", (home, response.location)
