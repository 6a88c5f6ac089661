"""The patient portal of Pakkeforløp hjem for pasienter med kreft."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from portal import db, errors, i18n, limits, security, templating
from portal.resources import resource_dir
from portal.settings import Settings

csrf = CSRFProtect()


def create_app(settings: Settings | None = None) -> Flask:
    """Wire settings, extensions, blueprints, headers and error pages. Nothing else happens here."""
    settings = settings or Settings.from_env()
    settings.check()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    app = Flask(
        "portal",
        instance_path=str(settings.instance_path),
        template_folder=str(resource_dir("templates")),
        static_folder=str(resource_dir("static")),
    )
    app.extensions["portal.settings"] = settings
    if settings.trusted_proxies:
        # Behind that many reverse proxies, the client's address (rate limits, logs), the scheme
        # (https URLs, Secure cookies) and the host come from the X-Forwarded-* headers they
        # set, counted from the right; a client's own forged entries further left are ignored.
        # With 0 the headers are ignored: anyone could send them. README: Deploying.
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="portal_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        # The cookie's signature is refused after this long, whatever happens. The idle timeout
        # (auth/session.py) is shorter and checked by us, so that an expired session can still be
        # recognised and what the patient typed kept (portal/drafts/).
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        # The token lives as long as the session; the idle timeout ends both.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=settings.secure_cookies,
        # Every message a form can show is ours (translated in our catalogs); skip loading
        # WTForms' own catalogs on every request.
        WTF_I18N_ENABLED=False,
        MAX_CONTENT_LENGTH=256 * 1024,
        TEMPLATES_AUTO_RELOAD=not settings.is_production,
    )
    app.jinja_env.autoescape = True
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from portal.ops import health, logs

    logs.init_app(app, settings)  # first: times the whole request, logs after the commit
    db.init_app(app, settings.resolved_database_url, settings.echo_sql)
    i18n.init_app(app, settings.default_locale, settings.display_timezone)
    csrf.exempt(i18n.keep_and_switch)  # checks its own token (portal/i18n.py)
    limits.init_app(app, settings)  # before CSRF and sign-in: refusing is the cheapest check
    csrf.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    templating.init_app(app)

    from portal import access
    from portal.audit.views import bp as audit_bp
    from portal.auth import session as auth_session
    from portal.auth.views import bp as auth_bp
    from portal.clinician.views import bp as clinician_bp
    from portal.contacts.admin import bp as contacts_admin_bp
    from portal.fhir.views import bp as fhir_bp
    from portal.monitoring.views import bp as monitoring_bp
    from portal.notices.views import bp as notices_bp
    from portal.patient.views import bp as patient_bp
    from portal.public.views import bp as public_bp
    from portal.relatives.invitations import bp as invitations_bp
    from portal.relatives.views import bp as relatives_bp
    from portal.summary.views import bp as summary_bp

    app.before_request(health.skip_for_probes(auth_session.load_principal))
    app.before_request(access.enforce)
    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(patient_bp)
    app.register_blueprint(relatives_bp)
    app.register_blueprint(invitations_bp)
    app.register_blueprint(clinician_bp)
    app.register_blueprint(contacts_admin_bp)
    app.register_blueprint(summary_bp)
    app.register_blueprint(fhir_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(notices_bp)
    app.register_blueprint(monitoring_bp)
    health.init_app(app)  # after limits.init_app: exempts the probes
    if settings.dev_idp and not settings.is_production:  # settings.check refuses it too
        from portal.auth import devidp

        devidp.init_app(app)
        csrf.exempt(devidp.token)

    # Every questionnaire definition is loaded and validated now: a malformed or changed
    # published file stops the start, not a patient's first request.
    from portal.questionnaire.definition import registry

    registry()

    from portal.cli import register_commands

    register_commands(app)
    if settings.is_production:
        # A server: pay WeasyPrint's import (about a second) at start, not on the first PDF.
        from portal.summary.pdf import warm_up

        warm_up()
    return app
