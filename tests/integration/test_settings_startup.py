"""Start-up: production mode refuses development defaults and says which setting is wrong; a
correctly configured production portal has no development sign-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.db import session_factory
from portal.settings import DEVELOPMENT_SECRET, OidcSettings, Settings, SettingsError
from tests.helpers import PortalClient

PRODUCTION_SECRET = "p" * 48


def _production(url: str, instance: Path, **changes: object) -> Settings:
    citizen = OidcSettings(issuer="https://idporten.example", client_id="portal",
                           client_secret="client-secret", acr_values=("idporten-loa-high",))
    valid = Settings(env="production", secret_key=PRODUCTION_SECRET, instance_path=instance,
                     database_url=url, dev_idp=False, secure_cookies=True,
                     citizen_oidc=citizen, accessibility_contact="uu@helse.example.no",
                     base_url="https://pasientportal.example.no")
    return valid.with_overrides(**changes)


@pytest.mark.parametrize(
    ("changes", "setting"),
    [
        ({"secret_key": DEVELOPMENT_SECRET}, "PORTAL_SECRET_KEY"),
        ({"secret_key": "too-short"}, "PORTAL_SECRET_KEY"),
        ({"dev_idp": True}, "PORTAL_DEV_IDP"),
        ({"secure_cookies": False}, "PORTAL_SECURE_COOKIES"),
        ({"database_url": ""}, "PORTAL_DATABASE_URL"),
        ({"accessibility_contact": ""}, "PORTAL_ACCESSIBILITY_CONTACT"),
        ({"accessibility_contact": "tilgjengelighet@example.org"},
         "PORTAL_ACCESSIBILITY_CONTACT"),
    ],
)
def test_production_refuses_to_start_with_an_unsafe_setting(database_url, tmp_path, changes,
                                                            setting):
    with pytest.raises(SettingsError, match=setting):
        create_app(_production(database_url, tmp_path, **changes))


def test_production_names_every_unsafe_setting_at_once(database_url, tmp_path):
    settings = _production(database_url, tmp_path, secret_key=DEVELOPMENT_SECRET,
                           dev_idp=True, secure_cookies=False)
    with pytest.raises(SettingsError) as refused:
        create_app(settings)
    for setting in ("PORTAL_SECRET_KEY", "PORTAL_DEV_IDP", "PORTAL_SECURE_COOKIES"):
        assert setting in str(refused.value)


def test_production_from_the_environment_alone_refuses_to_start():
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY"):
        Settings.from_env({"PORTAL_ENV": "production"})


@pytest.mark.parametrize(
    ("environ", "setting"),
    [
        ({"PORTAL_ENV": "staging"}, "PORTAL_ENV"),
        ({"PORTAL_DEV_IDP": "maybe"}, "PORTAL_DEV_IDP"),
        ({"PORTAL_CITIZEN_IDLE_MINUTES": "0"}, "PORTAL_CITIZEN_IDLE_MINUTES"),
        ({"PORTAL_CITIZEN_IDLE_MINUTES": "ten"}, "PORTAL_CITIZEN_IDLE_MINUTES"),
        ({"PORTAL_DEFAULT_LOCALE": "de"}, "PORTAL_DEFAULT_LOCALE"),
        ({"PORTAL_DISPLAY_TIMEZONE": "Mars/Olympus"}, "PORTAL_DISPLAY_TIMEZONE"),
    ],
)
def test_a_malformed_setting_is_named(environ, setting):
    with pytest.raises(SettingsError, match=setting):
        Settings.from_env(environ)


@pytest.fixture
def production_app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_production(database_url, tmp_path))
    yield app
    session_factory(app).kw["bind"].dispose()


def test_production_has_no_development_provider(production_app):
    client = PortalClient(production_app)
    assert not any(rule.endpoint.startswith("dev_idp.")
                   for rule in production_app.url_map.iter_rules())
    client.get("/dev-idp/authorize", status=404)
    assert client.raw.get("/dev-idp/.well-known/openid-configuration").status_code == 404


def test_production_sign_in_page_offers_no_demo_persons(production_app):
    page = PortalClient(production_app).get("/sign-in")
    assert not [a for a in page.select("main a") if a["href"].startswith("/dev/")]


def test_a_valid_production_configuration_starts(production_app):
    assert production_app.config["SESSION_COOKIE_SECURE"] is True
    assert production_app.extensions["portal.settings"].is_production


def test_a_broken_questionnaire_definition_stops_the_start(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from portal.questionnaire import definition

    shipped = definition.DEFINITIONS_DIR / "needs-1.toml"
    (tmp_path / "needs-1.toml").write_text(shipped.read_text() + "\n# edited after publishing\n")
    monkeypatch.setattr(definition, "DEFINITIONS_DIR", tmp_path)
    definition.registry.cache_clear()
    try:
        with pytest.raises(definition.DefinitionError, match="has changed since it was published"):
            create_app(settings)
    finally:
        monkeypatch.undo()
        definition.registry.cache_clear()
