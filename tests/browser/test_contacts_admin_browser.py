"""The administrator's contact point pages in real Chromium at phone size: axe (WCAG 2.2 A/AA),
touch targets, no console errors, and the form used with the keyboard-free tap flow: add a
contact point with a lunch break, see a mistake next to its field, fix it, and see the history."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import BrowserContext, expect

from portal.contacts.reference import (
    SHIPPED_CSV,
    SHIPPED_VALID_FROM,
    Municipality,
    load_municipalities,
    read_csv,
)
from portal.db import session_factory
from tests import factories
from tests.browser.support import Watch, check_page, staff_sign_in


def _arrange(app: Flask) -> str:
    session = session_factory(app)()
    try:
        if session.query(Municipality).count() == 0:
            load_municipalities(session, read_csv(SHIPPED_CSV), SHIPPED_VALID_FROM)
            session.commit()
        hospital = factories.organisations(session)[0]
        admin = factories.staff_member(session, hospital, clinician=False, administrator=True,
                                       given_name="Trond")
        return admin.national_id
    finally:
        session.close()


def test_an_administrator_adds_edits_and_reads_the_history(context: BrowserContext,
                                                          live_app: Flask) -> None:
    watch = Watch()
    page = watch.attach(context.new_page())
    staff_sign_in(page, _arrange(live_app))
    page.locator("main a[href='/staff/organisation/contacts']").click()
    check_page(page, "the administrator's contact points (none yet)")
    page.locator("main a[href='/staff/organisation/contacts/new']").click()
    check_page(page, "the new contact point form", "admin-contact-new")
    page.locator("#role-1").check()
    page.locator("#name").fill("Kreftkoordinator (test)")
    page.locator("#phone").fill("55 97 50 00")
    page.locator("#email").fill("kari@")
    page.locator("#day0_1_opens").fill("08:00")
    page.locator("#day0_1_closes").fill("11:30")
    page.locator("#day0_2_opens").fill("11:00")
    page.locator("#day0_2_closes").fill("15:00")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#email-error")).to_be_visible()
    expect(page.locator("#day0_2_opens-error")).to_be_visible()
    check_page(page, "the contact point form with mistakes", "admin-contact-errors")
    expect(page.locator("#name")).to_have_value("Kreftkoordinator (test)")
    page.locator("#email").fill("kari@example.org")
    page.locator("#day0_2_opens").fill("12:00")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/organisation/contacts$"))
    check_page(page, "the contact points after adding one", "admin-contacts")
    page.locator("main .contact-admin__name").first.click()
    page.locator("#phone").fill("55 51 20 00")
    page.locator("main form button[type=submit]").click()
    page.locator("main a[href$='/history']").first.click()
    expect(page.locator("section.contact-change")).to_have_count(2)
    check_page(page, "a contact point's history", "admin-contact-history")
    page.goto("/staff/organisation/municipalities")
    page.locator("#municipality").fill("Herøy")
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("button[name=municipality]")).to_have_count(2)
    check_page(page, "the served municipalities with a choice to make", "admin-served")
    page.locator("button[name=municipality][value='1818']").click()
    expect(page.locator("#served-1818")).to_be_visible()
    check_page(page, "the served municipalities")
    watch.check()
