"""pa11y (HTML_CodeSniffer and axe, WCAG2AA) on the key pages at phone size: zero errors.

HTML_CodeSniffer catches what axe misses (an input labelled only by its placeholder, among
others), so every key page goes through pa11y with both runners: the public start, sign-in,
contact lookup, a municipality's contact page, help and accessibility statement pages; signed in,
the patient's home, steps (empty, with errors, a 0–10 scale, a choice step, the safety help),
the review, and a nurse's summary of an urgent questionnaire.

How it signs in: pa11y cannot, so a Playwright context signs in through the development provider
and its cookies are handed to pa11y. pa11y runs from its Node API in one Chromium for all pages
(``pa11y_pages.cjs``; the command line would start a browser for each page), one browser
context and tab for each person, holding that person's cookies. The cookies are set on the
context, not passed in pa11y's ``headers`` option, because pa11y adds those headers to the first
request only: the step with errors is reached with pa11y's own ``actions`` (type too long an
answer, press Next), and that form post must carry the session too. Each result is checked to be
the page asked for, in bokmål, in the state asked for (the error summary shown, say), so a page
that silently sent pa11y to the sign-in page cannot pass.

Errors fail the test; warnings (things to check by hand) are kept in
``tests/artifacts/pa11y/<page>.json`` and do not fail it. pa11y reports axe's "needs review" as
errors: text axe cannot measure, such as the labels inside the summary's SVG strain chart. Such a
contrast item passes only when measured here from the pixels (its colour against every colour
under it, at least 4.5:1); any other "needs review" stays an error. Skipped, with the reason, when
pa11y or Node is not installed (``bash tests/run.sh`` installs pa11y with npm).
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from PIL import Image
from playwright.sync_api import Browser, BrowserContext, Page

from tests.browser.key_pages import (
    ARTIFACTS,
    CONTACT_PAGE,
    NODE,
    TOOLS,
    Arranged,
    arrange,
    same_path,
    signed_in,
)
from tests.browser.support import CHROMIUM, PHONE

PA11Y = TOOLS / "node_modules" / "pa11y" / "package.json"
RUNNER = Path(__file__).with_name("pa11y_pages.cjs")
REPORTS = ARTIFACTS / "pa11y"
#: Longer than the 2,000 characters a note may have: the step comes back with errors.
TOO_LONG = "x" * 2100

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="Node.js is needed to run pa11y"),
    pytest.mark.skipif(not PA11Y.exists(), reason=f"pa11y is not installed at {PA11Y.parent} "
                       "(bash tests/run.sh installs it with npm)"),
]

PUBLIC = {
    "start": "/",
    "sign-in": "/sign-in",
    "contacts": "/contacts",
    "contacts-municipality": CONTACT_PAGE,
    "help": "/help",
    "accessibility-statement": "/accessibility",
}
PATIENT = ("patient-home", "step-empty", "step-with-errors", "step-scale", "step-choice",
           "step-safety-help", "review")
STAFF = ("clinician-summary",)


def _patient_pages(arranged: Arranged) -> dict[str, dict[str, Any]]:
    """Each patient page: its path, the pa11y actions that bring it to the state judged, and an
    element that shows the state was reached."""
    errors = [f"set field #what_matters to {TOO_LONG}",
              "click element main button[name=action][value=next]",
              "wait for element [data-error-summary] to be added"]
    return {
        "patient-home": {"path": "/patient/"},
        "step-empty": {"path": arranged.step(2)},
        "step-with-errors": {"path": arranged.step(2), "actions": errors,
                             "expect": "[data-error-summary] a[href='#what_matters']"},
        "step-scale": {"path": arranged.step(3), "expect": ".scale__input:checked"},
        "step-choice": {"path": arranged.step(4)},
        "step-safety-help": {"path": arranged.step(14),
                             "expect": "#help-panel-mental_health_self_harm"},
        "review": {"path": arranged.review, "expect": "section.review-section"},
    }


@pytest.fixture(scope="module")
def people(browser: Browser, live_server: str,
           live_app: Flask) -> Iterator[tuple[Arranged, dict[str, BrowserContext]]]:
    """The arranged data, and a phone-sized context for each who: nobody signed in, the patient
    and the nurse (open for the module: pa11y gets their cookies, the contrast review their
    pages)."""
    arranged = arrange(live_app)
    contexts = {"nobody": browser.new_context(**PHONE, base_url=live_server),
                "patient": signed_in(browser, live_server, arranged.patient),
                "nurse": signed_in(browser, live_server, arranged.nurse, staff=True)}
    yield arranged, contexts
    for context in contexts.values():
        context.close()


def _pages(arranged: Arranged) -> dict[str, dict[str, Any]]:
    """Every page by name: who sees it, its path, the pa11y actions that bring it to the state
    judged, and an element that shows the state was reached."""
    pages: dict[str, dict[str, Any]] = {name: {"who": "nobody", "path": path}
                                        for name, path in PUBLIC.items()}
    pages.update({name: {"who": "patient", **page}
                  for name, page in _patient_pages(arranged).items()})
    pages["clinician-summary"] = {"who": "nurse", "path": arranged.summary}
    return pages


def _cookies(context: BrowserContext, url: str) -> list[dict[str, Any]]:
    """A context's cookies as Puppeteer's ``setCookie`` takes them."""
    return [{"name": c["name"], "value": c["value"], "domain": c["domain"], "path": c["path"],
             "httpOnly": c["httpOnly"], "secure": c["secure"], "sameSite": c["sameSite"]}
            for c in context.cookies(url)]


@pytest.fixture(scope="module")
def results(people: tuple[Arranged, dict[str, BrowserContext]],
            live_server: str) -> dict[str, dict[str, Any]]:
    """pa11y's findings for every page, by name: one Node process, one Chromium."""
    arranged, contexts = people
    pages = [{"name": name, "url": live_server + page["path"], "who": page["who"],
              "expect": page.get("expect"), "actions": page.get("actions", [])}
             for name, page in _pages(arranged).items()]
    job = {
        "tools": str(TOOLS), "chromium": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
        "viewport": {**PHONE["viewport"], "deviceScaleFactor": PHONE["device_scale_factor"],
                     "isMobile": True, "hasTouch": True},
        "language": "nb-NO,nb;q=0.9",
        "cookies": {who: _cookies(context, live_server) for who, context in contexts.items()},
        "pages": pages,
    }
    run = subprocess.run([str(NODE), str(RUNNER)], input=json.dumps(job), capture_output=True,
                         text=True, timeout=180, check=False)
    assert run.returncode == 0, f"pa11y did not finish:\n{run.stderr[-3000:]}"
    found = {result["name"]: result for result in json.loads(run.stdout)}
    REPORTS.mkdir(parents=True, exist_ok=True)
    for name, result in found.items():
        (REPORTS / f"{name}.json").write_text(json.dumps(result, indent=2, ensure_ascii=False),
                                              encoding="utf-8")
    return found


