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
from sqlalchemy import select

from portal.cli import DOMAINS
from portal.i18n import LANGUAGE_NAMES, text_direction
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    answer,
    checked,
    follow,
    message,
    needs,
    signed_in_patient,
    step_url,
    stored_answers,
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
    """Plain links on every page; buttons posting the page's form where it holds answers."""
    choices = page.select("header nav.language details .language__choice")
    assert [c["lang"] for c in choices] == list(LOCALES)
    form_id = page.soup.select_one("main form#main-form")
    for choice in choices:
        code = choice["lang"]
        assert choice["dir"] == ("rtl" if code == "ar" else "ltr")
        assert choice.get_text(strip=True) == LANGUAGE_NAMES[code]
        if form_id is None:
            assert choice.name == "a"
            assert choice["hreflang"] == code
            target = urlsplit(choice["href"])
        else:
            assert choice.name == "button"
            assert (choice["type"], choice["form"], choice["formmethod"]) == (
                "submit", "main-form", "post")
            assert choice.has_attr("formnovalidate")
            target = urlsplit(choice["formaction"])
        assert target.path == f"/language/{code}"
        assert parse_qs(target.query)["next"][0].rstrip("?") == here
    assert [c["lang"] for c in choices if c.get("aria-current") == "true"] == [current]
    summary = page.one("header nav.language details summary")
    assert LANGUAGE_NAMES[current] in summary.get_text()


@pytest.mark.parametrize(
    "kind", ["/", "/sign-in", "dev-provider", "/no-such-page", "home", "step", "review",
             "receipt"])
def test_every_page_has_the_language_switcher(client, db, kind):
    url = _page_url(client, db, kind)
    page = client.get(url, status=404 if kind == "/no-such-page" else 200)
    _assert_switcher(page, url, "nb")


@pytest.mark.parametrize("code", ["en", "nn", "nb"])
def test_switching_language_keeps_you_on_the_same_step(client, db, code):
    signed_in_patient(client, db)
    client.raw.get("/language/en" if code != "en" else "/language/nn")
    here = "/patient/access-log"
    link = client.get(here).one(f'header nav.language a[lang="{code}"]')["href"]
    switched = client.raw.get(link)
    assert switched.status_code == 303
    assert switched.location.rstrip("?") == here
    page = follow(client, switched)
    assert page.soup.html["lang"] == code
    _assert_switcher(page, here, code)


def _switch_from_step(client: PortalClient, url: str, code: str,
                      values: dict[str, str]) -> Page:
    """Press a language button on a step with ``values`` typed: the browser posts the form."""
    page = client.get(url)
    button = page.one(f'header nav.language button[lang="{code}"]')
    data = {**page.form_data("main form#main-form"), **values}
    switched = client.post(button["formaction"], data)
    assert switched.location.rstrip("?") == url
    return follow(client, switched)


def test_switching_language_on_a_step_keeps_what_was_typed_without_saving_it(client, db, app):
    _, tp = signed_in_patient(client, db)
    url = step_url(tp, "work")
    typed = {"work_concern": "quite_a_bit", "work_note": "Jeg er redd for å miste jobben."}

    page = _switch_from_step(client, url, "pl", typed)

    assert page.soup.html["lang"] == "pl"
    assert checked(page, "work_concern") == ["quite_a_bit"]
    assert page.one("textarea#work_note").get_text() == typed["work_note"]
    assert page.text('.notice[role="status"]') == message(
        app, "What you wrote on this page is filled in again below, but it is not saved yet: "
        "check it and press the button to save it.", "pl")
    assert stored_answers(db, tp) == {}  # switching never saves answers on its own

    client.post(url, {**page.form_data("main form#main-form"), "action": "next"})
    assert stored_answers(db, tp)["work_note"] == typed["work_note"]
    assert not client.get(url).select('.notice[role="status"]')


def test_switching_language_on_a_relatives_step_keeps_what_was_typed(app, db):
    from tests.integration.test_relative_questionnaire import family, step

    f = family(app, db)
    url = step(f.patient.id, "relative_how_you_are")
    page = _switch_from_step(f.client, url, "ar", {"how_you_are": "Sliten, men det går."})
    assert (page.soup.html["lang"], page.soup.html["dir"]) == ("ar", "rtl")
    assert page.one("textarea#how_you_are").get_text() == "Sliten, men det går."


def test_a_language_switch_with_a_forged_token_keeps_nothing(client, db):
    _, tp = signed_in_patient(client, db)
    url = step_url(tp, "work")
    response = client.post(f"/language/en?next={url}",
                           {"csrf_token": "forged", "work_note": "Injected"})
    page = follow(client, response)
    assert page.soup.html["lang"] == "en"  # only the language changes
    assert page.one("textarea#work_note").get_text() == ""
    assert not page.select('.notice[role="status"]')


