"""The patient's whole questionnaire in real Chromium on a phone, with axe on every page.

A patient signs in, starts, answers all 22 steps with taps, leaves on step 8 with "save and
continue later", comes back on a second device (a new browser context), lands on step 8 with the
answer kept, finishes, changes one answer from the review page, submits and reads the receipt.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.browser.support import (
    TOTAL_STEPS,
    Watch,
    action,
    both_phone_sizes,
    check_axe,
    check_touch_targets,
    group,
    press,
    screenshot,
    sign_in,
    start_questionnaire,
    step_number,
    step_url,
    tap_choice,
    touchpoint_path,
)

TALK = "Jeg vil gjerne snakke om dette i samtalen"
NOTE = "Vil du skrive noe mer om dette?"
SELF_HARM = ("Har du den siste tiden hatt tanker om å skade deg selv eller ta ditt eget liv?")
REVIEW_URL = re.compile(r"/patient/touchpoints/\d+/review$")


def section(page: Page, title: str) -> Any:
    """A topic's section on the review page, by its heading."""
    return page.locator("section.review-section").filter(
        has=page.get_by_role("heading", name=title, exact=True))


def answer_and_continue(page: Page, number: int, answer: Any) -> None:
    """Check the page is step ``number``, answer it, run axe, press the main button."""
    assert step_number(page) == number
    expect(page.locator("progress")).to_have_attribute("value", str(number))
    expect(page.locator("progress")).to_have_attribute("max", str(TOTAL_STEPS))
    answer(page)
    check_axe(page, f"step {number}, answered")
    then = REVIEW_URL if number == TOTAL_STEPS else step_url(number + 1)
    press(page, "next", then)


def concern(label: str, talk: bool = False, note: str | None = None) -> Any:
    """Answer a topic page: how much it concerns you, maybe 'I would like to talk', a note."""

    def answer(page: Page) -> None:
        tap_choice(group(page, "Hvor mye opptar dette deg nå?"), label)
        if talk:
            tap_choice(page, TALK)
        if note:
            page.get_by_label(NOTE, exact=True).fill(note)

    return answer


def also(first: Any, *more: tuple[str, str]) -> Any:
    """``first``, then tap each (question, option) follow-up."""

    def answer(page: Page) -> None:
        first(page)
        for question, option in more:
            tap_choice(group(page, question), option)

    return answer


