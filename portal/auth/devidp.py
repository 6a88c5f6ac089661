"""The development identity provider: a small OpenID provider (Authlib's server side) that signs
in the demo personas, so the portal's real client code runs on a fresh machine with nothing else.

It plays both roles: an ID-porten-like provider for citizens (``pid`` and ``acr`` in the ID
token) and a HelseID-like one for staff (``private_key_jwt``, HelseID's claim names).
``create_app`` registers it only in development mode with ``PORTAL_DEV_IDP`` on; production mode
refuses that setting.

It keeps nothing in process memory that another process would need, so a sign-in works when the
portal's token request reaches another gunicorn worker or another instance sharing the secret
key (issue 7):

- Its keys and the citizen client's secret are derived from the app's secret key with HMAC, so
  every process holding the secret derives the same ones, and a new secret gives new keys (and
  a new ``kid``, which the portal's client fetches again). The ID-token key is an EC P-256 key
  (ES256, named in discovery): an RSA key cannot be derived from a secret without writing a
  prime search by hand. The npm ``oidc-provider`` tests cover RS256 as ID-porten signs.
- An authorization code is self-contained: the user's claims, nonce, PKCE challenge, client and
  redirect URI, encrypted and authenticated with a key derived from the secret (Fernet, which
  also carries the time, so a code older than ``CODE_SECONDS`` is refused). Encrypted, not just
  signed, because it travels in a URL and carries an identity number.
- Single use of codes and client-assertion ``jti``s, and the nonces of codes issued, are
  recorded in shared storage (``UsedStore``): Redis when ``PORTAL_REDIS_URL`` is set (every
  instance shares it), else files in the instance folder (every process of one instance, and
  instances on one machine sharing the folder). No table in the production schema for a
  development tool: without Redis, instances on several machines are not a development setup.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import redis
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2 import OAuth2Error
from authlib.oauth2.rfc6749 import ClientMixin, InvalidRequestError, grants
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from joserfc.jwk import ECKey
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


#: The ID token's algorithm (see the module's docstring for why not RS256).
ID_TOKEN_ALG = "ES256"  # noqa: S105 (an algorithm name, not a password)
#: How long a record of a used code, nonce or ``jti`` is kept: longer than any of them is valid.
USED_SECONDS = 600
#: P-256's group order: a derived private key is a number from 1 to ORDER - 1.
_P256_ORDER = int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16)


def _derive(secret: str, label: str, size: int = 32) -> bytes:
    """``size`` bytes (at most 64) derived from the app's secret for one purpose."""
    digest = hmac.new(secret.encode(), f"portal dev-idp {label}".encode(), hashlib.sha512)
    return digest.digest()[:size]


@cache
def _derived_ec_key(secret: str, label: str, alg: str) -> ECKey:
    scalar = int.from_bytes(_derive(secret, label, 64)) % (_P256_ORDER - 1) + 1
    private = ec.derive_private_key(scalar, ec.SECP256R1())
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.CompressedPoint)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    # The kid names the key: a new secret gives a new kid, and the client fetches the keys again.
    kid = f"{label}-{hashlib.sha256(public).hexdigest()[:12]}"
    return ECKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": alg})


def _secret() -> str:
    secret: str = current_app.config["SECRET_KEY"]
    return secret


def _signing_key() -> ECKey:
    """The provider's ID-token key, the same in every process that shares the secret."""
    return _derived_ec_key(_secret(), "dev-idp", ID_TOKEN_ALG)


def _staff_client_key() -> ECKey:
    """The portal's own private key as the staff client (``private_key_jwt``)."""
    return _derived_ec_key(_secret(), "portal-staff-dev", "ES256")


def _citizen_client_secret() -> str:
    return base64.urlsafe_b64encode(_derive(_secret(), "citizen-client-secret")).decode()


def _code_cipher() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(_secret(), "authorization-code")))


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


class UsedStore(Protocol):
    def claim(self, kind: str, value: str) -> bool:
        """Record ``value`` as used; False when it was recorded already (atomically)."""

    def seen(self, kind: str, value: str) -> bool: ...


def _name(kind: str, value: str) -> str:
    return f"{kind}-{hashlib.sha256(value.encode()).hexdigest()}"


class RedisUsedStore:
    """Shared by every instance that uses the same Redis."""

    def __init__(self, url: str) -> None:
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def claim(self, kind: str, value: str) -> bool:
        return bool(self.redis.set(f"portal:dev-idp:{_name(kind, value)}", 1, nx=True,
                                   ex=USED_SECONDS))

    def seen(self, kind: str, value: str) -> bool:
        return bool(self.redis.exists(f"portal:dev-idp:{_name(kind, value)}"))


