"""Typed settings read from ``PORTAL_*`` environment variables.

Every setting is documented in the README. ``Settings.from_env`` parses and validates; in
production mode ``check_production`` refuses to start with development defaults and says which
setting is wrong.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

#: The secret used when none is configured. Only acceptable in development.
DEVELOPMENT_SECRET = "development-secret-not-for-production"  # noqa: S105 (a known dev default)

SUPPORTED_LOCALES = ("nb", "nn", "en")


def current() -> Settings:
    """The running app's settings (``create_app`` stores them on the app)."""
    from flask import current_app

    found: Settings = current_app.extensions["portal.settings"]
    return found


class SettingsError(ValueError):
    """A setting is missing, malformed, or unsafe for the chosen mode."""


def _bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}.")


def _int(name: str, raw: str, minimum: int, maximum: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}.") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{name} must be between {minimum} and {maximum}, not {value}.")
    return value


@dataclass(frozen=True)
class Settings:
    env: Literal["development", "production"] = "development"
    secret_key: str = DEVELOPMENT_SECRET
    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str = ""
    #: The development sign-in (persona list). Impossible to enable in production.
    dev_login: bool = True
    secure_cookies: bool = False
    #: Minutes without a request before a signed-in user is signed out.
    session_idle_minutes: int = 30
    default_locale: str = "nb"
    display_timezone: str = "Europe/Oslo"
    #: The questionnaire opens this many days before the touchpoint's window or appointment.
    questionnaire_opens_days_before: int = 21
    #: Overall strain (0–10) at or above this counts as high strain.
    high_strain_threshold: int = 4
    #: Log SQL statements (development aid).
    echo_sql: bool = False

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.instance_path / 'portal.sqlite3'}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        mode = env.get("PORTAL_ENV", "development").strip().lower()
        if mode not in {"development", "production"}:
            raise SettingsError(f"PORTAL_ENV must be development or production, not {mode!r}.")
        values["env"] = mode
        if "PORTAL_SECRET_KEY" in env:
            values["secret_key"] = env["PORTAL_SECRET_KEY"]
        elif "PORTAL_SECRET_KEY_FILE" in env:
            path = env["PORTAL_SECRET_KEY_FILE"]
            try:
                values["secret_key"] = Path(path).read_text().strip()
            except OSError as exc:
                raise SettingsError(
                    f"PORTAL_SECRET_KEY_FILE {path!r} cannot be read ({exc.strerror})."
                ) from None
        if "PORTAL_INSTANCE_PATH" in env:
            values["instance_path"] = Path(env["PORTAL_INSTANCE_PATH"]).resolve()
        if "PORTAL_DATABASE_URL" in env:
            values["database_url"] = env["PORTAL_DATABASE_URL"].strip()
        # Development sign-in defaults to on only in development mode.
        default_dev_login = "true" if mode == "development" else "false"
        values["dev_login"] = _bool(
            "PORTAL_DEV_LOGIN", env.get("PORTAL_DEV_LOGIN", default_dev_login)
        )
        values["secure_cookies"] = _bool(
            "PORTAL_SECURE_COOKIES",
            env.get("PORTAL_SECURE_COOKIES", "true" if mode == "production" else "false"),
        )
        if "PORTAL_SESSION_IDLE_MINUTES" in env:
            values["session_idle_minutes"] = _int(
                "PORTAL_SESSION_IDLE_MINUTES", env["PORTAL_SESSION_IDLE_MINUTES"], 1, 24 * 60
            )
        if "PORTAL_DEFAULT_LOCALE" in env:
            locale = env["PORTAL_DEFAULT_LOCALE"].strip()
            if locale not in SUPPORTED_LOCALES:
                raise SettingsError(
                    f"PORTAL_DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}, "
                    f"not {locale!r}."
                )
            values["default_locale"] = locale
        if "PORTAL_DISPLAY_TIMEZONE" in env:
            values["display_timezone"] = env["PORTAL_DISPLAY_TIMEZONE"].strip()
        if "PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE" in env:
            values["questionnaire_opens_days_before"] = _int(
                "PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE",
                env["PORTAL_QUESTIONNAIRE_OPENS_DAYS_BEFORE"],
                0,
                120,
            )
        if "PORTAL_HIGH_STRAIN_THRESHOLD" in env:
            values["high_strain_threshold"] = _int(
                "PORTAL_HIGH_STRAIN_THRESHOLD", env["PORTAL_HIGH_STRAIN_THRESHOLD"], 0, 10
            )
        if "PORTAL_ECHO_SQL" in env:
            values["echo_sql"] = _bool("PORTAL_ECHO_SQL", env["PORTAL_ECHO_SQL"])
        settings = cls(**values)  # type: ignore[arg-type]
        settings.check()
        return settings

    def check(self) -> None:
        """Refuse unsafe combinations; in production, refuse development defaults."""
        try:
            from zoneinfo import ZoneInfo

            ZoneInfo(self.display_timezone)
        except Exception:
            raise SettingsError(
                f"PORTAL_DISPLAY_TIMEZONE {self.display_timezone!r} is not a known time zone."
            ) from None
        if not self.is_production:
            if not self.secret_key:
                raise SettingsError("PORTAL_SECRET_KEY must not be empty.")
            return
        problems = []
        if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
            problems.append(
                "PORTAL_SECRET_KEY must be set to a random value of at least 32 characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if self.dev_login:
            problems.append("PORTAL_DEV_LOGIN must be false: the development sign-in is for "
                            "development only.")
        if not self.secure_cookies:
            problems.append("PORTAL_SECURE_COOKIES must be true: production cookies are sent "
                            "over HTTPS only.")
        if not self.database_url:
            problems.append("PORTAL_DATABASE_URL must point at the production database "
                            "(PostgreSQL), not the default SQLite file.")
        if problems:
            raise SettingsError(
                "Refusing to start in production mode:\n- " + "\n- ".join(problems)
            )
