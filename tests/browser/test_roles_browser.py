"""The pages of staff, administrators and relatives, the access log and the sign-in's own pages,
in real Chromium at phone size: axe (WCAG 2.2 A/AA), touch targets, no console errors."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from portal.db import session_factory
from tests import factories
from tests.browser.support import Watch, check_page, sign_in, staff_sign_in


def _arrange(app: Flask) -> dict[str, str | int]:
    session = session_factory(app)()
    try:
        patient = factories.patient(session, diagnosed_days_ago=100, held=(1,))
        municipality = patient.pathways[0].municipality
        nurse = factories.staff_member(session, municipality, given_name="Anne")
        admin = factories.staff_member(session, municipality, clinician=False,
                                       administrator=True, given_name="Trond")
        relative = factories.relative(session, of=patient)
        return {"patient": patient.national_id, "patient_id": patient.id,
                "nurse": nurse.national_id, "nurse_id": nurse.id,
                "admin": admin.national_id, "relative": relative.national_id}
    finally:
        session.close()


def test_staff_administrator_relative_and_patient_pages(context: BrowserContext,
                                                        live_app: Flask) -> None:
    people = _arrange(live_app)
    watch = Watch()

    nurse = watch.attach(context.new_page())
    staff_sign_in(nurse, str(people["nurse"]))
    check_page(nurse, "the staff home page", "staff-home")
    nurse.goto(f"/staff/patients/{people['patient_id']}")
    check_page(nurse, "the staff patient page")
    nurse.locator("header form button").click()
    expect(nurse).to_have_url(re.compile(r"/signed-out$"))
    check_page(nurse, "the signed-out page")
    context.clear_cookies()

    admin = watch.attach(context.new_page())
    staff_sign_in(admin, str(people["admin"]))
    check_page(admin, "the start page of an administrator who is not a clinician")
    admin.goto("/admin/access-log")
    check_page(admin, "the administrator's staff list")
    admin.goto(f"/admin/access-log/staff/{people['nurse_id']}?start=31.02.2026")
    check_page(admin, "the administrator's page with a bad date")
    context.clear_cookies()

    relative = watch.attach(context.new_page())
    sign_in_as_citizen(relative, str(people["relative"]), r"/relative/$")
    check_page(relative, "the relative's home page")
    relative.goto(f"/relative/patients/{people['patient_id']}")
    check_page(relative, "the relative's contacts page")
    context.clear_cookies()

    patient = watch.attach(context.new_page())
    sign_in(patient, str(people["patient"]))
    patient.goto("/patient/access-log")
    check_page(patient, "the patient's access log", "access-log")
    context.clear_cookies()

    stranger = watch.attach(context.new_page())
    sign_in_as_citizen(stranger, factories.national_id("010190"), r"/sign-in/citizen/callback")
    check_page(stranger, "the page for someone the portal does not know")
    stranger.goto("/contacts")
    check_page(stranger, "the public contacts page")
    watch.check()
    # Refused with status 400, which the browser logs as an error: checked by axe only.
    stranger.goto("/sign-in")
    stranger.locator("main a.button[href^='/sign-in/citizen/start']").click()
    stranger.locator("button[type=submit]", has_text=re.compile("MinID")).click()
    check_page(stranger, "the page asking for a safer sign-in", "sign-in-level-too-low")


def sign_in_as_citizen(page: Page, national_id: str, lands: str) -> None:
    page.goto("/sign-in")
    page.locator("main a.button[href^='/sign-in/citizen/start']").click()
    page.locator("input#national_id").fill(national_id)
    page.locator("form:has(#national_id) button[type=submit]").click()
    expect(page).to_have_url(re.compile(lands))
