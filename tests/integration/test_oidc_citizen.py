"""Citizens sign in for real through an ID-porten-like provider (npm oidc-provider: PKCE
required, ``pid`` and ``acr`` in the ID token) with the portal's own client code, over plain
HTTP; and every way it can go wrong shows a clear page and creates no session.

Each failure test checks the page (status and heading), that no session exists (cookie, server
record, protected pages) and, from the portal's log, that it failed for the intended cause.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import create_app
from portal.auth import oidc
from portal.auth.models import SignInSession
from portal.relatives.models import Relative, RelativeLink
from portal.settings import Settings
from tests import factories
from tests.conftest import _empty_all_tables
from tests.helpers import PortalClient
from tests.integration.oidc_support import (
    CANCELLED,
    CITIZEN_CLIENT_ID,
    DID_NOT_WORK,
    NO_PATHWAY,
    PORTAL,
    SAFER_SIGN_IN,
    Failures,
    ProviderBrowser,
    assert_no_session,
    authorization_request,
    b64url,
    cancel_at_provider,
    citizen_client,
    citizen_settings,
    failure_page,
    jwt_part,
    login_through_provider,
    needs_provider,
    portal_settings,
    principal_of,
    sign_in_session_count,
    start_sign_in,
    tap_provider,
    use_english,
    watch_sign_in_failures,
)
from tests.oidc_provider.harness import RunningProvider, free_port, running

pytestmark = needs_provider

HIGH = "idporten-loa-high"
SUBSTANTIAL = "idporten-loa-substantial"
ELSEWHERE = "http://127.0.0.2"  # the portal reached under a name the provider does not know


@pytest.fixture(scope="module")
def provider() -> Iterator[RunningProvider]:
    """The ID-porten-like provider, once for the module; it knows the portal's test client."""
    with running("citizen", [citizen_client()]) as running_provider:
        yield running_provider


@pytest.fixture
def citizen_overrides() -> dict[str, Any]:
    """Changes to the portal's citizen settings (tests parametrize this)."""
    return {}


@pytest.fixture
def app(settings: Settings, provider: RunningProvider,
        citizen_overrides: dict[str, Any]) -> Iterator[Flask]:
    """The portal with the real provider for citizens, and no development provider."""
    citizen = citizen_settings(**{"issuer": provider.issuer, **citizen_overrides})
    app = create_app(portal_settings(settings, citizen=citizen))
    yield app
    _empty_all_tables(app)


@pytest.fixture
def client(app: Flask) -> PortalClient:
    client = PortalClient(app)
    use_english(client)
    return client


@pytest.fixture
def failures(caplog: pytest.LogCaptureFixture) -> Failures:
    return watch_sign_in_failures(caplog)


def make_patient(db: Session) -> str:
    return factories.patient(db, diagnosed_days_ago=100, held=(1,)).national_id


def make_relative(db: Session, accepted: bool = True) -> Relative:
    patient = factories.patient(db, diagnosed_days_ago=100)
    relative = Relative(national_id=factories.national_id("010180"), given_name="Rita",
                        family_name="Relativ")
    db.add(RelativeLink(relative=relative, patient=patient, relation="datter",
                        accepted_at=datetime.now(UTC) if accepted else None))
    db.commit()
    return relative


def pkce_challenge(verifier: str) -> str:
    return b64url(hashlib.sha256(verifier.encode()).digest())


def oidc_flow(client: PortalClient) -> dict[str, Any]:
    """What the portal remembers about the sign-in in progress (in its cookie)."""
    with client.raw.session_transaction() as session:
        return dict(session.get("oidc_flow") or {})


def change_flow(client: PortalClient, **changes: str) -> None:
    with client.raw.session_transaction() as session:
        session["oidc_flow"] = {**session["oidc_flow"], **changes}


def the_sign_in(db: Session, principal: dict[str, Any] | None) -> SignInSession:
    """The server's record of the session in this principal's cookie."""
    assert principal is not None
    records = list(db.scalars(select(SignInSession).where(
        SignInSession.kind == principal["kind"], SignInSession.subject_id == principal["id"])))
    assert len(records) == 1
    return records[0]


