"""The patient's way through the questionnaire: start, answer, leave, resume, review, submit,
correct. Follow-ups and the safety question."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_time

from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration import journey
from tests.integration.journey import (
    ANSWERS,
    CONTACT_NAME,
    CONTACT_PHONE,
    answer,
    answer_everything,
    follow,
    location_path,
    message,
    number_of,
    question,
    response_of,
    review_row,
    signed_in_patient,
    step_url,
    stored_answers,
    submissions,
    submit,
    touchpoint_url,
)

# --- helpers -----------------------------------------------------------------------------------


def _expected_on_review(question_id: str, value: Any) -> list[str]:
    """Words that must appear where the review shows this answer (in bokmål, the source)."""
    q = question(question_id)
    if q.type in ("single_choice", "yes_no"):
        return [q.option_label(value) or value]
    if q.type == "multiple_choice":
        return [q.option_label(v) or v for v in value]
    if q.type in ("scale", "short_text", "long_text"):
        return [str(value)]
    return []  # a checkbox: shown as a translated "Yes"


def _page_id_of(question_id: str) -> str:
    return next(p.id for p, q in journey.needs().questions() if q.id == question_id)


def _assert_review_shows(page: Page, answers: dict[str, dict[str, Any]]) -> None:
    for values in answers.values():
        for question_id, value in values.items():
            cell = review_row(page, _page_id_of(question_id), question(question_id).label)
            text = " ".join(cell.get_text(" ").split())
            assert cell.select_one(".muted") is None, (question_id, "shown as not answered")
            for expected in _expected_on_review(question_id, value):
                assert expected in text, (question_id, expected, text)


# --- the whole journey -------------------------------------------------------------------------


def test_home_shows_the_open_touchpoint_first_with_a_start_link(client, db, app):
    _, tp = signed_in_patient(client, db)
    home = client.get("/patient/")
    focus = home.one("main > section.focus")
    assert home.one("main h1").find_parent("section") is focus
    assert focus.find_next("ol", class_="timeline") is not None
    assert home.one(".timeline__item--open .timeline__title").get_text(strip=True) == message(
        app, "First conversation with the municipality")
    assert focus.select_one("h1").get_text(strip=True) == message(
        app, "Prepare for your conversation with the municipality")
    start = focus.select_one("a.button")
    assert start.get_text(strip=True) == message(app, "Start")
    assert start["href"] == touchpoint_url(tp, "questionnaire")


def test_start_leads_to_the_intro_step(client, db):
    _, tp = signed_in_patient(client, db)
    start = client.get("/patient/").one(".focus a.button")["href"]
    step = follow(client, client.raw.get(start))
    assert step.response.request.path == step_url(tp, 1)
    assert step.one("h1#step-heading").get_text(strip=True) == journey.needs().pages[0].title
    assert step.one("progress")["value"] == "1"
    assert step.one("progress")["max"] == str(len(journey.needs().pages))


def test_every_page_answered_is_listed_on_the_review(client, db):
    _, tp = signed_in_patient(client, db)
    last = answer_everything(client, tp)
    assert location_path(last) == touchpoint_url(tp, "review")
    review = follow(client, last)
    _assert_review_shows(review, ANSWERS)
    sections = review.select("main section.review-section")
    assert [s["aria-labelledby"] for s in sections] == [
        f"review-{p.id}" for p in journey.needs().pages if p.kind != "intro"]
    for section in sections:
        assert len(section.select('a[href*="from=review"]')) == 1


def test_a_page_left_blank_shows_as_not_answered(client, db, app):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    review = client.get(touchpoint_url(tp, "review"))
    cell = review_row(review, "existential", question("existential_concern").label)
    assert cell.get_text(strip=True) == message(app, "Not answered")


def test_change_link_returns_to_the_review_after_saving(client, db):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    review = client.get(touchpoint_url(tp, "review"))
    change = review.one('section[aria-labelledby="review-strain"] a[href*="from=review"]')
    assert change["href"] == step_url(tp, "strain", **{"from": "review"})
    step = client.get(change["href"])
    assert step.one('main form button[name="action"][value="review"]')
    assert step.select('main form button[value="back"]') == []
    saved = client.post(change["href"], {**step.form_data(), "strain": "8", "action": "review"})
    assert location_path(saved) == touchpoint_url(tp, "review")
    review = follow(client, saved)
    assert "8" in review_row(review, "strain", question("strain").label).get_text()
    assert stored_answers(db, tp)["strain"] == 8


def test_submit_shows_a_receipt_with_time_next_steps_and_whom_to_call(client, db, app):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    sent = submit(client, tp)
    assert location_path(sent) == touchpoint_url(tp, "receipt")
    receipt = follow(client, sent)
    (submission,) = submissions(db, tp)
    local = submission.submitted_at.astimezone(ZoneInfo("Europe/Oslo"))
    confirmation = receipt.text(".panel--confirmation")
    assert format_time(local, format="short", locale="nb") in confirmation
    headings = [h.get_text(strip=True) for h in receipt.select("main h2")]
    assert message(app, "What happens next") in headings
    call = receipt.one(f'main .contact a[href="tel:{CONTACT_PHONE}"]')
    contact = call.find_parent(class_="contact")
    assert contact.select_one(".contact__name").get_text(strip=True) == CONTACT_NAME
    assert contact.find_previous("h2").get_text(strip=True) != message(app, "What happens next")


def test_submission_holds_a_frozen_copy_of_the_answers(client, db):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    submit(client, tp)
    response = response_of(db, tp)
    (submission,) = submissions(db, tp)
    assert submission.number == 1
    assert submission.revision == response.revision
    assert submission.answers == response.answer_values()
    assert submission.answers["work_note"] == ANSWERS["work"]["work_note"]
    assert submission.answers["agenda"] == ["work", "late_effects", "children"]


def test_correction_after_submit_is_sent_as_a_second_submission(client, db, app):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    submit(client, tp)
    first = submissions(db, tp)[0].answers

    answer(client, tp, "strain", {"strain": "3"})
    review = client.get(touchpoint_url(tp, "review"))
    assert review.text(".notice strong") == message(app, "You have changes that are not sent yet.")
    submit(client, tp)

    one, two = submissions(db, tp)
    assert (one.number, two.number) == (1, 2)
    assert one.answers == first
    assert one.answers["strain"] == 6
    assert two.answers["strain"] == 3
    assert two.submitted_at >= one.submitted_at
    assert not response_of(db, tp).has_unsent_changes


# --- leaving and resuming ----------------------------------------------------------------------

_FIRST_FIVE = ("intro", "what_matters", "strain", "family", "work")


def _answer_five_steps_and_leave(client: PortalClient, tp: int):
    for page_id in _FIRST_FIVE[:-1]:
        answer(client, tp, page_id, ANSWERS.get(page_id, {}))
    return answer(client, tp, "work", ANSWERS["work"], action="later")


def test_save_and_continue_later_goes_home_and_offers_to_continue(client, db, app):
    _, tp = signed_in_patient(client, db)
    left = _answer_five_steps_and_leave(client, tp)
    assert location_path(left) == "/patient/"
    home = follow(client, left)
    assert home.text(".notice") == message(
        app, "Your answers are saved. You can continue where you left off, on this or "
        "another device.")
    link = home.one(".focus a.button")
    assert link.get_text(strip=True) == message(app, "Continue where you left off")
    assert response_of(db, tp).current_page == number_of("work")


def test_another_device_resumes_on_the_exact_step_with_answers_filled_in(client, db, app):
    person, tp = signed_in_patient(client, db)
    _answer_five_steps_and_leave(client, tp)

    laptop = PortalClient(app)
    laptop.sign_in(person.national_id)
    link = laptop.get("/patient/").one(".focus a.button")["href"]
    resumed = laptop.raw.get(link)
    assert resumed.location == step_url(tp, "work")
    step = laptop.get(resumed.location)
    assert journey.checked(step, "work_concern") == ["quite_a_bit"]
    assert journey.checked(step, "work_talk") == ["y"]
    assert journey.checked(step, "work_sick_leave") == ["yes"]
    assert step.one("textarea#work_note").get_text() == ANSWERS["work"]["work_note"]


def test_earlier_steps_keep_their_answers_when_going_back(client, db):
    _, tp = signed_in_patient(client, db)
    _answer_five_steps_and_leave(client, tp)
    assert journey.checked(client.get(step_url(tp, "strain")), "strain") == ["6"]
    what_matters = client.get(step_url(tp, "what_matters")).one("textarea#what_matters")
    assert what_matters.get_text() == ANSWERS["what_matters"]["what_matters"]


# --- conditional follow-ups --------------------------------------------------------------------


def test_follow_up_answer_is_not_stored_when_its_condition_is_not_met(client, db):
    _, tp = signed_in_patient(client, db)
    answer(client, tp, "work", {"work_concern": "not_at_all", "work_sick_leave": "yes",
                                "work_nav_contact": "no"})
    stored = stored_answers(db, tp)
    assert stored["work_concern"] == "not_at_all"
    assert "work_sick_leave" not in stored
    assert "work_nav_contact" not in stored


@pytest.mark.parametrize(
    ("page_id", "trigger", "follow_ups"),
    [
        ("work", {"work_concern": "a_little"},
         {"work_sick_leave": "yes", "work_nav_contact": "no"}),
        ("children", {"children_under_18": "yes"},
         {"children_ages": "7 år", "children_know": "yes", "children_advice": "no"}),
        ("late_effects", {"late_effects_concern": "quite_a_bit"},
         {"late_effects_which": ["pain"]}),
    ],
)
def test_changing_the_trigger_answer_removes_the_follow_up_answers(client, db, page_id, trigger,
                                                                    follow_ups):
    _, tp = signed_in_patient(client, db)
    answer(client, tp, page_id, {**trigger, **follow_ups})
    assert set(follow_ups) <= set(stored_answers(db, tp))

    (trigger_id,) = trigger
    other = "no" if trigger[trigger_id] == "yes" else "not_relevant"
    # The browser still sends the follow-ups' checked inputs: they are only hidden by CSS.
    answer(client, tp, page_id, {trigger_id: other})
    stored = stored_answers(db, tp)
    assert stored[trigger_id] == other
    assert not set(follow_ups) & set(stored)


def test_review_leaves_out_follow_ups_whose_condition_is_not_met(client, db):
    _, tp = signed_in_patient(client, db)
    answer(client, tp, "children", {"children_under_18": "no"})
    review = client.get(touchpoint_url(tp, "review"))
    labels = [dt.get_text(" ", strip=True) for dt in
              review.select('section[aria-labelledby="review-children"] dt')]
    assert question("children_under_18").label in labels
    assert question("children_ages").label not in labels


# --- the safety question -----------------------------------------------------------------------


def _answer_safety(client: PortalClient, tp: int, value: str, action: str = "next") -> None:
    answer(client, tp, "mental_health", {"mental_health_concern": "very_much",
                                         "mental_health_self_harm": value}, action=action)


def _assert_shows_help(scope: Any) -> None:
    hrefs = {a["href"] for a in scope.select("a[href^='tel:']")}
    assert {"tel:113", "tel:116117", f"tel:{CONTACT_PHONE}"} <= hrefs, hrefs
    assert CONTACT_NAME in scope.get_text(" ")


def test_yes_to_the_safety_question_marks_the_response_urgent(client, db):
    _, tp = signed_in_patient(client, db)
    before = datetime.now(UTC)
    _answer_safety(client, tp, "yes")
    response = response_of(db, tp)
    assert response.urgent_at is not None
    assert response.urgent_at >= before.replace(microsecond=0)


def test_no_to_the_safety_question_does_not_mark_the_response_urgent(client, db):
    _, tp = signed_in_patient(client, db)
    _answer_safety(client, tp, "no")
    assert response_of(db, tp).urgent_at is None


def test_safety_page_shows_help_with_the_yes_checked(client, db):
    _, tp = signed_in_patient(client, db)
    _answer_safety(client, tp, "yes")
    page = client.get(step_url(tp, "mental_health"))
    assert journey.checked(page, "mental_health_self_harm") == ["yes"]
    _assert_shows_help(page.one("#help-mental_health_self_harm"))


def test_safety_help_is_revealed_by_the_yes_without_script(client, db):
    _, tp = signed_in_patient(client, db)
    page = client.get(step_url(tp, "mental_health"))
    wrap = page.one("#wrap-mental_health_self_harm")
    assert wrap.find_next_sibling(id="help-mental_health_self_harm") is not None
    css = page.one("head style").get_text()
    assert ('#wrap-mental_health_self_harm:has(input[value="yes"]:checked) '
            "~ #help-mental_health_self_harm") in css


@pytest.mark.parametrize("where", ["review", "receipt"])
def test_after_a_yes_the_review_and_receipt_show_whom_to_call(client, db, where):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    _answer_safety(client, tp, "yes", action="review")
    submit(client, tp)
    _assert_shows_help(client.get(touchpoint_url(tp, where)).one("main .urgent"))


def test_without_a_yes_the_review_shows_no_urgent_help(client, db):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    assert client.get(touchpoint_url(tp, "review")).select("main .urgent") == []


def test_urgent_mark_stays_when_the_answer_is_changed_to_no(client, db):
    _, tp = signed_in_patient(client, db)
    _answer_safety(client, tp, "yes")
    marked = response_of(db, tp).urgent_at
    _answer_safety(client, tp, "no")
    _answer_safety(client, tp, "yes")
    response = response_of(db, tp)
    assert response.answer_values()["mental_health_self_harm"] == "yes"
    assert response.urgent_at == marked


def test_a_yes_marks_the_response_urgent_even_when_another_field_has_an_error(client, db):
    _, tp = signed_in_patient(client, db)
    url = step_url(tp, "mental_health")
    data = journey.fill_step(client, url, {"mental_health_self_harm": "yes",
                                           "mental_health_note": "Tungt. " * 400})
    page = client.post_page(url, data)
    assert page.select(".error-summary")
    response = response_of(db, tp)
    assert response is not None
    assert response.urgent_at is not None


def test_home_shows_whom_to_call_before_the_timeline(client, db):
    signed_in_patient(client, db)
    home = client.get("/patient/")
    call = home.one(f'main a[href="tel:{CONTACT_PHONE}"]')
    timeline = home.one("ol.timeline")
    assert call.find_next("ol", class_="timeline") is timeline  # the phone number comes first
    assert home.text(".contact .contact__name") == CONTACT_NAME


def test_home_shows_whom_to_call_when_no_touchpoint_is_open(client, db):
    person = factories.patient(db, diagnosed_days_ago=200, held=(1, 2))
    client.sign_in(person.national_id)
    home = client.get("/patient/")
    assert not home.select(".focus")
    assert home.one(f'main a[href="tel:{CONTACT_PHONE}"]')
