"""Bad input: every form says what is wrong next to the field and keeps everything else typed;
missing or stale CSRF tokens, double clicks, Back after submit and stale revisions get a sensible
page, never a 500, and never lose or duplicate an answer. Ids and addresses: test_bad_input_urls."""

from __future__ import annotations

import pytest

from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    answer,
    answer_everything,
    assert_error_page,
    assert_nothing_saved,
    checked,
    fill_step,
    follow,
    location_path,
    message,
    prepare_one_answer,
    response_of,
    signed_in_patient,
    step_url,
    stored_answers,
    submissions,
    submit,
    touchpoint_url,
)

LONG_NOTE = "Dette er en lang tekst. " * 90  # 2160 characters; the limit is 2000


def _assert_field_error(page: Page, field: str, anchor: str) -> None:
    """The error sits next to the field, is tied to it, and the summary links to the field."""
    error = page.one(f"#{field}-error")
    assert "field-error" in error["class"]
    assert error.get_text(strip=True)
    target = page.one(f"#{anchor}")
    assert target.name in ("input", "textarea")
    assert target.get("aria-invalid") == "true"
    described = target if target.has_attr("aria-describedby") else target.find_parent("fieldset")
    assert f"{field}-error" in described["aria-describedby"].split()
    assert page.one(f'.error-summary a[href="#{anchor}"]')


# --- a field's own errors ----------------------------------------------------------------------


def test_over_long_note_is_shown_next_to_the_field_and_in_the_summary(client, db, app):
    tp, _ = prepare_one_answer(client, db)
    url = step_url(tp, "work")
    data = fill_step(client, url, {"work_concern": "quite_a_bit", "work_talk": "y",
                                   "work_sick_leave": "yes", "work_note": LONG_NOTE})
    page = client.post_page(url, data)
    _assert_field_error(page, "work_note", "work_note")
    assert page.title.startswith(message(app, "Error:"))
    assert page.one(".error-summary").find_next("form") is not None


def test_over_long_note_keeps_everything_else_typed_and_saves_nothing(client, db):
    tp, revision = prepare_one_answer(client, db)
    url = step_url(tp, "work")
    data = fill_step(client, url, {"work_concern": "quite_a_bit", "work_talk": "y",
                                   "work_sick_leave": "yes", "work_note": LONG_NOTE})
    page = client.post_page(url, data)
    assert checked(page, "work_concern") == ["quite_a_bit"]
    assert checked(page, "work_talk") == ["y"]
    assert checked(page, "work_sick_leave") == ["yes"]
    assert page.one("textarea#work_note").get_text() == LONG_NOTE
    assert_nothing_saved(db, tp, revision)


@pytest.mark.parametrize(
    ("page_id", "values", "field", "anchor"),
    [
        ("work", {"work_concern": "maybe"}, "work_concern", "work_concern-0"),
        ("strain", {"strain": "11"}, "strain", "strain-0"),
        ("family", {"family_bring_someone": "perhaps"}, "family_bring_someone",
         "family_bring_someone-0"),
        ("agenda", {"agenda": ["work", "not_a_topic"]}, "agenda", "agenda-0"),
    ],
)
def test_a_value_that_is_not_an_option_is_refused(client, db, page_id, values, field, anchor):
    tp, revision = prepare_one_answer(client, db)
    url = step_url(tp, page_id)
    page = client.post_page(url, fill_step(client, url, values))
    _assert_field_error(page, field, anchor)
    assert_nothing_saved(db, tp, revision)


# Dates: needs-1 has no date question; tests/integration/test_question_types.py covers the type.


def test_more_than_three_agenda_topics_are_refused_and_kept_on_the_page(client, db):
    tp, revision = prepare_one_answer(client, db)
    url = step_url(tp, "agenda")
    chosen = ["work", "family", "nutrition", "children"]
    page = client.post_page(url, fill_step(client, url, {"agenda": chosen}))
    _assert_field_error(page, "agenda", "agenda-0")
    assert sorted(checked(page, "agenda")) == sorted(chosen)
    assert_nothing_saved(db, tp, revision)


def test_the_summary_lists_errors_in_page_order(client, db):
    tp, _ = prepare_one_answer(client, db)
    url = step_url(tp, "work")
    page = client.post_page(url, fill_step(client, url, {"work_concern": "maybe",
                                                          "work_note": LONG_NOTE}))
    links = [a["href"] for a in page.select(".error-summary a")]
    assert links == ["#work_concern-0", "#work_note"]


def test_an_answer_for_a_question_on_another_page_is_ignored(client, db):
    tp, _ = prepare_one_answer(client, db)
    answer(client, tp, "work", {"work_concern": "a_little", "strain": "9"})
    assert stored_answers(db, tp)["strain"] == 5


def test_a_nul_character_in_a_text_answer_is_dropped_not_an_error(client, db):
    tp, _ = prepare_one_answer(client, db)
    answer(client, tp, "what_matters", {"what_matters": "Familien\x00 min"})
    assert stored_answers(db, tp)["what_matters"] == "Familien min"


