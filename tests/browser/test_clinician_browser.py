"""The clinician's pages in real Chromium at phone size, walked as issue 4's "done when" on the
demo personas: the hospital nurse's worklist, a sent questionnaire's summary and its PDF, the
conversation record with an error corrected, an agreed action, the hand-over; the municipal
coordinator reading touchpoint 1; the patient's "What we agreed". axe (WCAG 2.2 A/AA), touch
targets and console errors on every page and state."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from portal import demo
from portal.db import session_factory
from portal.pathway.models import Patient
from tests.browser.support import (
    Watch,
    check_axe,
    check_touch_targets,
    screenshot,
    sign_in,
    tap_choice,
)
from tests.browser.test_roles_browser import _staff_sign_in

NURSE, COORDINATOR, OLA = "15077910015", "02029010075", "03047145790"
ACTION = "Time hos sosionom om økonomi og jobb"


def _arrange(app: Flask) -> dict[str, int]:
    session = session_factory(app)()
    try:
        demo.load(session)
        session.commit()
        ola = session.scalar(select(Patient).where(Patient.national_id == OLA))
        assert ola is not None
        pathway = ola.current_pathway
        assert pathway is not None
        return {"patient": ola.id, "tp1": pathway.touchpoints[0].id, "pathway": pathway.id}
    finally:
        session.close()


def _check(page: Page, where: str, shot: str | None = None) -> None:
    expect(page.locator("main h1")).to_be_visible()
    check_axe(page, where)
    check_touch_targets(page, where)
    if shot:
        screenshot(page, shot)


def test_the_nurse_the_coordinator_and_the_patient(context: BrowserContext,
                                                   live_app: Flask) -> None:
    ids = _arrange(live_app)
    watch = Watch()
    nurse = watch.attach(context.new_page())
    _staff_sign_in(nurse, NURSE)
    _check(nurse, "the hospital nurse's worklist", "worklist")
    nurse.locator("section[aria-labelledby=unread-title] a", has_text="Hansen").first.click()
    expect(nurse).to_have_url(re.compile(rf"/staff/patients/{ids['patient']}$"))
    _check(nurse, "the staff patient page")
    nurse.locator(f"main a[href$='/touchpoints/{ids['tp1']}/summary']").first.click()
    _check(nurse, "the summary", "summary")
    pdf = nurse.request.get(f"/staff/touchpoints/{ids['tp1']}/summary.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    nurse.locator("main form.summary-header__reveal button").click()
    _check(nurse, "the summary with the identity number shown")
    nurse.goto("/staff/patients/new")
    _check(nurse, "the enrolment form")
    nurse.locator("main form[method=post] button[type=submit]").click()
    _check(nurse, "the enrolment form with errors")

    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/conversation")
    _check(nurse, "the conversation record")
    nurse.locator("#held_on").fill("2999-01-01")
    nurse.locator("main form[method=post] button[type=submit]").click()
    expect(nurse.locator(".error-summary")).to_be_focused()
    _check(nurse, "the conversation record with an error")
    nurse.locator("#held_on").fill(datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat())
    tap_choice(nurse, nurse.locator("input[name=relative_present][value=yes]")
               .evaluate("e => e.labels[0].textContent").strip())
    nurse.locator("main form[method=post] button[type=submit]").click()
    expect(nurse).to_have_url(re.compile(rf"/staff/patients/{ids['patient']}"))

    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/actions/new")
    _check(nurse, "the new agreed action")
    nurse.locator("#what").fill(ACTION)
    nurse.locator("#responsible").fill("Sosionomtjenesten, Haukeland")
    nurse.locator("#contact").fill("55 97 50 00")
    nurse.locator("main form[method=post] button[type=submit]").click()
    expect(nurse.locator("main")).to_contain_text(ACTION)

    nurse.goto(f"/staff/pathways/{ids['pathway']}/hand-over")
    _check(nurse, "the hand-over page")
    nurse.locator("main form[method=post] button[type=submit]").click()
    _check(nurse, "the patient page after the hand-over")
    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/appointment")
    _check(nurse, "the appointment form")
    context.clear_cookies()

    coordinator = watch.attach(context.new_page())
    _staff_sign_in(coordinator, COORDINATOR)
    _check(coordinator, "the municipal coordinator's worklist")
    coordinator.goto(f"/staff/touchpoints/{ids['tp1']}/summary")
    _check(coordinator, "touchpoint 1 as the municipality reads it after the hand-over")
    expect(coordinator.locator("#summary-actions")).to_contain_text(ACTION)
    context.clear_cookies()

    patient = watch.attach(context.new_page())
    sign_in(patient, OLA)
    expect(patient.locator("section.agreed")).to_contain_text(ACTION)
    _check(patient, "the patient's home page with what was agreed", "what-we-agreed")
    watch.check()