@both_phone_sizes
def test_whole_questionnaire_leave_resume_review_submit(
    browser: Browser, page: Page, browser_context_args: dict[str, Any], make_patient: Any
) -> None:
    watch = Watch()
    watch.attach(page)
    national_id = make_patient()

    # --- First device: sign in, start, steps 1–8, leave. ---------------------------------------
    sign_in(page, national_id, axe=True)
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    check_axe(page, "the home page")
    check_touch_targets(page, "the home page")
    screenshot(page, "home")
    start_questionnaire(page)

    assert step_number(page) == 1
    check_axe(page, "step 1 (the opening page)")
    expect(page.locator("main")).to_contain_text("113")
    press(page, "next", step_url(2))

    def what_matters(page: Page) -> None:
        page.get_by_label("Hva er viktigst for deg nå?").fill(
            "Å være sammen med barnebarna, og å klare meg selv hjemme.")

    answer_and_continue(page, 2, what_matters)

    def strain(page: Page) -> None:
        page.locator("label[for='strain-6']").tap()
        expect(page.get_by_label("6", exact=True)).to_be_checked()
        screenshot(page, "scale-step")

    answer_and_continue(page, 3, strain)

    def family(page: Page) -> None:
        concern("En del", talk=True)(page)
        tap_choice(group(page, "Vil du ha med deg noen i samtalen, for eksempel en i familien "
                               "eller en venn?"), "Ja")
        screenshot(page, "topic-step")

    answer_and_continue(page, 4, family)

    def work(page: Page) -> None:
        # The follow-ups appear (CSS :has) only when the topic concerns the patient.
        expect(group(page, "Er du sykmeldt nå?")).to_be_hidden()
        concern("Litt")(page)
        expect(group(page, "Er du sykmeldt nå?")).to_be_visible()
        tap_choice(group(page, "Er du sykmeldt nå?"), "Ja")
        tap_choice(group(page, "Vil du ha hjelp til å komme i kontakt med NAV?"), "Nei")

    answer_and_continue(page, 5, work)
    answer_and_continue(page, 6, concern("Ikke aktuelt for meg"))
    answer_and_continue(page, 7, also(concern("Litt"), ("Får du hjelp hjemme i dag?", "Nei")))

    assert step_number(page) == 8
    rehabilitation_note = "Jeg vil vite mer om trening med fysioterapeut."
    concern("En del", note=rehabilitation_note)(page)
    press(page, "later", re.compile(r"/patient/$"))
    expect(page.locator(".notice--success")).to_be_visible()
    check_axe(page, "the home page after 'save and continue later'")
    watch.check()

    # --- Second device: a new browser context, sign in again, continue where we left off. -----
    other = browser.new_context(**browser_context_args)
    try:
        page = watch.attach(other.new_page())
        sign_in(page, national_id)
        check_axe(page, "the home page of a started questionnaire")
        start_questionnaire(page)  # the same button now says "Continue where you left off"
        assert step_number(page) == 8, "did not resume at the step where the patient left"
        expect(group(page, "Hvor mye opptar dette deg nå?").get_by_label("En del", exact=True)
               ).to_be_checked()
        expect(page.get_by_label(NOTE, exact=True)).to_have_value(rehabilitation_note)
        check_axe(page, "step 8, resumed on another device")
        press(page, "next", step_url(9))

        answer_and_continue(page, 9, concern("Litt", talk=True))
        answer_and_continue(page, 10, also(concern("Litt"), (
            "Har du gått ned i vekt den siste tiden uten at du ville det?", "Nei")))
        answer_and_continue(page, 11, concern("Ikke i det hele tatt"))
        answer_and_continue(page, 12, concern("Jeg vil helst ikke svare"))

        # Step 13: a note that is too long is refused with an error summary; nothing is lost.
        assert step_number(page) == 13
        concern("En del", talk=True)(page)
        note = page.get_by_label(NOTE, exact=True)
        note.fill("Jeg savner korpset og turgruppa. " * 70)  # 2 310 characters, the limit is 2 000
        action(page, "next").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        expect(summary).to_be_focused()
        assert step_number(page) == 13
        expect(note).to_have_attribute("aria-invalid", "true")
        expect(page.locator("#leisure_note-error")).to_be_visible()
        expect(page.get_by_label("En del", exact=True)).to_be_checked()
        expect(page.get_by_label(TALK, exact=True)).to_be_checked()
        expect(note).to_have_value(re.compile("^(Jeg savner korpset og turgruppa. ){70}$"))
        check_axe(page, "step 13 showing validation errors")
        check_touch_targets(page, "step 13 showing validation errors")
        screenshot(page, "error")
        summary.get_by_role("link").first.click()
        expect(note).to_be_focused()
        note.fill("Jeg savner korpset og turgruppa.")
        check_axe(page, "step 13, corrected")
        press(page, "next", step_url(14))

        # Step 14: "yes" to the safety question shows the help with 113 at once, no submit.
        def mental_health(page: Page) -> None:
            concern("En del", talk=True)(page)
            help_panel = page.locator("#help-panel-mental_health_self_harm")
            expect(help_panel).to_be_hidden()
            tap_choice(group(page, SELF_HARM), "Ja")
            expect(help_panel).to_be_visible()
            expect(help_panel.locator("a[href='tel:113']")).to_be_visible()
            expect(help_panel).to_contain_text("116 117")
            assert step_number(page) == 14
            screenshot(page, "safety-help")

        answer_and_continue(page, 14, mental_health)
        answer_and_continue(page, 15, concern("Ikke aktuelt for meg"))
        answer_and_continue(page, 16, concern("Litt"))
        answer_and_continue(page, 17, also(
            concern("Litt"),
            ("Vet du hvem du kan kontakte i kommunen?", "Nei"),
            ("Vil du at kommunen tar kontakt med deg?", "Ja")))
        answer_and_continue(page, 18, concern("Jeg vil helst ikke svare"))
        answer_and_continue(page, 19, also(
            concern("En del", talk=True),
            ("Hva merker du mest til?", "Smerter"),
            ("Hva merker du mest til?", "Slitenhet som ikke går over med hvile")))

        def children(page: Page) -> None:
            concern("Litt")(page)
            tap_choice(group(page, "Har du barn under 18 år?"), "Ja")
            page.get_by_label("Hvor gamle er barna?").fill("4 og 9 år")
            tap_choice(group(page, "Vet barna om sykdommen?"), "Noen av dem")
            tap_choice(group(page, "Vil du ha råd om hvordan du kan snakke med barna om "
                                   "sykdommen?"), "Ja")

        answer_and_continue(page, 20, children)

        def agenda(page: Page) -> None:
            for topic in ("Psykisk helse", "Barn i familien", "Kroppen og senvirkninger"):
                tap_choice(page, topic)

        answer_and_continue(page, 21, agenda)
        answer_and_continue(page, 22, lambda page: tap_choice(page, "Psykisk helse"))

        # --- Review: every answer, from both devices; change one; submit. ---------------------
        expect(page.locator("main h1")).to_be_visible()
        check_axe(page, "the review page")
        check_touch_targets(page, "the review page")
        screenshot(page, "review")
        expect(section(page, "Rehabilitering")).to_contain_text(rehabilitation_note)
        expect(section(page, "Hva er viktig for deg?")).to_contain_text("barnebarna")
        expect(section(page, "Barn i familien")).to_contain_text("4 og 9 år")
        family = section(page, "Familie og nettverk")
        expect(family).to_contain_text("En del")

        family.locator("a[href*='from=review']").click()
        page.wait_for_url(re.compile(r"/steps/4\?from=review$"))
        expect(group(page, "Hvor mye opptar dette deg nå?").get_by_label("En del", exact=True)
               ).to_be_checked()
        expect(action(page, "back")).to_have_count(0)
        tap_choice(group(page, "Hvor mye opptar dette deg nå?"), "Veldig mye")
        check_axe(page, "step 4 opened from the review page")
        press(page, "review", REVIEW_URL)
        family = section(page, "Familie og nettverk")
        expect(family).to_contain_text("Veldig mye")
        expect(family).not_to_contain_text("En del")
        check_axe(page, "the review page after a change")

        page.locator("form.submit-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/patient/touchpoints/\d+/receipt$"))
        expect(page.locator(".panel--confirmation h1")).to_be_visible()
        # The safety answer was yes: the receipt repeats whom to call.
        expect(page.locator(".urgent a[href='tel:113']").first).to_be_visible()
        check_axe(page, "the receipt page")
        check_touch_targets(page, "the receipt page")
        screenshot(page, "receipt")
        watch.check()
    finally:
        other.close()


