"""The contact lookup and the patient's contact page in real Chromium at phone size: axe (WCAG
2.2 A/AA), touch targets, no console errors (the strict CSP included); search as you type, and
the same search without JavaScript."""

from __future__ import annotations

import re
from datetime import date, time

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, expect
from sqlalchemy import select

from portal.contacts.models import (
    ContactPoint,
    Organisation,
    OrganisationKind,
    ServedMunicipality,
    monday_to_friday,
)
from portal.contacts.reference import SHIPPED_CSV, load_municipalities, read_csv
from portal.db import session_factory
from tests import factories
from tests.browser.support import PHONE, Watch, both_phone_sizes, check_page, sign_in


def _arrange(app: Flask) -> str:
    """The municipality list, Bergen kommune with a full contact point, served by a trust; a
    patient to sign in with (whose identity number is returned)."""
    session = session_factory(app)()
    try:
        load_municipalities(session, read_csv(SHIPPED_CSV), date(2024, 1, 1))
        if session.scalar(select(Organisation).where(
                Organisation.municipality_number == "4601")) is None:
            bergen = Organisation(kind=OrganisationKind.MUNICIPALITY, name="Bergen kommune",
                                  org_number=factories.org_number(), municipality_number="4601")
            session.add(ContactPoint(
                organisation=bergen, role="kreftkoordinator", name="Kreftkoordinator i Bergen",
                phone="+4755560000", sms="+4791234567", email="kreft@bergen.example.org",
                address="Rådhusgaten 10, 5014 Bergen", languages="nb,en",
                note="Ring gjerne før du kommer.",
                opening_hours=monday_to_friday(time(8, 0), time(15, 30))))
            session.add(Organisation(
                kind=OrganisationKind.HOSPITAL_TRUST, name="Helse Bergen HF",
                org_number=factories.org_number(),
                served_municipalities=[ServedMunicipality(municipality_number="4601")],
                contact_points=[ContactPoint(role="forlopskoordinator", name="Forløpskoordinator",
                                             phone="+4755975000")]))
        patient = factories.patient(session, diagnosed_days_ago=5)
        session.commit()
        return patient.national_id
    finally:
        session.close()


@both_phone_sizes
def test_the_lookup_with_search_as_you_type(context: BrowserContext, live_app: Flask) -> None:
    _arrange(live_app)
    watch = Watch()
    page = watch.attach(context.new_page())
    page.goto("/contacts")
    check_page(page, "the contact lookup", "contacts-lookup")
    page.locator("input#q").press_sequentially("karas", delay=30)
    suggestion = page.locator("[data-list] a[href='/contacts/5610-karasjohka']")
    expect(suggestion).to_be_visible()
    expect(page.locator("[data-status]")).not_to_be_empty()
    check_page(page, "the contact lookup with suggestions")
    suggestion.click()
    expect(page).to_have_url(re.compile(r"/contacts/5610-karasjohka$"))
    check_page(page, "a municipality without contact points")
    page.goto("/contacts/4601-bergen")
    expect(page.locator("article.contact a.button--call").first).to_be_visible()
    check_page(page, "a municipality's contact points", "contacts-municipality")
    watch.check()
    # A 404, which the browser logs as an error: checked by axe and touch targets only.
    page.goto("/contacts/9999-nowhere")
    check_page(page, "an unknown municipality")


def test_the_lookup_works_without_javascript(browser: Browser, live_server: str,
                                             live_app: Flask) -> None:
    _arrange(live_app)
    context = browser.new_context(**PHONE, base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/contacts")
        page.locator("input#q").fill("Tromso")
        page.locator("form[role=search] button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/contacts/5501-tromso$"))
        page.locator("input#q").fill("berg")
        page.locator("form[role=search] button[type=submit]").click()
        expect(page.locator("#results a[href='/contacts/4601-bergen']")).to_be_visible()
        page.goto("/contacts")  # the list to choose from
        page.locator("summary", has_text="Vestland").click()
        expect(page.locator("details.county a[href='/contacts/4601-bergen']")).to_be_visible()
    finally:
        context.close()


def test_the_patients_contact_page_is_one_tap_away(context: BrowserContext,
                                                   live_app: Flask) -> None:
    national_id = _arrange(live_app)
    watch = Watch()
    page = watch.attach(context.new_page())
    sign_in(page, national_id)
    page.locator("header a.header__contacts").click()
    expect(page).to_have_url(re.compile(r"/patient/contacts$"))
    check_page(page, "the patient's contact page", "patient-contacts")
    page.locator("input#gp_name").fill("Dr. Lege")
    page.locator("input#gp_phone").fill("12")
    page.locator("#gp button[type=submit]").click()
    expect(page.locator("#gp_phone-error")).to_be_visible()
    check_page(page, "the patient's contact page with an error")
    page.locator("input#gp_phone").fill("55 12 34 56")
    page.locator("#gp button[type=submit]").click()
    expect(page.locator("#gp a.button--call")).to_have_attribute("href", "tel:+4755123456")
    watch.check()
