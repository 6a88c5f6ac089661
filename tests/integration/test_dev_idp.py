"""The built-in development OpenID provider: every demo persona signs in through it with the
portal's real client code, and it refuses what a real provider refuses."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from portal import demo
from portal.db import session_scope
from tests.helpers import PortalClient, path_of


@pytest.fixture
def demo_app(app):
    with session_scope(app) as session:
        demo.load(session)
    return app


PERSONAS = [
    ("citizen", "12035812324", "/patient/", "Kari Nordmann"),
    ("citizen", "03047145790", "/patient/", "Ola Hansen"),
    ("citizen", "44068511280", "/patient/", "Per Berg"),
    ("citizen", "28048310046", "/relative/", "Liv Nordmann"),
    ("citizen", "22078510033", "/relative/", "Sigrid Nilsen"),
    ("citizen", "14031650055", "/patient/", "Emma Nilsen"),
    ("staff", "15077910015", "/staff/", "Hilde Vik"),
    ("staff", "02029010075", "/staff/", "Anne Lie"),
    ("staff", "11096510057", "/staff/", "Trond Aas"),
]


@pytest.mark.parametrize(("profile", "national_id", "home", "name"), PERSONAS)
def test_every_demo_persona_signs_in_by_their_button(demo_app, profile, national_id, home,
                                                     name):
    client = PortalClient(demo_app)
    provider = client.provider_page(profile)
    page = client.get(provider)
    form = next(f for f in page.select("main form")
                if f.select_one(f'input[name=national_id][value="{national_id}"]'))
    assert name in form.get_text()
    data = {i["name"]: i.get("value", "") for i in form.select("input")}
    answer = client.raw.post(provider, data=data)
    assert answer.status_code == 302
    done = client.raw.get(path_of(answer.location))
    assert done.status_code == 303
    assert done.location == home
    client.get(home)


def test_the_personas_cover_every_role_the_issue_names():
    assert {p.description for p in demo.PERSONAS}  # patients: at touchpoint 2 and newly diagnosed
    assert demo.RELATIVES
    staff = {(p.clinician, p.administrator, p.org_number) for p in demo.STAFF}
    assert (True, False, demo.HOSPITAL_ORG_NUMBER) in staff
    assert (True, False, demo.BERGEN_ORG_NUMBER) in staff
    assert any(administrator for _, administrator, _ in staff)


def test_discovery_describes_an_id_porten_like_provider(client):
    response = client.raw.get("/dev-idp/.well-known/openid-configuration")
    meta = response.get_json()
    assert meta["issuer"] == "http://localhost/dev-idp"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert "idporten-loa-high" in meta["acr_values_supported"]
    assert "private_key_jwt" in meta["token_endpoint_auth_methods_supported"]
    keys = client.raw.get(urlsplit(meta["jwks_uri"]).path).get_json()["keys"]
    assert keys
    assert all("d" not in key for key in keys)  # public keys only


def test_the_authorization_request_carries_pkce_nonce_acr_and_language(client):
    client.raw.get("/language/en")
    start = client.raw.get("/sign-in/citizen/start")
    query = parse_qs(urlsplit(start.location).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["acr_values"] == ["idporten-loa-high"]
    assert query["ui_locales"] == ["en nb"]  # chosen, then English and bokmål
    assert query["nonce"][0]
    assert query["state"][0]
    assert query["state"] != query["nonce"]


def test_a_request_without_pkce_is_refused(client):
    start = parse_qs(urlsplit(client.raw.get("/sign-in/citizen/start").location).query)
    plain = {k: v[0] for k, v in start.items() if not k.startswith("code_challenge")}
    answer = client.raw.get(f"/dev-idp/authorize?{urlencode(plain)}")
    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.location).query)["error"] == ["invalid_request"]
    client.get(path_of(answer.location), status=400)  # the portal explains, signs nobody in
    assert urlsplit(client.raw.get("/patient/").location).path == "/sign-in"


def test_an_unregistered_redirect_uri_is_never_followed(client):
    start = parse_qs(urlsplit(client.raw.get("/sign-in/citizen/start").location).query)
    evil = {k: v[0] for k, v in start.items()} | {"redirect_uri": "https://evil.example/cb"}
    page = client.get(f"/dev-idp/authorize?{urlencode(evil)}", status=400)
    assert page.one("main h1").get_text(strip=True)


def test_cancelling_at_the_provider_shows_a_kind_page_and_signs_nobody_in(client):
    provider = client.provider_page()
    token = client.get(provider).csrf_token()
    answer = client.raw.post(provider, data={"csrf_token": token, "cancel": "1"})
    page = client.get(path_of(answer.location))
    assert page.one("main h1").get_text(strip=True) == "Du avbrøt innloggingen"
    assert urlsplit(client.raw.get("/patient/").location).path == "/sign-in"


def test_a_lower_security_level_is_refused_with_an_explanation(demo_app):
    client = PortalClient(demo_app)
    done = client.sign_in("12035812324", acr="idporten-loa-substantial")
    assert done.status_code == 400
    assert "BankID" in done.get_data(as_text=True)
    assert urlsplit(client.raw.get("/patient/").location).path == "/sign-in"


def test_someone_the_portal_does_not_know_gets_a_kind_page_not_an_error(client):
    done = client.sign_in("15077910015")  # a valid number nobody has registered
    assert done.status_code == 200
    assert urlsplit(client.raw.get("/patient/").location).path == "/sign-in"


def test_staff_the_portal_does_not_know_cannot_get_past_the_provider(client):
    provider = client.provider_page("staff")
    token = client.get(provider).csrf_token()
    page = client.post_page(provider, {"csrf_token": token, "national_id": "15077910015"})
    assert page.one("#national_id-error").get_text(strip=True)
