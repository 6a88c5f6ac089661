"""The whole journey in each language: complete part, leave, resume on another device, review,
submit. Every page is in the chosen language, with no text left in the source language."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.i18n import LANGUAGE_NAMES
from tests.helpers import Page, PortalClient
from tests.integration import journey

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"


@cache
def source_texts(domain: str) -> frozenset[str]:
    """Message ids long enough that finding one on a page means it was not translated."""
    with (TRANSLATIONS / f"{domain}.pot").open("rb") as handle:
        catalog = read_po(handle)
    return frozenset(str(m.id) for m in catalog if m.id and "%(" not in str(m.id)
                     and len(str(m.id).split()) >= 4)


def assert_in_language(page: Page, locale: str) -> None:
    assert page.soup.html["lang"] == locale
    text = " ".join(page.soup.get_text(" ").split())
    # English ids of the portal's messages must not show on a Norwegian page, and bokmål ids
    # of the questionnaire must not show on an English or nynorsk page.
    leaked_domains = {"nb": ["messages"], "en": ["questionnaire"]}.get(
        locale, ["messages", "questionnaire"])
    for domain in leaked_domains:
        leaked = [t for t in source_texts(domain) if t in text and not _same_in(t, locale)]
        assert not leaked, (locale, domain, leaked[:3])


@cache
def _translations(locale: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for domain in ("messages", "questionnaire"):
        po = TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po"
        if po.exists():
            with po.open("rb") as handle:
                found.update({str(m.id): str(m.string) for m in read_po(handle) if m.id})
    return found


def _same_in(text: str, locale: str) -> bool:
    """A text whose translation is itself (a name, say) is not a leak."""
    return _translations(locale).get(text) == text


@pytest.mark.parametrize("locale", sorted(LANGUAGE_NAMES))
def test_complete_leave_resume_review_and_submit(client: PortalClient, db, app,
                                                 locale: str) -> None:
    person, tp = journey.open_patient(db)
    client.sign_in(person.national_id)
    client.raw.get(f"/language/{locale}?next=/patient/")
    assert_in_language(client.get("/patient/"), locale)
    pages = journey.needs().pages
    halfway = len(pages) // 2
    for number, page in enumerate(pages[:halfway], start=1):
        url = journey.step_url(tp, number)
        assert_in_language(client.get(url), locale)
        journey.answer(client, tp, number, journey.ANSWERS.get(page.id, {}),
                       action="later" if number == halfway else "next")

    # Another device: the language the patient chose comes with them.
    laptop = PortalClient(app)
    laptop.sign_in(person.national_id)
    home = laptop.get("/patient/")
    assert_in_language(home, locale)
    resumed = laptop.get(laptop.raw.get(home.one(".focus a.button")["href"]).location)
    assert resumed.one("main h1").get_text(strip=True) == _in(locale, pages[halfway - 1].title)
    for number, page in enumerate(pages[halfway - 1:], start=halfway):
        assert_in_language(laptop.get(journey.step_url(tp, number)), locale)
        journey.answer(laptop, tp, number, journey.ANSWERS.get(page.id, {}))

    review = laptop.get(journey.touchpoint_url(tp, "review"))
    assert_in_language(review, locale)
    receipt = journey.follow(laptop, journey.submit(laptop, tp))
    assert_in_language(receipt, locale)
    assert len(journey.submissions(db, tp)) == 1
    stored = journey.stored_answers(db, tp)
    assert stored["agenda"] == journey.ANSWERS["agenda"]["agenda"]
    assert stored["what_matters"] == journey.ANSWERS["what_matters"]["what_matters"]


def _in(locale: str, bokmal: str) -> str:
    return bokmal if locale == "nb" else _translations(locale)[bokmal]
