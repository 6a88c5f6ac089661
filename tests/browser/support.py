"""Helpers shared by the browser tests: signing in, stepping, axe, screenshots, page watching.

Buttons are found by what they do (``button[name=action][value=next]``), not by their words, so
the tests hold in every language and survive wording changes; questions are found by their
visible labels (the questionnaire's bokmål source text).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import ConsoleMessage, Locator, Page, expect
from playwright.sync_api import Response as PlaywrightResponse

CHROMIUM = "/usr/bin/chromium"
NO_CHROMIUM = (f"{CHROMIUM} is missing: install it (apt-get install -y chromium) to run the "
               "browser tests")
#: A phone: 390 × 844 CSS px at 3× (an iPhone 13/14 class device), touch, Norwegian.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "nb-NO",
}
#: The sizes the journeys run at: that phone, and the narrowest screen WCAG 1.4.10 asks content
#: to reflow into (320 CSS px, also what 1280 px at 400 % zoom gives).
PHONE_SIZES = {390: {"width": 390, "height": 844}, 320: {"width": 320, "height": 568}}
#: Run a journey at both sizes: ``@both_phone_sizes`` on a test using ``page`` or ``context``.
both_phone_sizes = pytest.mark.parametrize("phone_width", sorted(PHONE_SIZES, reverse=True),
                                           indirect=True, ids=lambda w: f"{w}px")
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
TOTAL_STEPS = 22

_axe = Axe()

MIN_TARGET = 44  # px: the portal's own rule (WCAG 2.5.5 AAA); 2.5.8 AA asks for 24
TARGETS = ("a, button, input[type=radio], input[type=checkbox], label.choice__label, "
           "label.scale__label")

# Each visible target's box. A radio button or checkbox is measured together with its labels
# (a tap on the label chooses it), and its own box is reported too. A link inside a paragraph or
# list item with other text is an inline link, exempt under WCAG 2.5.8.
MEASURE = """(selector) => {
  const text = (node) => node.textContent.replace(/\\s+/g, ' ').trim();
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const own = el.getBoundingClientRect();
    // Moved off-screen until focused (the skip link): not a target while out of sight.
    if (own.bottom + window.scrollY <= 0 || own.right + window.scrollX <= 0) continue;
    const rects = [own];
    if (el.matches('input') && el.labels) {
      rects.push(...[...el.labels].map((l) => l.getBoundingClientRect()));
    }
    const edge = (pick, side) => pick(...rects.map((r) => r[side]));
    const left = edge(Math.min, 'left'), right = edge(Math.max, 'right');
    const top = edge(Math.min, 'top'), bottom = edge(Math.max, 'bottom');
    const block = el.tagName === 'A' ? el.parentElement.closest('p, li, dd, td') : null;
    found.push({
      what: el.outerHTML.slice(0, 120),
      kind: el.matches('input') ? 'input' : el.tagName.toLowerCase(),
      width: right - left, height: bottom - top, ownWidth: own.width, ownHeight: own.height,
      hiddenInput: el.matches('input') && getComputedStyle(el).opacity === '0',
      inline: block !== null && text(block) !== text(el),
    });
  }
  return found;
}"""


def check_axe(page: Page, where: str) -> None:
    """Run axe (WCAG 2.2 A and AA) on the page as it is now; fail listing every violation."""
    results = _axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                      "resultTypes": ["violations"]})
    if results.violations_count > 0:
        lines = [f"axe found {results.violations_count} violation(s) on {where} ({page.url}):"]
        for violation in results.response["violations"]:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
            for node in violation["nodes"]:
                summary = " ".join(str(node.get("failureSummary", "")).split())
                lines.append(f"    {', '.join(map(str, node['target']))}: {summary[:300]}")
        raise AssertionError("\n".join(lines))


def screenshot(page: Page, name: str) -> None:
    """A full-page picture in tests/artifacts/screenshots/ (a CI artefact): ``name``.png at
    390 px, ``name``-320.png at 320 px."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    width = (page.viewport_size or {}).get("width", 390)
    if width != 390:
        name = f"{name}-{width}"
    progress = page.locator("main .progress__text")
    if progress.count():
        progress.tap()  # a tap on plain text clears the last tap's highlight from the picture
    # CSS-pixel scale: a 390 px wide image, readable, and quick even for the long review page.
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, scale="css")