def test_a_language_switch_after_the_session_expired_keeps_the_text_for_after_sign_in(
        client, db, monkeypatch, settings):
    from portal.auth import session as auth_session

    person, tp = signed_in_patient(client, db)
    url = step_url(tp, "work")
    page = client.get(url)
    later = auth_session.time.time() + settings.citizen_idle_minutes * 60 + 5
    monkeypatch.setattr(auth_session.time, "time", lambda: later)
    button = page.one('header nav.language button[lang="uk"]')
    response = client.post(button["formaction"], {**page.form_data("main form#main-form"),
                                                  "work_note": "Я втомилася."})
    # Signed again at the same (patched) time: the cookie's signature is dated then.
    client.sign_in(person.national_id)
    restored = client.get(url)
    assert restored.soup.html["lang"] == "uk"
    assert restored.one("textarea#work_note").get_text() == "Я втомилася."
    assert response.location.rstrip("?") == url


@pytest.mark.parametrize("locale", LOCALES)
def test_every_page_says_its_language_and_direction(client, locale):
    client.raw.get(f"/language/{locale}")
    page = client.get("/")
    assert page.soup.html["lang"] == locale
    assert page.soup.html["dir"] == ("rtl" if locale == "ar" else "ltr")
    unreviewed = page.select("footer .footer__translation")
    assert bool(unreviewed) == (locale != "nb")


def test_the_login_provider_is_asked_for_the_chosen_language_then_english(client):
    client.raw.get("/language/pl")
    start = client.raw.get("/sign-in/citizen/start")
    assert parse_qs(urlsplit(start.location).query)["ui_locales"] == ["pl en nb"]


@pytest.mark.parametrize(("locale", "month"), [("nb", "desember"), ("en", "December"),
                                                ("pl", "grudnia"), ("uk", "грудня"),
                                                ("se", "juovlamánnu"), ("ar", "ديسمبر")])
def test_dates_are_written_the_way_the_language_writes_them(client, monkeypatch, locale, month):
    from datetime import date

    monkeypatch.setattr("portal.public.about.STATEMENT_UPDATED", date(2026, 12, 3))
    client.raw.get(f"/language/{locale}")
    updated = client.get("/accessibility").one("time#statement-updated")
    assert month in updated.get_text()


def test_every_translation_says_it_has_not_been_reviewed(client):
    from portal.i18n import REVIEWED_LOCALES

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for domain, locale in CATALOGS:
        header = (TRANSLATIONS / locale / "LC_MESSAGES" / f"{domain}.po").read_text(
            encoding="utf-8").split('msgid ""', 1)[0]
        reviewed = locale in REVIEWED_LOCALES
        assert ("Not yet reviewed by a native speaker" in header) != reviewed, (domain, locale)
    for locale in set(LOCALES) - REVIEWED_LOCALES - {"nb"}:
        assert f"`{locale}`" in readme.split("## Languages", 1)[1].split("\n## ", 1)[0], locale


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


#: Digits in groups ("55 97 50 00"), matched whole: not a tail or head of a longer number.
SPACED_NUMBER = re.compile(r"(?<![\d\u2066])(?<!\d )\+?\d+(?: \d+)+(?![\d\u2069])(?! \d)")


@pytest.mark.parametrize(("domain", "locale"), [
    (domain, locale) for domain, locale in CATALOGS if text_direction(locale) == "rtl"])
def test_numbers_with_spaces_keep_their_order_in_right_to_left_text(domain, locale):
    """"116 117" inside Arabic text shows as "117 116" unless isolated as left to right."""
    loose = [str(entry.id) for entry in _catalog(locale, domain) if entry.id
             for text in _strings(entry.string) if SPACED_NUMBER.search(text)]
    assert loose == []


def test_phone_numbers_keep_their_order_on_right_to_left_pages(client, db):
    signed_in_patient(client, db)
    client.raw.get("/language/ar")
    page = client.get("/patient/contacts")
    links = page.select("main a[href^='tel:']")
    assert links
    for link in links:
        digits = link.select_one("[dir=ltr]")
        text = (digits or link).get_text(strip=True)
        # Isolated by the element (dir="ltr") or by the phone filter's characters.
        assert digits is not None or SPACED_NUMBER.search(text) is None, text


