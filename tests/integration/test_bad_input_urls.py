"""Addresses a patient should not reach: another patient's touchpoint, one that does not exist,
a step out of range, a questionnaire version no longer installed, a touchpoint not open or already
held, unknown addresses and wrong methods. Each gets a kind page, never a 500, and nothing of
anyone's answers changes."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from portal.questionnaire.models import Response
from tests.helpers import Page, PortalClient, check_page
from tests.integration import journey
from tests.integration.journey import (
    answer,
    answer_everything,
    assert_error_page,
    assert_nothing_saved,
    fresh,
    location_path,
    message,
    prepare_one_answer,
    response_of,
    signed_in_patient,
    step_url,
    submissions,
    submit,
    touchpoint_id,
    touchpoint_url,
)

# --- ids that are not the patient's, or not there ----------------------------------------------


@pytest.mark.parametrize("number", [0, 23, 999])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_step_out_of_range_is_not_found(client, db, app, number, method):
    tp, revision = prepare_one_answer(client, db)
    token = client.get(step_url(tp, 1)).csrf_token()
    url = step_url(tp, number)
    if method == "GET":
        page = client.get(url, status=404)
    else:
        page = client.post_page(url, {"csrf_token": token, "action": "next"}, status=404)
    assert_error_page(page, app, 404)
    assert_nothing_saved(db, tp, revision)


def _patient_requests(tp: int, token: str, revision: int) -> list[tuple[str, str, dict[str, Any]]]:
    work = {"csrf_token": token, "work_concern": "very_much", "action": "next"}
    return [
        ("GET", touchpoint_url(tp, "questionnaire"), {}),
        ("GET", step_url(tp, 1), {}),
        ("GET", step_url(tp, "work"), {}),
        ("GET", touchpoint_url(tp, "review"), {}),
        ("GET", touchpoint_url(tp, "receipt"), {}),
        ("POST", step_url(tp, "work"), work),
        ("POST", step_url(tp, "work") + "?from=review", {**work, "action": "review"}),
        ("POST", touchpoint_url(tp, "submit"), {"csrf_token": token, "revision": str(revision)}),
    ]


def _send(client: PortalClient, method: str, url: str, data: dict[str, Any], status: int) -> Page:
    if method == "GET":
        return client.get(url, status=status)
    return client.post_page(url, data, status=status)


def test_another_patients_touchpoint_is_not_found_on_every_url(client, db, app):
    other, other_tp = journey.open_patient(db)
    other_client = PortalClient(app)
    other_client.sign_in(other.national_id)
    answer_everything(other_client, other_tp)
    answer(other_client, other_tp, "strain", {"strain": "7"}, action="later")
    submit(other_client, other_tp)
    before = response_of(db, other_tp)
    snapshot = (before.answer_values(), before.revision, before.current_page,
                [s.number for s in submissions(db, other_tp)])

    _, mine = signed_in_patient(client, db)
    token = client.get(step_url(mine, 1)).csrf_token()
    for method, url, data in _patient_requests(other_tp, token, before.revision):
        assert_error_page(_send(client, method, url, data, 404), app, 404)

    after = response_of(db, other_tp)
    assert (after.answer_values(), after.revision, after.current_page,
            [s.number for s in submissions(db, other_tp)]) == snapshot


@pytest.mark.parametrize("missing", [987654, 2**31, 10**20])
def test_a_touchpoint_that_does_not_exist_is_not_found(client, db, app, missing):
    _, mine = signed_in_patient(client, db)
    token = client.get(step_url(mine, 1)).csrf_token()
    for method, url, data in _patient_requests(missing, token, 1):
        assert_error_page(_send(client, method, url, data, 404), app, 404)


def test_a_questionnaire_version_no_longer_installed_is_gone_not_an_error(client, db, app):
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    submit(client, tp)
    revision = response_of(db, tp).revision
    db.execute(update(Response).where(Response.touchpoint_id == tp)
               .values(questionnaire_version=99))
    db.commit()
    token = client.get("/patient/").csrf_token()  # the sign-out form's token
    for method, url, data in _patient_requests(tp, token, revision):
        page = _send(client, method, url, data, 410)
        assert_error_page(page, app, 410)
        assert page.one("main h1 + p").get_text(strip=True)
    response = response_of(db, tp)
    assert (response.revision, len(submissions(db, tp))) == (revision, 1)
    assert response.answer_values()["strain"] == 6


# --- touchpoints that are not open -------------------------------------------------------------


def test_an_upcoming_touchpoint_shows_not_open_yet_instead_of_a_form(client, db):
    person, _ = signed_in_patient(client, db)
    upcoming = touchpoint_id(person, 3)
    for url in (touchpoint_url(upcoming, "questionnaire"), step_url(upcoming, "work")):
        page = client.get(url)
        assert page.select("main form") == []
        assert page.select(".timeline") == []
        assert page.one("main h1").get_text(strip=True)


def test_an_answer_posted_to_an_upcoming_touchpoint_is_not_saved(client, db):
    person, tp = signed_in_patient(client, db)
    upcoming = touchpoint_id(person, 3)
    token = client.get(step_url(tp, 1)).csrf_token()
    page = client.post_page(step_url(upcoming, "work"),
                            {"csrf_token": token, "work_concern": "a_little", "action": "next"})
    assert page.select("main form") == []
    assert response_of(db, upcoming) is None


def _held_after_submitting(client: PortalClient, db) -> int:
    _, tp = signed_in_patient(client, db)
    answer_everything(client, tp)
    submit(client, tp)
    touchpoint = journey.touchpoint_row(fresh(db), tp)
    touchpoint.held_on = date.today()  # noqa: DTZ011 (a date in the past or today is all we need)
    db.commit()
    return tp


def test_a_held_touchpoint_shows_a_read_only_review(client, db, app):
    tp = _held_after_submitting(client, db)
    review = client.get(touchpoint_url(tp, "review"))
    assert review.text("main h1") == message(app, "Your answers")
    assert review.select('main a[href*="from=review"]') == []
    assert review.select("main form") == []
    assert "6" in journey.review_row(review, "strain", journey.question("strain").label).text


def test_a_held_touchpoint_refuses_changes_and_new_submissions(client, db):
    tp = _held_after_submitting(client, db)
    before = response_of(db, tp).answer_values()
    token = client.get("/patient/").csrf_token()
    moved = client.raw.get(step_url(tp, "strain"))
    assert location_path(moved) == touchpoint_url(tp, "review")
    changed = client.raw.post(step_url(tp, "strain"),
                              data={"csrf_token": token, "strain": "1", "action": "next"})
    assert location_path(changed) == touchpoint_url(tp, "review")
    sent = client.post(touchpoint_url(tp, "submit"),
                       {"csrf_token": token, "revision": str(response_of(db, tp).revision)})
    assert location_path(sent) == touchpoint_url(tp, "receipt")
    assert response_of(db, tp).answer_values() == before
    assert len(submissions(db, tp)) == 1


# --- addresses and methods ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "code"),
    [
        ("GET", "/no-such-page", 404),
        ("GET", "/patient/touchpoints/abc/review", 404),
        ("GET", "/patient/touchpoints/1/steps/-1", 404),
        ("GET", "/sign-out", 405),
        ("GET", "/patient/touchpoints/1/submit", 405),
        ("PUT", "/patient/touchpoints/1/steps/1", 405),
        ("DELETE", "/patient/", 405),
    ],
)
def test_unknown_addresses_and_wrong_methods_get_the_error_page(client, app, method, url, code):
    response = client.raw.open(url, method=method)
    assert response.status_code == code
    assert_error_page(check_page(response), app, code)
    if code == 405:
        assert method not in response.headers["Allow"].split(", ")
        assert response.headers["Allow"]
