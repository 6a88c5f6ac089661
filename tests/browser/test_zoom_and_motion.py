"""Text enlarged to 200 %, zoom to 400 %, reduced motion and a dark colour preference, in real
Chromium, on the patient's home, a 0–10 scale step, a choice step, the step with the safety help,
the review and a municipality's public contact page.

- 200 % text (WCAG 1.4.4): at 390 px wide the root font size is doubled, as a browser's text-size
  setting does to a page sized in rem (set through the CSSOM, which the CSP allows, where an
  injected ``<style>`` would be refused). No horizontal scrolling, no text cut off by a box with
  ``overflow: hidden``/``clip`` or an ellipsis, nothing outside the window sideways.
- 400 % zoom (WCAG 1.4.10): a 1280 × 1024 screen at 400 % is a 320 × 256 CSS px viewport; the
  same checks at the normal text size.
- ``prefers-reduced-motion: reduce`` (WCAG 2.3.3, and the portal's promise to tired eyes): after
  the page's interactions (a choice tapped, the safety help opened, focus moved, a link hovered)
  no animation is running and no element or pseudo-element has a transition or animation longer
  than 0; smooth scrolling is off (a jump down the page lands at once).
- ``prefers-color-scheme: dark``: the portal has no dark theme (``color-scheme: light``). The
  test proves the page stays as designed for a browser that asks for dark: every colour is the
  same as in light, the form controls stay light, and axe's contrast rules pass. Should a dark
  theme be added, the same test runs axe on it instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from tests.browser.key_pages import CONTACT_PAGE, Arranged, arrange, signed_in
from tests.browser.support import PHONE, check_axe, group, tap_choice

#: A 1280 × 1024 screen zoomed to 400 %.
ZOOM_400: ViewportSize = {"width": 320, "height": 256}
SELF_HARM = "Har du den siste tiden hatt tanker om å skade deg selv eller ta ditt eget liv?"

#: Horizontal scrolling, and text that cannot be read whole: cut off by its own box (overflow
#: hidden or clip, an ellipsis), or outside the window sideways (cut off by the window, or by an
#: ancestor that hides overflow). A 1 px box is text for screen readers only (.visually-hidden).
CLIPPED = """() => {
  const doc = document.documentElement;
  const width = doc.clientWidth;
  const found = [];
  if (doc.scrollWidth > width) {
    found.push(`the page scrolls sideways: ${doc.scrollWidth} px in a ${width} px window`);
  }
  // Where it is (the header, main or footer), and how it starts.
  const name = (el) => `[${el.closest('header, main, footer')?.localName || 'body'}] `
    + el.outerHTML.slice(0, 100).replace(/\\s+/g, ' ');
  const cuts = (value) => value === 'hidden' || value === 'clip';
  for (const el of document.body.querySelectorAll('*')) {
    if (!el.checkVisibility({visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 && box.height <= 1) continue;
    const style = getComputedStyle(el);
    const text = el.textContent.trim() !== '';
    if (text && cuts(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      found.push(`text cut off at the side (${el.scrollWidth} > ${el.clientWidth} px): `
                 + name(el));
    }
    if (text && cuts(style.overflowY) && el.scrollHeight > el.clientHeight + 1) {
      found.push(`text cut off below (${el.scrollHeight} > ${el.clientHeight} px): ${name(el)}`);
    }
    if (text && style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth) {
      found.push(`text cut off with an ellipsis: ${name(el)}`);
    }
    // Only the outermost box that sticks out: its contents go with it.
    const outside = (b) => b.right > width + 1 || b.left < -1;
    if (outside(box) && !(el.parentElement && outside(el.parentElement.getBoundingClientRect()))) {
      found.push(`outside the window (${Math.round(box.left)}–${Math.round(box.right)} px of `
                 + `${width}): ${name(el)}`);
    }
  }
  return found;
}"""

#: What still moves: running animations, transitions or animations longer than 0 on any element
#: or pseudo-element, smooth scrolling.
MOVING = """() => {
  const found = [];
  const name = (el) => el ? el.outerHTML.slice(0, 80).replace(/\\s+/g, ' ') : '?';
  for (const animation of document.getAnimations()) {
    if (animation.playState === 'running' || animation.pending) {
      const what = animation.animationName || animation.transitionProperty || animation.id;
      const target = name(animation.effect?.target);
      found.push(`running ${animation.constructor.name} ${what} on ${target}`);
    }
  }
  const longest = (times) => Math.max(...times.split(',').map(
    (t) => parseFloat(t) * (t.trim().endsWith('ms') ? 0.001 : 1)));
  for (const el of [document.documentElement, ...document.documentElement.querySelectorAll('*')]) {
    for (const pseudo of [null, '::before', '::after', '::marker']) {
      const style = getComputedStyle(el, pseudo);
      const where = `${name(el)}${pseudo || ''}`;
      if (longest(style.transitionDuration) > 0) {
        found.push(`transition ${style.transition} on ${where}`);
      }
      if (style.animationName !== 'none' && longest(style.animationDuration) > 0) {
        found.push(`animation ${style.animationName} ${style.animationDuration} on ${where}`);
      }
      if (pseudo === null && style.scrollBehavior === 'smooth') {
        found.push(`smooth scrolling on ${where}`);
      }
    }
  }
  // A jump down the page must land at once (it glides when scrolling is smooth).
  const doc = document.documentElement;
  if (doc.scrollHeight > window.innerHeight) {
    const top = window.scrollY;
    window.scrollTo(0, doc.scrollHeight);
    if (window.scrollY === top) found.push('a jump down the page did not land at once');
    window.scrollTo(0, top);
  }
  return found;
}"""

#: Every colour an element is painted with, and the colour scheme its controls use.
COLOURS = """() => [document.documentElement, ...document.documentElement.querySelectorAll('*')]
  .map((el) => {
    const s = getComputedStyle(el);
    return [el.tagName, s.color, s.backgroundColor, s.backgroundImage, s.borderTopColor,
            s.borderRightColor, s.borderBottomColor, s.borderLeftColor, s.outlineColor,
            s.textDecorationColor, s.fill, s.stroke, s.boxShadow, s.colorScheme,
            s.accentColor, s.caretColor].join(' | ');
  })"""
#: Whether the portal's style sheets offer anything for a dark preference.
HAS_DARK_THEME = """() => [...document.styleSheets].some((sheet) => {
  const rules = (list) => [...list].some((rule) => (rule.conditionText || '').includes(
    'prefers-color-scheme: dark') || (rule.cssRules && rules(rule.cssRules)));
  return rules(sheet.cssRules);
})"""


@pytest.fixture(scope="module")
def people(browser: Browser, live_server: str,
           live_app: Flask) -> Iterator[tuple[Arranged, dict[str, BrowserContext]]]:
    """The arranged pages; a phone-sized context signed in as the patient, and one for nobody
    signed in (who reads the public contact page)."""
    arranged = arrange(live_app)
    contexts = {"patient": signed_in(browser, live_server, arranged.patient),
                "nobody": browser.new_context(**PHONE, base_url=live_server)}
    yield arranged, contexts
    for context in contexts.values():
        context.close()


def _pages(arranged: Arranged) -> dict[str, tuple[str, str]]:
    """The pages judged, by name: who sees it and its path."""
    return {
        "the patient's home": ("patient", "/patient/"),
        "the 0–10 scale step": ("patient", arranged.step(3)),
        "a choice step": ("patient", arranged.step(4)),
        "the step with the safety help": ("patient", arranged.step(14)),
        "the review": ("patient", arranged.review),
        "a municipality's contact page": ("nobody", CONTACT_PAGE),
    }


def _each_page(people: tuple[Arranged, dict[str, BrowserContext]],
               viewport: ViewportSize | None = None) -> Iterator[tuple[str, Page]]:
    """Each page loaded in a tab of whoever sees it (at ``viewport`` when given)."""
    arranged, contexts = people
    tabs: dict[str, Page] = {}
    try:
        for name, (who, path) in _pages(arranged).items():
            if who not in tabs:
                tabs[who] = contexts[who].new_page()
                if viewport:
                    tabs[who].set_viewport_size(viewport)
            tabs[who].goto(path)
            expect(tabs[who].locator("main h1")).to_be_visible()
            yield name, tabs[who]
    finally:
        for tab in tabs.values():
            tab.close()


def test_text_at_200_percent_fits_the_phone(
        people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    problems = []
    for name, page in _each_page(people):
        before = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        page.evaluate("document.documentElement.style.setProperty('font-size', '200%')")
        after = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        assert after == pytest.approx(2 * before), f"the text did not grow on {name}"
        problems += [f"{name}: {found}" for found in page.evaluate(CLIPPED)]
    assert not problems, "at 200 % text on a 390 px phone:\n" + "\n".join(problems)


def test_reflow_at_400_percent_zoom(people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    problems = []
    for name, page in _each_page(people, viewport=ZOOM_400):
        problems += [f"{name}: {found}" for found in page.evaluate(CLIPPED)]
    assert not problems, "at 400 % zoom (320 × 256 CSS px):\n" + "\n".join(problems)


def _interact(page: Page, name: str) -> None:
    """What a patient does on the page: anything that could set something moving."""
    if name == "the step with the safety help":
        tap_choice(group(page, SELF_HARM), "Nei")
        tap_choice(group(page, SELF_HARM), "Ja")
        expect(page.locator("#help-panel-mental_health_self_harm")).to_be_visible()
    elif name == "a choice step":
        tap_choice(page, "Litt")
    page.locator("main a, main button").first.hover()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")


def test_reduced_motion_stops_everything(
        people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    problems = []
    for name, page in _each_page(people):
        page.emulate_media(reduced_motion="reduce")
        assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
        _interact(page, name)
        problems += [f"{name}: {found}" for found in page.evaluate(MOVING)]
    assert not problems, "with prefers-reduced-motion: reduce:\n" + "\n".join(problems)


def test_a_dark_preference_keeps_the_page_readable(
        people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    for name, page in _each_page(people):
        page.emulate_media(color_scheme="light")
        light = page.evaluate(COLOURS)
        page.emulate_media(color_scheme="dark")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
        if not page.evaluate(HAS_DARK_THEME):
            # No dark theme: the page must look exactly as designed, controls included.
            changed = [f"  light: {before}\n  dark:  {after}"
                       for before, after in zip(light, page.evaluate(COLOURS), strict=True)
                       if before != after]
            assert not changed, f"colours change on {name} for a dark preference:\n" + \
                "\n".join(changed[:10])
            assert page.evaluate("getComputedStyle(document.documentElement).colorScheme") \
                == "light"
        check_axe(page, f"{name} for a dark preference")


def test_the_checks_find_what_they_look_for(
        people: tuple[Arranged, dict[str, BrowserContext]]) -> None:
    """The checks themselves, on a page spoilt on purpose: too wide, text cut off, a transition,
    an animation and smooth scrolling are all found."""
    page = people[1]["nobody"].new_page()
    try:
        page.goto(CONTACT_PAGE)
        page.emulate_media(reduced_motion="reduce")
        page.evaluate("""() => {
          const style = (el, properties) => {
            for (const [k, v] of Object.entries(properties)) {
              el.style.setProperty(k, v, 'important');
            }
            return el;
          };
          const make = (text, properties) => {
            const el = document.createElement('p');
            el.textContent = text;
            return style(el, properties);
          };
          document.querySelector('main').append(
            make('wide', {width: '2000px'}),
            make('a long line of text that cannot fit in its box',
                 {width: '40px', overflow: 'hidden', 'white-space': 'nowrap'}),
            make('fading', {transition: 'opacity 0.3s'}),
            // Taller than any viewport, so that there is a jump down the page to make: the
            // 2000 px line lets a phone zoom out to a quarter, four screens tall.
            make('tall', {height: '20000px'}),
          );
          style(document.documentElement, {'scroll-behavior': 'smooth'});
          document.querySelector('h1').animate([{opacity: 0}, {opacity: 1}],
                                               {duration: 10000});
        }""")
        clipped = "\n".join(page.evaluate(CLIPPED))
        for wanted in ("scrolls sideways", "text cut off at the side", "outside the window"):
            assert wanted in clipped, clipped
        moving = "\n".join(page.evaluate(MOVING))
        for wanted in ("running Animation",
                       "transition opacity 0.3s", "smooth scrolling on <html",
                       "did not land at once"):
            assert wanted in moving, moving
    finally:
        page.close()