class FileUsedStore:
    """One empty file per record in the instance folder, created with O_EXCL (atomic on a local
    file system), so every process of the instance agrees; records past USED_SECONDS are
    removed as new ones are made (a sign-in makes two or three)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def claim(self, kind: str, value: str) -> bool:
        self._forget_old()
        try:
            os.close(os.open(self.folder / _name(kind, value),
                             os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            return False
        return True

    def seen(self, kind: str, value: str) -> bool:
        return (self.folder / _name(kind, value)).exists()

    def _forget_old(self) -> None:
        oldest = time.time() - USED_SECONDS
        for entry in self.folder.iterdir():
            with contextlib.suppress(OSError):  # another process removed it first
                if entry.stat().st_mtime < oldest:
                    entry.unlink()


def used_store() -> UsedStore:
    found: UsedStore = current_app.extensions["portal.dev_idp.used"]
    return found


def _make_used_store(app: Flask) -> UsedStore:
    settings = app.extensions["portal.settings"]
    folder = Path(app.instance_path) / "dev-idp-used"
    if settings.redis_url:
        store = RedisUsedStore(settings.redis_url)
        try:
            store.redis.ping()
            return store
        except redis.RedisError:
            app.logger.warning("The development provider cannot reach Redis: it records used "
                               "codes in the instance folder instead.")
    return FileUsedStore(folder)


def _encode_code(code: DevCode) -> str:
    return _code_cipher().encrypt(json.dumps(asdict(code)).encode()).decode()


def _decode_code(token: str) -> DevCode | None:
    try:
        data = json.loads(_code_cipher().decrypt(token.encode(), ttl=CODE_SECONDS))
        return DevCode(**data)
    except (InvalidToken, ValueError, TypeError):
        return None


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "private_key_jwt"]

    def generate_authorization_code(self) -> str:
        """The code itself carries everything the token request needs (module docstring)."""
        request = self.request
        payload = request.payload
        return _encode_code(DevCode(
            code=secrets.token_urlsafe(16), client_id=request.client.client_id,
            redirect_uri=payload.redirect_uri, scope=payload.scope,
            nonce=payload.data.get("nonce"),
            code_challenge=payload.data.get("code_challenge"),
            code_challenge_method=payload.data.get("code_challenge_method"),
            user=request.user, acr=request.user.get("acr"),
        ))

    def save_authorization_code(self, code: str, request: Any) -> None:
        nonce = request.payload.data.get("nonce")
        if nonce:  # a later authorization request with the same nonce is a replay
            used_store().claim("nonce", f"{request.client.client_id} {nonce}")

    def query_authorization_code(self, code: str, client: DevClient) -> DevCode | None:
        found = _decode_code(code)
        if found is None or found.client_id != client.client_id:
            return None
        # Used up by the first token request that presents it, whatever its outcome.
        if not used_store().claim("code", found.code):
            return None
        return found

    def delete_authorization_code(self, authorization_code: DevCode) -> None:
        pass  # used up in query_authorization_code

    def authenticate_user(self, authorization_code: DevCode) -> dict[str, Any]:
        return authorization_code.user


class DevOpenIDCode(OpenIDCode):  # type: ignore[misc]
    def exists_nonce(self, nonce: str, request: Any) -> bool:
        return used_store().seen("nonce", f"{request.payload.client_id} {nonce}")

    def resolve_client_private_key(self, client: DevClient) -> ECKey:
        return _signing_key()

    def get_client_algorithm(self, client: DevClient) -> str:
        return ID_TOKEN_ALG

    def get_encode_header(self, client: DevClient) -> dict[str, str]:
        return {"alg": ID_TOKEN_ALG, "kid": _signing_key().kid or ""}

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

    def get_audiences(self) -> list[str]:
        return [_issuer(), url_for("dev_idp.token", _external=True)]

    def validate_jti(self, claims: Any, jti: str) -> bool:
        return used_store().claim("jti", jti)

    def resolve_client_public_key(self, client: DevClient) -> ECKey:
        return ECKey.import_key(_staff_client_key().as_dict(private=False))


server = AuthorizationServer()


def init_app(app: Flask) -> None:
    app.extensions["portal.dev_idp.used"] = _make_used_store(app)
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
        "id_token_signing_alg_values_supported": [ID_TOKEN_ALG],
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
