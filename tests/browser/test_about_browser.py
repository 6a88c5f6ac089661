"""The accessibility statement, the help page and the print styles, in real Chromium at phone size:
axe (WCAG 2.2 A/AA) and touch targets on both pages; the review page printed (print media
emulated) without navigation or buttons, its answers black on white; the print button only where
the script can make it work."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.support import (
    PHONE,
    Watch,
    check_page,
    screenshot,
    sign_in,
    start_questionnaire,
    touchpoint_path,
)


def test_statement_and_help_pages(context: BrowserContext) -> None:
    watch = Watch()
    page = watch.attach(context.new_page())
    page.goto("/accessibility")
    check_page(page, "the accessibility statement", "accessibility-statement")
    page.goto("/help")
    check_page(page, "the help page", "help")
    page.locator("footer a[href='/accessibility']").click()
    expect(page).to_have_url(re.compile(r"/accessibility$"))
    watch.check()


def _review_with_an_answer(page: Page, national_id: str) -> str:
    """Sign in, save the first step, and open the review page; returns the touchpoint's path."""
    sign_in(page, national_id)
    start_questionnaire(page)
    base = touchpoint_path(page)
    page.locator("main form button[name=action][value=next]").click()
    page.wait_for_url(re.compile(r"/steps/2$"))
    page.goto(f"{base}/review")
    expect(page.locator("main .summary-list__value").first).to_be_visible()
    return base


def _style(page: Page, selector: str, prop: str) -> str:
    value: str = page.eval_on_selector(
        selector, "(el, prop) => getComputedStyle(el).getPropertyValue(prop)", prop)
    return value


def test_the_review_page_prints_its_answers_without_controls(context: BrowserContext,
                                                              make_patient: Any) -> None:
    watch = Watch()
    page = watch.attach(context.new_page())
    _review_with_an_answer(page, make_patient())
    button = page.locator("main button[data-print]")
    expect(button).to_be_visible()  # the script has shown it
    check_page(page, "the review page with its print button")
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    button.click()
    assert page.evaluate("window.printed") == 1

    page.emulate_media(media="print")
    for hidden in ("header nav.language", "header form button", "a.skip-link", "main button",
                   "main button[data-print]", "footer a", "main section.review-section a"):
        for element in page.locator(hidden).all():
            expect(element, f"{hidden} is printed").to_be_hidden()
    expect(page.locator("main h1")).to_be_visible()
    values = page.locator("main .summary-list__value")
    assert values.count() > 5
    for index in range(values.count()):
        expect(values.nth(index)).to_be_visible()
    assert _style(page, "main .summary-list__value", "color") == "rgb(0, 0, 0)"
    assert _style(page, "header", "background-color") == "rgba(0, 0, 0, 0)"
    assert float(_style(page, "main .summary-list__value", "font-size").removesuffix("px")) >= 16
    assert _style(page, "main .summary-list__row", "break-inside") == "avoid"
    screenshot(page, "review-printed")
    page.emulate_media(media="screen")
    expect(button).to_be_visible()
    watch.check()


def test_without_javascript_there_is_no_print_button(browser: Browser, live_server: str,
                                                     make_patient: Any) -> None:
    context = browser.new_context(**PHONE, base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        _review_with_an_answer(page, make_patient())
        # (no axe here: it runs as a script, which this context refuses)
        expect(page.locator("main button[data-print]")).to_have_count(1)
        expect(page.locator("main button[data-print]")).to_be_hidden()
    finally:
        context.close()