def test_questionnaire_works_without_javascript(
    browser: Browser, browser_context_args: dict[str, Any], make_patient: Any
) -> None:
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    watch = Watch()
    try:
        page = watch.attach(context.new_page())
        sign_in(page, make_patient())
        start_questionnaire(page)
        base = touchpoint_path(page)
        press(page, "next", step_url(2))
        page.get_by_label("Hva er viktigst for deg nå?").fill("Å komme meg på jobb igjen.")
        press(page, "next", step_url(3))
        page.locator("label[for='strain-3']").tap()
        press(page, "next", step_url(4))
        concern("Litt")(page)
        press(page, "next", step_url(5))
        # Conditional follow-ups are shown by CSS alone.
        expect(group(page, "Er du sykmeldt nå?")).to_be_hidden()
        concern("En del")(page)
        tap_choice(group(page, "Er du sykmeldt nå?"), "Ja")
        press(page, "back", step_url(4))
        expect(page.get_by_label("Litt", exact=True)).to_be_checked()

        page.goto(f"{base}/review")
        expect(section(page, "Jobb, skole og utdanning")).to_contain_text("En del")
        strain = section(page, "Påkjenning den siste uken")
        expect(strain).to_contain_text("3")
        strain.locator("a[href*='from=review']").click()
        page.wait_for_url(re.compile(r"/steps/3\?from=review$"))
        expect(page.get_by_label("3", exact=True)).to_be_checked()
        page.locator("label[for='strain-8']").tap()
        press(page, "review", REVIEW_URL)
        expect(section(page, "Påkjenning den siste uken")).to_contain_text("8")
        page.locator("form.submit-form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/receipt$"))
        expect(page.locator(".panel--confirmation h1")).to_be_visible()
        watch.check()
    finally:
        context.close()