def replace_param(path: str, name: str, value: str) -> str:
    parts = urlsplit(path)
    params = {k: v[0] for k, v in parse_qs(parts.query).items()} | {name: value}
    return f"{parts.path}?{urlencode(params)}"


# --- signing in ---------------------------------------------------------------------------------


@pytest.mark.parametrize("citizen_overrides", [{}, {"par": "off"}], ids=["par-auto", "par-off"])
def test_a_patient_signs_in(app: Flask, client: PortalClient, db: Session,
                            provider: RunningProvider, citizen_overrides: dict[str, Any]) -> None:
    national_id = make_patient(db)
    tap = tap_provider(app, provider.issuer)

    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    flow = oidc_flow(client)
    home = client.raw.get(attempt.callback)

    assert home.status_code == 303
    assert home.location == "/patient/"
    client.get("/patient/")
    assert oidc_flow(client) == {}  # one flow, used once
    # What the portal asked the provider for (pushed first when the provider offers PAR).
    request = authorization_request(attempt, tap)
    assert request["client_id"] == CITIZEN_CLIENT_ID
    assert request["response_type"] == "code"
    assert request["redirect_uri"] == f"{PORTAL}/sign-in/citizen/callback"
    assert request["code_challenge_method"] == "S256"
    assert request["code_challenge"] == pkce_challenge(flow["verifier"])
    assert request["acr_values"] == HIGH
    assert request["ui_locales"] == "en nb"  # the chosen language, then English and bokmål
    assert request["nonce"] == flow["nonce"]
    assert request["state"] == flow["state"]
    if citizen_overrides.get("par") == "off":
        assert "request_uri" not in attempt.authorize_params
    else:  # the browser carries only a handle
        assert set(attempt.authorize_params) == {"client_id", "request_uri"}
    # The provider answered with a code, the state and its issuer (RFC 9207).
    assert attempt.back is not None
    assert set(attempt.back.params) == {"code", "state", "iss"}
    # The ID token's pid said who this is; the server keeps the token for signing out.
    principal = principal_of(client)
    assert principal is not None
    assert principal["kind"] == "patient"
    record = the_sign_in(db, principal)
    assert record.profile == "citizen"
    claims = jwt_part(str(record.id_token))
    assert claims["pid"] == national_id
    assert claims["acr"] == HIGH
    assert claims["iss"] == provider.issuer
    assert claims["aud"] == CITIZEN_CLIENT_ID


def test_the_page_asked_for_is_kept_through_the_provider(client: PortalClient,
                                                         db: Session) -> None:
    national_id = make_patient(db)
    wanted = "/patient/touchpoints/1/questionnaire"

    attempt = login_through_provider(client, "citizen", national_id, next_url=wanted)
    response = client.raw.get(attempt.callback)

    assert response.status_code == 303
    assert response.location == wanted


def test_a_relative_signs_in(client: PortalClient, db: Session) -> None:
    relative = make_relative(db)

    attempt = login_through_provider(client, "citizen", relative.national_id, acr=HIGH)
    response = client.raw.get(attempt.callback)

    assert response.status_code == 303
    assert response.location == "/relative/"
    principal = principal_of(client)
    assert principal is not None
    assert (principal["kind"], principal["id"]) == ("relative", relative.id)
    client.get("/relative/")


def test_a_relative_not_yet_accepted_gets_the_no_pathway_page(
        app: Flask, client: PortalClient, db: Session, failures: Failures) -> None:
    relative = make_relative(db, accepted=False)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", relative.national_id, acr=HIGH)

    failure_page(client.raw.get(attempt.callback), 200, NO_PATHWAY)
    assert_no_session(client, app, before)
    assert failures() == []  # identified, but the portal has nothing to show them


def test_an_unknown_person_gets_the_no_pathway_page(app: Flask, client: PortalClient,
                                                    db: Session, failures: Failures) -> None:
    make_patient(db)  # somebody else
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", factories.national_id(), acr=HIGH)

    failure_page(client.raw.get(attempt.callback), 200, NO_PATHWAY)
    assert_no_session(client, app, before)
    assert failures() == []


