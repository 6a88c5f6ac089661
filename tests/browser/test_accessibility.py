"""Accessibility beyond axe, in real Chromium: touch targets, reflow at 320 px, the keyboard,
and the language switcher (with axe in each language)."""

from __future__ import annotations

import io
import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.support import (
    MIN_TARGET,
    check_axe,
    check_touch_targets,
    group,
    press,
    screenshot,
    sign_in,
    start_questionnaire,
    step_url,
    tap_choice,
    touchpoint_path,
)

FOCUSED = """() => {
  const el = document.activeElement;
  // A native input hidden under its label (the 0–10 scale) shows its focus on the label.
  const shown = el.matches('input') && getComputedStyle(el).opacity === '0' && el.labels.length
    ? el.labels[0] : el;
  const style = getComputedStyle(shown);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow !== 'none' && style.boxShadow.includes('rgb(255, 191, 71)');
  return {
    id: el.id, tag: el.tagName.toLowerCase(), type: el.type || '', name: el.name || '',
    classes: el.className, group: el.name ? document.getElementsByName(el.name).length : 0,
    styled: outline || ring,
    style: `${style.outlineStyle} ${style.outlineWidth} / ${style.boxShadow}`,
  };
}"""


def started(page: Page, make_patient: Any) -> str:
    """Sign in a new patient, start the questionnaire; the touchpoint's path."""
    sign_in(page, make_patient())
    start_questionnaire(page)
    return touchpoint_path(page)


