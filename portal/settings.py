"""Typed settings read from ``PORTAL_*`` environment variables.

Every setting is documented in the README. ``Settings.from_env`` parses and validates; in
production mode ``check_production`` refuses to start with development defaults and says which
setting is wrong.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

#: The secret used when none is configured. Only acceptable in development.
DEVELOPMENT_SECRET = "development-secret-not-for-production"  # noqa: S105 (a known dev default)

#: Bokmål (the default), nynorsk, English, Northern Sami, Polish, Ukrainian and Arabic.
SUPPORTED_LOCALES = ("nb", "nn", "en", "se", "pl", "uk", "ar")

#: Where the accessibility statement asks people to report a problem, in development only:
#: production refuses it (an example.org address reaches nobody).
DEVELOPMENT_ACCESSIBILITY_CONTACT = "tilgjengelighet@example.org"

#: The two OpenID Connect profiles: citizens (ID-porten) and health personnel (HelseID).
PROFILES = ("citizen", "staff")


def current() -> Settings:
    """The running app's settings (``create_app`` stores them on the app)."""
    from flask import current_app

    found: Settings = current_app.extensions["portal.settings"]
    return found


#: One plain address (no display name, no query): safe to print in a mailto: link as it is.
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


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
class OidcSettings:
    """One OpenID Connect provider as the portal's client sees it (``PORTAL_<PROFILE>_OIDC_*``)."""

    issuer: str
    client_id: str
    client_secret: str = ""
    #: The client's private key (PEM or JWK JSON) for ``private_key_jwt``; never in the repo.
    private_key: str = ""
    scopes: str = "openid profile"
    #: Accepted ``acr`` values; the first is asked for. Empty: no level is required.
    acr_values: tuple[str, ...] = ()
    #: Pushed authorization requests: "auto" (when the provider offers them), "required", "off".
    par: str = "auto"
    #: DPoP-bound tokens: "auto" (when the provider offers them) or "off".
    dpop: str = "auto"
    pid_claim: str = "pid"
    hpr_claim: str = ""
    org_claim: str = ""

    @property
    def auth_method(self) -> str:
        return "private_key_jwt" if self.private_key else "client_secret_basic"


#: Defaults per profile: ID-porten for citizens, HelseID for health personnel.
OIDC_DEFAULTS: dict[str, dict[str, str]] = {
    "citizen": {
        "SCOPES": "openid profile",
        "ACR_VALUES": "idporten-loa-high",
        "PAR": "auto",
        "DPOP": "auto",
        "PID_CLAIM": "pid",
        "HPR_CLAIM": "",
        "ORG_CLAIM": "",
    },
    "staff": {
        "SCOPES": "openid profile helseid://scopes/identity/pid "
                  "helseid://scopes/identity/security_level helseid://scopes/hpr/hpr_number",
        "ACR_VALUES": "",
        "PAR": "required",
        "DPOP": "auto",
        "PID_CLAIM": "helseid://claims/identity/pid",
        "HPR_CLAIM": "helseid://claims/hpr/hpr_number",
        "ORG_CLAIM": "helseid://claims/client/claims/orgnr_parent",
    },
}


def _read_secret(env: Mapping[str, str], name: str) -> str:
    """``NAME`` from the environment, or the contents of the file ``NAME_FILE`` points at."""
    if name in env:
        return env[name].strip()
    file_name = f"{name}_FILE"
    if file_name in env:
        path = env[file_name]
        try:
            return Path(path).read_text().strip()
        except OSError as exc:
            raise SettingsError(f"{file_name} {path!r} cannot be read ({exc.strerror}).") from None
    return ""


