"""The relatives' journey in real Chromium at phone size, with axe (WCAG 2.2 A/AA) and touch
targets on every page and state: the patient invites (with errors first), the relative opens the
link, signs in, accepts, answers their own questionnaire (with an error first) and sends it; the
patient lets them see the answers; the families page; the relative's choice of notices;
a parent acting for a child."""

from __future__ import annotations

import re

from flask import Flask
from playwright.sync_api import BrowserContext, expect

from portal.db import session_factory
from tests import factories
from tests.browser.support import Watch, both_phone_sizes, check_page, sign_in, staff_sign_in
from tests.integration.test_guardians import child


def _arrange(app: Flask) -> dict[str, str | int]:
    session = session_factory(app)()
    try:
        patient = factories.patient(session, diagnosed_days_ago=100, held=(1,))
        young = child(session, 9)
        nurse = factories.staff_member(session, young.pathways[0].hospital, given_name="Hilde")
        return {"patient": patient.national_id, "patient_id": patient.id,
                "child_id": young.id, "nurse": nurse.national_id}
    finally:
        session.close()


@both_phone_sizes
def test_invite_accept_answer_and_share(context: BrowserContext, live_app: Flask) -> None:
    people = _arrange(live_app)
    watch = Watch()

    patient = watch.attach(context.new_page())
    sign_in(patient, str(people["patient"]))
    patient.locator("main a[href='/patient/relatives']").first.click()
    check_page(patient, "the patient's relatives page (none yet)")
    patient.goto("/patient/relatives/invite")
    check_page(patient, "the invitation form")
    patient.locator("#mobile").fill("12")
    patient.locator("main form button[type=submit]").click()
    expect(patient.locator(".error-summary")).to_be_visible()
    check_page(patient, "the invitation form with errors")
    patient.locator("#name").fill("Per Nordmann")
    patient.locator("#relation").fill("sønn")
    patient.locator("#mobile").fill("912 34 567")
    patient.locator("main form button[type=submit]").click()
    expect(patient.locator("#invitation-link")).to_be_visible()
    check_page(patient, "the page that shows the invitation link once", "relatives-send")
    link = patient.locator("#invitation-link").input_value()

    relative_context = context.browser.new_context(**_same_settings(context))
    relative = watch.attach(relative_context.new_page())
    relative.goto(link)
    check_page(relative, "the public invitation page")
    relative.locator("main a.button--primary").click()
    relative.locator("input#national_id").fill(factories.national_id("010190"))
    relative.locator("form:has(#national_id) button[type=submit]").click()
    expect(relative).to_have_url(re.compile(r"/relative/invitations/accept$"))
    check_page(relative, "the page to accept an invitation")
    relative.locator("main button[value=accept]").click()
    expect(relative).to_have_url(re.compile(r"/relative/$"))
    check_page(relative, "the relative's home page with one patient", "relative-home")

    relative.locator("a[data-permission='may_answer_own']").click()
    check_page(relative, "the relative questionnaire's overview")
    relative.locator("main a.button--primary").first.click()
    expect(relative).to_have_url(re.compile(r"/questionnaire/steps/\d+$"))
    check_page(relative, "the relative questionnaire's first step")
    shown_error = False
    while not relative.url.endswith("/review"):
        long_text = relative.locator("main textarea:visible")
        if long_text.count() and not shown_error:
            long_text.first.fill("x" * 5000)  # too long: the message is next to the field
            relative.locator("main button[name=action][value=next]").click()
            expect(relative.locator(".error-summary")).to_be_visible()
            check_page(relative, "a relative questionnaire step with an error")
            relative.locator("main textarea:visible").first.fill("Sliten, men vi klarer oss.")
            shown_error = True
        before = relative.url
        relative.locator("main button[name=action][value=next]").click()
        relative.wait_for_url(lambda url, before=before: url != before)
    assert shown_error
    check_page(relative, "the relative questionnaire's review")
    relative.locator("main form.submit-form button").click()
    expect(relative.locator(".notice--success")).to_be_visible()
    check_page(relative, "after sending the relative's answers")

    # The patient lets the relative see the answers; the relative's next page shows them.
    patient.goto("/patient/relatives")
    check_page(patient, "the patient's relatives page with one relative")
    patient.locator("main a[href^='/patient/relatives/']:not([href$='/invite'])").first.click()
    check_page(patient, "a relative's permissions")
    answers = patient.locator("input[name=may_see_answers]")
    patient.locator(f"label[for='{answers.get_attribute('id')}']").click()
    expect(answers).to_be_checked()
    patient.locator("main form button[type=submit]").first.click()
    expect(patient.locator(".notice--success")).to_be_visible()
    relative.goto("/relative/")
    relative.locator("a[data-permission='may_see_answers']").click()
    check_page(relative, "the patient's answers, as the relative sees them")

    relative.goto("/families-with-children")
    check_page(relative, "the page for families with children")

    # The relative chooses notices by e-mail, with a mistake first.
    relative.goto("/relative/")
    relative.locator("#notices-link a").click()
    expect(relative).to_have_url(re.compile(r"/relative/notices$"))
    check_page(relative, "the relative's notices choice")
    relative.locator("input[name=channel][value=email]").check(force=True)
    relative.locator("#email").fill("per@")
    relative.locator("#main-form button[type=submit]").click()
    expect(relative.locator("#email-error")).to_be_visible()
    check_page(relative, "the relative's notices choice with a mistake")
    expect(relative.locator("#email")).to_have_value("per@")
    relative.locator("#email").fill("per@example.no")
    relative.locator("#main-form button[type=submit]").click()
    expect(relative.locator(".error-summary")).to_have_count(0)
    relative.reload()
    expect(relative.locator("input[name=channel][value=email]")).to_be_checked()
    expect(relative.locator("#email")).to_have_value("per@example.no")
    relative_context.close()
    watch.check()


def test_a_parent_acts_for_a_child(context: BrowserContext, live_app: Flask) -> None:
    people = _arrange(live_app)
    watch = Watch()
    nurse = watch.attach(context.new_page())
    staff_sign_in(nurse, str(people["nurse"]))
    nurse.goto(f"/staff/patients/{people['child_id']}/guardians")
    check_page(nurse, "the clinician's page for parents and guardians")
    parent_number = factories.national_id("010185")
    nurse.locator("#national_id").fill(parent_number)
    nurse.locator("#given_name").fill("Mona")
    nurse.locator("#family_name").fill("Mor")
    nurse.locator("#relation").fill("mor")
    nurse.locator("main form button[type=submit]").last.click()
    check_page(nurse, "the page with a parent registered")
    context.clear_cookies()

    parent = watch.attach(context.new_page())
    parent.goto("/sign-in")
    parent.locator("main a.button[href^='/sign-in/citizen/start']").click()
    parent.locator("input#national_id").fill(parent_number)
    parent.locator("form:has(#national_id) button[type=submit]").click()
    expect(parent).to_have_url(re.compile(r"/relative/$"))
    parent.locator(f"form[action='/relative/patients/{people['child_id']}/act-for'] button").click()
    expect(parent).to_have_url(re.compile(r"/patient/$"))
    expect(parent.locator(".acting-banner")).to_be_visible()
    check_page(parent, "the child's home page with the acting banner", "guardian-acting")
    parent.locator(".acting-banner button").click()
    expect(parent).to_have_url(re.compile(r"/relative/$"))
    watch.check()


def _same_settings(context: BrowserContext) -> dict[str, object]:
    """A second browser (another device) with the same phone size and base URL."""
    page = context.pages[0]
    return {"viewport": page.viewport_size, "base_url": page.url.split("/patient")[0]}
