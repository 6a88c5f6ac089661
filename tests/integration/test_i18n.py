"""Languages: bokmål by default, the browser's choice, a switcher on every page that keeps you
where you are, translated questionnaire text, and catalogs that are complete, compiled and
deterministic."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from functools import cache
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from portal.cli import DOMAINS
from portal.i18n import LANGUAGE_NAMES
from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    answer,
    follow,
    message,
    needs,
    signed_in_patient,
    step_url,
    submit,
    touchpoint_url,
)

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LOCALES = tuple(LANGUAGE_NAMES)


@cache
def _catalog(locale: str, domain: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po").open("rb") as handle:
        return read_po(handle, locale=locale, domain=domain)


def _questionnaire_text(locale: str, source: str) -> str:
    if locale == "nb":
        return source
    found = _catalog(locale, "questionnaire").get(source)
    assert found is not None, (locale, source)
    assert found.string, (locale, source)
    return str(found.string)


# --- choosing the language ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "nb"),
        ("en", "en"),
        ("en-GB,en;q=0.8", "en"),
        ("nn", "nn"),
        ("nn-NO,nn;q=0.9,en;q=0.5", "nn"),
        ("no", "nb"),
        ("nb-NO,nb;q=0.9", "nb"),
        ("de-DE,de;q=0.9", "nb"),
    ],
)
def test_the_language_follows_the_browser_else_bokmaal(client, app, accept, expected):
    headers = {"Accept-Language": accept} if accept else {}
    page = client.get("/", headers=headers)
    assert page.soup.html["lang"] == expected
    assert page.text(".header__service") == message(app, "Cancer pathway home", expected)


def test_a_chosen_language_wins_over_the_browser(client):
    client.raw.get("/language/nn")
    assert client.get("/", headers={"Accept-Language": "en"}).soup.html["lang"] == "nn"


def test_a_language_chosen_before_sign_in_is_kept_after_it(client, db):
    client.raw.get("/language/en")
    signed_in_patient(client, db)
    assert client.get("/patient/").soup.html["lang"] == "en"


def test_a_patients_choice_follows_them_to_another_device(client, db, app):
    person, _ = signed_in_patient(client, db)
    client.raw.get("/language/nn")
    other = PortalClient(app)
    other.sign_in(person.national_id)
    assert other.get("/patient/").soup.html["lang"] == "nn"


# --- the switcher ------------------------------------------------------------------------------


def _page_url(client: PortalClient, db, kind: str) -> str:
    if kind in ("/", "/sign-in", "/no-such-page"):
        return kind
    if kind == "dev-provider":
        return client.provider_page()
    _, tp = signed_in_patient(client, db)
    if kind == "home":
        return "/patient/"
    if kind == "step":
        return step_url(tp, "work")
    answer(client, tp, "intro", {})
    if kind == "receipt":
        submit(client, tp)
    return touchpoint_url(tp, kind)


def _assert_switcher(page: Page, here: str, current: str) -> None:
    links = page.select("header nav.language a")
    assert [a["lang"] for a in links] == list(LOCALES)
    for link in links:
        assert link["hreflang"] == link["lang"]
        target = urlsplit(link["href"])
        assert target.path == f"/language/{link['lang']}"
        assert parse_qs(target.query)["next"][0].rstrip("?") == here
        assert link.get_text(strip=True) == LANGUAGE_NAMES[link["lang"]]
    assert [a["lang"] for a in links if a.get("aria-current") == "true"] == [current]


@pytest.mark.parametrize(
    "kind", ["/", "/sign-in", "dev-provider", "/no-such-page", "home", "step", "review",
             "receipt"])
def test_every_page_has_the_language_switcher(client, db, kind):
    url = _page_url(client, db, kind)
    page = client.get(url, status=404 if kind == "/no-such-page" else 200)
    _assert_switcher(page, url, "nb")


@pytest.mark.parametrize("code", ["en", "nn", "nb"])
def test_switching_language_keeps_you_on_the_same_step(client, db, code):
    _, tp = signed_in_patient(client, db)
    client.raw.get("/language/en" if code != "en" else "/language/nn")
    here = step_url(tp, "work")
    link = client.get(here).one(f'header nav.language a[lang="{code}"]')["href"]
    switched = client.raw.get(link)
    assert switched.status_code == 303
    assert switched.location.rstrip("?") == here
    page = follow(client, switched)
    assert page.soup.html["lang"] == code
    _assert_switcher(page, here, code)


# --- the questionnaire in each language --------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_a_step_shows_the_questionnaire_text_in_the_chosen_language(client, db, locale):
    _, tp = signed_in_patient(client, db)
    client.raw.get(f"/language/{locale}")
    page = client.get(step_url(tp, "work"))
    work = needs().pages[needs().page_number("work") - 1]
    assert page.text("h1#step-heading") == _questionnaire_text(locale, work.title)
    legend = page.one("#wrap-work_concern legend").get_text(strip=True)
    assert legend == _questionnaire_text(locale, work.questions[0].label)
    labels = [label.get_text(strip=True) for label in page.select("#wrap-work_concern label")]
    assert labels == [_questionnaire_text(locale, o.label) for o in work.questions[0].options]


@pytest.mark.parametrize("locale", ["en", "nn"])
def test_the_review_shows_questions_in_the_chosen_language(client, db, locale):
    _, tp = signed_in_patient(client, db)
    answer(client, tp, "strain", {"strain": "4"})
    client.raw.get(f"/language/{locale}")
    review = client.get(touchpoint_url(tp, "review"))
    strain = needs().pages[needs().page_number("strain") - 1]
    assert review.text('section[aria-labelledby="review-strain"] h2') == _questionnaire_text(
        locale, strain.title)
    assert review.text('section[aria-labelledby="review-strain"] dt') == _questionnaire_text(
        locale, strain.questions[0].label)


# --- the catalogs ------------------------------------------------------------------------------

CATALOGS = [(domain, locale) for domain, (_, locales) in DOMAINS.items() for locale in locales]
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]")


def _strings(value: str | tuple[str, ...] | None) -> list[str]:
    if value is None:
        return [""]
    return list(value) if isinstance(value, tuple) else [value]


@pytest.mark.parametrize(("domain", "locale"), CATALOGS)
def test_every_message_is_translated_with_the_same_placeholders(domain, locale):
    problems = []
    for entry in _catalog(locale, domain):
        if not entry.id:
            continue  # the header
        # A plural entry: the first form answers the singular id, every other form the plural.
        ids = (entry.id,) if isinstance(entry.id, str) else tuple(entry.id)
        if entry.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        for index, text in enumerate(_strings(entry.string)):
            source = ids[min(index, len(ids) - 1)]
            if not text.strip():
                problems.append(f"untranslated: {source!r}")
            elif sorted(PLACEHOLDER.findall(text)) != sorted(PLACEHOLDER.findall(source)):
                problems.append(f"placeholders differ: {source!r} -> {text!r}")
    assert problems == []


@pytest.mark.parametrize(("domain", "locale"), CATALOGS)
def test_every_catalog_has_every_message_of_the_template(domain, locale):
    with (TRANSLATIONS / f"{domain}.pot").open("rb") as handle:
        template = {m.id for m in read_po(handle) if m.id}
    catalog = {m.id for m in _catalog(locale, domain) if m.id}
    assert sorted(map(str, template - catalog)) == []
    assert sorted(map(str, catalog - template)) == []


@pytest.mark.parametrize(("domain", "locale"), CATALOGS)
def test_compiled_catalogs_are_up_to_date(domain, locale):
    folder = TRANSLATIONS / locale / "LC_MESSAGES"
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(locale, domain))
    committed = folder / f"{domain}.mo"
    assert committed.exists(), f"{committed} is missing: run portal i18n compile"
    assert committed.read_bytes() == compiled.getvalue(), "run portal i18n compile"


@pytest.mark.parametrize("domain", sorted(DOMAINS))
def test_the_message_templates_are_deterministic_and_current(domain, tmp_path):
    config, _ = DOMAINS[domain]
    output = tmp_path / f"{domain}.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run(
        [str(pybabel), "extract", "-F", config, "--no-location", "--omit-header",
         "--sort-output", "--no-wrap", "-k", "_l", "-o", str(output), "."],
        cwd=ROOT, check=True, capture_output=True,
    )
    assert output.read_bytes() == (TRANSLATIONS / f"{domain}.pot").read_bytes(), (
        "run portal i18n extract")