def test_touch_targets_and_no_horizontal_scroll_at_320(page: Page, make_patient: Any) -> None:
    base = started(page, make_patient)

    page.goto(f"{base}/steps/4")
    targets = check_touch_targets(page, "a topic step")
    kinds = [t["kind"] for t in targets]
    assert kinds.count("button") >= 4  # next, back, later, sign out
    choice_labels = [t for t in targets if 'class="choice__label"' in t["what"]]
    assert len(choice_labels) >= 7  # six concern options and "I would like to talk about this"
    assert all(t["height"] >= MIN_TARGET for t in choice_labels)

    page.goto(f"{base}/steps/3")
    targets = check_touch_targets(page, "the 0–10 scale step")
    scale = [t for t in targets if 'class="scale__label"' in t["what"]]
    assert len(scale) == 11
    assert all(t["width"] >= MIN_TARGET and t["height"] >= MIN_TARGET for t in scale)

    page.goto(f"{base}/steps/14")
    tap_choice(group(page, "Har du den siste tiden hatt tanker om å skade deg selv eller ta ditt "
                           "eget liv?"), "Ja")
    check_touch_targets(page, "the mental health step with the safety help shown")

    # Reflow: nothing wider than a 320 px screen (WCAG 1.4.10).
    press(page, "next", step_url(15))
    page.set_viewport_size({"width": 320, "height": 700})
    for path in ("/patient/", f"{base}/steps/4", f"{base}/steps/3", f"{base}/review"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{path} is {width} px wide at a 320 px viewport"
    page.goto(f"{base}/steps/3")
    check_touch_targets(page, "the 0–10 scale step at 320 px")


def _focus_document_start(page: Page) -> None:
    """Put the keyboard at the very top of the document, as after a fresh load."""
    page.evaluate("""() => {
      document.body.setAttribute('tabindex', '-1');
      document.body.focus();
      document.body.removeAttribute('tabindex');
    }""")


def _tab(page: Page, key: str = "Tab") -> dict[str, Any]:
    page.keyboard.press(key)
    focused: dict[str, Any] = page.evaluate(FOCUSED)
    assert focused["styled"], f"no visible focus style on {focused}"
    return focused


def _skip_link_first(page: Page) -> None:
    focused = _tab(page)
    assert "skip-link" in focused["classes"], f"Tab from the top reached {focused} first"
    box = page.locator(".skip-link").bounding_box()
    assert box is not None
    assert box["y"] >= 0, "the focused skip link is not on screen"
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    assert page.url.endswith("#main")


def _reach_every_choice(page: Page, where: str) -> None:
    """Tab through the form; inside a radio group walk it with the arrow keys."""
    ids = "inputs => inputs.map(i => i.id)"
    # Visible choices, and the 0–10 scale's inputs (hidden under their labels).
    wanted = set(page.locator("main input[type=radio]:visible, main input[type=checkbox]:visible, "
                              "main .scale__input").evaluate_all(ids))
    reached: set[str] = set()
    for _ in range(60):
        focused = _tab(page)
        if focused["type"] == "radio":
            reached.add(focused["id"])
            for _ in range(focused["group"] - 1):
                reached.add(_tab(page, "ArrowDown")["id"])
        elif focused["type"] == "checkbox":
            reached.add(focused["id"])
        if wanted <= reached:
            break
    assert wanted <= reached, f"not reached by keyboard on {where}: {sorted(wanted - reached)}"


def test_keyboard_skip_link_choices_and_focus_style(page: Page, make_patient: Any) -> None:
    base = started(page, make_patient)

    page.goto("/patient/")
    _skip_link_first(page)

    page.goto(f"{base}/steps/4")
    # The script puts focus on a new step's heading, so Tab goes on to the first question.
    expect(page.locator("#step-heading")).to_be_focused()
    _focus_document_start(page)
    _skip_link_first(page)
    _reach_every_choice(page, "a topic step")

    page.goto(f"{base}/steps/3")
    _focus_document_start(page)
    _skip_link_first(page)
    _reach_every_choice(page, "the 0–10 scale step")


def _choose_language(page: Page, name: str) -> None:
    """Open the header's language menu (a <details>, no script needed) and choose."""
    menu = page.locator("header nav.language details")
    if menu.get_attribute("open") is None:
        menu.locator("summary").click()
    menu.locator(".language__choice", has_text=name).click()


def test_language_switch_keeps_the_step_what_was_typed_and_sets_lang(
        page: Page, make_patient: Any) -> None:
    base = started(page, make_patient)
    page.goto(f"{base}/steps/5")
    html, heading = page.locator("html"), page.locator("main h1")
    expect(html).to_have_attribute("lang", "nb")
    expect(heading).to_have_text("Jobb, skole og utdanning")
    check_axe(page, "a step in bokmål")
    note = page.locator("main textarea").first
    note.fill("Jeg skrev dette før jeg byttet språk.")

    for name, code, title in (("English", "en", "Work, school and education"),
                              ("Norsk nynorsk", "nn", "Jobb, skule og utdanning"),
                              ("Norsk bokmål", "nb", "Jobb, skole og utdanning")):
        _choose_language(page, name)
        expect(html).to_have_attribute("lang", code)
        expect(heading).to_have_text(title)
        assert re.search(r"/steps/5$", page.url), page.url
        expect(note).to_have_value("Jeg skrev dette før jeg byttet språk.")
        expect(page.locator(f"header nav .language__choice[lang={code}]")).to_have_attribute(
            "aria-current", "true")
        if code != "nb":
            check_axe(page, f"a step in {name}")


def test_arabic_mirrors_the_layout_the_progress_bar_and_the_scale(
        page: Page, make_patient: Any) -> None:
    base = started(page, make_patient)
    page.goto(f"{base}/steps/3")
    _choose_language(page, "العربية")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    check_axe(page, "the 0–10 scale step in Arabic")
    check_touch_targets(page, "the 0–10 scale step in Arabic")
    screenshot(page, "step-scale-arabic")

    # The scale runs from the right: 0 right of 1, 1 right of 2.
    labels = page.locator("main .scale__label")
    lefts = [labels.nth(i).bounding_box()["x"] for i in range(3)]  # type: ignore[index]
    assert lefts[0] > lefts[1] > lefts[2], lefts
    # The heading's text starts at the right edge, as Arabic text does.
    text_box = page.locator("main h1").evaluate("""(h1) => {
      const range = document.createRange();
      range.selectNodeContents(h1);
      const text = range.getBoundingClientRect(), box = h1.getBoundingClientRect();
      return {leftGap: text.left - box.left, rightGap: box.right - text.right};
    }""")
    assert text_box["rightGap"] < 2 < text_box["leftGap"], text_box

    # The progress bar fills from the right: sample its two ends in a screenshot.
    bar = page.locator("main progress")
    box = bar.bounding_box()
    assert box is not None
    shot = bar.screenshot(scale="css", animations="disabled")
    middle = box["height"] / 2
    right, left = _pixel(shot, box["width"] - 3, middle), _pixel(shot, 3, middle)
    assert right != left, "the progress bar looks the same at both ends"
    assert _darker(right, left), f"the filled end should be on the right: {right} vs {left}"


def _pixel(png: bytes, x: float, y: float) -> tuple[int, int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        r, g, b, *_ = image.convert("RGB").getpixel((int(x), int(y)))
    return (r, g, b)


def _darker(a: tuple[int, int, int], b: tuple[int, int, int]) -> bool:
    return sum(a) < sum(b)