def _oidc(env: Mapping[str, str], profile: str) -> OidcSettings | None:
    prefix = f"PORTAL_{profile.upper()}_OIDC_"
    issuer = env.get(prefix + "ISSUER", "").strip().rstrip("/")
    if not issuer:
        return None
    defaults = OIDC_DEFAULTS[profile]

    def get(key: str) -> str:
        return env.get(prefix + key, defaults.get(key, "")).strip()

    client_id = get("CLIENT_ID")
    if not client_id:
        raise SettingsError(f"{prefix}CLIENT_ID must be set when {prefix}ISSUER is.")
    par, dpop = get("PAR").lower(), get("DPOP").lower()
    if par not in {"auto", "required", "off"}:
        raise SettingsError(f"{prefix}PAR must be auto, required or off, not {par!r}.")
    if dpop not in {"auto", "off"}:
        raise SettingsError(f"{prefix}DPOP must be auto or off, not {dpop!r}.")
    oidc = OidcSettings(
        issuer=issuer,
        client_id=client_id,
        client_secret=_read_secret(env, prefix + "CLIENT_SECRET"),
        private_key=_read_secret(env, prefix + "PRIVATE_KEY"),
        scopes=" ".join(get("SCOPES").split()),
        acr_values=tuple(v for v in get("ACR_VALUES").replace(",", " ").split() if v),
        par=par,
        dpop=dpop,
        pid_claim=get("PID_CLAIM"),
        hpr_claim=get("HPR_CLAIM"),
        org_claim=get("ORG_CLAIM"),
    )
    if "openid" not in oidc.scopes.split():
        raise SettingsError(f"{prefix}SCOPES must include openid.")
    if not (oidc.client_secret or oidc.private_key):
        raise SettingsError(
            f"{prefix}CLIENT_SECRET or {prefix}PRIVATE_KEY (or their _FILE forms) must be set."
        )
    if profile == "staff" and not oidc.private_key:
        raise SettingsError(f"{prefix}PRIVATE_KEY must be set: HelseID clients authenticate "
                            "with private_key_jwt.")
    return oidc


