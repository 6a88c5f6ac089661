"""The pages of staff, administrators and relatives, the access log and the sign-in's own pages,
in real Chromium at phone size: axe (WCAG 2.2 A/AA), touch targets, no console errors."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect

from portal.db import session_factory
from tests import factories
from tests.browser.support import Watch, check_axe, check_touch_targets, screenshot, sign_in


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


def _staff_sign_in(page: Page, national_id: str) -> None:
    page.goto("/sign-in?staff=1")
    page.locator("main a.button[href^='/sign-in/staff/start']").click()
    check_axe(page, "the development provider's staff page")
    page.locator("input#national_id").fill(national_id)
    page.locator("form:has(#national_id) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def _check(page: Page, where: str, shot: str | None = None) -> None:
    expect(page.locator("main h1")).to_be_visible()
    check_axe(page, where)
    check_touch_targets(page, where)
    if shot:
        screenshot(page, shot)


def test_staff_administrator_relative_and_patient_pages(context: BrowserContext,
                                                        live_app: Flask) -> None:
    people = _arrange(live_app)
    watch = Watch()

    nurse = watch.attach(context.new_page())
    _staff_sign_in(nurse, str(people["nurse"]))
    _check(nurse, "the staff home page", "staff-home")
    nurse.goto(f"/staff/patients/{people['patient_id']}")
    _check(nurse, "the staff patient page")
    nurse.locator("header form button").click()
    expect(nurse).to_have_url(re.compile(r"/signed-out$"))
    _check(nurse, "the signed-out page")
    context.clear_cookies()

    admin = watch.attach(context.new_page())
    _staff_sign_in(admin, str(people["admin"]))
    admin.goto("/admin/access-log")
    _check(admin, "the administrator's staff list")
    admin.goto(f"/admin/access-log/staff/{people['nurse_id']}?start=31.02.2026")
    _check(admin, "the administrator's page with a bad date")
    context.clear_cookies()

    relative = watch.attach(context.new_page())
    sign_in_as_citizen(relative, str(people["relative"]), r"/relative/$")
    _check(relative, "the relative's home page")
    relative.goto(f"/relative/patients/{people['patient_id']}")
    _check(relative, "the relative's contacts page")
    context.clear_cookies()

    patient = watch.attach(context.new_page())
    sign_in(patient, str(people["patient"]))
    patient.goto("/patient/access-log")
    _check(patient, "the patient's access log", "access-log")
    context.clear_cookies()

    stranger = watch.attach(context.new_page())
    sign_in_as_citizen(stranger, factories.national_id("010190"), r"/sign-in/citizen/callback")
    _check(stranger, "the page for someone the portal does not know")
    stranger.goto("/contacts")
    _check(stranger, "the public contacts page")
    watch.check()
    # Refused with status 400, which the browser logs as an error: checked by axe only.
    stranger.goto("/sign-in")
    stranger.locator("main a.button[href^='/sign-in/citizen/start']").click()
    stranger.locator("button[type=submit]", has_text=re.compile("MinID")).click()
    _check(stranger, "the page asking for a safer sign-in", "sign-in-level-too-low")


def sign_in_as_citizen(page: Page, national_id: str, lands: str) -> None:
    page.goto("/sign-in")
    page.locator("main a.button[href^='/sign-in/citizen/start']").click()
    page.locator("input#national_id").fill(national_id)
    page.locator("form:has(#national_id) button[type=submit]").click()
    expect(page).to_have_url(re.compile(lands))
