"""The OpenID Connect client: one code path for ID-porten (citizens), HelseID (health personnel)
and the built-in development provider.

Authorization code flow with PKCE (S256), ``state`` and ``nonce`` kept in the session for one
flow at a time; pushed authorization requests (PAR) when the provider offers or the settings
demand them; ``private_key_jwt`` or a client secret at the token endpoint; DPoP-bound tokens when
the provider offers them. The ID token is checked (signature from the provider's JWKS, issuer,
audience, expiry, nonce, ``at_hash``) with Authlib's ``CodeIDToken`` and joserfc, and then the
required ``acr``. Every failure raises :class:`SignInFailed` with a reason the page explains.
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from flask import current_app, session, url_for
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import ECKey, KeySet
from joserfc.jws import JWSRegistry

from portal.auth import dpop
from portal.i18n import login_locales
from portal.settings import OidcSettings
from portal.settings import current as current_settings

#: A sign-in started longer ago than this is refused at the callback.
FLOW_SECONDS = 15 * 60
#: Clock difference tolerated between us and the provider.
LEEWAY_SECONDS = 60
HTTP_TIMEOUT = 10
METADATA_SECONDS = 60 * 60


class SignInFailed(Exception):
    """Why a sign-in did not complete. ``reason`` selects the explanation on the page."""

    REASONS = ("cancelled", "acr", "state", "expired", "provider", "token", "identity",
               "unavailable")

    def __init__(self, reason: str, detail: str = "") -> None:
        if reason not in self.REASONS:
            raise ValueError(reason)
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class SignedIn:
    """What the provider vouched for."""

    profile: str
    settings: OidcSettings
    claims: dict[str, Any]
    id_token: str
    acr: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def settings_for(profile: str) -> OidcSettings | None:
    """The provider for a profile: configured, else the built-in one in development."""
    settings = current_settings()
    configured = settings.citizen_oidc if profile == "citizen" else settings.staff_oidc
    if configured is not None:
        return configured
    if settings.dev_idp and not settings.is_production:
        from portal.auth.devidp import client_settings

        return client_settings(profile)
    return None


def _http() -> requests.Session:
    """A requests session for talking to providers (tests mount a transport on it)."""
    http = requests.Session()
    for prefix, adapter in current_app.extensions.get("portal.oidc_adapters", {}).items():
        http.mount(prefix, adapter)
    return http


def _oauth(oidc: OidcSettings, meta: dict[str, Any], profile: str) -> OAuth2Session:
    client = OAuth2Session(
        client_id=oidc.client_id,
        client_secret=oidc.client_secret or None,
        scope=oidc.scopes,
        redirect_uri=url_for("auth.callback", profile=profile, _external=True),
        code_challenge_method="S256",
        token_endpoint_auth_method=oidc.auth_method,
    )
    for prefix, adapter in current_app.extensions.get("portal.oidc_adapters", {}).items():
        client.mount(prefix, adapter)
    client.last_dpop_nonce = None

    def remember_dpop_nonce(response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        if response.headers.get("DPoP-Nonce"):
            client.last_dpop_nonce = response.headers["DPoP-Nonce"]

    client.hooks["response"].append(remember_dpop_nonce)
    if oidc.private_key:
        # The assertion's audience is the issuer, which HelseID and oidc-provider both accept
        # for every endpoint (token and PAR).
        client.register_client_auth_method(
            PrivateKeyJWT(meta["issuer"], headers=_key_header(oidc), alg=_key_alg(oidc))
        )
        client.client_secret = dpop.import_private_key(oidc.private_key)
    return client


def _key_alg(oidc: OidcSettings) -> str:
    return dpop.signing_alg(dpop.import_private_key(oidc.private_key))


def _key_header(oidc: OidcSettings) -> dict[str, str]:
    key = dpop.import_private_key(oidc.private_key)
    return {"kid": key.kid} if key.kid else {}


def metadata(oidc: OidcSettings) -> dict[str, Any]:
    """The provider's discovery document, cached for an hour per process."""
    cache: dict[str, tuple[float, dict[str, Any]]] = current_app.extensions.setdefault(
        "portal.oidc_metadata", {}
    )
    cached = cache.get(oidc.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        response = _http().get(f"{oidc.issuer}/.well-known/openid-configuration",
                               timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        found: dict[str, Any] = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SignInFailed("unavailable", f"discovery: {exc}") from None
    if found.get("issuer", "").rstrip("/") != oidc.issuer:
        raise SignInFailed("unavailable", f"discovery names issuer {found.get('issuer')!r}")
    cache[oidc.issuer] = (time.monotonic() + METADATA_SECONDS, found)
    return found


def _key_set(meta: dict[str, Any], refresh: bool = False) -> KeySet:
    cache: dict[str, KeySet] = current_app.extensions.setdefault("portal.oidc_jwks", {})
    uri = meta["jwks_uri"]
    if refresh or uri not in cache:
        try:
            response = _http().get(uri, timeout=HTTP_TIMEOUT)
            response.raise_for_status()
            cache[uri] = KeySet.import_key_set(response.json())
        except (requests.RequestException, ValueError, JoseError) as exc:
            raise SignInFailed("unavailable", f"jwks: {exc}") from None
    return cache[uri]


def begin(profile: str, next_url: str | None, locale: str) -> str:
    """Start a sign-in: remember the flow in the session and return the provider's URL."""
    oidc = settings_for(profile)
    if oidc is None:
        raise SignInFailed("unavailable", f"no provider for {profile}")
    meta = metadata(oidc)
    client = _oauth(oidc, meta, profile)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    extra: dict[str, str] = {"nonce": nonce, "ui_locales": login_locales(locale)}
    if oidc.acr_values:
        extra["acr_values"] = oidc.acr_values[0]
    url: str
    url, _ = client.create_authorization_url(
        meta["authorization_endpoint"], state=state, code_verifier=verifier, **extra
    )
    par_endpoint = meta.get("pushed_authorization_request_endpoint")
    use_par = oidc.par == "required" or (oidc.par == "auto" and par_endpoint)
    if use_par:
        if not par_endpoint:
            raise SignInFailed("unavailable", "the provider offers no PAR endpoint")
        url = _push(client, oidc, meta, url)
    session["oidc_flow"] = {
        "profile": profile, "state": state, "nonce": nonce, "verifier": verifier,
        "next": next_url, "started": int(time.time()),
    }
    return url


def _push(client: OAuth2Session, oidc: OidcSettings, meta: dict[str, Any], url: str) -> str:
    """RFC 9126: send the request's parameters to the provider; the browser carries a handle."""
    params = dict(parse_qsl(urlsplit(url).query))
    auth = client.client_auth(client.token_endpoint_auth_method)
    try:
        response = client.post(meta["pushed_authorization_request_endpoint"], data=params,
                               auth=auth, timeout=HTTP_TIMEOUT, withhold_token=True)
        body = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise SignInFailed("unavailable", f"PAR: {exc}") from None
    if response.status_code not in (200, 201) or "request_uri" not in body:
        raise SignInFailed("provider", f"PAR refused: {body.get('error')}")
    query = urlencode({"client_id": oidc.client_id, "request_uri": body["request_uri"]})
    return f"{meta['authorization_endpoint']}?{query}"


def _wants_dpop(oidc: OidcSettings, meta: dict[str, Any]) -> bool:
    return oidc.dpop == "auto" and bool(meta.get("dpop_signing_alg_values_supported"))


def complete(profile: str, args: dict[str, str]) -> tuple[SignedIn, str | None]:
    """Finish a sign-in at the callback: the provider's identity and the page to go on to."""
    flow = session.pop("oidc_flow", None)
    if not flow or flow.get("profile") != profile:
        raise SignInFailed("expired", "no sign-in in progress in this browser")
    if not hmac.compare_digest(str(args.get("state", "")), str(flow["state"])):
        raise SignInFailed("state", "state does not match")
    oidc = settings_for(profile)
    if oidc is None:
        raise SignInFailed("unavailable", f"no provider for {profile}")
    meta = metadata(oidc)
    if "iss" in args and args["iss"].rstrip("/") != oidc.issuer:
        raise SignInFailed("state", "authorization response from another issuer")  # RFC 9207
    if "iss" not in args and meta.get("authorization_response_iss_parameter_supported"):
        raise SignInFailed("state", "authorization response without the issuer")  # RFC 9207
    if args.get("error"):
        reason = "cancelled" if args["error"] == "access_denied" else "provider"
        raise SignInFailed(reason, str(args["error"]))
    if time.time() - int(flow["started"]) > FLOW_SECONDS:
        raise SignInFailed("expired", "the sign-in took too long")
    if not args.get("code"):
        raise SignInFailed("provider", "no code")
    # The DPoP key lives only for this request: the token is used here and then dropped.
    key = dpop.new_private_key() if _wants_dpop(oidc, meta) else None
    token = _exchange(oidc, meta, profile, args["code"], flow["verifier"], key)
    claims = _id_token_claims(oidc, meta, token, flow["nonce"])
    acr = claims.get("acr")
    if oidc.acr_values and acr not in oidc.acr_values:
        raise SignInFailed("acr", f"acr {acr!r}")
    merged = dict(claims)
    if oidc.pid_claim not in merged and meta.get("userinfo_endpoint"):
        userinfo = _userinfo(meta, token, key)
        if userinfo.get("sub") != claims.get("sub"):
            raise SignInFailed("token", "userinfo is about someone else")
        merged = {**userinfo, **claims}
    signed_in = SignedIn(profile=profile, settings=oidc, claims=merged,
                         id_token=token["id_token"], acr=acr)
    return signed_in, flow.get("next")


def _exchange(oidc: OidcSettings, meta: dict[str, Any], profile: str, code: str,
              verifier: str, key: ECKey | None) -> dict[str, Any]:
    from authlib.integrations.base_client import OAuthError

    client = _oauth(oidc, meta, profile)
    endpoint = meta["token_endpoint"]
    headers = {"Accept": "application/json",
               "Content-Type": "application/x-www-form-urlencoded;charset=UTF-8"}
    nonce: str | None = None
    for _attempt in range(2):
        if key is not None:
            headers["DPoP"] = dpop.proof(key, "POST", endpoint, nonce=nonce)
        try:
            token: dict[str, Any] = client.fetch_token(
                endpoint, code=code, code_verifier=verifier, headers=headers,
                timeout=HTTP_TIMEOUT,
            )
        except OAuthError as exc:
            # A provider may ask for its own DPoP nonce first (RFC 9449 section 8).
            if exc.error == "use_dpop_nonce" and nonce is None and client.last_dpop_nonce:
                nonce = client.last_dpop_nonce
                continue
            raise SignInFailed("token", f"token endpoint: {exc.error}") from None
        except (requests.RequestException, ValueError) as exc:
            raise SignInFailed("unavailable", f"token endpoint: {exc}") from None
        if "id_token" not in token:
            raise SignInFailed("token", "no ID token")
        return token
    raise SignInFailed("token", "DPoP nonce refused")


def _id_token_claims(oidc: OidcSettings, meta: dict[str, Any], token: dict[str, Any],
                     nonce: str) -> CodeIDToken:
    algorithms = meta.get("id_token_signing_alg_values_supported") or ["RS256"]
    registry = JWSRegistry(algorithms=[a for a in algorithms if a != "none"])
    try:
        try:
            decoded = jwt.decode(token["id_token"], _key_set(meta), registry=registry)
        except InvalidKeyIdError:
            decoded = jwt.decode(token["id_token"], _key_set(meta, refresh=True),
                                 registry=registry)
        claims = CodeIDToken(
            decoded.claims, decoded.header,
            {"iss": {"essential": True, "value": meta["issuer"]}},
            {"nonce": nonce, "client_id": oidc.client_id,
             "access_token": token.get("access_token")},
        )
        claims.validate(now=int(clock()), leeway=LEEWAY_SECONDS)
    except (JoseError, ValueError) as exc:
        raise SignInFailed("token", f"ID token: {exc}") from None
    return claims


def _userinfo(meta: dict[str, Any], token: dict[str, Any],
              key: ECKey | None) -> dict[str, Any]:
    endpoint = meta["userinfo_endpoint"]
    scheme = "DPoP" if str(token.get("token_type", "")).lower() == "dpop" else "Bearer"
    headers = {"Authorization": f"{scheme} {token['access_token']}", "Accept": "application/json"}
    if scheme == "DPoP" and key is None:
        raise SignInFailed("token", "a DPoP-bound token we did not ask for")
    nonce: str | None = None
    try:
        for _attempt in range(2):
            if key is not None and scheme == "DPoP":
                headers["DPoP"] = dpop.proof(key, "GET", endpoint, nonce=nonce,
                                             access_token=token["access_token"])
            response = _http().get(endpoint, headers=headers, timeout=HTTP_TIMEOUT)
            if response.status_code == 401 and response.headers.get("DPoP-Nonce") and not nonce:
                nonce = response.headers["DPoP-Nonce"]
                continue
            response.raise_for_status()
            found: dict[str, Any] = response.json()
            return found
    except (requests.RequestException, ValueError) as exc:
        raise SignInFailed("token", f"userinfo: {exc}") from None
    raise SignInFailed("token", "userinfo refused the DPoP nonce")


def logout_url(profile: str, id_token: str | None, after: str) -> str | None:
    """Where to send the browser so the provider ends its session too (RP-initiated logout)."""
    oidc = settings_for(profile)
    if oidc is None or not id_token:
        return None
    try:
        meta = metadata(oidc)
    except SignInFailed:
        return None
    endpoint = meta.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": after,
                       "client_id": oidc.client_id})
    return f"{endpoint}?{query}"


def clock() -> float:
    """The time ID tokens are checked against (tests move it to see a token expire)."""
    return time.time()
