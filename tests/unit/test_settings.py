"""Settings.from_env with explicit mappings, never the real environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.settings import DEVELOPMENT_SECRET, Settings, SettingsError

GOOD_SECRET = "k3Zq9vN0pX7wL2mR5tY8uB1cD4fG6hJ0aS"  # 34 characters
PRODUCTION = {
    "PORTAL_ENV": "production",
    "PORTAL_SECRET_KEY": GOOD_SECRET,
    "PORTAL_DATABASE_URL": "postgresql+psycopg://portal@db/portal",
    "PORTAL_CITIZEN_OIDC_ISSUER": "https://idporten.example",
    "PORTAL_CITIZEN_OIDC_CLIENT_ID": "portal",
    "PORTAL_CITIZEN_OIDC_CLIENT_SECRET": "client-secret",
    "PORTAL_ACCESSIBILITY_CONTACT": "uu@helse.example.no",
    "PORTAL_BASE_URL": "https://pasientportal.example.no",
}
PRODUCTION_CHECKED = (
    "PORTAL_SECRET_KEY",
    "PORTAL_DEV_IDP",
    "PORTAL_SECURE_COOKIES",
    "PORTAL_DATABASE_URL",
    "PORTAL_ACCESSIBILITY_CONTACT",
    "PORTAL_BASE_URL",
)


def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.env == "development"
    assert not settings.is_production
    assert settings.secret_key == DEVELOPMENT_SECRET
    assert settings.instance_path == tmp_path / "instance"
    assert settings.database_url == ""
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'instance' / 'portal.sqlite3'}"
    assert settings.dev_idp is True
    assert settings.secure_cookies is False
    assert settings.citizen_idle_minutes == 30
    assert settings.default_locale == "nb"
    assert settings.display_timezone == "Europe/Oslo"
    assert settings.questionnaire_opens_days_before == 21
    assert settings.high_strain_threshold == 4
    assert settings.worklist_days == 14
    assert settings.accessibility_contact == "tilgjengelighet@example.org"
    assert settings.echo_sql is False


@pytest.mark.parametrize(
    ("name", "raw", "attribute", "expected"),
    [
        ("PORTAL_ENV", " Development ", "env", "development"),
        ("PORTAL_SECRET_KEY", "short-is-fine-in-development", "secret_key",
         "short-is-fine-in-development"),
        ("PORTAL_DATABASE_URL", " sqlite:////data/x.db ", "database_url", "sqlite:////data/x.db"),
        ("PORTAL_DATABASE_URL", "sqlite:////data/x.db", "resolved_database_url",
         "sqlite:////data/x.db"),
        ("PORTAL_DEV_IDP", "false", "dev_idp", False),
        ("PORTAL_DEV_IDP", "0", "dev_idp", False),
        ("PORTAL_DEV_IDP", " OFF ", "dev_idp", False),
        ("PORTAL_DEV_IDP", "no", "dev_idp", False),
        ("PORTAL_DEV_IDP", "Yes", "dev_idp", True),
        ("PORTAL_SECURE_COOKIES", "true", "secure_cookies", True),
        ("PORTAL_SECURE_COOKIES", "1", "secure_cookies", True),
        ("PORTAL_SECURE_COOKIES", "on", "secure_cookies", True),
        ("PORTAL_SECURE_COOKIES", "TRUE", "secure_cookies", True),
        ("PORTAL_CITIZEN_IDLE_MINUTES", "1", "citizen_idle_minutes", 1),
        ("PORTAL_CITIZEN_IDLE_MINUTES", "1440", "citizen_idle_minutes", 1440),
        ("PORTAL_CITIZEN_IDLE_MINUTES", " 45 ", "citizen_idle_minutes", 45),
        ("PORTAL_DEFAULT_LOCALE", "nn", "default_locale", "nn"),
        ("PORTAL_DEFAULT_LOCALE", " en ", "default_locale", "en"),
        ("PORTAL_DISPLAY_TIMEZONE", "UTC", "display_timezone", "UTC"),
        ("PORTAL_DISPLAY_TIMEZONE", " America/New_York ", "display_timezone",
         "America/New_York"),
        ("PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE", "0", "questionnaire_opens_days_before", 0),
        ("PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE", "120", "questionnaire_opens_days_before", 120),
        ("PORTAL_HIGH_STRAIN_THRESHOLD", "0", "high_strain_threshold", 0),
        ("PORTAL_HIGH_STRAIN_THRESHOLD", "10", "high_strain_threshold", 10),
        ("PORTAL_WORKLIST_DAYS", "0", "worklist_days", 0),
        ("PORTAL_WORKLIST_DAYS", " 30 ", "worklist_days", 30),
        ("PORTAL_FHIR_CANONICAL_BASE", " https://fhir.example.no/ ", "fhir_canonical_base",
         "https://fhir.example.no"),
        ("PORTAL_ECHO_SQL", "true", "echo_sql", True),
        ("PORTAL_ECHO_SQL", "off", "echo_sql", False),
        ("PORTAL_ACCESSIBILITY_CONTACT", " uu@bergen.kommune.no ", "accessibility_contact",
         "uu@bergen.kommune.no"),
    ],
)
def test_each_variable_is_parsed(name: str, raw: str, attribute: str, expected: object) -> None:
    assert getattr(Settings.from_env({name: raw}), attribute) == expected


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("PORTAL_ENV", "staging"),
        ("PORTAL_ENV", ""),
        ("PORTAL_DEV_IDP", "maybe"),
        ("PORTAL_DEV_IDP", ""),
        ("PORTAL_SECURE_COOKIES", "2"),
        ("PORTAL_ECHO_SQL", "y"),
        ("PORTAL_FHIR_CANONICAL_BASE", "fhir.example.no"),
        ("PORTAL_CITIZEN_IDLE_MINUTES", "0"),
        ("PORTAL_CITIZEN_IDLE_MINUTES", "1441"),
        ("PORTAL_CITIZEN_IDLE_MINUTES", "abc"),
        ("PORTAL_CITIZEN_IDLE_MINUTES", "1.5"),
        ("PORTAL_CITIZEN_IDLE_MINUTES", ""),
        ("PORTAL_DEFAULT_LOCALE", "de"),
        ("PORTAL_DEFAULT_LOCALE", ""),
        ("PORTAL_DISPLAY_TIMEZONE", "Mars/Olympus"),
        ("PORTAL_DISPLAY_TIMEZONE", ""),
        ("PORTAL_DISPLAY_TIMEZONE", "../../etc/passwd"),
        ("PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE", "-1"),
        ("PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE", "121"),
        ("PORTAL_HIGH_STRAIN_THRESHOLD", "11"),
        ("PORTAL_HIGH_STRAIN_THRESHOLD", "-1"),
        ("PORTAL_HIGH_STRAIN_THRESHOLD", "four"),
        ("PORTAL_WORKLIST_DAYS", "-1"),
        ("PORTAL_WORKLIST_DAYS", "367"),
        ("PORTAL_WORKLIST_DAYS", "two weeks"),
        ("PORTAL_ACCESSIBILITY_CONTACT", ""),
        ("PORTAL_ACCESSIBILITY_CONTACT", "tilgjengelighet"),
        ("PORTAL_ACCESSIBILITY_CONTACT", "UU <uu@helse.example.no>"),
        ("PORTAL_ACCESSIBILITY_CONTACT", "uu@helse.example.no?subject=x"),
    ],
)
def test_bad_value_names_the_variable(name: str, raw: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(name)):
        Settings.from_env({name: raw})


def test_instance_path_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.from_env({"PORTAL_INSTANCE_PATH": str(tmp_path / "a")}).instance_path == (
        tmp_path / "a"
    )
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({"PORTAL_INSTANCE_PATH": "b/../c"})
    assert settings.instance_path == tmp_path / "c"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'c' / 'portal.sqlite3'}"


def test_secret_key_file_is_read_and_stripped(tmp_path: Path) -> None:
    secret_file = tmp_path / "portal-key"
    secret_file.write_text(f"  {GOOD_SECRET}\n")
    settings = Settings.from_env({"PORTAL_SECRET_KEY_FILE": str(secret_file)})
    assert settings.secret_key == GOOD_SECRET


def test_secret_key_wins_over_the_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "portal-key"
    secret_file.write_text("from-the-file")
    env = {"PORTAL_SECRET_KEY": "from-the-variable", "PORTAL_SECRET_KEY_FILE": str(secret_file)}
    assert Settings.from_env(env).secret_key == "from-the-variable"


def test_production_accepts_secret_from_file(tmp_path: Path) -> None:
    secret_file = tmp_path / "portal-key"
    secret_file.write_text(GOOD_SECRET + "\n")
    env = {k: v for k, v in PRODUCTION.items() if k != "PORTAL_SECRET_KEY"}
    env["PORTAL_SECRET_KEY_FILE"] = str(secret_file)
    assert Settings.from_env(env).secret_key == GOOD_SECRET


def test_unreadable_secret_key_file_names_the_variable(tmp_path: Path) -> None:
    env = {"PORTAL_SECRET_KEY_FILE": str(tmp_path / "missing")}
    with pytest.raises(SettingsError, match="PORTAL_SECRET_KEY_FILE"):
        Settings.from_env(env)


def test_complete_production_config_is_accepted() -> None:
    settings = Settings.from_env(PRODUCTION)
    assert settings.is_production
    assert settings.secret_key == GOOD_SECRET
    assert settings.dev_idp is False  # off by default in production
    assert settings.secure_cookies is True  # on by default in production
    assert settings.resolved_database_url == PRODUCTION["PORTAL_DATABASE_URL"]


def test_production_accepts_a_32_character_secret() -> None:
    settings = Settings.from_env({**PRODUCTION, "PORTAL_SECRET_KEY": "s" * 32})
    assert settings.secret_key == "s" * 32


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        pytest.param({"PORTAL_SECRET_KEY": None}, "PORTAL_SECRET_KEY", id="no-secret"),
        pytest.param({"PORTAL_SECRET_KEY": DEVELOPMENT_SECRET}, "PORTAL_SECRET_KEY",
                     id="default-secret"),
        pytest.param({"PORTAL_SECRET_KEY": "s" * 31}, "PORTAL_SECRET_KEY", id="short-secret"),
        pytest.param({"PORTAL_SECRET_KEY": ""}, "PORTAL_SECRET_KEY", id="empty-secret"),
        pytest.param({"PORTAL_DEV_IDP": "true"}, "PORTAL_DEV_IDP", id="dev-login"),
        pytest.param({"PORTAL_SECURE_COOKIES": "false"}, "PORTAL_SECURE_COOKIES",
                     id="insecure-cookies"),
        pytest.param({"PORTAL_DATABASE_URL": None}, "PORTAL_DATABASE_URL", id="no-database"),
        pytest.param({"PORTAL_DATABASE_URL": "  "}, "PORTAL_DATABASE_URL", id="blank-database"),
        pytest.param({"PORTAL_ACCESSIBILITY_CONTACT": None}, "PORTAL_ACCESSIBILITY_CONTACT",
                     id="no-accessibility-contact"),
        pytest.param({"PORTAL_ACCESSIBILITY_CONTACT": " "}, "PORTAL_ACCESSIBILITY_CONTACT",
                     id="blank-accessibility-contact"),
    ],
)
def test_production_refuses_unsafe_setting(changes: dict[str, str | None], named: str) -> None:
    env = {**PRODUCTION, **changes}
    env = {k: v for k, v in env.items() if v is not None}
    with pytest.raises(SettingsError, match="Refusing to start in production mode") as caught:
        Settings.from_env(env)
    message = str(caught.value)
    assert f"- {named} " in message
    for other in set(PRODUCTION_CHECKED) - {named}:
        assert f"- {other} " not in message


def test_production_lists_every_problem() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"PORTAL_ENV": "production", "PORTAL_DEV_IDP": "true",
                           "PORTAL_SECURE_COOKIES": "false"})
    message = str(caught.value)
    for name in PRODUCTION_CHECKED:
        assert f"- {name} " in message


@pytest.mark.parametrize(
    "changes",
    [
        {"PORTAL_SECRET_KEY": "short"},
        {"PORTAL_DEV_IDP": "true", "PORTAL_SECURE_COOKIES": "false"},
        {"PORTAL_DATABASE_URL": None},
    ],
)
def test_development_allows_what_production_refuses(changes: dict[str, str | None]) -> None:
    env = {**PRODUCTION, **changes, "PORTAL_ENV": "development"}
    settings = Settings.from_env({k: v for k, v in env.items() if v is not None})
    assert not settings.is_production


def test_check_refuses_overrides_that_make_production_unsafe() -> None:
    settings = Settings.from_env(PRODUCTION)
    with pytest.raises(SettingsError, match="PORTAL_DEV_IDP"):
        settings.with_overrides(dev_idp=True).check()
    assert settings.dev_idp is False  # the original is unchanged


def test_operations_settings_are_parsed() -> None:
    settings = Settings.from_env({
        "PORTAL_LOG_FORMAT": "JSON", "PORTAL_LOG_LEVEL": "warning", "PORTAL_TRUSTED_PROXIES": "1",
        "PORTAL_BASE_URL": "https://portal.example.no/", "PORTAL_SMTP_HOST": "smtp.example.no",
        "PORTAL_SMTP_PORT": "465", "PORTAL_SMTP_SECURITY": "tls",
        "PORTAL_SMTP_PASSWORD": " pw ", "PORTAL_MAIL_FROM": "ikke-svar@example.no",
        "PORTAL_SMS_GATEWAY_URL": "https://sms.example.no/send", "PORTAL_NOTICE_REMINDER_DAYS": "5",
        "PORTAL_NOTICE_URGENT_TO_TEAM": "yes", "PORTAL_NEEDS_ASSESSMENT_CODE": " ZXYZ ",
    })
    assert (settings.log_format, settings.log_level, settings.trusted_proxies) == ("json",
                                                                                 "WARNING", 1)
    assert settings.base_url == "https://portal.example.no"
    assert (settings.smtp_host, settings.smtp_port, settings.smtp_security) == (
        "smtp.example.no", 465, "tls")
    assert settings.smtp_password == "pw"
    assert settings.sms_gateway_url == "https://sms.example.no/send"
    assert settings.notice_reminder_days == 5
    assert settings.notice_urgent_to_team is True
    assert settings.needs_assessment_code == "ZXYZ"


def test_production_logs_json_by_default() -> None:
    assert Settings.from_env(PRODUCTION).log_format == "json"
    assert Settings.from_env({}).log_format == "text"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"PORTAL_LOG_FORMAT": "xml"}, "PORTAL_LOG_FORMAT"),
        ({"PORTAL_SMTP_SECURITY": "ssl3"}, "PORTAL_SMTP_SECURITY"),
        ({"PORTAL_TRUSTED_PROXIES": "9"}, "PORTAL_TRUSTED_PROXIES"),
        ({"PORTAL_BASE_URL": "portal.example.no"}, "PORTAL_BASE_URL"),
        ({"PORTAL_SMTP_HOST": "smtp.example.no"}, "PORTAL_MAIL_FROM"),
        ({"PORTAL_SMS_GATEWAY_URL": "ftp://sms"}, "PORTAL_SMS_GATEWAY_URL"),
    ],
)
def test_bad_operations_settings_are_named(environ: dict[str, str], named: str) -> None:
    with pytest.raises(SettingsError, match=named):
        Settings.from_env(environ)


def test_production_wants_an_https_gateway() -> None:
    with pytest.raises(SettingsError, match="PORTAL_SMS_GATEWAY_URL must be an https"):
        Settings.from_env({**PRODUCTION, "PORTAL_SMS_GATEWAY_URL": "http://sms.example.no"})
