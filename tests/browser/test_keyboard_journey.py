"""The patient's journey by keyboard alone, in real Chromium at phone size: sign in, start, every
step answered with Tab, the arrow keys, Space and typing, an error and its summary, the review and
sending. On every step the focus starts on the heading; every focused element shows a visible
focus style; the order goes down the page; a form with errors puts the focus on the error
summary, whose links lead to the fields."""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.support import Watch
from tests.browser.test_accessibility import FOCUSED

#: How far up the page a later focus stop may be and still count as "down the page": the
#: buttons of one row, and a radio group's options side by side.
SAME_ROW = 48


def focused(page: Page) -> dict[str, Any]:
    found: dict[str, Any] = page.evaluate(FOCUSED)
    found["top"] = page.evaluate("() => document.activeElement.getBoundingClientRect().top"
                                 " + window.scrollY")
    return found


def tab(page: Page, key: str = "Tab") -> dict[str, Any]:
    page.keyboard.press(key)
    found = focused(page)
    assert found["styled"], f"no visible focus style on {found}"
    return found


def tab_to(page: Page, selector: str, most: int = 80) -> list[dict[str, Any]]:
    """Tab until ``selector`` has the focus; the stops on the way, checked to go down the page.
    A radio group is one Tab stop: inside it the arrow keys choose."""
    stops = []
    for _ in range(most):
        stop = tab(page)
        stops.append(stop)
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            tops = [s["top"] for s in stops if s["tag"] != "a" or "skip-link" not in s["classes"]]
            for before, after in pairwise(tops):
                assert after >= before - SAME_ROW, f"focus went up the page: {stops}"
            return stops
    raise AssertionError(f"{selector} never got the focus: {stops[-5:]}")


def choose_first_option_of_each_group(page: Page) -> None:
    """Tab through the page; in each radio group press Space on the first option (a choice)."""
    groups: set[str] = set()
    for _ in range(60):
        stop = tab(page)
        if stop["type"] == "radio" and stop["name"] not in groups:
            page.keyboard.press("Space")
            groups.add(stop["name"])
        if page.evaluate("() => document.activeElement.matches("
                         "'main button[name=action][value=next]')"):
            return
    raise AssertionError("the page's Next button was never reached")


def test_the_patient_journey_by_keyboard_alone(page: Page, make_patient: Any) -> None:
    watch = Watch()
    watch.attach(page)
    national_id = make_patient()

    # Sign in through the development provider, by keyboard.
    page.goto("/sign-in")
    tab_to(page, "main a.button[href^='/sign-in/citizen/start']")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/dev-idp/"))
    page.locator("input#national_id").focus()
    page.keyboard.type(national_id)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patient/$"))

    tab_to(page, "main .focus a.button--primary")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/steps/1$"))

    number, error_shown = 1, False
    while True:
        # A new step: the focus is on its heading, so a screen reader starts there.
        expect(page.locator("#step-heading"), page.url).to_be_focused()
        text = page.locator("main textarea:visible")
        if text.count() and not error_shown:
            # Too long a note: the form comes back with the focus on the error summary.
            tab_to(page, "main textarea")
            page.keyboard.insert_text("x" * 2100)
            tab_to(page, "main button[name=action][value=next]")
            with page.expect_navigation():
                page.keyboard.press("Enter")
            summary = page.locator("[data-error-summary]")
            expect(summary).to_be_focused()
            # Its link leads to the field, which still holds what was typed.
            tab_to(page, "[data-error-summary] a")
            page.keyboard.press("Enter")
            field = page.locator("main textarea:visible").first
            expect(field).to_be_focused()
            page.keyboard.press("Control+A")
            page.keyboard.type("Det viktigste er familien.")
            error_shown = True
            tab_to(page, "main button[name=action][value=next]")
        else:
            choose_first_option_of_each_group(page)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert re.search(r"/(steps/\d+|review)$", page.url), page.url
        if page.url.endswith("/review"):
            break
        number += 1
        assert number < 40, "the questionnaire never ended"
    assert error_shown, "no step had a text field to show an error on"

    # The review: by keyboard to "send", and the receipt.
    tab_to(page, "main form.submit-form button")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/receipt$"))
    expect(page.locator("main h1")).to_be_visible()
    watch.check()