def test_a_request_too_large_gets_a_friendly_page(client, db, app):
    tp, revision = prepare_one_answer(client, db)
    url = step_url(tp, "work")
    page = client.post_page(url, fill_step(client, url, {"work_note": "x" * 300_000}),
                            status=413)
    assert_error_page(page, app, 413)
    assert_nothing_saved(db, tp, revision)


# --- CSRF tokens -------------------------------------------------------------------------------


def _stale_token(client: PortalClient, tp: int, national_id: str) -> str:
    token = client.get(step_url(tp, "work")).csrf_token()
    client.sign_in(national_id)  # a new session: the old page's token no longer matches
    return token


@pytest.mark.parametrize("token", ["missing", "wrong", "stale"])
def test_a_step_with_a_bad_token_is_shown_again_with_a_message(client, db, token):
    person, tp = signed_in_patient(client, db)
    answer(client, tp, "strain", {"strain": "5"})
    revision = response_of(db, tp).revision
    url = step_url(tp, "work")
    data = fill_step(client, url, {"work_concern": "very_much", "work_note": "Mye å tenke på."})
    if token == "missing":
        del data["csrf_token"]
    elif token == "wrong":
        data["csrf_token"] = "not-a-token"
    else:
        data["csrf_token"] = _stale_token(client, tp, person.national_id)
    page = client.post_page(url, data)
    (item,) = page.select(".error-summary li")
    assert item.get_text(strip=True)
    assert checked(page, "work_concern") == ["very_much"]
    assert page.one("textarea#work_note").get_text() == "Mye å tenke på."
    assert page.csrf_token() != data.get("csrf_token")
    assert_nothing_saved(db, tp, revision)


def test_a_step_sent_again_with_the_fresh_token_is_saved(client, db):
    tp, _ = prepare_one_answer(client, db)
    url = step_url(tp, "work")
    data = fill_step(client, url, {"work_concern": "very_much"})
    page = client.post_page(url, {**data, "csrf_token": "not-a-token"})
    client.post(url, {**page.form_data(), "action": "next"})
    assert stored_answers(db, tp)["work_concern"] == "very_much"


@pytest.mark.parametrize("form", ["submit", "sign-out", "dev-provider"])
def test_a_form_without_a_token_gets_a_friendly_400_page(client, db, app, form):
    person, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    url, data = {
        "submit": (touchpoint_url(tp, "submit"),
                   {"revision": str(response_of(db, tp).revision)}),
        "sign-out": ("/sign-out", {}),
        "dev-provider": (client.provider_page(), {"national_id": person.national_id}),
    }[form]
    page = client.post_page(url, data, status=400)
    assert page.one("main h1").get_text(strip=True)
    assert "Traceback" not in page.soup.get_text()
    assert submissions(db, tp) == []
    client.get("/patient/")  # still signed in


def test_a_language_switch_posted_without_a_form_only_switches(client, app):
    """The switcher posts only from a step (portal/i18n.py); an empty post switches the
    language and keeps nothing."""
    response = client.post("/language/en", {})
    assert response.location.endswith("/")
    assert client.get("/").soup.html["lang"] == "en"


def test_an_unknown_language_code_changes_nothing(client):
    client.raw.get("/language/xx")
    assert client.get("/").soup.html["lang"] == "nb"
    client.post("/language/xx", {})
    assert client.get("/").soup.html["lang"] == "nb"


# --- submitting --------------------------------------------------------------------------------


def test_double_submit_creates_one_submission(client, db):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    review = client.get(touchpoint_url(tp, "review"))
    data = review.form_data("main form.submit-form")
    first = client.post(touchpoint_url(tp, "submit"), data)
    second = client.post(touchpoint_url(tp, "submit"), data)
    assert location_path(first) == location_path(second) == touchpoint_url(tp, "receipt")
    assert [s.number for s in submissions(db, tp)] == [1]


def test_back_after_submit_shows_the_step_and_duplicates_nothing(client, db):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    submit(client, tp)
    before = response_of(db, tp).answer_values()
    page = client.get(step_url(tp, "work"))
    assert checked(page, "work_concern") == ["quite_a_bit"]
    client.post(step_url(tp, "work"), {**page.form_data(), "action": "next"})
    response = response_of(db, tp)
    assert response.answer_values() == before
    assert not response.has_unsent_changes
    assert len(submissions(db, tp)) == 1


def test_submit_with_a_stale_revision_goes_back_to_the_review(client, db):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    review = client.get(touchpoint_url(tp, "review"))
    stale = review.form_data("main form.submit-form")
    answer(client, tp, "strain", {"strain": "2"})  # in another window
    sent = client.post(touchpoint_url(tp, "submit"), stale)
    assert location_path(sent) == touchpoint_url(tp, "review")
    page = follow(client, sent)
    assert page.select("main .notice")
    assert submissions(db, tp) == []
