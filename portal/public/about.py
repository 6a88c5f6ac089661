"""The accessibility statement and the help page: public, plain, no health data.

The statement follows the Norwegian format (Digitaliseringsdirektoratet's, as on uustatus.no):
the service and who runs it, the standard, how it was tested, what does not conform yet, when it
was last updated, and how to report a problem or complain to the supervisory authority. What it
says about the checks, the languages and the idle limit comes from the code and the settings, and
tests/integration/test_about_pages.py holds it to them.
"""

from __future__ import annotations

from datetime import date

from flask import render_template
from flask_babel import format_date

from portal import access
from portal.i18n import LANGUAGE_NAMES
from portal.public.views import bp
from portal.settings import current as current_settings

#: When the statement was last reviewed against the portal. Change it with every change to the
#: statement (Digitaliseringsdirektoratet asks for a review at least once a year).
STATEMENT_UPDATED = date(2026, 11, 24)
#: The authority that supervises universal design of ICT in Norway, where anyone may complain.
SUPERVISORY_AUTHORITY_URL = "https://www.uutilsynet.no/"
#: The smallest touch target the statement promises (CSS px); tests/browser measures it.
TOUCH_TARGET_PX = 44


@bp.get("/accessibility")
@access.public
def accessibility() -> str:
    settings = current_settings()
    return render_template(
        "public/accessibility.html", contact=settings.accessibility_contact,
        updated=STATEMENT_UPDATED, updated_text=format_date(STATEMENT_UPDATED, format="long"),
        languages=list(LANGUAGE_NAMES.values()), idle_minutes=settings.citizen_idle_minutes,
        touch_target=TOUCH_TARGET_PX, authority_url=SUPERVISORY_AUTHORITY_URL)


@bp.get("/help", endpoint="help")
@access.public
def help_page() -> str:
    return render_template("public/help.html", contact=current_settings().accessibility_contact)
