"""The test provider is configured like ID-porten and like HelseID: proved with a hand-written
client (requests + joserfc), independent of the portal's own OpenID Connect client."""

from __future__ import annotations

import base64
import hashlib
import secrets
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from bs4 import BeautifulSoup
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet, RSAKey

from tests.oidc_provider.harness import (
    RunningProvider,
    available,
    generate_client_key,
    running,
    start,
)

pytestmark = pytest.mark.skipif(available() is not None, reason=available() or "")

REDIRECT_URI = "http://127.0.0.1:1/callback"  # never contacted: tests read Location headers
CLIENT_ID = "portal"
CLIENT_SECRET = "portal-test-secret"
PID = "12035812324"
HELSEID_SCOPE = (
    "openid profile helseid://scopes/identity/pid helseid://scopes/identity/security_level "
    "helseid://scopes/hpr/hpr_number"
)
HELSEID_ACCOUNTS = {
    "lege": {
        "helseid://claims/identity/pid": "13116900216",
        "helseid://claims/hpr/hpr_number": "565501872",
        "helseid://claims/identity/security_level": "4",
        "helseid://claims/client/claims/orgnr_parent": "983658725",
        "name": "Lise Lege", "given_name": "Lise", "family_name": "Lege",
    },
}

# ---------------------------------------------------------------------------------------------
# A minimal hand-written client.


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def discovery(issuer: str) -> dict[str, Any]:
    response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
    response.raise_for_status()
    return dict(response.json())


def follow(session: requests.Session, url: str) -> requests.Response:
    """Follow the provider's redirects one by one, stopping at the client's redirect URI."""
    for _ in range(10):
        response = session.get(url, allow_redirects=False, timeout=5)
        location = response.headers.get("Location")
        if not response.is_redirect or not location:
            return response
        url = urljoin(url, location)
        if url.startswith(REDIRECT_URI):
            return response
    raise AssertionError("too many redirects")


def callback_params(response: requests.Response) -> dict[str, str]:
    """The parameters the provider sends to the client's redirect URI."""
    location = response.headers.get("Location", "")
    assert location.startswith(REDIRECT_URI + "?"), (response.status_code, location)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def submit(session: requests.Session, page: requests.Response, control_id: str,
           **fields: str) -> requests.Response:
    """Press the button with this id on the login page: post its form with `fields`."""
    soup = BeautifulSoup(page.text, "html.parser")
    button = soup.find(id=control_id)
    assert button is not None, f"no #{control_id} on the page"
    form = button.find_parent("form")
    assert form is not None
    assert form.get("method") == "post"
    data = {str(i["name"]): str(i.get("value", "")) for i in form.select("input[name]")}
    data.update(fields)
    response = session.post(urljoin(page.url, str(form["action"])), data=data,
                            allow_redirects=False, timeout=5)
    assert response.is_redirect, (response.status_code, response.text)
    return follow(session, urljoin(page.url, response.headers["Location"]))


def login_page(session: requests.Session, authorize_url: str) -> requests.Response:
    page = follow(session, authorize_url)
    assert page.status_code == 200, (page.status_code, page.text)
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("form[method=post] input#login[name=login][type=text]") is not None
    return page


