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
from playwright.sync_api import BrowserContext, expect
from sqlalchemy import select

from portal import demo
from portal.db import session_factory
from portal.pathway.models import Patient
from tests.browser.support import (
    Watch,
    both_phone_sizes,
    check_page,
    sign_in,
    staff_sign_in,
    tap_choice,
)
from tests.conftest import _empty_all_tables

NURSE, COORDINATOR, OLA = "15077910015", "02029010075", "03047145790"
ACTION = "Time hos sosionom om økonomi og jobb"


def _arrange(app: Flask) -> dict[str, int]:
    # The demo personas from scratch: this journey changes them (reads, records, hands over),
    # and runs once per phone size.
    _empty_all_tables(app)
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


@both_phone_sizes
def test_the_nurse_the_coordinator_and_the_patient(context: BrowserContext,
                                                   live_app: Flask) -> None:
    ids = _arrange(live_app)
    watch = Watch()
    nurse = watch.attach(context.new_page())
    staff_sign_in(nurse, NURSE)
    check_page(nurse, "the hospital nurse's worklist", "worklist")
    nurse.locator("section[aria-labelledby=unread-title] a", has_text="Hansen").first.click()
    expect(nurse).to_have_url(re.compile(rf"/staff/patients/{ids['patient']}$"))
    check_page(nurse, "the staff patient page")
    nurse.locator(f"main a[href$='/touchpoints/{ids['tp1']}/summary']").first.click()
    check_page(nurse, "the summary", "summary")
    pdf = nurse.request.get(f"/staff/touchpoints/{ids['tp1']}/summary.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")
    nurse.locator("main form.summary-header__reveal button").click()
    check_page(nurse, "the summary with the identity number shown")
    nurse.goto("/staff/patients/new")
    check_page(nurse, "the enrolment form")
    nurse.locator("main form[method=post] button[type=submit]").click()
    check_page(nurse, "the enrolment form with errors")

    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/conversation")
    check_page(nurse, "the conversation record")
    nurse.locator("#held_on").fill("2999-01-01")
    nurse.locator("main form[method=post] button[type=submit]").click()
    expect(nurse.locator(".error-summary")).to_be_focused()
    check_page(nurse, "the conversation record with an error")
    nurse.locator("#held_on").fill(datetime.now(ZoneInfo("Europe/Oslo")).date().isoformat())
    tap_choice(nurse, nurse.locator("input[name=relative_present][value=yes]")
               .evaluate("e => e.labels[0].textContent").strip())
    nurse.locator("main form[method=post] button[type=submit]").click()
    expect(nurse).to_have_url(re.compile(rf"/staff/patients/{ids['patient']}"))

    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/actions/new")
    check_page(nurse, "the new agreed action")
    nurse.locator("#what").fill(ACTION)
    nurse.locator("#responsible").fill("Sosionomtjenesten, Haukeland")
    nurse.locator("#contact").fill("55 97 50 00")
    nurse.locator("main form[method=post] button[type=submit]").click()
    expect(nurse.locator("main")).to_contain_text(ACTION)

    nurse.goto(f"/staff/pathways/{ids['pathway']}/hand-over")
    check_page(nurse, "the hand-over page")
    nurse.locator("main form[method=post] button[type=submit]").click()
    check_page(nurse, "the patient page after the hand-over")
    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/appointment")
    check_page(nurse, "the appointment form")
    nurse.goto(f"/staff/touchpoints/{ids['tp1']}/decline")
    check_page(nurse, "the decline page of a held conversation")
    context.clear_cookies()

    coordinator = watch.attach(context.new_page())
    staff_sign_in(coordinator, COORDINATOR)
    check_page(coordinator, "the municipal coordinator's worklist")
    coordinator.goto(f"/staff/touchpoints/{ids['tp1']}/summary")
    check_page(coordinator, "touchpoint 1 as the municipality reads it after the hand-over")
    expect(coordinator.locator("#summary-actions")).to_contain_text(ACTION)
    context.clear_cookies()

    patient = watch.attach(context.new_page())
    sign_in(patient, OLA)
    expect(patient.locator("section.agreed")).to_contain_text(ACTION)
    check_page(patient, "the patient's home page with what was agreed", "what-we-agreed")
    watch.check()
