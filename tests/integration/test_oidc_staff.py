"""Health personnel sign in for real through a HelseID-like provider (npm oidc-provider: pushed
authorization requests required, ``private_key_jwt`` only, DPoP-bound tokens with a server nonce,
the HelseID claims from UserInfo only) with the portal's own client code, over plain HTTP.

Who gets in is the portal's own decision: an active ``StaffMember`` with the ``pid`` HelseID
vouched for, in the organisation HelseID says they sign in for.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from joserfc.jwk import ECKey
from sqlalchemy.orm import Session

from portal import create_app
from portal.contacts.models import Organisation, OrganisationKind
from portal.settings import Settings
from portal.staff.models import StaffMember
from tests import factories
from tests.conftest import _empty_all_tables
from tests.helpers import PortalClient
from tests.integration.oidc_support import (
    CANCELLED,
    DID_NOT_WORK,
    HELSEID_HPR,
    HELSEID_ORG,
    HELSEID_PID,
    NO_STAFF_ACCESS,
    PORTAL,
    STAFF_CLIENT_ID,
    Failures,
    assert_no_session,
    cancel_at_provider,
    failure_page,
    jwt_part,
    login_through_provider,
    needs_provider,
    portal_settings,
    principal_of,
    sign_in_session_count,
    staff_client,
    staff_settings,
    tap_provider,
    use_english,
    watch_sign_in_failures,
)
from tests.oidc_provider.harness import RunningProvider, generate_client_key, running

pytestmark = needs_provider

ORG_NUMBER = factories.org_number()
OTHER_ORG_NUMBER = factories.org_number()
DOCTOR_PID = factories.national_id("131169")
STRANGER_PID = factories.national_id("020275")
HPR_NUMBER = "565501872"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

#: Login names at the provider and the claims HelseID would give (from UserInfo).
ACCOUNTS: dict[str, dict[str, Any]] = {
    "doctor": {HELSEID_PID: DOCTOR_PID, HELSEID_HPR: HPR_NUMBER, HELSEID_ORG: ORG_NUMBER,
               "helseid://claims/identity/security_level": "4",
               "name": "Lise Lege", "given_name": "Lise", "family_name": "Lege"},
    "doctor-for-another-organisation": {HELSEID_PID: DOCTOR_PID, HELSEID_HPR: HPR_NUMBER,
                                        HELSEID_ORG: OTHER_ORG_NUMBER},
    "stranger": {HELSEID_PID: STRANGER_PID, HELSEID_HPR: "123456789", HELSEID_ORG: ORG_NUMBER},
}


@pytest.fixture(scope="module")
def client_key() -> tuple[dict[str, Any], dict[str, Any]]:
    """The portal's signing key for private_key_jwt: (private JWK, public JWKS)."""
    return generate_client_key("portal-staff-test-key")


@pytest.fixture(scope="module")
def provider(client_key: tuple[dict[str, Any], dict[str, Any]]) -> Iterator[RunningProvider]:
    """The HelseID-like provider, once for the module; it knows the portal's public key."""
    with running("helseid", [staff_client(client_key[1])], ACCOUNTS) as running_provider:
        yield running_provider


@pytest.fixture
def app(settings: Settings, provider: RunningProvider,
        client_key: tuple[dict[str, Any], dict[str, Any]]) -> Iterator[Flask]:
    """The portal with the real provider for staff, and no development provider."""
    staff = staff_settings(provider.issuer, client_key[0])
    app = create_app(portal_settings(settings, staff=staff))
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


def make_doctor(db: Session, active: bool = True) -> StaffMember:
    """The doctor as the portal knows them: a member of the organisation ORG_NUMBER."""
    hospital = Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name="Test HF",
                            org_number=ORG_NUMBER)
    member = StaffMember(national_id=DOCTOR_PID, given_name="Lise", family_name="Lege",
                         title="overlege", organisation=hospital, hpr_number="000000000",
                         active=active)
    db.add(member)
    db.commit()
    return member


def same_key(proofs: list[str]) -> bool:
    thumbprints = {ECKey.import_key(jwt_part(proof, 0)["jwk"]).thumbprint() for proof in proofs}
    return len(thumbprints) == 1


