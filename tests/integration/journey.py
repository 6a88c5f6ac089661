"""Helpers for driving the questionnaire as a patient would: open a step, fill it in, send it.

Step numbers are looked up from the definition by page id, so a reordered questionnaire does not
silently test the wrong page.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from portal.errors import MESSAGES
from portal.pathway.models import Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import Definition, Question
from portal.questionnaire.models import Response, Submission
from tests import factories
from tests.helpers import Page, PortalClient

#: The contact point every factory municipality has (tests/factories.py).
CONTACT_PHONE = "+4712345678"
CONTACT_NAME = "Kreftkoordinator Test"

#: What a realistic patient answers on each page, by page id. Pages left out stay unanswered.
ANSWERS: dict[str, dict[str, Any]] = {
    "what_matters": {"what_matters": "Å være mye sammen med barnebarna og klare meg selv hjemme."},
    "strain": {"strain": "6"},
    "family": {"family_concern": "a_little", "family_bring_someone": "yes"},
    "work": {"work_concern": "quite_a_bit", "work_talk": "y", "work_sick_leave": "yes",
             "work_nav_contact": "yes",
             "work_note": "Jeg er 50 % sykmeldt og vet ikke hvordan det blir etter nyttår."},
    "finances_housing": {"finances_housing_concern": "a_little",
                         "finances_housing_worries": ["income", "health_costs"]},
    "help_at_home": {"help_at_home_concern": "not_at_all", "help_at_home_gets_help": "no"},
    "rehabilitation": {"rehabilitation_concern": "not_relevant"},
    "physical_activity": {"physical_activity_concern": "a_little"},
    "nutrition": {"nutrition_concern": "quite_a_bit", "nutrition_talk": "y",
                  "nutrition_weight_loss": "yes"},
    "own_health": {"own_health_concern": "a_little"},
    "own_resources": {"own_resources_concern": "rather_not"},
    "leisure": {"leisure_concern": "a_little"},
    "mental_health": {"mental_health_concern": "quite_a_bit", "mental_health_self_harm": "no"},
    "sexual_health": {"sexual_health_concern": "rather_not"},
    "oral_health": {"oral_health_concern": "not_at_all"},
    "municipal_contact": {"municipal_contact_concern": "a_little",
                          "municipal_contact_known": "no", "municipal_contact_wanted": "yes"},
    "late_effects": {"late_effects_concern": "very_much", "late_effects_talk": "y",
                     "late_effects_which": ["fatigue", "memory"]},
    "children": {"children_concern": "quite_a_bit", "children_under_18": "yes",
                 "children_ages": "4 og 9 år", "children_know": "some",
                 "children_advice": "yes"},
    "agenda": {"agenda": ["work", "late_effects", "children"]},
    "sharing": {"keep_private": ["mental_health"]},
}


def needs() -> Definition:
    return definitions.latest("needs")


def number_of(page_id: str) -> int:
    number = needs().page_number(page_id)
    assert number is not None, page_id
    return number


def question(question_id: str) -> Question:
    found = needs().question(question_id)
    assert found is not None, question_id
    return found


def step_url(touchpoint_id: int, page: int | str, **query: str) -> str:
    number = page if isinstance(page, int) else number_of(page)
    url = f"/patient/touchpoints/{touchpoint_id}/steps/{number}"
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


def touchpoint_url(touchpoint_id: int, what: str) -> str:
    return f"/patient/touchpoints/{touchpoint_id}/{what}"


def touchpoint_id(patient: Patient, number: int) -> int:
    found = next(t for t in patient.current_pathway.touchpoints if t.number == number)  # type: ignore[union-attr]
    return found.id


def open_patient(db: Session) -> tuple[Patient, int]:
    """A patient whose touchpoint 2 is open (touchpoint 1 held, 3 upcoming), and its id."""
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    return person, touchpoint_id(person, 2)


def signed_in_patient(client: PortalClient, db: Session) -> tuple[Patient, int]:
    person, tp = open_patient(db)
    client.sign_in(person.national_id)
    return person, tp


def fill_step(client: PortalClient, url: str, values: dict[str, Any],
              action: str = "next") -> dict[str, Any]:
    """Open the step and return what the browser would send with ``values`` filled in."""
    page = client.get(url)
    return {**page.form_data(), **values, "action": action}


def answer(client: PortalClient, touchpoint: int, page: int | str, values: dict[str, Any],
           action: str = "next") -> TestResponse:
    url = step_url(touchpoint, page)
    return client.post(url, fill_step(client, url, values, action))


def answer_everything(client: PortalClient, touchpoint: int) -> TestResponse:
    """Walk every step from the first, answering as in ``ANSWERS``; returns the last redirect."""
    result = None
    for number, page in enumerate(needs().pages, start=1):
        result = answer(client, touchpoint, number, ANSWERS.get(page.id, {}))
    assert result is not None
    return result


def submit(client: PortalClient, touchpoint: int, status: int = 303) -> TestResponse:
    review = client.get(touchpoint_url(touchpoint, "review"))
    form = review.one("main form.submit-form")
    return client.post(form["action"], review.form_data("main form.submit-form"), status=status)


def fresh(db: Session) -> Session:
    """End the test session's transaction, so it sees what requests committed since."""
    db.commit()
    db.expire_all()
    return db


