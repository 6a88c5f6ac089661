"""The development provider across processes (portal/auth/devidp.py): a sign-in started on one
instance completes when the token request reaches another that shares the secret key; codes are
single use, short-lived and useless to an instance with another secret. (In one process the
instances share module memory, so only separate processes prove the first point:
test_two_instances.py signs in across two gunicorn servers of two workers each.)"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from portal import create_app
from portal.auth import devidp
from portal.db import session_factory
from portal.settings import Settings
from tests.helpers import PortalClient, WSGIAdapter, path_of
from tests.integration.journey import open_patient


def _instance(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    session_factory(app).kw["bind"].dispose()


@pytest.fixture
def other(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Another instance: same secret and database, its own instance folder and memory."""
    yield from _instance(settings.with_overrides(instance_path=tmp_path_factory.mktemp("other")))


@pytest.fixture
def stranger(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """An instance with another secret key."""
    yield from _instance(settings.with_overrides(
        instance_path=tmp_path_factory.mktemp("stranger"),
        secret_key="another-secret-key-that-is-long-enough-for-anything"))


def _client_via(app: Flask, provider: Flask) -> PortalClient:
    """A browser on ``app`` whose back-channel calls (discovery, token, keys) reach
    ``provider``, as when a load balancer sends them to another instance."""
    app.extensions["portal.oidc_adapters"] = {"http://localhost/": WSGIAdapter(provider)}
    return PortalClient(app)


def test_a_sign_in_completes_when_the_token_request_reaches_another_instance(app, other, db):
    person, _ = open_patient(db)
    client = _client_via(app, other)
    callback = client.sign_in(person.national_id)
    assert callback.status_code == 303
    assert path_of(callback.location) == "/patient/"
    assert client.get("/patient/").status == 200


def test_a_staff_sign_in_with_private_key_jwt_completes_on_another_instance(app, other, db):
    from tests import factories

    person, _ = open_patient(db)
    member = factories.staff_member(db, person.pathways[0].hospital)
    client = _client_via(app, other)
    assert client.sign_in_staff(member.national_id).status_code == 303
    assert client.get("/staff/").status == 200


def _code(client: PortalClient, national_id: str) -> tuple[str, str]:
    """Go through the provider's page and stop before the callback: (code, callback path)."""
    provider = path_of(client.raw.get("/sign-in/citizen/start").location)
    page = client.get(provider)
    answer = client.raw.post(provider, data={"csrf_token": page.csrf_token(),
                                             "national_id": national_id,
                                             "acr": devidp.ACR_HIGH})
    assert answer.status_code == 302
    return parse_qs(urlsplit(answer.location).query)["code"][0], path_of(answer.location)


def _token_request(app: Flask, code: str) -> dict[str, str]:
    with app.test_request_context():
        secret = devidp._citizen_client_secret()
    basic = base64.b64encode(f"portal-citizen-dev:{secret}".encode()).decode()
    response = app.test_client().post("/dev-idp/token", data={
        "grant_type": "authorization_code", "code": code, "code_verifier": "x" * 43,
        "redirect_uri": "http://localhost/sign-in/citizen/callback"},
        headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 400
    body: dict[str, str] = response.get_json()
    return body


def test_a_code_is_used_up_by_its_first_token_request_on_any_instance(app, other, db):
    person, _ = open_patient(db)
    client = _client_via(app, other)
    code, callback = _code(client, person.national_id)
    assert client.raw.get(callback).status_code == 303  # signed in: the code is used
    again = _token_request(other, code)
    assert again["error"] == "invalid_grant"
    assert "code" in again["error_description"].lower()


def test_the_identity_number_is_not_readable_in_the_code(app, db):
    person, _ = open_patient(db)
    code, _ = _code(PortalClient(app), person.national_id)
    padded = code + "=" * (-len(code) % 4)
    assert person.national_id.encode() not in base64.urlsafe_b64decode(padded)
    assert person.national_id not in code


def test_a_code_from_an_instance_with_another_secret_is_refused(app, stranger, db):
    person, _ = open_patient(db)
    code, _ = _code(PortalClient(app), person.national_id)
    PortalClient(stranger)
    refused = _token_request(stranger, code)
    assert refused["error"] in ("invalid_grant", "invalid_client")


def test_an_expired_code_is_refused(app, db, monkeypatch):
    person, _ = open_patient(db)
    client = PortalClient(app)
    code, _ = _code(client, person.national_id)
    monkeypatch.setattr(devidp, "CODE_SECONDS", -1)
    assert _token_request(app, code)["error"] == "invalid_grant"


def test_every_process_with_the_secret_derives_the_same_keys_and_another_secret_others(
        app, other, stranger):
    def keys(instance: Flask) -> tuple[object, ...]:
        with instance.test_request_context():
            return (devidp._signing_key().as_dict(private=False),
                    devidp._staff_client_key().as_dict(private=False),
                    devidp._citizen_client_secret())

    assert keys(app) == keys(other)
    assert all(a != b for a, b in zip(keys(app), keys(stranger), strict=True))
