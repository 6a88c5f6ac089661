"""The accessibility statement and the help page: public, well structured, and true to the portal
(the contact address and idle limit from the settings, the languages offered, the checks the
browser tests really run); the footer links to both; the print button needs the script."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from flask import Flask

from portal import create_app
from portal.db import session_factory
from portal.i18n import LANGUAGE_NAMES
from portal.public.about import STATEMENT_UPDATED, SUPERVISORY_AUTHORITY_URL, TOUCH_TARGET_PX
from portal.settings import DEVELOPMENT_ACCESSIBILITY_CONTACT, Settings, SettingsError
from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    prepare_one_answer,
    signed_in_patient,
    submit,
    touchpoint_url,
)

PAGES = ("/accessibility", "/help")
NOT_YET = ("not-yet-time-limit", "not-yet-languages", "not-yet-testing")
ROOT = Path(__file__).resolve().parents[2]


def _headings_in_order(page: Page) -> list[int]:
    """The levels of the main content's headings; none may skip a level on the way down."""
    levels = [int(h.name[1]) for h in page.select("main h1, main h2, main h3, main h4")]
    assert levels[0] == 1, levels
    assert levels.count(1) == 1, levels
    for before, after in pairwise(levels):
        assert after <= before + 1, levels
    return levels


@pytest.mark.parametrize("url", PAGES)
def test_the_page_is_public_with_a_title_a_description_and_ordered_headings(app, url):
    page = PortalClient(app).get(url)
    assert page.title
    description = page.one('meta[name="description"]')["content"]
    assert len(description) > 40
    assert _headings_in_order(page).count(2) >= 4
    for section in page.select("main section"):  # each section is named by its own heading
        assert section.select_one(f"#{section['aria-labelledby']}") is not None


@pytest.mark.parametrize("locale", sorted(LANGUAGE_NAMES))
@pytest.mark.parametrize("url", PAGES)
def test_the_page_is_in_every_language(app, url, locale):
    client = PortalClient(app)
    client.raw.get(f"/language/{locale}")
    page = client.get(url)
    assert page.soup.html["lang"] == locale


@pytest.fixture
def configured_app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings.with_overrides(accessibility_contact="uu@bergen.kommune.no",
                                             citizen_idle_minutes=45))
    yield app
    session_factory(app).kw["bind"].dispose()


def test_the_contact_address_and_idle_limit_come_from_the_settings(configured_app):
    client = PortalClient(configured_app)
    statement = client.get("/accessibility")
    link = statement.one("#accessibility-contact")
    assert link["href"] == "mailto:uu@bergen.kommune.no"
    assert "uu@bergen.kommune.no" in link.get_text()
    assert "45" in statement.text("#not-yet-time-limit")
    help_page = client.get("/help")
    assert help_page.one("#help-accessibility-contact")["href"] == "mailto:uu@bergen.kommune.no"
    assert help_page.one("#help-statement")["href"] == "/accessibility"


def test_the_development_default_address_is_shown_in_development(app):
    page = PortalClient(app).get("/accessibility")
    assert page.one("#accessibility-contact")["href"] == \
        f"mailto:{DEVELOPMENT_ACCESSIBILITY_CONTACT}"


def test_the_statement_names_its_date_status_and_what_does_not_conform_yet(app):
    page = PortalClient(app).get("/accessibility")
    updated = page.one("time#statement-updated")
    assert updated["datetime"] == STATEMENT_UPDATED.isoformat()
    assert str(STATEMENT_UPDATED.year) in updated.get_text()
    assert page.text("#statement-status")
    items = page.select("#not-yet > li")
    assert [item["id"] for item in items] == list(NOT_YET)
    assert all(len(item.get_text(strip=True)) > 40 for item in items)
    languages = page.text("#not-yet-languages")
    assert all(name in languages for name in LANGUAGE_NAMES.values())
    assert "30" in page.text("#not-yet-time-limit")  # the default idle limit
    assert page.one("#supervisory-authority")["href"] == SUPERVISORY_AUTHORITY_URL
    assert len(page.select("#tested > li")) >= 4
    assert str(TOUCH_TARGET_PX) in page.text("#tested")


