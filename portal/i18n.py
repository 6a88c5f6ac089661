"""Languages: choosing the locale, the questionnaire's own translation domain, the switcher.

The portal's own messages have English message ids (domain ``messages``, catalogs for nb and nn;
English needs none). Questionnaire definitions are written in bokmål (domain ``questionnaire``,
catalogs for nn and en). Completeness of every catalog is checked by the tests.
"""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask_babel import Babel, Domain, get_locale
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.resources import resource_dir
from portal.settings import SUPPORTED_LOCALES
from portal.settings import current as current_settings

#: Names of the languages, each in its own language (shown in the switcher).
LANGUAGE_NAMES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}

#: The source language of each translation domain: that language needs no catalog.
SOURCE_LOCALE = {"messages": "en", "questionnaire": "nb"}

babel = Babel()
questionnaire_domain = Domain(domain="questionnaire")
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The user's saved choice, else the browser's preference, else the default (bokmål)."""
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return str(chosen)
    # Browsers often say "no" for Norwegian: treat it as bokmål.
    best = request.accept_languages.best_match([*SUPPORTED_LOCALES, "no"])
    if best == "no":
        best = "nb"
    return best or current_settings().default_locale


def q_(text: str | None) -> str:
    """Translate a questionnaire text (bokmål source) into the current language."""
    if not text:
        return ""
    translated: str = questionnaire_domain.gettext(text)
    return translated


def current_locale() -> str:
    return str(get_locale() or "nb")


@bp.get("/language/<code>")
@access.public
def switch(code: str) -> WerkzeugResponse:
    """Switch language with a plain link (no script), and return to the same page."""
    from portal.auth.session import safe_next

    if code in SUPPORTED_LOCALES:
        session["locale"] = code
        _remember_for_principal(code)
    return redirect(safe_next(request.args.get("next")) or url_for("public.index"), code=303)


def _remember_for_principal(code: str) -> None:
    """A signed-in person's choice is kept for their next sign-in, on any device."""
    from portal.auth.session import current_principal

    if current_principal() is not None:
        access.current_person().preferred_locale = code


def init_app(app: Flask, default_locale: str, timezone: str) -> None:
    translations = str(resource_dir("translations"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = translations
    babel.init_app(
        app,
        default_locale=default_locale,
        default_timezone=timezone,
        default_translation_directories=translations,
        locale_selector=select_locale,
    )
    app.register_blueprint(bp)

    # Globals, not a context processor: imported macros (components/) see globals only.
    app.jinja_env.globals.update(
        q_=q_, current_locale=current_locale, LANGUAGE_NAMES=LANGUAGE_NAMES
    )
