"""The development identity provider: a small OpenID provider (Authlib's server side) that signs
in the demo personas, so the portal's real client code runs on a fresh machine with nothing else.

It plays both roles: an ID-porten-like provider for citizens (``pid`` and ``acr`` in the ID
token) and a HelseID-like one for staff (``private_key_jwt``, HelseID's claim names). It keeps
codes in memory, so it serves one process (``portal demo``). ``create_app`` registers it only in
development mode with ``PORTAL_DEV_IDP`` on; production mode refuses that setting.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Blueprint, Flask, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from joserfc.jwk import ECKey, RSAKey
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired

from portal import access
from portal.db import db_session
from portal.demo import PERSONAS, RELATIVES, STAFF
from portal.pathway import identity
from portal.settings import OIDC_DEFAULTS, SUPPORTED_LOCALES, OidcSettings
from portal.staff.models import StaffMember

bp = Blueprint("dev_idp", __name__, url_prefix="/dev-idp")

ACR_HIGH = "idporten-loa-high"
ACR_SUBSTANTIAL = "idporten-loa-substantial"
CODE_SECONDS = 120
STAFF_CLAIMS = OIDC_DEFAULTS["staff"]


@cache
def _signing_key() -> RSAKey:
    """The provider's ID-token key, made once per process (ID-porten signs with RS256)."""
    return RSAKey.generate_key(2048, parameters={"kid": "dev-idp-1", "use": "sig",
                                                 "alg": "RS256"}, private=True)


@cache
def _staff_client_key() -> ECKey:
    """The portal's own private key as the staff client (``private_key_jwt``)."""
    return ECKey.generate_key("P-256", parameters={"kid": "portal-staff-dev", "alg": "ES256"},
                              private=True)


@cache
def _citizen_client_secret() -> str:
    return secrets.token_urlsafe(32)


def _issuer() -> str:
    return url_for("dev_idp.discovery", _external=True).removesuffix(
        "/.well-known/openid-configuration")


def client_settings(profile: str) -> OidcSettings:
    """How the portal's client reaches this provider (used by ``oidc.settings_for``)."""
    if profile == "staff":
        import json

        return OidcSettings(
            issuer=_issuer(), client_id="portal-staff-dev",
            private_key=json.dumps(_staff_client_key().as_dict(private=True)),
            scopes=STAFF_CLAIMS["SCOPES"], par="auto", dpop="auto",
            pid_claim=STAFF_CLAIMS["PID_CLAIM"], hpr_claim=STAFF_CLAIMS["HPR_CLAIM"],
            org_claim=STAFF_CLAIMS["ORG_CLAIM"],
        )
    return OidcSettings(issuer=_issuer(), client_id="portal-citizen-dev",
                        client_secret=_citizen_client_secret(), scopes="openid profile",
                        acr_values=(ACR_HIGH,))


# --- Clients, codes and the Authlib server -------------------------------------------------


@dataclass
class DevClient(ClientMixin):  # type: ignore[misc]  # Authlib ships no type hints
    client_id: str
    profile: str
    auth_method: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return url_for("auth.callback", profile=self.profile, _external=True)

    def get_allowed_scope(self, scope: str) -> str:
        allowed = set(client_settings(self.profile).scopes.split())
        return " ".join(s for s in scope.split() if s in allowed)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        # Only the portal's own callback for this profile, on the host the request came to.
        return bool(redirect_uri == self.get_default_redirect_uri())

    def check_client_secret(self, client_secret: str) -> bool:
        return secrets.compare_digest(client_secret, _citizen_client_secret())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return endpoint != "token" or method == self.auth_method

    def check_response_type(self, response_type: str) -> bool:
        return bool(response_type == "code")

    def check_grant_type(self, grant_type: str) -> bool:
        return bool(grant_type == "authorization_code")


CLIENTS = {
    "portal-citizen-dev": DevClient("portal-citizen-dev", "citizen", "client_secret_basic"),
    "portal-staff-dev": DevClient("portal-staff-dev", "staff", "private_key_jwt"),
}