# --- failures at the provider and in its answers ------------------------------------------------


def test_acr_too_low_asks_for_a_safer_sign_in(app: Flask, client: PortalClient, db: Session,
                                             failures: Failures) -> None:
    national_id = make_patient(db)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", national_id, acr=SUBSTANTIAL)

    failure_page(client.raw.get(attempt.callback), 400, SAFER_SIGN_IN)
    assert_no_session(client, app, before)
    assert failures() == ["acr: acr 'idporten-loa-substantial'"]


def test_a_person_cancelling_at_the_provider(app: Flask, client: PortalClient, db: Session,
                                             failures: Failures) -> None:
    make_patient(db)
    before = sign_in_session_count(app)

    attempt = cancel_at_provider(client, "citizen")

    assert attempt.back is not None
    assert attempt.back.params["error"] == "access_denied"
    failure_page(client.raw.get(attempt.callback), 200, CANCELLED)
    assert_no_session(client, app, before)
    assert failures() == ["cancelled: access_denied"]


def test_a_wrong_state_is_refused(app: Flask, client: PortalClient, db: Session,
                                  failures: Failures) -> None:
    national_id = make_patient(db)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    forged = replace_param(attempt.callback, "state", "somebody-elses-state")

    failure_page(client.raw.get(forged), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["state: state does not match"]
    # The flow is used up: the genuine answer is no good afterwards either.
    failure_page(client.raw.get(attempt.callback), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures()[-1] == "expired: no sign-in in progress in this browser"


def test_an_answer_naming_another_issuer_is_refused(app: Flask, client: PortalClient,
                                                    db: Session, failures: Failures) -> None:
    national_id = make_patient(db)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    mixed_up = replace_param(attempt.callback, "iss", "http://127.0.0.1:1")

    failure_page(client.raw.get(mixed_up), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["state: authorization response from another issuer"]


def test_an_answer_without_the_issuer_is_refused(app: Flask, client: PortalClient, db: Session,
                                                 failures: Failures) -> None:
    """The provider says it names itself in every answer (RFC 9207): one that does not may have
    come from another provider (a mix-up attack)."""
    national_id = make_patient(db)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    parts = urlsplit(attempt.callback)
    params = {k: v[0] for k, v in parse_qs(parts.query).items() if k != "iss"}

    failure_page(client.raw.get(f"{parts.path}?{urlencode(params)}"), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["state: authorization response without the issuer"]


def test_a_wrong_nonce_is_refused(app: Flask, client: PortalClient, db: Session,
                                  failures: Failures) -> None:
    national_id = make_patient(db)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    change_flow(client, nonce="not-the-nonce-the-provider-put-in-the-id-token")

    failure_page(client.raw.get(attempt.callback), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["token: ID token: invalid_claim: Invalid claim: 'nonce'"]


def test_a_replayed_code_is_refused(app: Flask, client: PortalClient, db: Session,
                                    provider: RunningProvider, failures: Failures) -> None:
    national_id = make_patient(db)
    tap = tap_provider(app, provider.issuer)
    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    flow = oidc_flow(client)
    assert client.raw.get(attempt.callback).location == "/patient/"
    before = sign_in_session_count(app)

    # Somebody with the same answer and a copy of the flow tries again in another browser.
    thief = PortalClient(app)
    use_english(thief)
    with thief.raw.session_transaction() as session:
        session["oidc_flow"] = flow

    failure_page(thief.raw.get(attempt.callback), 400, DID_NOT_WORK)
    assert_no_session(thief, app, before)
    assert failures() == ["token: token endpoint: invalid_grant"]
    refused = tap.to("/token")[-1]
    assert refused.status == 400
    assert refused.form["code"] == attempt.back.params["code"]  # type: ignore[union-attr]


def test_the_pkce_verifier_the_portal_keeps_is_what_the_provider_checks(
        app: Flask, client: PortalClient, db: Session, provider: RunningProvider,
        failures: Failures) -> None:
    national_id = make_patient(db)
    tap = tap_provider(app, provider.issuer)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    verifier = oidc_flow(client)["verifier"]
    assert authorization_request(attempt, tap)["code_challenge"] == pkce_challenge(verifier)
    change_flow(client, verifier=verifier[::-1])

    failure_page(client.raw.get(attempt.callback), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["token: token endpoint: invalid_grant"]
    assert tap.to("/token")[-1].form["code_verifier"] == verifier[::-1]


@pytest.mark.parametrize("citizen_overrides", [{"par": "off"}], ids=["par-off"])
def test_an_unregistered_redirect_uri_stops_at_the_provider(
        app: Flask, client: PortalClient, db: Session, citizen_overrides: dict[str, Any],
        failures: Failures) -> None:
    make_patient(db)
    before = sign_in_session_count(app)

    start = client.raw.get("/sign-in/citizen/start", base_url=ELSEWHERE)
    assert start.status_code == 303
    params = parse_qs(urlsplit(start.location).query)
    assert params["redirect_uri"] == [f"{ELSEWHERE}/sign-in/citizen/callback"]
    answer = ProviderBrowser(portal=ELSEWHERE).open(str(start.location))

    # The provider shows its own error and sends the browser nowhere.
    assert not answer.at_portal
    assert answer.response.status_code == 400
    assert "Location" not in answer.response.headers
    assert answer.heading == "Sign-in error"
    error = answer.soup.select_one("#error")
    assert error is not None
    assert "redirect_uri" in error.get_text()
    with client.raw.session_transaction(base_url=ELSEWHERE) as session:
        assert "principal" not in session
    assert_no_session(client, app, before)
    assert failures() == []  # the portal never heard back


def test_an_unregistered_redirect_uri_is_refused_when_pushed(
        app: Flask, client: PortalClient, db: Session, provider: RunningProvider,
        failures: Failures) -> None:
    make_patient(db)
    tap = tap_provider(app, provider.issuer)
    before = sign_in_session_count(app)

    client.raw.get("/language/en", base_url=ELSEWHERE)  # cookies are per host
    start = client.raw.get("/sign-in/citizen/start", base_url=ELSEWHERE)

    # The provider refuses the pushed request: the browser never leaves the portal.
    failure_page(start, 400, DID_NOT_WORK)
    refused = tap.to("/request")[-1]
    assert refused.status == 400
    assert "redirect_uri" in refused.body["error_description"]
    with client.raw.session_transaction(base_url=ELSEWHERE) as session:
        assert "principal" not in session
        assert "oidc_flow" not in session
    assert_no_session(client, app, before)
    assert failures() == ["provider: PAR refused: invalid_request"]


def test_an_expired_id_token_is_refused(app: Flask, client: PortalClient, db: Session,
                                        monkeypatch: pytest.MonkeyPatch,
                                        failures: Failures) -> None:
    national_id = make_patient(db)
    before = sign_in_session_count(app)
    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)

    # The provider's ID tokens live an hour; two hours later (well past the leeway) they have
    # expired.
    monkeypatch.setattr(oidc, "clock", lambda: time.time() + 2 * 3600)

    failure_page(client.raw.get(attempt.callback), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["token: ID token: expired_token: The token is expired"]


def flip_signature(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    middle = len(signature) // 2
    flipped = "B" if signature[middle] != "B" else "C"
    return ".".join([header, payload, signature[:middle] + flipped + signature[middle + 1:]])


def claim_to_be(national_id: str) -> Callable[[str], str]:
    """Rewrite the ID token's claims to name somebody else, keeping the signature."""

    def rewrite(id_token: str) -> str:
        header, _payload, signature = id_token.split(".")
        claims = jwt_part(id_token) | {"pid": national_id, "sub": national_id}
        return ".".join([header, b64url(json.dumps(claims).encode()), signature])

    return rewrite


@pytest.mark.parametrize("tampering", ["signature", "claims"])
def test_a_tampered_id_token_is_refused(app: Flask, client: PortalClient, db: Session,
                                        provider: RunningProvider, tampering: str,
                                        failures: Failures) -> None:
    national_id = make_patient(db)
    other_patient = make_patient(db)
    tamper = flip_signature if tampering == "signature" else claim_to_be(other_patient)

    def alter(path: str, body: Any) -> Any:
        if path == "/token" and isinstance(body, dict) and "id_token" in body:
            return {**body, "id_token": tamper(body["id_token"])}
        return body

    tap = tap_provider(app, provider.issuer, alter)
    before = sign_in_session_count(app)
    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)

    failure_page(client.raw.get(attempt.callback), 400, DID_NOT_WORK)
    assert_no_session(client, app, before)
    assert failures() == ["token: ID token: bad_signature: "]
    assert tap.to("/token")[-1].status == 200  # the provider's token was good until altered


@pytest.mark.parametrize("citizen_overrides", [{"issuer": f"http://127.0.0.1:{free_port()}"}],
                         ids=["nothing-listening"])
def test_a_provider_that_cannot_be_reached(app: Flask, client: PortalClient,
                                           citizen_overrides: dict[str, Any],
                                           failures: Failures) -> None:
    before = sign_in_session_count(app)

    failure_page(client.raw.get("/sign-in/citizen/start"), 503, DID_NOT_WORK)
    assert oidc_flow(client) == {}
    assert_no_session(client, app, before)
    assert failures()[0].startswith("unavailable: discovery: ")


# --- signing out --------------------------------------------------------------------------------


def test_signing_out_ends_the_session_here_and_at_the_provider(
        app: Flask, client: PortalClient, db: Session, provider: RunningProvider) -> None:
    national_id = make_patient(db)
    attempt = login_through_provider(client, "citizen", national_id, acr=HIGH)
    assert client.raw.get(attempt.callback).location == "/patient/"
    home = client.get("/patient/")
    cookie = client.raw.get_cookie("portal_session")
    assert cookie is not None
    record = the_sign_in(db, principal_of(client))
    id_token = record.id_token
    assert id_token

    response = client.raw.post("/sign-out", data={
        "csrf_token": home.one("form.header__sign-out input[name=csrf_token]")["value"]})

    # To our own page (a form may not be redirected to another origin), which goes on to the
    # provider's end_session_endpoint by GET, with the ID token as the hint.
    assert response.status_code == 303
    assert urlsplit(response.location).path == "/signed-out"
    onward = client.get("/signed-out")
    refresh = onward.one('meta[http-equiv="refresh"]')["content"]
    assert refresh.startswith("0; url=")
    to_provider = refresh.removeprefix("0; url=")
    assert onward.one("main a.button")["href"] == to_provider
    location = urlsplit(to_provider)
    assert f"{location.scheme}://{location.netloc}{location.path}" == \
        f"{provider.issuer}/session/end"
    params = {k: v[0] for k, v in parse_qs(location.query).items()}
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == f"{PORTAL}/signed-out"
    # Ended here: the cookie holds no principal, and a copy of the old cookie is worth nothing.
    assert principal_of(client) is None
    db.rollback()  # end the test's read transaction, to see what the portal committed
    ended = db.get(SignInSession, record.id)
    assert ended is not None
    assert ended.ended_at is not None
    assert ended.id_token is None
    copy = PortalClient(app)
    copy.raw.set_cookie("portal_session", cookie.value)
    still_out = copy.raw.get("/patient/")
    assert still_out.status_code in (302, 303)
    assert urlsplit(still_out.location).path == "/sign-in"
    # Ended at the provider: it asks, the person confirms, and is sent back to the portal.
    question = attempt.browser.open(to_provider)
    assert question.response.status_code == 200
    back = attempt.browser.press(question, "logout")
    assert back.at_portal
    assert urlsplit(back.url).path == "/signed-out"
    client.get(back.portal_path)
    # The provider forgot the person too: the next sign-in shows its login page again.
    start_sign_in(client, "citizen", browser=attempt.browser)


def test_the_sign_in_page_leads_to_the_provider(client: PortalClient,
                                                provider: RunningProvider) -> None:
    page = client.get("/sign-in")
    link = page.one("main a[href^='/sign-in/citizen/start']")
    start = client.raw.get(link["href"])
    assert start.status_code == 303
    assert str(start.location).startswith(f"{provider.issuer}/auth?")