def test_the_phone_filter_isolates_numbers_only_on_right_to_left_pages(app):
    from flask_babel import force_locale

    from portal.templating import shown_phone

    with app.test_request_context():
        with force_locale("ar"):
            assert shown_phone("+4755975000") == "\u206655 97 50 00\u2069"
        with force_locale("nb"):
            assert shown_phone("+4755975000") == "55 97 50 00"


# --- every other form that keeps what was typed -----------------------------------------------

def _switch_on(client: PortalClient, url: str, code: str, values: dict[str, str]) -> Page:
    """Press a language button on ``url`` with ``values`` typed into its main form."""
    page = client.get(url)
    button = page.one(f'header nav.language button[lang="{code}"]')
    assert button["form"] == "main-form"
    data = {**page.form_data("main form#main-form"), **values}
    return follow(client, client.post(button["formaction"], data))


def test_the_patients_gp_form_keeps_what_was_typed_until_it_is_saved(client, db, app):
    signed_in_patient(client, db)
    page = _switch_on(client, "/patient/contacts", "en",
                      {"gp_name": "Dr. Nilsen", "gp_phone": "55 12 34 56"})
    assert page.soup.html["lang"] == "en"
    assert (page.one("#gp_name")["value"], page.one("#gp_phone")["value"]) == (
        "Dr. Nilsen", "55 12 34 56")
    assert page.text('main > .notice[role="status"]') == message(
        app, "What you wrote on this page is filled in again below, but it is not saved yet: "
        "check it and press the button to save it.", "en")
    client.post("/patient/contacts", page.form_data("main form#main-form"))
    saved = client.get("/patient/contacts")
    assert saved.one("#gp_name")["value"] == "Dr. Nilsen"
    # The draft is gone once saved: only the "saved" message is left.
    assert not saved.select('main > .notice[role="status"]:not(.notice--success)')


def test_a_nurses_conversation_record_keeps_what_was_typed_over_the_stored_values(app, db):
    from tests.integration.test_conversation_record import hospital_patient, staff_client

    person, tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    url = f"/staff/touchpoints/{tp1}/conversation"
    page = _switch_on(nurse, url, "nn", {"held_by": "Kari Vikar, sykepleier",
                                         "relative_present": "yes"})
    assert page.soup.html["lang"] == "nn"
    # Not overwritten by the values the form offers from the record (today, the nurse's name).
    assert page.one("#held_by")["value"] == "Kari Vikar, sykepleier"
    assert checked(page, "relative_present") == ["yes"]
    assert page.select('main > .notice[role="status"]')


def test_the_enrolment_form_keeps_what_was_typed(app, db):
    from tests.integration.test_conversation_record import staff_client

    hospital = factories.patient(db, diagnosed_days_ago=5).pathways[0].hospital
    nurse = staff_client(app, db, hospital)
    page = _switch_on(nurse, "/staff/patients/new", "uk",
                      {"given_name": "Olga", "family_name": "Kovalenko", "locale": "uk"})
    assert (page.one("#given_name")["value"], page.one("#family_name")["value"]) == (
        "Olga", "Kovalenko")
    assert checked(page, "locale") == ["uk"]  # not reset to the default language


def test_an_administrators_new_contact_point_keeps_what_was_typed(app, db):
    organisation = factories.patient(db, diagnosed_days_ago=5).pathways[0].hospital
    admin = factories.staff_member(db, organisation, clinician=False, administrator=True)
    client = PortalClient(app)
    client.sign_in_staff(admin.national_id)
    page = _switch_on(client, "/staff/organisation/contacts/new", "se",
                      {"name": "Kreftkoordinator Kautokeino", "phone": "78 48 71 00"})
    assert page.soup.html["lang"] == "se"
    assert page.one("#name")["value"] == "Kreftkoordinator Kautokeino"
    assert page.one("#phone")["value"] == "78 48 71 00"


def test_the_patients_choices_for_a_relative_are_kept_too(client, db):
    from portal.relatives.models import RelativeLink

    person, _tp = signed_in_patient(client, db)
    factories.relative(db, of=person)
    link = db.scalar(select(RelativeLink).where(RelativeLink.patient_id == person.id))
    url = f"/patient/relatives/{link.id}"
    page = client.get(url)
    data = {**page.form_data("main form#main-form"), "may_see_answers": "y"}
    data.pop("may_see_contacts", None)  # untick
    button = page.one('header nav.language button[lang="en"]')
    page = follow(client, client.post(button["formaction"], data))
    assert not page.one("#may_see_contacts").has_attr("checked")
    assert page.one("#may_see_answers").has_attr("checked")
    db.refresh(link)
    assert (link.may_see_contacts, link.may_see_answers) == (True, False)  # nothing saved
