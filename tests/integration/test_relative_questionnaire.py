"""The relative's own questionnaire: for the patient's next conversation, filled in step by step,
left and resumed, checked and sent, changed and sent again. Only while the patient lets the
relative answer (checked on every request); bad input is explained next to the field with
nothing lost."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.pathway.models import Patient
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import Definition
from portal.relatives.models import Relative, RelativeLink, RelativeResponse
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    fresh,
    location_path,
    open_patient,
    touchpoint_id,
    touchpoint_row,
)
from tests.integration.test_conversation_record import events, today

#: What a relative answers, by page id.
RELATIVE_ANSWERS: dict[str, dict[str, Any]] = {
    "relative_how_you_are": {"how_you_are": "Jeg er sliten, men vi klarer oss."},
    "relative_strain": {"strain": "7"},
    "relative_information": {"information_needs": ["what_next", "rights"]},
    "relative_practical": {"practical_gives_help": "yes", "practical_needs_help": "yes",
                           "practical_what": "Kjøring til behandling."},
    "relative_work_finances": {"work_finances": "a_little"},
    "relative_own_health": {"own_health": "partly"},
    "relative_children": {"children_under_18": "yes", "children_ages": "6 og 11 år",
                          "children_know": "some", "children_worried": "yes",
                          "children_advice": "yes"},
    "relative_own_conversation": {"own_conversation": "yes"},
    "relative_anything_else": {"anything_else": "Takk for at dere spør."},
}


def relative_definition() -> Definition:
    return definitions.latest("relative")


def page_number(page_id: str) -> int:
    number = relative_definition().page_number(page_id)
    assert number is not None, page_id
    return number


def base(patient_id: int) -> str:
    return f"/relative/patients/{patient_id}/questionnaire"


def step(patient_id: int, page: int | str, from_review: bool = False) -> str:
    number = page if isinstance(page, int) else page_number(page)
    return f"{base(patient_id)}/steps/{number}" + ("?from=review" if from_review else "")


@dataclass
class Family:
    patient: Patient
    tp2: int
    relative: Relative
    link: RelativeLink
    client: PortalClient


def family(app: Any, db: Session) -> Family:
    """A patient whose touchpoint 2 is open (1 held), and a signed-in relative they let in."""
    person, tp2 = open_patient(db)
    relative = factories.relative(db, of=person)
    link = db.scalar(select(RelativeLink).where(RelativeLink.relative_id == relative.id))
    assert link is not None
    assert link.may_answer_own
    db.commit()  # end the read: requests write from now on (SQLite)
    client = PortalClient(app)
    client.sign_in(relative.national_id)
    return Family(person, tp2, relative, link, client)


def fill(client: PortalClient, url: str, values: dict[str, Any], action: str = "next") -> Any:
    page = client.get(url)
    return client.raw.post(url, data={**page.form_data(), **values, "action": action})


def answer(f: Family, page_id: str, values: dict[str, Any] | None = None,
           action: str = "next", from_review: bool = False) -> Any:
    response = fill(f.client, step(f.patient.id, page_id, from_review),
                    RELATIVE_ANSWERS.get(page_id, {}) if values is None else values, action)
    assert response.status_code == 303, Page(response).text()
    return response


def stored(db: Session, f: Family) -> RelativeResponse | None:
    fresh(db)
    return db.scalar(select(RelativeResponse).where(RelativeResponse.link_id == f.link.id))


def field_error(page: Page, field_id: str) -> str:
    return " ".join(page.one(f"#{field_id}-error").get_text(" ").split())


def send(f: Family) -> Any:
    review = f.client.get(f"{base(f.patient.id)}/review")
    form = review.one("main form.submit-form")
    return f.client.post(form["action"], review.form_data("main form.submit-form"))


# --- the way through ---------------------------------------------------------------------------


def test_the_overview_names_the_next_conversation_and_the_read_is_logged(app, db):
    f = family(app, db)
    page = f.client.get(base(f.patient.id))
    assert page.one("#for-conversation")
    assert page.one("#questionnaire-start")["href"] == step(f.patient.id, 1)
    assert page.one('a[href="/families-with-children"]')
    logged = events(db, f.patient.id)
    assert [(e.action, e.touchpoint_number) for e in logged] == [
        (audit.AccessAction.READ_APPOINTMENTS, 2)]
    assert logged[0].actor_kind == "relative"


def test_fill_leave_resume_review_send_change_and_send_again(app, db):
    f = family(app, db)
    pid = f.patient.id
    first = answer(f, "relative_welcome")
    assert location_path(first) == step(pid, 2)
    for page_id in ("relative_how_you_are", "relative_strain", "relative_children"):
        answer(f, page_id)
    # The children page links to the page for families with children.
    children = f.client.get(step(pid, "relative_children"))
    assert children.one("#families-link a")["href"] == "/families-with-children"
    # Save and leave: back to the overview, which now offers to continue.
    left = answer(f, "relative_own_conversation", action="later")
    assert location_path(left) == base(pid)
    overview = f.client.get(base(pid))
    assert overview.one("#questionnaire-continue")["href"] == f"{base(pid)}/review"
    response = stored(db, f)
    assert response is not None
    assert response.touchpoint_id == f.tp2
    assert (response.questionnaire_id, response.questionnaire_version) == ("relative", 1)
    assert response.answers == {
        "how_you_are": "Jeg er sliten, men vi klarer oss.", "strain": 7,
        "children_under_18": "yes", "children_ages": "6 og 11 år", "children_know": "some",
        "children_worried": "yes", "children_advice": "yes", "own_conversation": "yes"}
    assert response.submitted_at is None
    assert response.submitted_answers is None

    # Resume: a saved page shows what was saved.
    strain = f.client.get(step(pid, "relative_strain"))
    assert [i["value"] for i in strain.select('input[name="strain"][checked]')] == ["7"]
    # The last page leads to the review, which lists the answers and offers to send.
    last = answer(f, "relative_anything_else")
    assert location_path(last) == f"{base(pid)}/review"
    review = f.client.get(f"{base(pid)}/review")
    assert "Jeg er sliten, men vi klarer oss." in review.text()
    assert review.one("main form.submit-form")
    send(f)
    response = stored(db, f)
    assert response is not None
    sent_at, revision = response.submitted_at, response.revision
    assert sent_at is not None
    assert response.submitted_revision == revision
    assert response.submitted_answers == response.answers
    review = f.client.get(f"{base(pid)}/review")
    assert review.one("#questionnaire-state")
    assert review.select("main form.submit-form") == []  # nothing new to send

    # A resent form (a double click) changes nothing.
    f.client.post(f"{base(pid)}/submit", {"csrf_token": review.csrf_token(),
                                          "revision": str(revision)})
    assert stored(db, f).submitted_at == sent_at  # type: ignore[union-attr]

    # A change after sending: the sent copy stays as it was until sent again.
    changed = answer(f, "relative_strain", {"strain": "3"}, action="review", from_review=True)
    assert location_path(changed) == f"{base(pid)}/review"
    response = stored(db, f)
    assert response is not None
    assert (response.answers["strain"], response.submitted_answers["strain"]) == (3, 7)
    assert response.revision == revision + 1
    review = f.client.get(f"{base(pid)}/review")
    assert review.one("main form.submit-form")
    send(f)
    response = stored(db, f)
    assert response is not None
    assert response.submitted_answers["strain"] == 3
    assert response.submitted_revision == revision + 1
    assert response.submitted_at >= sent_at


def test_a_form_sent_from_an_older_window_is_not_sent(app, db):
    f = family(app, db)
    answer(f, "relative_strain")
    review = f.client.get(f"{base(f.patient.id)}/review")
    data = review.form_data("main form.submit-form")
    answer(f, "relative_strain", {"strain": "2"})  # changed in another window
    f.client.post(f"{base(f.patient.id)}/submit", data)
    response = stored(db, f)
    assert response is not None
    assert response.submitted_at is None


def test_nothing_answered_offers_nothing_to_send(app, db):
    f = family(app, db)
    answer(f, "relative_strain", {})
    review = f.client.get(f"{base(f.patient.id)}/review")
    assert review.select("main form.submit-form") == []
    f.client.post(f"{base(f.patient.id)}/submit", {"csrf_token": review.csrf_token(),
                                                   "revision": "0"})
    response = stored(db, f)
    assert response is not None
    assert response.submitted_at is None


def test_the_submit_needs_a_csrf_token(app, db):
    f = family(app, db)
    answer(f, "relative_strain")
    f.client.post(f"{base(f.patient.id)}/submit", {"revision": "1"}, status=400)
    response = stored(db, f)
    assert response is not None
    assert response.submitted_at is None


def test_a_step_without_a_valid_token_keeps_what_was_typed_and_saves_nothing(app, db):
    f = family(app, db)
    url = step(f.patient.id, "relative_how_you_are")
    page = f.client.post_page(url, {"csrf_token": "forged", "how_you_are": "Tekst",
                                    "action": "next"})
    assert page.one("#how_you_are").get_text() == "Tekst"
    assert page.one(".error-summary")
    assert stored(db, f) is None


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("page_id", "values", "field", "kept"), [
    ("relative_strain", {"strain": "11"}, "strain", None),
    ("relative_own_conversation", {"own_conversation": "maybe"}, "own_conversation", None),
    ("relative_how_you_are", {"how_you_are": "å" * 2001}, "how_you_are", "å" * 2001),
    ("relative_children", {"children_under_18": "yes", "children_ages": "x" * 101,
                           "children_know": "some"}, "children_ages", "x" * 101),
    ("relative_information", {"information_needs": ["rights", "lottery"],
                              "information_note": "Hva med NAV?"}, "information_needs", None),
])
def test_bad_input_is_explained_next_to_the_field_and_nothing_is_lost(app, db, page_id, values,
                                                                      field, kept):
    f = family(app, db)
    url = step(f.patient.id, page_id)
    page = f.client.get(url)
    shown = f.client.post_page(url, {**page.form_data(), **values, "action": "next"})
    assert field_error(shown, field)
    summary_links = [a["href"] for a in shown.select(".error-summary a")]
    assert summary_links
    assert summary_links[0].startswith(f"#{field}")
    assert shown.title.startswith(("Error:", "Feil:"))
    if kept is not None:
        element = shown.one(f"#{field}")
        assert (element.get_text() if element.name == "textarea" else element["value"]) == kept
    if page_id == "relative_children":
        assert [i["value"] for i in shown.select('input[name="children_know"][checked]')] == [
            "some"]
    if page_id == "relative_information":
        assert shown.one("#information_note").get_text() == "Hva med NAV?"
    assert stored(db, f) is None


# --- who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["permission off", "withdrawn"])
def test_a_permission_withdrawn_mid_way_answers_404_and_saves_nothing(app, db, change):
    f = family(app, db)
    answer(f, "relative_strain")
    url = step(f.patient.id, "relative_how_you_are")
    data = {**f.client.get(url).form_data(), "how_you_are": "Ny tekst", "action": "next"}
    review = f.client.get(f"{base(f.patient.id)}/review")
    link = fresh(db).get(RelativeLink, f.link.id)
    assert link is not None
    if change == "permission off":
        link.may_answer_own = False
    else:
        link.withdrawn_at = link.accepted_at
    db.commit()
    assert f.client.raw.post(url, data=data).status_code == 404
    assert f.client.raw.post(f"{base(f.patient.id)}/submit",
                             data=review.form_data("main form.submit-form")).status_code == 404
    for url in (base(f.patient.id), step(f.patient.id, 1), f"{base(f.patient.id)}/review"):
        assert f.client.raw.get(url).status_code == 404, url
    response = stored(db, f)
    assert response is not None
    assert response.answers == {"strain": 7}
    assert response.submitted_at is None


def test_another_patients_questionnaire_is_a_404(app, db):
    f = family(app, db)
    other, _ = open_patient(db)
    # A relative of the other patient, so the other patient does have a relative questionnaire.
    factories.relative(db, of=other)
    for patient_id in (other.id, 999_999_999, 2**40):
        for url in (base(patient_id), step(patient_id, 2), f"{base(patient_id)}/review"):
            assert f.client.raw.get(url).status_code == 404, url
    token = f.client.get(base(f.patient.id)).csrf_token()
    assert f.client.raw.post(f"{base(other.id)}/submit",
                             data={"csrf_token": token, "revision": "0"}).status_code == 404
    assert f.client.raw.get(step(f.patient.id, 99)).status_code == 404


def test_the_patient_and_staff_cannot_open_it(app, db):
    f = family(app, db)
    patient = PortalClient(app)
    patient.sign_in(f.patient.national_id)
    assert patient.raw.get(base(f.patient.id)).status_code == 404
    nurse = PortalClient(app)
    nurse.sign_in_staff(factories.staff_member(db, f.patient.pathways[0].municipality)
                        .national_id)
    assert nurse.raw.get(base(f.patient.id)).status_code == 404


# --- which conversation ------------------------------------------------------------------------


def test_a_held_conversation_moves_the_questionnaire_to_the_next(app, db):
    f = family(app, db)
    answer(f, "relative_strain")
    send(f)
    touchpoint_row(fresh(db), f.tp2).held_on = today()
    db.commit()
    overview = f.client.get(base(f.patient.id))
    assert overview.one("#questionnaire-start")  # a fresh start for touchpoint 3
    answer(f, "relative_strain", {"strain": "2"})
    rows = list(fresh(db).scalars(select(RelativeResponse).order_by(RelativeResponse.id)))
    assert [(r.touchpoint_id, r.answers) for r in rows] == [
        (f.tp2, {"strain": 7}), (touchpoint_id(f.patient, 3), {"strain": 2})]
    assert rows[0].submitted_answers == {"strain": 7}  # the earlier one is kept as sent


def test_with_no_conversation_coming_the_page_says_so(app, db):
    person = factories.patient(db, diagnosed_days_ago=600, held=(1, 2, 3))
    relative = factories.relative(db, of=person)
    client = PortalClient(app)
    client.sign_in(relative.national_id)
    page = client.get(base(person.id))
    assert page.one("#no-conversation")
    assert page.select("#questionnaire-start") == []
    for url in (step(person.id, 2), f"{base(person.id)}/review"):
        response = client.raw.get(url)
        assert response.status_code in (302, 303), url
        assert location_path(response) == base(person.id)
    token = page.csrf_token()
    response = client.raw.post(step(person.id, 2), data={"csrf_token": token, "strain": "5"})
    assert location_path(response) == base(person.id)
    assert fresh(db).scalar(select(RelativeResponse)) is None
    assert events(db, person.id) == []  # nothing about a conversation was shown