#: How a text element is painted: its colour (an SVG text's fill), and what a comparison of two
#: colours would miss (transparency, a stroke, a shadow); its size as drawn, in CSS px.
PAINT = """(el) => {
  const style = getComputedStyle(el);
  const svg = el instanceof SVGElement;
  let opacity = 1;
  for (let node = el; node instanceof Element; node = node.parentElement) {
    opacity *= parseFloat(getComputedStyle(node).opacity);
  }
  return {
    colour: svg ? style.fill : style.color, opacity,
    fillOpacity: svg ? parseFloat(style.fillOpacity) : 1,
    stroke: svg ? style.stroke : 'none', shadow: style.textShadow,
    size: parseFloat(style.fontSize) * (svg ? el.getScreenCTM().a : 1),
    bold: parseInt(style.fontWeight, 10) >= 700,
  };
}"""
HIDE_TEXT = """(el, hide) => {
  for (const property of ['fill', 'color']) {
    if (hide) el.style.setProperty(property, 'transparent', 'important');
    else el.style.removeProperty(property);
  }
}"""


def _rgb(css: str) -> tuple[int, int, int] | None:
    """``rgb(r, g, b)`` as numbers; None for anything else (a colour with alpha, a gradient)."""
    found = re.fullmatch(r"rgb\((\d+), (\d+), (\d+)\)", css)
    return (int(found[1]), int(found[2]), int(found[3])) if found else None