@dataclass
class DevCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    user: dict[str, Any]
    acr: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> str | None:
        return self.acr

    def get_amr(self) -> list[str]:
        return ["dev"]

    def is_expired(self) -> bool:
        return time.time() - self.auth_time > CODE_SECONDS


_codes: dict[str, DevCode] = {}
_codes_lock = threading.Lock()


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]

    def save_authorization_code(self, code: str, request: Any) -> None:
        payload = request.payload
        with _codes_lock:
            _codes[code] = DevCode(
                code=code, client_id=request.client.client_id,
                redirect_uri=payload.redirect_uri, scope=payload.scope,
                nonce=payload.data.get("nonce"),
                code_challenge=payload.data.get("code_challenge"),
                code_challenge_method=payload.data.get("code_challenge_method"),
                user=request.user, acr=request.user.get("acr"),
            )

    def query_authorization_code(self, code: str, client: DevClient) -> DevCode | None:
        with _codes_lock:
            found = _codes.get(code)
        if found and found.client_id == client.client_id and not found.is_expired():
            return found
        return None

    def delete_authorization_code(self, authorization_code: DevCode) -> None:
        with _codes_lock:
            _codes.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code: DevCode) -> dict[str, Any]:
        return authorization_code.user


class DevOpenIDCode(OpenIDCode):  # type: ignore[misc]
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        with _codes_lock:
            return any(c.nonce == nonce for c in _codes.values())

    def resolve_client_private_key(self, client: DevClient) -> RSAKey:
        return _signing_key()

    def get_client_algorithm(self, client: DevClient) -> str:
        return "RS256"

    def get_encode_header(self, client: DevClient) -> dict[str, str]:
        return {"alg": "RS256", "kid": "dev-idp-1"}

    def get_client_claims(self, client: DevClient) -> dict[str, Any]:
        return {"iss": _issuer(), "aud": [client.client_id], "exp": int(time.time()) + 300}

    def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
        return UserInfo({k: v for k, v in user.items() if k != "acr"})


class RequiredCodeChallenge(CodeChallenge):  # type: ignore[misc]
    """PKCE required already at the authorization request, as ID-porten and HelseID do
    (Authlib's own check waits for the token request)."""

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        # The redirect URI is checked by now: the client hears about the error.
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'",
                                      redirect_uri=redirect_uri)
        if grant.request.payload.data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE must use S256", redirect_uri=redirect_uri)
        super().validate_code_challenge(grant, redirect_uri)


class ClientAssertion(JWTBearerClientAssertion):  # type: ignore[misc]
    """``private_key_jwt`` at the token endpoint, for the staff client."""

    CLIENT_AUTH_METHOD = "private_key_jwt"

    def __init__(self) -> None:
        super().__init__(validate_jti=True)
        self._seen: set[str] = set()

    def get_audiences(self) -> list[str]:
        return [_issuer(), url_for("dev_idp.token", _external=True)]

    def validate_jti(self, claims: Any, jti: str) -> bool:
        if jti in self._seen:
            return False
        self._seen.add(jti)
        return True

    def resolve_client_public_key(self, client: DevClient) -> ECKey:
        return ECKey.import_key(_staff_client_key().as_dict(private=False))


server = AuthorizationServer()


def init_app(app: Flask) -> None:
    server.init_app(app, query_client=CLIENTS.get, save_token=lambda _token, _request: None)
    server.register_grant(CodeGrant, [RequiredCodeChallenge(required=True), DevOpenIDCode()])
    server.register_client_auth_method(ClientAssertion.CLIENT_AUTH_METHOD, ClientAssertion())
    app.register_blueprint(bp)


# --- Pages -----------------------------------------------------------------------------------


class IdentityForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    national_id = StringField(validators=[InputRequired(_l("Enter an identity number."))])
    acr = HiddenField(default=ACR_HIGH)


def _subject(profile: str, national_id: str) -> str:
    # Like ID-porten and HelseID: a stable subject that is not the identity number itself.
    return hashlib.sha256(f"dev-idp:{profile}:{national_id}".encode()).hexdigest()[:32]