def authorize_url(issuer: str, challenge: str | None, state: str, nonce: str,
                  redirect_uri: str = REDIRECT_URI) -> str:
    params = {
        "client_id": CLIENT_ID, "response_type": "code", "scope": "openid profile",
        "redirect_uri": redirect_uri, "state": state, "nonce": nonce,
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return requests.Request("GET", f"{issuer}/auth", params=params).prepare().url or ""


def verify_id_token(issuer: str, id_token: str, nonce: str) -> dict[str, Any]:
    keys = KeySet.import_key_set(requests.get(f"{issuer}/jwks", timeout=5).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    claims = dict(token.claims)
    assert token.header["alg"] == "RS256"
    assert claims["iss"] == issuer
    assert claims["aud"] == CLIENT_ID
    assert claims["nonce"] == nonce
    assert claims["exp"] > time.time()
    return claims


def citizen_login(issuer: str, login: str, acr: str | None) -> dict[str, Any]:
    """A whole code flow with PKCE and client_secret_basic; the ID token's claims."""
    session = requests.Session()
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    page = login_page(session, authorize_url(issuer, challenge, state, nonce))
    fields = {"login": login} | ({"acr": acr} if acr else {})
    params = callback_params(submit(session, page, "sign-in", **fields))
    assert params["state"] == state
    assert params["iss"] == issuer  # RFC 9207
    response = requests.post(
        f"{issuer}/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=5,
        data={"grant_type": "authorization_code", "code": params["code"],
              "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    return verify_id_token(issuer, tokens["id_token"], nonce)


# ---------------------------------------------------------------------------------------------
# The citizen profile (ID-porten-like).

CITIZEN_CLIENTS = [{
    "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "redirect_uris": [REDIRECT_URI],
    "post_logout_redirect_uris": ["http://127.0.0.1:1/signed-out"],
}]


@pytest.fixture(scope="module")
def citizen() -> Iterator[RunningProvider]:
    accounts = {"kari": {"pid": "01017012345", "given_name": "Kari", "family_name": "Nordmann",
                         "name": "Kari Nordmann"}}
    with running("citizen", CITIZEN_CLIENTS, accounts) as provider:
        yield provider


def test_citizen_discovery(citizen: RunningProvider) -> None:
    document = discovery(citizen.issuer)
    assert document["issuer"] == citizen.issuer
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "idporten-loa-high" in document["acr_values_supported"]
    assert "idporten-loa-substantial" in document["acr_values_supported"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert document["end_session_endpoint"] == f"{citizen.issuer}/session/end"
    assert "pid" in document["claims_supported"]


def test_citizen_refuses_authorization_without_pkce(citizen: RunningProvider) -> None:
    response = follow(requests.Session(), authorize_url(citizen.issuer, None, "s", "n"))
    params = callback_params(response)
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]
    assert params["state"] == "s"


def test_citizen_high_puts_pid_and_acr_in_the_id_token(citizen: RunningProvider) -> None:
    claims = citizen_login(citizen.issuer, PID, "idporten-loa-high")
    assert claims["sub"] == PID
    assert claims["pid"] == PID
    assert claims["acr"] == "idporten-loa-high"
    assert claims["amr"] == ["BankID"]


def test_citizen_acr_high_is_the_default(citizen: RunningProvider) -> None:
    assert citizen_login(citizen.issuer, PID, None)["acr"] == "idporten-loa-high"


def test_citizen_substantial(citizen: RunningProvider) -> None:
    claims = citizen_login(citizen.issuer, PID, "idporten-loa-substantial")
    assert claims["acr"] == "idporten-loa-substantial"


def test_citizen_configured_account_has_name_claims(citizen: RunningProvider) -> None:
    claims = citizen_login(citizen.issuer, "kari", "idporten-loa-high")
    assert claims["pid"] == "01017012345"
    assert claims["name"] == "Kari Nordmann"


def test_citizen_unknown_login_stays_on_the_login_page(citizen: RunningProvider) -> None:
    session = requests.Session()
    page = login_page(session, authorize_url(citizen.issuer, pkce_pair()[1], "s", "n"))
    soup = BeautifulSoup(page.text, "html.parser")
    action = str(soup.select_one("form:has(#sign-in)")["action"])  # type: ignore[index]
    response = session.post(urljoin(page.url, action), data={"login": "nobody"},
                            allow_redirects=False, timeout=5)
    assert response.status_code == 400
    assert BeautifulSoup(response.text, "html.parser").select_one("#error") is not None


def test_citizen_login_page_controls(citizen: RunningProvider) -> None:
    page = login_page(requests.Session(), authorize_url(citizen.issuer, pkce_pair()[1], "s", "n"))
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("html[lang]") is not None
    assert soup.title is not None
    select = soup.select_one("select#acr[name=acr]")
    assert select is not None
    options = [(o["value"], o.has_attr("selected")) for o in select.select("option")]
    assert options == [("idporten-loa-high", True), ("idporten-loa-substantial", False)]
    assert soup.select_one("button#sign-in[type=submit]") is not None
    assert soup.select_one("#cancel") is not None
    assert not soup.select("script")


def test_citizen_cancel_returns_access_denied(citizen: RunningProvider) -> None:
    session = requests.Session()
    state = secrets.token_urlsafe(16)
    page = login_page(session, authorize_url(citizen.issuer, pkce_pair()[1], state, "n"))
    params = callback_params(submit(session, page, "cancel"))
    assert params["error"] == "access_denied"
    assert params["state"] == state
    assert params["iss"] == citizen.issuer


def test_citizen_refuses_unregistered_redirect_uri(citizen: RunningProvider) -> None:
    url = authorize_url(citizen.issuer, pkce_pair()[1], "s", "n",
                        redirect_uri="http://127.0.0.1:1/elsewhere")
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 400
    assert "Location" not in response.headers
    error = BeautifulSoup(response.text, "html.parser").select_one("#error")
    assert error is not None
    assert "redirect_uri" in error.get_text()


def test_citizen_wrong_code_verifier_is_refused(citizen: RunningProvider) -> None:
    session = requests.Session()
    _, challenge = pkce_pair()
    page = login_page(session, authorize_url(citizen.issuer, challenge, "s", "n"))
    params = callback_params(submit(session, page, "sign-in", login=PID))
    response = requests.post(
        f"{citizen.issuer}/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=5,
        data={"grant_type": "authorization_code", "code": params["code"],
              "redirect_uri": REDIRECT_URI, "code_verifier": pkce_pair()[0]},
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_citizen_single_sign_on_and_logout(citizen: RunningProvider) -> None:
    session = requests.Session()
    verifier, challenge = pkce_pair()
    page = login_page(session, authorize_url(citizen.issuer, challenge, "s", "n"))
    callback_params(submit(session, page, "sign-in", login=PID))
    # Signed in already: the next authorization request returns a code without the login page.
    verifier, challenge = pkce_pair()
    params = callback_params(follow(session, authorize_url(citizen.issuer, challenge, "s", "n")))
    tokens = requests.post(
        f"{citizen.issuer}/token", auth=(CLIENT_ID, CLIENT_SECRET), timeout=5,
        data={"grant_type": "authorization_code", "code": params["code"],
              "redirect_uri": REDIRECT_URI, "code_verifier": verifier},
    ).json()
    # RP-initiated logout: the provider asks, #logout confirms, the client's URI gets state.
    page = session.get(f"{citizen.issuer}/session/end", timeout=5, params={
        "id_token_hint": tokens["id_token"], "state": "bye",
        "post_logout_redirect_uri": "http://127.0.0.1:1/signed-out"})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.select_one("button#logout") is not None
    form = soup.find(id="op.logoutForm")
    assert form is not None
    data = {str(i["name"]): str(i["value"]) for i in form.select("input[name]")}
    response = session.post(str(form["action"]), data=data | {"logout": "yes"},
                            allow_redirects=False, timeout=5)
    assert response.headers["Location"] == "http://127.0.0.1:1/signed-out?state=bye"
    # Signed out: the login page again.
    login_page(session, authorize_url(citizen.issuer, pkce_pair()[1], "s", "n"))


def test_citizen_id_token_ttl() -> None:
    with running("citizen", CITIZEN_CLIENTS, id_token_ttl=120) as provider:
        claims = citizen_login(provider.issuer, PID, "idporten-loa-high")
    assert claims["exp"] - claims["iat"] == 120


def test_a_provider_that_cannot_start_says_why() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError) as failure:
            start("citizen", CITIZEN_CLIENTS, port=port)
    message = str(failure.value)
    assert f"node exited with code 1 (port {port})" in message
    assert "EADDRINUSE" in message


# ---------------------------------------------------------------------------------------------
# The helseid profile (HelseID-like): PAR, private_key_jwt, DPoP, claims from UserInfo.


@pytest.fixture(scope="module")
def client_key() -> tuple[dict[str, Any], dict[str, Any]]:
    return generate_client_key()


@pytest.fixture(scope="module")
def helseid(client_key: tuple[dict[str, Any], dict[str, Any]]) -> Iterator[RunningProvider]:
    clients = [{"client_id": CLIENT_ID, "redirect_uris": [REDIRECT_URI],
                "token_endpoint_auth_method": "private_key_jwt", "jwks": client_key[1]}]
    with running("helseid", clients, HELSEID_ACCOUNTS) as provider:
        yield provider


def client_assertion(private_jwk: dict[str, Any], audience: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": CLIENT_ID, "sub": CLIENT_ID, "aud": audience, "iat": now, "exp": now + 60,
              "jti": secrets.token_urlsafe(16)}
    key = RSAKey.import_key(private_jwk)
    assertion = jwt.encode({"alg": "RS256", "kid": private_jwk["kid"]}, claims, key,
                           algorithms=["RS256"])
    return {"client_id": CLIENT_ID, "client_assertion": assertion,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}


def dpop_proof(key: ECKey, method: str, url: str, nonce: str | None = None,
               access_token: str | None = None) -> str:
    claims: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url,
                              "iat": int(time.time())}
    if nonce:
        claims["nonce"] = nonce
    if access_token:
        digest = hashlib.sha256(access_token.encode()).digest()
        claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


def par_request(issuer: str, private_jwk: dict[str, Any], challenge: str | None,
                state: str, nonce: str) -> requests.Response:
    data = {"response_type": "code", "scope": HELSEID_SCOPE, "redirect_uri": REDIRECT_URI,
            "state": state, "nonce": nonce} | client_assertion(private_jwk, issuer)
    if challenge:
        data |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    return requests.post(f"{issuer}/request", data=data, timeout=5)


def test_helseid_discovery(helseid: RunningProvider) -> None:
    document = discovery(helseid.issuer)
    assert document["require_pushed_authorization_requests"] is True
    assert document["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert "ES256" in document["dpop_signing_alg_values_supported"]
    assert "helseid://scopes/hpr/hpr_number" in document["scopes_supported"]
    assert "helseid://claims/hpr/hpr_number" in document["claims_supported"]


def test_helseid_refuses_authorization_without_par(helseid: RunningProvider) -> None:
    url = requests.Request("GET", f"{helseid.issuer}/auth", params={
        "client_id": CLIENT_ID, "response_type": "code", "scope": "openid",
        "redirect_uri": REDIRECT_URI, "state": "s", "code_challenge": pkce_pair()[1],
        "code_challenge_method": "S256",
    }).prepare().url or ""
    params = callback_params(follow(requests.Session(), url))
    assert params["error"] == "invalid_request"
    assert "pushed authorization request" in params["error_description"].lower()


def test_helseid_par_requires_pkce(
    helseid: RunningProvider, client_key: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    response = par_request(helseid.issuer, client_key[0], None, "s", "n")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_helseid_par_refuses_a_client_secret(helseid: RunningProvider) -> None:
    response = requests.post(f"{helseid.issuer}/request", auth=(CLIENT_ID, "secret"), timeout=5,
                             data={"response_type": "code", "scope": "openid",
                                   "redirect_uri": REDIRECT_URI,
                                   "code_challenge": pkce_pair()[1],
                                   "code_challenge_method": "S256"})
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_helseid_code_flow_with_par_private_key_jwt_and_dpop(
    helseid: RunningProvider, client_key: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    issuer, private_jwk = helseid.issuer, client_key[0]
    verifier, challenge = pkce_pair()
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)

    # Pushed authorization request; the client assertion's aud is the issuer.
    par = par_request(issuer, private_jwk, challenge, state, nonce)
    assert par.status_code == 201, par.text
    request_uri = par.json()["request_uri"]
    assert request_uri.startswith("urn:ietf:params:oauth:request_uri:")

    session = requests.Session()
    url = requests.Request("GET", f"{issuer}/auth", params={
        "client_id": CLIENT_ID, "request_uri": request_uri}).prepare().url or ""
    page = login_page(session, url)
    assert BeautifulSoup(page.text, "html.parser").select_one("#acr") is None
    params = callback_params(submit(session, page, "sign-in", login="lege"))
    assert params["state"] == state
    assert params["iss"] == issuer

    # Token request with a DPoP proof; the token endpoint first asks for its nonce.
    dpop_key = ECKey.generate_key("P-256")
    token_url = f"{issuer}/token"
    form = {"grant_type": "authorization_code", "code": params["code"],
            "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
    first = requests.post(token_url, timeout=5,
                          data=form | client_assertion(private_jwk, token_url),
                          headers={"DPoP": dpop_proof(dpop_key, "POST", token_url)})
    assert first.status_code == 400
    assert first.json()["error"] == "use_dpop_nonce"
    server_nonce = first.headers["DPoP-Nonce"]
    # Again, with the nonce and a new client assertion (aud = the token endpoint this time).
    response = requests.post(
        token_url, timeout=5, data=form | client_assertion(private_jwk, token_url),
        headers={"DPoP": dpop_proof(dpop_key, "POST", token_url, nonce=server_nonce)},
    )
    assert response.status_code == 200, response.text
    tokens = response.json()
    assert tokens["token_type"] == "DPoP"

    # The ID token carries no HelseID claims: they come from UserInfo.
    id_claims = verify_id_token(issuer, tokens["id_token"], nonce)
    assert id_claims["sub"] == "lege"
    assert "helseid://claims/hpr/hpr_number" not in id_claims

    userinfo_url = f"{issuer}/me"
    access_token = tokens["access_token"]
    bearer = requests.get(userinfo_url, headers={"Authorization": f"Bearer {access_token}"},
                          timeout=5)
    assert bearer.status_code == 401  # the token is bound to the DPoP key
    userinfo = requests.get(userinfo_url, timeout=5, headers={
        "Authorization": f"DPoP {access_token}",
        "DPoP": dpop_proof(dpop_key, "GET", userinfo_url, access_token=access_token),
    })
    assert userinfo.status_code == 200, userinfo.text
    assert userinfo.headers["Content-Type"].startswith("application/json")
    claims = userinfo.json()
    assert claims["sub"] == "lege"
    assert claims["helseid://claims/hpr/hpr_number"] == "565501872"
    assert claims["helseid://claims/identity/pid"] == "13116900216"
    assert claims["helseid://claims/identity/security_level"] == "4"
    assert claims["helseid://claims/client/claims/orgnr_parent"] == "983658725"
    assert claims["name"] == "Lise Lege"


def test_helseid_without_dpop_nonce(client_key: tuple[dict[str, Any], dict[str, Any]]) -> None:
    clients = [{"client_id": CLIENT_ID, "redirect_uris": [REDIRECT_URI], "jwks": client_key[1]}]
    with running("helseid", clients, HELSEID_ACCOUNTS, dpop_nonce=False) as provider:
        issuer = provider.issuer
        verifier, challenge = pkce_pair()
        par = par_request(issuer, client_key[0], challenge, "s", "n")
        assert par.status_code == 201, par.text
        session = requests.Session()
        url = requests.Request("GET", f"{issuer}/auth", params={
            "client_id": CLIENT_ID, "request_uri": par.json()["request_uri"]}).prepare().url
        page = login_page(session, url or "")
        params = callback_params(submit(session, page, "sign-in", login="lege"))
        token_url = f"{issuer}/token"
        form = {"grant_type": "authorization_code", "code": params["code"],
                "redirect_uri": REDIRECT_URI, "code_verifier": verifier}
        without_dpop = requests.post(token_url, timeout=5,
                                     data=form | client_assertion(client_key[0], issuer))
        assert without_dpop.status_code == 400  # the client must use DPoP
        response = requests.post(
            token_url, timeout=5, data=form | client_assertion(client_key[0], issuer),
            headers={"DPoP": dpop_proof(ECKey.generate_key("P-256"), "POST", token_url)},
        )
        assert response.status_code == 200, response.text
        assert response.json()["token_type"] == "DPoP"