@dataclass
class Watch:
    """Server errors and console errors (CSP violations, script errors) seen by a page."""

    problems: list[str] = field(default_factory=list)

    def attach(self, page: Page) -> Page:
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        return page

    def _console(self, message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        if url.endswith("/favicon.ico"):
            return  # the browser asks for it on its own; the portal has no icon (yet)
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({url})")

    def _response(self, response: PlaywrightResponse) -> None:
        if response.status >= 500:
            self.problems.append(f"{response.status} from {response.url}")

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)


def sign_in(page: Page, national_id: str, axe: bool = False) -> None:
    """Through the built-in OpenID provider's page, typing the identity number."""
    page.goto("/sign-in")
    page.locator("main a.button[href^='/sign-in/citizen/start']").click()
    if axe:
        check_axe(page, "the development provider's sign-in page")
    field_ = page.locator("input#national_id")
    field_.fill(national_id)
    page.locator("form:has(#national_id) button[type=submit]").click()
    expect(page, "signing in did not reach the patient's home page").to_have_url(
        re.compile(r"/patient/$"))
    expect(page.locator("main h1")).to_be_visible()


def action(page: Page, value: str) -> Locator:
    """A step's button by what it does: next, back, later, review."""
    return page.locator(f"main form button[name=action][value={value}]")


def step_url(number: int) -> re.Pattern[str]:
    return re.compile(rf"/patient/touchpoints/\d+/steps/{number}(\?.*)?$")


def press(page: Page, value: str, then: str | re.Pattern[str]) -> None:
    """Press a step's button and wait for the page it leads to."""
    action(page, value).click()
    page.wait_for_url(then)


def group(page: Page, legend: str) -> Locator:
    """A question's fieldset, by its legend (the question)."""
    return page.get_by_role("group", name=legend, exact=True)


def tap_choice(scope: Page | Locator, label: str) -> None:
    """Tap the label of a radio button or checkbox (the whole label is the touch target)."""
    control = scope.get_by_label(label, exact=True)
    control_id = control.get_attribute("id")
    scope.locator(f"label[for='{control_id}']").tap()
    expect(control).to_be_checked()


def step_number(page: Page) -> int:
    found = re.search(r"/steps/(\d+)", page.url)
    assert found, page.url
    return int(found.group(1))


def touchpoint_path(page: Page) -> str:
    """``/patient/touchpoints/<id>`` of the current questionnaire page."""
    found = re.search(r"/patient/touchpoints/\d+", page.url)
    assert found, page.url
    return found.group(0)


def start_questionnaire(page: Page) -> None:
    """From the home page, press the open touchpoint's Start (or Continue) button."""
    page.locator("main .focus a.button--primary").click()
    page.wait_for_url(re.compile(r"/steps/\d+$"))


def check_touch_targets(page: Page, where: str) -> list[dict[str, Any]]:
    targets: list[dict[str, Any]] = page.evaluate(MEASURE, TARGETS)
    small = []
    for t in targets:
        if t["inline"]:
            continue
        if t["width"] < MIN_TARGET - 0.5 or t["height"] < MIN_TARGET - 0.5:
            small.append(f"{t['width']:.0f}×{t['height']:.0f}: {t['what']}")
        own = min(t["ownWidth"], t["ownHeight"])
        if t["kind"] == "input" and not t["hiddenInput"] and own < 24:  # WCAG 2.5.8's minimum
            small.append(f"control itself {t['ownWidth']:.0f}×{t['ownHeight']:.0f}: {t['what']}")
    assert not small, f"touch targets under {MIN_TARGET}×{MIN_TARGET} px on {where}:\n" + \
        "\n".join(small)
    return targets


def staff_sign_in(page: Page, national_id: str) -> None:
    """Through the built-in provider's HelseID page; lands on the worklist."""
    page.goto("/sign-in?staff=1")
    page.locator("main a.button[href^='/sign-in/staff/start']").click()
    check_axe(page, "the development provider's staff page")
    page.locator("input#national_id").fill(national_id)
    page.locator("form:has(#national_id) button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/staff/$"))


def check_page(page: Page, where: str, shot: str | None = None) -> None:
    """A whole page: its heading, axe, touch targets, and a screenshot when named."""
    expect(page.locator("main h1")).to_be_visible()
    check_axe(page, where)
    check_touch_targets(page, where)
    check_no_horizontal_scroll(page, where)
    if shot:
        screenshot(page, shot)


def check_no_horizontal_scroll(page: Page, where: str) -> None:
    """Nothing wider than the screen (WCAG 1.4.10 reflow): no sideways scrolling at any size."""
    widths = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{where} is {widths[0]} px wide on a {widths[1]} px screen"