def _luminance(colour: tuple[int, int, int]) -> float:
    """WCAG 2's relative luminance."""
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(v) for v in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(one), _luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _measure_contrast(page: Page, selector: str) -> str | None:
    """Why the text at ``selector`` fails WCAG 1.4.3, measured from the pixels; None when it
    passes. Its colour is compared with every colour under it (a screenshot of its box with the
    text made transparent); text painted in a way this cannot measure fails."""
    element = page.locator(f"css={selector}")
    paint = element.evaluate(PAINT)
    colour = _rgb(paint["colour"])
    if (colour is None or paint["opacity"] != 1 or paint["fillOpacity"] != 1
            or paint["stroke"] != "none" or paint["shadow"] != "none"):
        return f"cannot measure its contrast: {paint}"
    element.evaluate(HIDE_TEXT, True)
    try:
        shot = Image.open(io.BytesIO(element.screenshot(scale="css"))).convert("RGB")
    finally:
        element.evaluate(HIDE_TEXT, False)
    under = {(c[0], c[1], c[2]) for _, c in shot.getcolors(shot.width * shot.height) or []
             if isinstance(c, tuple)}
    worst = min(under, key=lambda c: _contrast(colour, c))
    large = paint["size"] >= 24 or (paint["bold"] and paint["size"] >= 18.66)
    needed = 3.0 if large else 4.5
    if _contrast(colour, worst) < needed:
        return f"measured {_contrast(colour, worst):.2f}:1 (rgb{colour} on rgb{worst}), " \
               f"{needed}:1 needed"
    return None


def _review_contrast(context: BrowserContext, path: str,
                     issues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contrast axe left for review, measured on the page; the issues that fail (or cannot
    be measured) come back, with the reason as their message."""
    failed = []
    page = context.new_page()
    try:
        page.goto(path)
        for issue in issues:
            reason = _measure_contrast(page, issue["selector"])
            if reason:
                failed.append({**issue, "message": reason})
    finally:
        page.close()
    return failed


@pytest.mark.parametrize("name", [*PUBLIC, *PATIENT, *STAFF])
def test_no_pa11y_errors(results: dict[str, dict[str, Any]], name: str,
                         people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    result = results[name]
    assert same_path(result["url"], urlsplit(result["asked"]).path), \
        f"pa11y judged {result['url']} instead of {result['asked']}"
    assert result["lang"] == "nb", f"{name} was judged in {result['lang']!r}, not bokmål"
    assert result["expected"] is not False, f"{name} is not in the state to judge: " \
        f"{result['expect']} is not shown"
    errors = [issue for issue in result["issues"] if issue["type"] == "error"]
    # axe's "needs review" (pa11y reports it as an error): contrast axe could not measure, such
    # as text in an SVG chart. Measured here from the pixels instead; anything else stays an
    # error.
    undecided = [issue for issue in errors if issue["runner"] == "axe"
                 and issue["runnerExtras"].get("needsFurtherReview")
                 and issue["code"] == "color-contrast"]
    page = _pages(people[0])[name]
    if undecided and not page.get("actions"):
        errors = [issue for issue in errors if issue not in undecided]
        errors += _review_contrast(people[1][page["who"]], page["path"], undecided)
    assert not errors, f"pa11y found {len(errors)} error(s) on {name} ({result['url']}):\n" + \
        "\n".join(f"- [{i['runner']}] {i['code']}: {i['message']}\n    {i['selector']}: "
                  f"{(i['context'] or '')[:200]}" for i in errors)


def test_the_contrast_measure_finds_faint_text(
        people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    """The measure itself: the summary chart's labels pass as they are, and fail once faint."""
    arranged, contexts = people
    page = contexts["nurse"].new_page()
    try:
        page.goto(arranged.summary)
        label = "#summary-strain svg text:first-of-type"  # the axis's "0", #4a4f57 on white
        assert _measure_contrast(page, label) is None
        page.locator(label).evaluate("el => el.style.setProperty('fill', '#aaaaaa')")
        assert "measured 2.32:1" in str(_measure_contrast(page, label))
    finally:
        page.close()