def test_a_doctor_signs_in_with_par_private_key_jwt_and_dpop(
        app: Flask, client: PortalClient, db: Session, provider: RunningProvider,
        client_key: tuple[dict[str, Any], dict[str, Any]]) -> None:
    member = make_doctor(db)
    tap = tap_provider(app, provider.issuer)

    attempt = login_through_provider(client, "staff", "doctor")
    response = client.raw.get(attempt.callback)

    assert response.status_code == 303
    assert response.location == "/staff/"
    client.get("/staff/")
    principal = principal_of(client)
    assert principal is not None
    assert (principal["kind"], principal["id"]) == ("staff", member.id)
    db.refresh(member)
    assert member.hpr_number == HPR_NUMBER  # from HelseID's claim, at every sign-in
    assert member.last_signed_in_at is not None

    # PAR: the browser saw only a handle; the request itself went over the back channel,
    # authenticated with a client assertion signed by the portal's key (no secret).
    assert set(attempt.authorize_params) == {"client_id", "request_uri"}
    assert attempt.authorize_params["client_id"] == STAFF_CLIENT_ID
    [pushed] = tap.to("/request")
    assert pushed.status == 201
    assert pushed.body["request_uri"] == attempt.authorize_params["request_uri"]
    assert pushed.form["code_challenge_method"] == "S256"
    assert pushed.form["redirect_uri"] == f"{PORTAL}/sign-in/staff/callback"
    assert "helseid://scopes/hpr/hpr_number" in pushed.form["scope"].split()
    assert {"state", "nonce", "code_challenge"} <= set(pushed.form)
    assert "Authorization" not in pushed.headers
    assert "client_secret" not in pushed.form
    assert pushed.form["client_assertion_type"] == JWT_BEARER
    assertion_header = jwt_part(pushed.form["client_assertion"], 0)
    assertion = jwt_part(pushed.form["client_assertion"])
    assert assertion_header["kid"] == client_key[0]["kid"]
    assert assertion_header["alg"] == "RS256"
    assert assertion["iss"] == assertion["sub"] == STAFF_CLIENT_ID
    assert assertion["aud"] == provider.issuer

    # DPoP: the token endpoint asked for its nonce once; the second proof carried it.
    first, second = tap.to("/token")
    assert first.status == 400
    assert first.body["error"] == "use_dpop_nonce"
    assert "nonce" not in jwt_part(first.headers["DPoP"])
    assert second.status == 200
    proof = jwt_part(second.headers["DPoP"])
    assert proof["nonce"] == first.response_headers["DPoP-Nonce"]
    assert proof["htm"] == "POST"
    assert proof["htu"] == f"{provider.issuer}/token"
    assert jwt_part(second.headers["DPoP"], 0)["typ"] == "dpop+jwt"
    assert second.body["token_type"] == "DPoP"
    assert second.form["client_assertion_type"] == JWT_BEARER
    assert "Authorization" not in second.headers
    # The HelseID claims are not in the ID token: they came from UserInfo, with the bound token.
    assert HELSEID_PID not in jwt_part(second.body["id_token"])
    [userinfo] = tap.to("/me")
    assert userinfo.status == 200
    assert userinfo.headers["Authorization"] == f"DPoP {second.body['access_token']}"
    assert "ath" in jwt_part(userinfo.headers["DPoP"])
    assert same_key([first.headers["DPoP"], second.headers["DPoP"], userinfo.headers["DPoP"]])
    assert userinfo.body[HELSEID_PID] == DOCTOR_PID


def test_somebody_the_portal_does_not_know_is_refused(app: Flask, client: PortalClient,
                                                      db: Session, failures: Failures) -> None:
    make_doctor(db)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "staff", "stranger")

    failure_page(client.raw.get(attempt.callback), 403, NO_STAFF_ACCESS)
    assert_no_session(client, app, before)
    assert failures() == []  # HelseID vouched for them; the portal has no access for them


def test_a_doctor_signing_in_for_another_organisation_is_refused(
        app: Flask, client: PortalClient, db: Session, failures: Failures) -> None:
    other = Organisation(kind=OrganisationKind.MUNICIPALITY, name="Annen kommune",
                         org_number=OTHER_ORG_NUMBER, municipality_number="9999")
    db.add(other)
    member = make_doctor(db)  # a member of ORG_NUMBER only
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "staff", "doctor-for-another-organisation")

    failure_page(client.raw.get(attempt.callback), 403, NO_STAFF_ACCESS)
    assert_no_session(client, app, before)
    assert failures() == []
    db.refresh(member)
    assert member.hpr_number == "000000000"  # nothing about them was changed
    assert member.last_signed_in_at is None


def test_a_switched_off_account_is_refused(app: Flask, client: PortalClient,
                                           db: Session) -> None:
    make_doctor(db, active=False)
    before = sign_in_session_count(app)

    attempt = login_through_provider(client, "staff", "doctor")

    failure_page(client.raw.get(attempt.callback), 403, NO_STAFF_ACCESS)
    assert_no_session(client, app, before)


def test_a_doctor_cancelling_at_helseid(app: Flask, client: PortalClient, db: Session,
                                        failures: Failures) -> None:
    make_doctor(db)
    before = sign_in_session_count(app)

    attempt = cancel_at_provider(client, "staff")

    failure_page(client.raw.get(attempt.callback), 200, CANCELLED)
    assert_no_session(client, app, before)
    assert failures() == ["cancelled: access_denied"]


def test_a_provider_without_par_when_par_is_required(app: Flask, client: PortalClient,
                                                     db: Session, provider: RunningProvider,
                                                     failures: Failures) -> None:
    """The settings say ``par="required"``; a provider whose discovery document offers no PAR
    endpoint is not used at all (the request is not sent through the browser instead)."""
    make_doctor(db)

    def without_par(path: str, body: Any) -> Any:
        if path == "/.well-known/openid-configuration":
            return {k: v for k, v in body.items() if "pushed_authorization" not in k}
        return body

    tap = tap_provider(app, provider.issuer, without_par)
    before = sign_in_session_count(app)

    start = client.raw.get("/sign-in/staff/start")

    failure_page(start, 503, DID_NOT_WORK)
    assert failures() == ["unavailable: the provider offers no PAR endpoint"]
    assert [e.path for e in tap.exchanges] == ["/.well-known/openid-configuration"]
    with client.raw.session_transaction() as session:
        assert "oidc_flow" not in session
    assert_no_session(client, app, before)