def response_of(db: Session, touchpoint: int) -> Response | None:
    fresh(db)
    return db.scalar(select(Response).where(Response.touchpoint_id == touchpoint))


def stored_answers(db: Session, touchpoint: int) -> dict[str, Any]:
    response = response_of(db, touchpoint)
    return response.answer_values() if response else {}


def submissions(db: Session, touchpoint: int) -> list[Submission]:
    fresh(db)
    return list(db.scalars(
        select(Submission).join(Response).where(Response.touchpoint_id == touchpoint)
        .order_by(Submission.number)))


def touchpoint_row(db: Session, touchpoint: int) -> Touchpoint:
    found = db.get(Touchpoint, touchpoint)
    assert found is not None
    return found


def message(app: Flask, msgid: str, locale: str = "nb", **variables: Any) -> str:
    """A portal message as the app shows it in ``locale`` (so tests follow the catalogs)."""
    with app.test_request_context(), force_locale(locale):
        return str(gettext(msgid, **variables))


def location_path(response: TestResponse) -> str:
    assert response.location, (response.status_code, "no Location")
    return urlsplit(response.location).path


def follow(client: PortalClient, response: TestResponse) -> Page:
    """GET the redirect target of ``response`` as a checked page."""
    assert response.status_code in (302, 303), response.status_code
    return client.get(response.location)


def checked(page: Page, name: str) -> list[str]:
    return [str(tag["value"]) for tag in page.select(f'input[name="{name}"][checked]')]


def review_row(page: Page, page_id: str, label: str) -> Any:
    """The review page's value cell for the question ``label`` in the section of ``page_id``."""
    rows = page.select(f'section[aria-labelledby="review-{page_id}"] .summary-list__row')
    found = [r for r in rows if " ".join(r.select_one("dt").get_text(" ").split()) == label]
    assert len(found) == 1, (page_id, label, len(found))
    return found[0].select_one("dd")


def error_title(app: Flask, code: int) -> str:
    """The heading of the portal's error page for ``code``, in bokmål."""
    with app.test_request_context(), force_locale("nb"):
        return str(MESSAGES[code][0])


def assert_error_page(page: Page, app: Flask, code: int) -> None:
    assert page.status == code
    assert page.text("main h1") == error_title(app, code)
    assert "Traceback" not in page.soup.get_text()


def prepare_one_answer(client: PortalClient, db: Session) -> tuple[int, int]:
    """A signed-in patient who has saved strain = 5; returns the touchpoint and the revision."""
    _, tp = signed_in_patient(client, db)
    answer(client, tp, "strain", {"strain": "5"})
    response = response_of(db, tp)
    assert response is not None
    return tp, response.revision


def assert_nothing_saved(db: Session, tp: int, revision: int) -> None:
    """Only what ``prepare_one_answer`` saved is there."""
    response = response_of(db, tp)
    assert response is not None
    assert response.revision == revision
    assert response.answer_values() == {"strain": 5}
