"""Issue 7's pages in real Chromium at phone size: axe (WCAG 2.2 A/AA), touch targets, no
sideways scrolling and no console errors on the notices choice (with a mistake shown next to
its field, then saved) and on the monitoring page with its chart, in bokmål and in Arabic."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from playwright.sync_api import BrowserContext, expect

from portal.db import session_factory
from portal.staff.models import StaffMember
from tests import factories
from tests.browser.support import Watch, check_page, sign_in, staff_sign_in


def test_a_patient_chooses_text_messages(context: BrowserContext, make_patient) -> None:
    watch = Watch()
    page = watch.attach(context.new_page())
    sign_in(page, make_patient())
    page.locator("#notices-link").click()
    check_page(page, "the notices choice", "notices")
    page.locator("input[name=channel][value=sms]").check(force=True)
    page.locator("#mobile").fill("12")
    page.locator("#main-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator("#mobile-error")).to_be_visible()
    check_page(page, "the notices choice with a mistake", "notices-error")
    expect(page.locator("#mobile")).to_have_value("12")
    page.locator("#mobile").fill("912 34 567")
    page.locator("#main-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/patient/notices$"))
    expect(page.locator("#notices-now")).to_contain_text("SMS")
    page.reload()
    expect(page.locator("input[name=channel][value=sms]")).to_be_checked()
    expect(page.locator("#mobile")).to_have_value(re.compile(r"\s*".join("91234567")))
    watch.check()


def _administrator(app: Flask, locale: str) -> str:
    """An administrator of a trust with enough held conversations for bars in the chart."""
    session = session_factory(app)()
    try:
        hospital = factories.organisations(session)[0]
        today = datetime.now(ZoneInfo("Europe/Oslo")).date()
        for days in range(40, 160, 12):
            person = factories.patient(session, diagnosed_days_ago=days, held=(1,))
            for touchpoint in person.pathways[0].touchpoints:
                if touchpoint.number == 1:
                    touchpoint.held_on = today - timedelta(days=days - 10)
        admin = factories.staff_member(session, hospital, clinician=False, administrator=True,
                                       given_name="Trond")
        session.get(StaffMember, admin.id).preferred_locale = locale  # type: ignore[union-attr]
        session.commit()
        return admin.national_id
    finally:
        session.close()


def test_monitoring_page_with_its_chart(context: BrowserContext, live_app: Flask) -> None:
    for locale in ("nb", "ar"):
        watch = Watch()
        page = watch.attach(context.new_page())
        staff_sign_in(page, _administrator(live_app, locale))
        page.goto("/staff/monitoring")
        expect(page.locator("main svg[role=img]")).to_be_visible()
        check_page(page, f"the monitoring page ({locale})", f"monitoring-{locale}")
        page.goto("/staff/monitoring?period=quarter")
        check_page(page, f"the monitoring page by quarter ({locale})")
        page.goto("/staff/monitoring/held.csv?from=&to=31.02.2026")
        expect(page.locator(".error-summary")).to_be_visible()
        check_page(page, f"the registration export's mistakes ({locale})")
        watch.check()
        page.context.clear_cookies()
        page.close()
