"""Relatives' own answers in the clinician summary (page, PDF, FHIR): sent copies only, each in
its own section with its author after the patient's answers, only while the patient lets that
relative answer, and only for the organisation holding the conversation. The children notice
(helsepersonelloven § 10 a), and the public page for families with children and its links."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.fhir import resources
from portal.pathway.models import Patient
from portal.questionnaire import definition as definitions
from portal.relatives.models import Relative, RelativeLink, RelativeResponse
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import fresh, open_patient, step_url, touchpoint_row
from tests.integration.test_conversation_record import hospital_patient, today
from tests.integration.test_fhir_export import link_ids
from tests.integration.test_summary import (
    SECTIONS,
    events,
    hand_over,
    section_ids,
    sent_by_patient,
    staff_client,
    stored_touchpoint_1,
    summary_url,
)
from tests.integration.test_summary_pdf import download, pdf_text

HOW = "Jeg er sliten, men vi klarer oss."
#: A relative's sent answers, as stored.
SENT: dict[str, Any] = {
    "how_you_are": HOW, "strain": 8, "information_needs": ["rights"],
    "children_under_18": "yes", "children_ages": "6 og 11 år", "children_know": "some",
    "own_conversation": "yes", "anything_else": "Takk for at dere spør.",
}


def relative_answers(db: Session, person: Patient, tp: int, sent: dict[str, Any] | None,
                     draft: dict[str, Any] | None = None, *, given_name: str = "Liv",
                     relation: str = "datter", may_answer_own: bool = True,
                     withdrawn: bool = False, accepted: bool = True,
                     guardian: bool = False) -> RelativeLink:
    """A relative of ``person`` with answers for touchpoint ``tp``: ``sent`` (None: never sent)
    and a working copy (``draft``, else the sent answers)."""
    now = datetime.now(UTC)
    relative = Relative(national_id=factories.national_id("280483"), given_name=given_name,
                        family_name="Nordmann")
    link = RelativeLink(relative=relative, patient_id=person.id, relation=relation,
                        accepted_at=now - timedelta(days=3) if accepted else None,
                        withdrawn_at=now if withdrawn else None, may_answer_own=may_answer_own,
                        guardian=guardian)
    db.add(RelativeResponse(
        link=link, touchpoint_id=tp, questionnaire_id="relative", questionnaire_version=1,
        answers=draft if draft is not None else dict(sent or {}),
        revision=2 if draft is not None else 1,
        submitted_revision=1 if sent is not None else None, submitted_answers=sent,
        submitted_at=now - timedelta(days=1) if sent is not None else None, updated_at=now))
    db.commit()
    return link


def label(question_id: str) -> str:
    question = definitions.latest("relative").question(question_id)
    assert question is not None, question_id
    return question.label


def fhir_url(tp: int, link_id: int) -> str:
    return f"/staff/touchpoints/{tp}/fhir/relatives/{link_id}"


# --- the summary page ----------------------------------------------------------------------------


def test_a_relatives_sent_answers_follow_the_patients_with_their_author(app, db):
    person, tp, _ = sent_by_patient(app, db)
    link = relative_answers(db, person, tp, SENT)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))

    section = page.one(f"#summary-relative-{link.id}")
    heading = " ".join(section.select_one("h2").get_text(" ").split())
    assert "Liv Nordmann" in heading
    assert "datter" in heading
    # After the patient's answers, before what was agreed; the patient's sections unchanged.
    ids = [s["id"] for s in page.select("main section[id]")]
    assert ids.index("summary-changes") < ids.index(f"summary-relative-{link.id}") < ids.index(
        "summary-actions")
    assert section_ids(page) == [s for s in SECTIONS if s != "summary-urgent"]
    # Never mixed into the patient's answers.
    assert HOW in section.get_text()
    for patient_part in ("#summary-what-matters", "#summary-topics", "#summary-agenda"):
        assert HOW not in page.text(patient_part)
    # Strain, a conversation of their own and the children first, then the rest.
    keys = [" ".join(dt.get_text(" ").split()) for dt in section.select("dt")]
    assert keys[:3] == [label("strain"), label("own_conversation"), label("children_under_18")]
    assert label("how_you_are") in keys[3:]
    assert label("practical_what") not in keys  # not answered: not listed
    assert section.select_one(".tag--talk") is not None  # wants a conversation of their own
    assert section.select_one("p strong") is not None  # high strain (8 of 10)
    assert [e.action for e in events(db, person.id)] == [audit.AccessAction.READ_SUMMARY]


def test_two_relatives_each_get_their_own_section(app, db):
    person, tp, _ = sent_by_patient(app, db)
    first = relative_answers(db, person, tp, {"strain": 2})
    second = relative_answers(db, person, tp, {"strain": 3}, given_name="Per", relation="")
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    assert page.one(f"#summary-relative-{first.id}")
    heading = page.text(f"#summary-relative-{second.id} h2")
    assert "Per Nordmann" in heading
    assert page.select(f"#summary-relative-{second.id} p strong") == []  # strain 3: not high


def test_unsent_answers_are_never_shown_only_the_sent_copy(app, db):
    person, tp, _ = sent_by_patient(app, db)
    draft_only = relative_answers(db, person, tp, None, {"how_you_are": "Bare et utkast"})
    changed = relative_answers(db, person, tp, {"strain": 5, "how_you_are": HOW},
                               {"strain": 9, "how_you_are": "Ikke sendt ennå"})
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    assert page.select(f"#summary-relative-{draft_only.id}") == []
    assert "Bare et utkast" not in page.text()
    section = page.one(f"#summary-relative-{changed.id}")
    assert HOW in section.get_text()
    assert "Ikke sendt ennå" not in page.text()
    strain = next(row.select_one("dd").get_text() for row in section.select(".summary-list__row")
                  if " ".join(row.select_one("dt").get_text().split()) == label("strain"))
    assert "5" in strain
    assert "9" not in strain
    assert nurse.raw.get(fhir_url(tp, draft_only.id)).status_code == 404


@pytest.mark.parametrize("how", ["permission off", "withdrawn", "not accepted", "guardian"])
def test_without_the_patients_permission_the_answers_are_gone(app, db, how):
    person, tp, _ = sent_by_patient(app, db)
    link = relative_answers(db, person, tp, SENT, may_answer_own=how != "permission off",
                            withdrawn=how == "withdrawn", accepted=how != "not accepted",
                            guardian=how == "guardian")
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    assert page.select(".summary-relative") == []
    assert HOW not in page.text()
    assert nurse.raw.get(fhir_url(tp, link.id)).status_code == 404


def test_a_permission_withdrawn_later_removes_them_from_the_next_view(app, db):
    person, tp, _ = sent_by_patient(app, db)
    link = relative_answers(db, person, tp, SENT)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    assert nurse.get(summary_url(tp)).select(".summary-relative")
    row = fresh(db).get(RelativeLink, link.id)
    assert row is not None
    row.may_answer_own = False
    db.commit()
    assert nurse.get(summary_url(tp)).select(".summary-relative") == []


def test_the_municipality_reading_touchpoint_1_after_the_hand_over_does_not_get_them(app, db):
    person, tp1 = hospital_patient(app, db)
    link = relative_answers(db, person, tp1, SENT)
    hospital = PortalClient(app)
    hospital.sign_in_staff(factories.staff_member(db, person.pathways[0].hospital).national_id)
    assert HOW in hospital.get(summary_url(tp1)).text(f"#summary-relative-{link.id}")
    assert hospital.raw.get(fhir_url(tp1, link.id)).status_code == 200
    touchpoint_row(fresh(db), tp1).held_on = today()
    hand_over(db, person)
    municipal, _m = staff_client(app, db, person.pathways[0].municipality)
    page = municipal.get(summary_url(tp1))
    assert page.select(".summary-relative") == []
    assert HOW not in page.text()
    assert municipal.raw.get(fhir_url(tp1, link.id)).status_code == 404


# --- PDF and FHIR --------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is not installed")
def test_the_pdf_has_them_and_the_patients_own_copy_does_not(app, db, tmp_path):
    person, tp, patient = sent_by_patient(app, db)  # the patient answered: children under 18
    relative_answers(db, person, tp, SENT)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    text = " ".join(" ".join(pdf_text(download(nurse, f"{summary_url(tp)}.pdf", tmp_path)))
                    .split())
    assert "Liv Nordmann" in text
    assert HOW in text
    assert "§ 10 a" in text  # the children notice
    assert "4 og 9 år" in text
    own = " ".join(" ".join(pdf_text(download(patient, f"/patient/touchpoints/{tp}/summary.pdf",
                                              tmp_path, "own.pdf"))).split())
    assert "Liv Nordmann" not in own
    assert HOW not in own
    assert "§ 10 a" not in own


def test_the_fhir_export_has_the_relative_as_author(app, db):
    person, tp, _ = sent_by_patient(app, db)
    link = relative_answers(db, person, tp, SENT)
    relative = fresh(db).get(Relative, link.relative_id)
    assert relative is not None
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    response = nurse.raw.get(fhir_url(tp, link.id))
    assert response.status_code == 200
    assert response.mimetype == "application/fhir+json"
    resource = json.loads(response.get_data(as_text=True))
    QuestionnaireResponse.model_validate(resource)
    assert resource["author"] == {
        "type": "RelatedPerson",
        "identifier": {"system": resources.FODSELSNUMMER, "value": relative.national_id},
        "display": "Liv Nordmann (datter)"}
    assert resource["subject"]["identifier"]["value"] == person.national_id
    assert resource["questionnaire"] == "http://localhost/fhir/Questionnaire/relative|1"
    assert {"strain", "own_conversation", "children_under_18", "how_you_are"} <= link_ids(
        resource)
    logged = events(db, person.id)[-1]
    assert (logged.action, logged.touchpoint_number) == (audit.AccessAction.EXPORTED, 2)
    # The patient's own export still names the patient.
    own = json.loads(nurse.raw.get(f"/staff/touchpoints/{tp}/fhir").get_data(as_text=True))
    assert own["author"]["type"] == "Patient"
    # Another patient's relative, or no such link: 404.
    other, other_tp = open_patient(fresh(db))
    stranger = relative_answers(db, other, other_tp, SENT)
    assert nurse.raw.get(fhir_url(tp, stranger.id)).status_code == 404
    assert nurse.raw.get(fhir_url(tp, 2**40)).status_code == 404


# --- children under 18 ---------------------------------------------------------------------------


def test_the_children_notice_when_registered_even_with_nothing_sent(app, db):
    person, tp = open_patient(db)
    person.children_under_18 = True
    db.commit()
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    notice = nurse.get(summary_url(tp)).one("#summary-children")
    assert "§ 10 a" in notice.get_text()


def test_the_children_notice_when_answered_with_the_ages(app, db):
    person, tp, _ = sent_by_patient(app, db)  # journey.ANSWERS: yes, "4 og 9 år"
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    notice = page.one("#summary-children")
    assert "4 og 9 år" in notice.get_text()
    ids = [s["id"] for s in page.select("main section[id]")]
    assert ids.index("summary-children") < ids.index("summary-what-matters")  # near the top


def test_no_children_notice_when_the_answer_is_no(app, db):
    person, tp, _ = sent_by_patient(app, db, {
        "children": {"children_concern": "not_relevant", "children_under_18": "no"}})
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    assert nurse.get(summary_url(tp)).select("#summary-children") == []


def test_children_kept_for_the_conversation_give_no_notice_to_another_service(app, db):
    person, _tp = open_patient(db)
    tp1 = stored_touchpoint_1(db, person, {
        "children_concern": "a_little", "children_under_18": "yes", "children_ages": "3 år",
        "keep_private": ["children"]})
    hospital = PortalClient(app)
    hospital.sign_in_staff(factories.staff_member(db, person.pathways[0].hospital).national_id)
    assert "3 år" in hospital.get(summary_url(tp1)).text("#summary-children")
    hand_over(db, person)
    municipal, _m = staff_client(app, db, person.pathways[0].municipality)
    page = municipal.get(summary_url(tp1))
    assert page.select("#summary-children") == []
    assert "3 år" not in page.text()


# --- the page for families with children ---------------------------------------------------------


def test_the_families_page_is_public_and_linked(app, db):
    anonymous = PortalClient(app)
    page = anonymous.get("/families-with-children")
    assert "§ 10 a" in page.text()
    assert page.select("main h2")
    person, tp = open_patient(db)
    relative = factories.relative(db, of=person)
    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    children = patient.get(step_url(tp, "children"))
    assert children.one("#families-link a")["href"] == "/families-with-children"
    assert patient.get(step_url(tp, "work")).select("#families-link") == []
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    assert family.get("/relative/").one("#families-link a")["href"] == "/families-with-children"


def test_the_demo_coordinator_sees_livs_answers_in_karis_summary(app, db):
    from portal import demo
    from portal.relatives.answers import next_touchpoint

    demo.load(db)
    demo.load(db)  # loading again adds nothing twice
    db.commit()
    kari = db.scalar(select(Patient).where(Patient.national_id == "12035812324"))
    assert kari is not None
    touchpoint = next_touchpoint(db, kari)
    assert touchpoint is not None
    assert len(list(db.scalars(select(RelativeResponse)))) == 1
    db.commit()
    coordinator = PortalClient(app)
    coordinator.sign_in_staff("02029010075")  # Anne Lie, Bergen kommune
    page = coordinator.get(summary_url(touchpoint.id))
    [section] = page.select(".summary-relative")
    assert "Liv Nordmann" in section.get_text()
    assert page.one("#summary-children")
    liv = PortalClient(app)
    liv.sign_in("28048310046")
    review = liv.get(f"/relative/patients/{kari.id}/questionnaire/review")
    assert review.one("#questionnaire-state")