def _choice(env: Mapping[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = env[name].strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def _operations(env: Mapping[str, str], mode: str) -> dict[str, object]:
    """Logging, proxies, notices and monitoring (issue 7)."""
    values: dict[str, object] = {"log_format": "json" if mode == "production" else "text"}
    if "PORTAL_LOG_FORMAT" in env:
        values["log_format"] = _choice(env, "PORTAL_LOG_FORMAT", ("text", "json"))
    if "PORTAL_LOG_LEVEL" in env:
        values["log_level"] = _choice(
            env, "PORTAL_LOG_LEVEL", ("debug", "info", "warning", "error")).upper()
    text_settings = (("PORTAL_BASE_URL", "base_url"), ("PORTAL_SMTP_HOST", "smtp_host"),
                     ("PORTAL_SMTP_USERNAME", "smtp_username"), ("PORTAL_MAIL_FROM", "mail_from"),
                     ("PORTAL_SMS_GATEWAY_URL", "sms_gateway_url"),
                     ("PORTAL_SMS_SENDER", "sms_sender"),
                     ("PORTAL_NEEDS_ASSESSMENT_CODE", "needs_assessment_code"))
    for name, attribute in text_settings:
        if name in env:
            values[attribute] = env[name].strip()
    if "base_url" in values:
        values["base_url"] = str(values["base_url"]).rstrip("/")
    for name, attribute in (("PORTAL_SMTP_PASSWORD", "smtp_password"),
                            ("PORTAL_SMS_GATEWAY_TOKEN", "sms_gateway_token")):
        if name in env or f"{name}_FILE" in env:
            values[attribute] = _read_secret(env, name)
    if "PORTAL_SMTP_SECURITY" in env:
        values["smtp_security"] = _choice(env, "PORTAL_SMTP_SECURITY",
                                          ("starttls", "tls", "none"))
    for name, attribute, minimum, maximum in (
        ("PORTAL_TRUSTED_PROXIES", "trusted_proxies", 0, 5),
        ("PORTAL_SMTP_PORT", "smtp_port", 1, 65535),
        ("PORTAL_NOTICE_REMINDER_DAYS", "notice_reminder_days", 0, 60),
        ("PORTAL_NOTICE_MAX_ATTEMPTS", "notice_max_attempts", 1, 50),
        ("PORTAL_NOTICE_RETRY_SECONDS", "notice_retry_seconds", 1, 86400),
    ):
        if name in env:
            values[attribute] = _int(name, env[name], minimum, maximum)
    if "PORTAL_NOTICE_URGENT_TO_TEAM" in env:
        values["notice_urgent_to_team"] = _bool("PORTAL_NOTICE_URGENT_TO_TEAM",
                                                env["PORTAL_NOTICE_URGENT_TO_TEAM"])
    return values


@dataclass(frozen=True)
class Settings:
    env: Literal["development", "production"] = "development"
    secret_key: str = DEVELOPMENT_SECRET
    instance_path: Path = field(default_factory=lambda: Path.cwd() / "instance")
    database_url: str = ""
    #: The built-in development identity provider. Impossible to enable in production.
    dev_idp: bool = True
    secure_cookies: bool = False
    #: Minutes without a request before a signed-in citizen (patient, relative) is signed out.
    citizen_idle_minutes: int = 30
    #: Minutes without a request before a signed-in staff member is signed out.
    staff_idle_minutes: int = 15
    #: However active, a sign-in lasts at most this many hours.
    session_max_hours: int = 12
    citizen_oidc: OidcSettings | None = None
    staff_oidc: OidcSettings | None = None
    #: Redis for rate limits (shared by every instance); empty: in-memory, per process.
    redis_url: str = ""
    #: Flask-Limiter limits per client address.
    rate_limit_sign_in: str = "20 per minute; 100 per hour"
    rate_limit_posts: str = "120 per minute"
    default_locale: str = "nb"
    display_timezone: str = "Europe/Oslo"
    #: The questionnaire opens this many days before the touchpoint's window or appointment.
    questionnaire_opens_days_before: int = 21
    #: Overall strain (0–10) at or above this counts as high strain.
    high_strain_threshold: int = 4
    #: The worklist shows conversations booked from today and this many days ahead.
    worklist_days: int = 14
    #: An invitation to a relative can be accepted for this many days after it was made.
    invitation_days: int = 14
    #: Where the FHIR Questionnaire's canonical URL starts (``<base>/Questionnaire/needs``): the
    #: same on every instance and in every export. Empty: the address the portal is reached at,
    #: plus ``/fhir``.
    fhir_canonical_base: str = ""
    #: A parent or guardian acts fully on behalf of a patient younger than this (helsenorge's
    #: practice: under 12).
    guardian_full_access_below_age: int = 12
    #: From the age above until this one, a guardian sees only contact points and appointments;
    #: from this age on, nothing without the patient's own invitation (helsenorge: 16).
    guardian_limited_access_below_age: int = 16
    #: The e-mail address the accessibility statement and help page give for reporting a
    #: problem with the portal (``PORTAL_ACCESSIBILITY_CONTACT``); production must set its own.
    accessibility_contact: str = DEVELOPMENT_ACCESSIBILITY_CONTACT
    #: Log SQL statements (development aid).
    echo_sql: bool = False
    #: "json" (one object per line, for a log collector) or "text"; JSON in production.
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    #: How many reverse proxies in front of the portal set X-Forwarded-For/-Proto/-Host. 0: the
    #: headers are ignored (a client could forge them).
    trusted_proxies: int = 0

    # --- notices (portal/notices/) --------------------------------------------------------
    #: The portal's public address, for links in e-mails and text messages, which are sent
    #: outside any request (``https://pasientportal.example.no``).
    base_url: str = "http://127.0.0.1:5000"
    #: SMTP server for e-mail notices; empty: no e-mail is sent.
    smtp_host: str = ""
    smtp_port: int = 587
    #: "starttls" (upgrade on the submission port), "tls" (implicit TLS, port 465) or "none".
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str = ""
    smtp_password: str = ""
    #: The From address of e-mail notices.
    mail_from: str = ""
    #: The SMS gateway's HTTP endpoint (JSON POST); empty: no text message is sent.
    sms_gateway_url: str = ""
    #: Bearer token for the SMS gateway.
    sms_gateway_token: str = ""
    #: The sender name or number the gateway shows.
    sms_sender: str = ""
    #: A reminder goes this many days before the appointment when nothing is submitted.
    notice_reminder_days: int = 3
    #: A notice that fails is tried again this many times in all, waiting longer each time.
    notice_max_attempts: int = 8
    #: The first wait after a failure, in seconds; each later wait is twice the one before.
    notice_retry_seconds: int = 300
    #: Tell the responsible team (its contact point's e-mail) when a questionnaire arrives with
    #: an urgent flag.
    notice_urgent_to_team: bool = False

    # --- monitoring (portal/monitoring/) ---------------------------------------------------
    #: The procedure code a hospital registers for "needs assessment done". Not confirmed
    #: nationally: empty until the organisation sets it; the export then leaves the column empty.
    needs_assessment_code: str = ""

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
            values["secret_key"] = _read_secret(env, "PORTAL_SECRET_KEY")
        if "PORTAL_INSTANCE_PATH" in env:
            values["instance_path"] = Path(env["PORTAL_INSTANCE_PATH"]).resolve()
        if "PORTAL_DATABASE_URL" in env:
            values["database_url"] = env["PORTAL_DATABASE_URL"].strip()
        # The development identity provider defaults to on only in development mode.
        default_dev_idp = "true" if mode == "development" else "false"
        values["dev_idp"] = _bool("PORTAL_DEV_IDP", env.get("PORTAL_DEV_IDP", default_dev_idp))
        values["secure_cookies"] = _bool(
            "PORTAL_SECURE_COOKIES",
            env.get("PORTAL_SECURE_COOKIES", "true" if mode == "production" else "false"),
        )
        for name, attribute, maximum in (
            ("PORTAL_CITIZEN_IDLE_MINUTES", "citizen_idle_minutes", 24 * 60),
            ("PORTAL_STAFF_IDLE_MINUTES", "staff_idle_minutes", 24 * 60),
            ("PORTAL_SESSION_MAX_HOURS", "session_max_hours", 24),
        ):
            if name in env:
                values[attribute] = _int(name, env[name], 1, maximum)
        values["citizen_oidc"] = _oidc(env, "citizen")
        values["staff_oidc"] = _oidc(env, "staff")
        if "PORTAL_REDIS_URL" in env:
            values["redis_url"] = env["PORTAL_REDIS_URL"].strip()
        for name, attribute in (("PORTAL_RATE_LIMIT_SIGN_IN", "rate_limit_sign_in"),
                                ("PORTAL_RATE_LIMIT_POSTS", "rate_limit_posts")):
            if name in env:
                values[attribute] = env[name].strip()
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
        if "PORTAL_WORKLIST_DAYS" in env:
            values["worklist_days"] = _int("PORTAL_WORKLIST_DAYS", env["PORTAL_WORKLIST_DAYS"],
                                           0, 366)
        if "PORTAL_INVITATION_DAYS" in env:
            values["invitation_days"] = _int("PORTAL_INVITATION_DAYS",
                                             env["PORTAL_INVITATION_DAYS"], 1, 90)
        if "PORTAL_FHIR_CANONICAL_BASE" in env:
            base = env["PORTAL_FHIR_CANONICAL_BASE"].strip().rstrip("/")
            if base and not base.startswith(("https://", "http://", "urn:")):
                raise SettingsError("PORTAL_FHIR_CANONICAL_BASE must be an https:// URL or a urn.")
            values["fhir_canonical_base"] = base
        for name, attribute in (
            ("PORTAL_GUARDIAN_FULL_ACCESS_BELOW_AGE", "guardian_full_access_below_age"),
            ("PORTAL_GUARDIAN_LIMITED_ACCESS_BELOW_AGE", "guardian_limited_access_below_age"),
        ):
            if name in env:
                values[attribute] = _int(name, env[name], 0, 18)
        if "PORTAL_ECHO_SQL" in env:
            values["echo_sql"] = _bool("PORTAL_ECHO_SQL", env["PORTAL_ECHO_SQL"])
        if "PORTAL_ACCESSIBILITY_CONTACT" in env:
            values["accessibility_contact"] = env["PORTAL_ACCESSIBILITY_CONTACT"].strip()
        values.update(_operations(env, mode))
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
        if self.guardian_full_access_below_age > self.guardian_limited_access_below_age:
            raise SettingsError(
                "PORTAL_GUARDIAN_FULL_ACCESS_BELOW_AGE must not be above "
                "PORTAL_GUARDIAN_LIMITED_ACCESS_BELOW_AGE.")
        if self.accessibility_contact and not _EMAIL.fullmatch(self.accessibility_contact):
            raise SettingsError("PORTAL_ACCESSIBILITY_CONTACT must be an e-mail address, not "
                                f"{self.accessibility_contact!r}.")
        if not self.base_url.startswith(("https://", "http://")):
            raise SettingsError(f"PORTAL_BASE_URL must be an http(s):// address, not "
                                f"{self.base_url!r}.")
        if self.smtp_host and not _EMAIL.fullmatch(self.mail_from):
            raise SettingsError("PORTAL_MAIL_FROM must be an e-mail address when "
                                "PORTAL_SMTP_HOST is set.")
        if self.sms_gateway_url and not self.sms_gateway_url.startswith(("https://", "http://")):
            raise SettingsError("PORTAL_SMS_GATEWAY_URL must be an http(s):// address.")
        if not self.is_production:
            if not self.secret_key:
                raise SettingsError("PORTAL_SECRET_KEY must not be empty.")
            if not self.accessibility_contact:
                raise SettingsError("PORTAL_ACCESSIBILITY_CONTACT must not be empty.")
            return
        problems = []
        if self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32:
            problems.append(
                "PORTAL_SECRET_KEY must be set to a random value of at least 32 characters "
                "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
            )
        if self.dev_idp:
            problems.append("PORTAL_DEV_IDP must be false: the built-in identity provider is "
                            "for development only.")
        if self.citizen_oidc is None and self.staff_oidc is None:
            problems.append("PORTAL_CITIZEN_OIDC_ISSUER or PORTAL_STAFF_OIDC_ISSUER must be set: "
                            "nobody could sign in.")
        for name, oidc in (("CITIZEN", self.citizen_oidc), ("STAFF", self.staff_oidc)):
            if oidc is not None and not oidc.issuer.startswith("https://"):
                problems.append(f"PORTAL_{name}_OIDC_ISSUER must be an https:// address.")
        if not self.secure_cookies:
            problems.append("PORTAL_SECURE_COOKIES must be true: production cookies are sent "
                            "over HTTPS only.")
        if not self.database_url:
            problems.append("PORTAL_DATABASE_URL must point at the production database "
                            "(PostgreSQL), not the default SQLite file.")
        if not self.base_url.startswith("https://") or "127.0.0.1" in self.base_url:
            problems.append("PORTAL_BASE_URL must be the portal's public https:// address: "
                            "links in e-mails and text messages point there.")
        if self.sms_gateway_url and not self.sms_gateway_url.startswith("https://"):
            problems.append("PORTAL_SMS_GATEWAY_URL must be an https:// address.")
        if self.accessibility_contact in ("", DEVELOPMENT_ACCESSIBILITY_CONTACT):
            problems.append("PORTAL_ACCESSIBILITY_CONTACT must be set to the e-mail address "
                            "where your organisation reads reports of accessibility problems "
                            "(the accessibility statement publishes it).")
        if problems:
            raise SettingsError(
                "Refusing to start in production mode:\n- " + "\n- ".join(problems)
            )