def test_the_statements_testing_claims_match_the_browser_tests():
    """The statement says axe checks WCAG 2.0–2.2 A and AA, touch targets of 44 px and reflow
    at 320 px, and the HTML checker every kind of page: those checks must still exist."""
    support = pytest.importorskip("tests.browser.support")
    assert {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"} <= set(support.WCAG_TAGS)
    assert support.MIN_TARGET >= TOUCH_TARGET_PX
    browser_tests = " ".join(p.read_text() for p in (ROOT / "tests/browser").glob("test_*.py"))
    assert '"width": 320' in browser_tests
    assert (ROOT / "tests/integration/test_html_valid.py").exists()


def test_the_help_page_says_who_sees_the_answers_and_where_to_get_help(app):
    page = PortalClient(app).get("/help")
    assert len(page.select("#help-who > li")) == 4
    assert page.select('main a[href="/patient/access-log"]')
    assert page.one("#help-contacts")["href"] == "/contacts"
    numbers = {a["href"] for a in page.select("main a[href^='tel:']")}
    assert {"tel:113", "tel:116117"} <= numbers


def _footer_links(page: Page) -> set[str]:
    return {a["href"] for a in page.select("footer a")}


def test_the_footer_links_to_both_pages_on_public_and_patient_pages(client, db):
    assert {"/help", "/accessibility", "/contacts"} <= _footer_links(client.get("/contacts"))
    assert {"/help", "/accessibility"} <= _footer_links(client.get("/accessibility"))
    signed_in_patient(client, db)
    assert {"/help", "/accessibility"} <= _footer_links(client.get("/patient/"))


def test_the_sitemap_lists_both_pages(app):
    sitemap = PortalClient(app).raw.get("/sitemap.xml").get_data(as_text=True)
    for url in PAGES:
        assert f"<loc>http://localhost{url}</loc>" in sitemap


def test_the_print_button_waits_for_the_script_on_the_review_and_the_receipt(client, db):
    tp, _revision = prepare_one_answer(client, db)
    review = client.get(touchpoint_url(tp, "review"))
    submit(client, tp)
    for page in (review, client.get(touchpoint_url(tp, "receipt"))):
        button = page.one("main button[data-print]")
        assert button.has_attr("hidden")
        assert button["type"] == "button"
        assert button.find_parent("form") is None
    script = (ROOT / "static/portal.js").read_text()
    assert "[data-print]" in script
    assert "window.print()" in script
    assert "@media print" in (ROOT / "static/portal.css").read_text()


@pytest.mark.parametrize("value", [None, "", "  ", DEVELOPMENT_ACCESSIBILITY_CONTACT])
def test_production_refuses_to_start_without_its_own_contact_address(value):
    environ = {"PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "s" * 40,
               "PORTAL_DATABASE_URL": "postgresql+psycopg://portal@db/portal",
               "PORTAL_CITIZEN_OIDC_ISSUER": "https://idporten.example",
               "PORTAL_CITIZEN_OIDC_CLIENT_ID": "portal",
               "PORTAL_CITIZEN_OIDC_CLIENT_SECRET": "client-secret",
               "PORTAL_BASE_URL": "https://pasientportal.example.no"}
    if value is not None:
        environ["PORTAL_ACCESSIBILITY_CONTACT"] = value
    with pytest.raises(SettingsError, match="PORTAL_ACCESSIBILITY_CONTACT"):
        Settings.from_env(environ)
    environ["PORTAL_ACCESSIBILITY_CONTACT"] = "uu@helse-bergen.no"
    assert Settings.from_env(environ).accessibility_contact == "uu@helse-bergen.no"