def _user(profile: str, national_id: str, acr: str) -> dict[str, Any] | None:
    if profile == "citizen":
        return {"sub": _subject(profile, national_id), "pid": national_id, "acr": acr}
    # Like HelseID, which knows all health personnel: the demo staff, and anyone the portal
    # has a staff record for (so staff added by an administrator can sign in too).
    found = db_session().scalar(
        select(StaffMember).where(StaffMember.national_id == national_id)
        .options(joinedload(StaffMember.organisation)).order_by(StaffMember.id).limit(1))
    if found is None:
        return None
    user = {"sub": _subject(profile, national_id), "name": found.full_name,
            "given_name": found.given_name, "family_name": found.family_name,
            STAFF_CLAIMS["PID_CLAIM"]: national_id,
            STAFF_CLAIMS["ORG_CLAIM"]: found.organisation.org_number}
    if found.hpr_number:
        user[STAFF_CLAIMS["HPR_CLAIM"]] = found.hpr_number
    return user


@bp.get("/.well-known/openid-configuration")
@access.public
def discovery() -> ResponseReturnValue:
    issuer = _issuer()
    return jsonify({
        "issuer": issuer,
        "authorization_endpoint": url_for("dev_idp.authorize", _external=True),
        "token_endpoint": url_for("dev_idp.token", _external=True),
        "jwks_uri": url_for("dev_idp.jwks", _external=True),
        "end_session_endpoint": url_for("dev_idp.end_session", _external=True),
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "private_key_jwt"],
        "acr_values_supported": [ACR_SUBSTANTIAL, ACR_HIGH],
        "ui_locales_supported": list(SUPPORTED_LOCALES),
        "scopes_supported": sorted(set(client_settings("staff").scopes.split()) | {"profile"}),
        "authorization_response_iss_parameter_supported": False,
    })


@bp.get("/jwks")
@access.public
def jwks() -> ResponseReturnValue:
    return jsonify({"keys": [_signing_key().as_dict(private=False)]})


@bp.route("/authorize", methods=["GET", "POST"])
@access.public
def authorize() -> ResponseReturnValue:
    client = CLIENTS.get(request.values.get("client_id", ""))
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        if error.redirect_uri:  # the client is known and its redirect URI registered
            refused: WerkzeugResponse = server.handle_error_response(None, error)
            return refused
        # An unknown client or a redirect URI not registered: never redirect, explain.
        return render_template("auth/dev_idp_error.html", error=error.description), 400
    profile = client.profile if client else "citizen"
    form = IdentityForm()
    if request.method == "POST" and "cancel" in request.form:
        cancelled: WerkzeugResponse = server.create_authorization_response(
            grant_user=None, grant=grant)
        return cancelled
    if request.method == "POST" and form.validate():
        national_id = "".join(form.national_id.data.split())
        acr = form.acr.data if form.acr.data in (ACR_HIGH, ACR_SUBSTANTIAL) else ACR_HIGH
        user = None
        try:
            user = _user(profile, identity.normalise(national_id), acr)
        except identity.InvalidIdentityNumber:
            form.national_id.errors.append(_l("This is not a valid identity number."))
        if user is not None:
            granted: WerkzeugResponse = server.create_authorization_response(
                grant_user=user, grant=grant)
            return granted
        if not form.national_id.errors:
            form.national_id.errors.append(_l("There is no staff member with this number."))
    return render_template("auth/dev_idp.html", form=form, profile=profile, grant=grant,
                           patients=PERSONAS, relatives=RELATIVES, staff=STAFF,
                           acr_high=ACR_HIGH, acr_substantial=ACR_SUBSTANTIAL)


@bp.post("/token")
@access.public
def token() -> ResponseReturnValue:
    response: WerkzeugResponse = server.create_token_response()
    return response


@bp.get("/end-session")
@access.public
def end_session() -> WerkzeugResponse:
    """RP-initiated logout: nothing to end here (no provider session); go back to the portal."""
    target = request.args.get("post_logout_redirect_uri", "")
    parts = urlsplit(target)
    if parts.scheme in ("http", "https") and parts.netloc == request.host:
        return redirect(target, code=303)
    abort(400)
