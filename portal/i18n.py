"""Languages: choosing the locale, the questionnaire's own translation domain, the switcher.

The portal's own messages have English message ids (domain ``messages``: a catalog for every
language but English). Questionnaire definitions are written in bokmål (domain ``questionnaire``:
a catalog for every language but bokmål). Completeness of every catalog is checked by the tests.

The language switcher is a plain link on pages without a form. On a page with one (the template
sets ``language_form``), it is a set of buttons that post that form to ``keep_and_switch``: what
was typed is kept as a draft of the page (``portal/drafts/``) and filled in again, in the new
language, so switching never loses it.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask_babel import Babel, Domain, get_locale
from flask_wtf.csrf import validate_csrf
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.validators import ValidationError

from portal import access
from portal.resources import resource_dir
from portal.settings import SUPPORTED_LOCALES
from portal.settings import current as current_settings

#: Names of the languages, each in its own language (shown in the switcher).
LANGUAGE_NAMES = {
    "nb": "Norsk bokmål",
    "nn": "Norsk nynorsk",
    "en": "English",
    "se": "Davvisámegiella",
    "pl": "Polski",
    "uk": "Українська",
    "ar": "العربية",
}

#: Languages whose translation a native speaker has checked. None has been yet: every catalog
#: says so in its header, the README lists them, and the footer tells the reader.
REVIEWED_LOCALES: frozenset[str] = frozenset()

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


def translation_unreviewed(locale: str | None = None) -> bool:
    """Whether the page is in a translation no native speaker has checked yet (the footer
    says so). Bokmål is the portal's own language, not a translation."""
    code = locale or current_locale()
    return code != "nb" and code not in REVIEWED_LOCALES


def text_direction(locale: str | None = None) -> str:
    """``rtl`` for a right-to-left language (Arabic), else ``ltr``: from Babel's locale data."""
    return _direction(locale or current_locale())


@cache
def _direction(locale: str) -> str:
    # Asked for every language choice and phone number on a page: parse each locale once.
    return "rtl" if Locale.parse(locale).character_order == "right-to-left" else "ltr"


def language_name(code: str | None, in_locale: str | None = None) -> str:
    """A language's name in the reader's language ("polsk" for a bokmål reader)."""
    if not code:
        return ""
    return str(Locale.parse(code).get_display_name(in_locale or current_locale()) or code)


def login_locales(locale: str) -> str:
    """``ui_locales`` for the login provider: the chosen language, then English and bokmål
    (ID-porten and HelseID speak only some of ours and take the first they know)."""
    return " ".join(dict.fromkeys((locale, "en", "nb")))


@bp.get("/language/<code>")
@access.public
def switch(code: str) -> WerkzeugResponse:
    """Switch language with a plain link (no script), and return to the same page."""
    _choose(code)
    return redirect(_next_page(), code=303)


@bp.post("/language/<code>")
@access.public
def keep_and_switch(code: str) -> WerkzeugResponse:
    """Switch language from a page with a form in progress: the switcher's buttons post that
    form here. What was typed is kept as the page's draft for the signed-in patient, relative or
    staff member (also when their session has just expired), never saved as answers; the page
    fills it in again in the new language.

    Exempt from the app-wide CSRF check (``create_app``): it checks the token itself, and a
    post with a forged token can only switch the language."""
    from portal import drafts
    from portal.auth.session import current_principal

    _choose(code)
    target = _next_page()
    sender = current_principal() if _csrf_valid() else None
    if sender is None:
        sender = g.get("expired_sender")  # its token was checked against the ended session
    path = urlsplit(target).path
    if sender is not None and sender.kind in drafts.OWNERS and len(path) <= drafts.MAX_PATH:
        drafts.keep(sender.kind, sender.subject_id, path, request.form)
    return redirect(target, code=303)


def _csrf_valid() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return False
    return True


def _choose(code: str) -> None:
    if code in SUPPORTED_LOCALES:
        session["locale"] = code
        _remember_for_principal(code)


def _next_page() -> str:
    from portal.auth.session import safe_next

    return safe_next(request.args.get("next")) or url_for("public.index")


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
        q_=q_, current_locale=current_locale, LANGUAGE_NAMES=LANGUAGE_NAMES,
        text_direction=text_direction, language_name=language_name,
        translation_unreviewed=translation_unreviewed,
    )
