"""The clinician summary page: the important things first, the patient's sharing choices held,
every read logged, and nobody outside the pathway's organisations let in."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.audit.models import AccessEvent
from portal.clinician.models import ActionStatus, AgreedAction
from portal.pathway.models import Patient
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import parse
from portal.questionnaire.models import Response, Submission
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import (
    ANSWERS,
    answer,
    answer_everything,
    fresh,
    needs,
    open_patient,
    submit,
    touchpoint_id,
)

SECTIONS = ["summary-urgent", "summary-what-matters", "summary-agenda", "summary-strain",
            "summary-topics", "summary-changes", "summary-actions"]
PRIVATE_NOTE = "Dette vil jeg bare ta opp i samtalen."
TP1_NOTE = "Sjefen min er forståelsesfull."


def summary_url(tp: int) -> str:
    return f"/staff/touchpoints/{tp}/summary"


def stored_touchpoint_1(db: Session, person: Patient, answers: dict[str, Any],
                        strain: int = 8, version: int = 1) -> int:
    """Touchpoint 1 (the hospital's), answered and sent earlier, written straight to the
    database: the questionnaire is closed once the conversation is held."""
    tp1 = touchpoint_id(person, 1)
    sent = datetime.now(UTC) - timedelta(days=60)
    values = {"strain": strain, **answers}
    response = Response(touchpoint_id=tp1, questionnaire_id="needs",
                        questionnaire_version=version, revision=1, submitted_revision=1)
    response.submissions.append(Submission(number=1, revision=1, submitted_at=sent,
                                           answers=values))
    db.add(response)
    db.commit()
    return tp1


def hand_over(db: Session, person: Patient) -> None:
    pathway = person.pathways[0]
    pathway.handed_over_at = datetime.now(UTC) - timedelta(days=50)
    db.commit()


def action(db: Session, tp: int, by: int, what: str, needs_: list[str],
           status: str = ActionStatus.PLANNED, status_on: date | None = None) -> None:
    db.add(AgreedAction(touchpoint_id=tp, what=what, responsible="Fastlegen",
                        contact="55 00 00 00", needs=needs_, status=status,
                        status_on=status_on, created_by_id=by))
    db.commit()


def sent_by_patient(app, db, extra: dict[str, dict[str, Any]] | None = None):
    """A patient who answered everything for touchpoint 2 (the municipality's) and sent it."""
    person, tp = open_patient(db)
    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    answer_everything(patient, tp)
    for page_id, values in (extra or {}).items():
        answer(patient, tp, page_id, values)
    submit(patient, tp)
    return person, tp, patient


def staff_client(app, db, organisation) -> tuple[PortalClient, Any]:
    member = factories.staff_member(db, organisation, given_name="Anne")
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    return client, member


def events(db: Session, patient_id: int) -> list[AccessEvent]:
    fresh(db)
    return list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == patient_id)
                           .order_by(AccessEvent.seq)))


def section_ids(page: Page) -> list[str]:
    return [s["id"] for s in page.select("main section.summary-section")]


def test_the_summary_shows_the_important_things_first_in_the_issues_order(app, db):
    person, tp, _ = sent_by_patient(app, db, {
        "mental_health": {"mental_health_concern": "very_much",
                          "mental_health_self_harm": "yes"}})
    stored_touchpoint_1(db, person, {"work_concern": "very_much", "work_note": TP1_NOTE,
                                     "nutrition_concern": "a_little"}, strain=8)
    hand_over(db, person)
    nurse, member = staff_client(app, db, person.pathways[0].municipality)
    action(db, touchpoint_id(person, 1), member.id, "Kontakt med NAV", ["work"],
           ActionStatus.DONE, datetime.now(UTC).date() - timedelta(days=10))

    page = nurse.get(summary_url(tp))

    assert section_ids(page) == SECTIONS
    assert page.text("main h1") == person.full_name
    urgent = page.text("#summary-urgent")
    assert needs().question("mental_health_self_harm").label in urgent  # type: ignore[union-attr]
    assert "Ja" in urgent
    assert ANSWERS["what_matters"]["what_matters"] in page.text("#summary-what-matters blockquote")
    agenda = [li.get_text() for li in page.select("#summary-agenda ol li")]
    titles = {t.id: t.title for t in needs().topics}
    assert agenda == [titles["work"], titles["late_effects"], titles["children"]]
    talk = page.text("#summary-agenda")
    assert titles["nutrition"] in talk  # marked "talk about", not on the agenda
    # strain: touchpoint 1 (8) and this one (6), in the chart's text alternative and the table
    assert page.one("#summary-strain svg")["role"] == "img"
    assert "8" in page.text("#strain-chart-title")
    assert "6" in page.text("#strain-chart-title")
    assert [td.get_text() for td in page.select("#summary-strain td")] == ["8", "6"]
    # topics, most concerning first; "rather not" and "not relevant" compactly at the end
    topics = [h.get_text(" ").split(" (")[0].strip() for h in page.select("#summary-topics h3")]
    # both "very much"; the one the patient wants to talk about first
    assert topics[:2] == [titles["late_effects"], titles["mental_health"]]
    assert titles["rehabilitation"] not in topics
    compact = page.text("#summary-topics .summary-compact")
    assert titles["rehabilitation"] in compact
    assert titles["own_resources"] in compact
    # changes since touchpoint 1: work lasting (very much → quite a bit), nutrition new
    changes = page.text("#summary-changes")
    assert titles["work"] in page.text("#summary-changes .summary-changes__lasting")
    assert titles["nutrition"] in page.text("#summary-changes .summary-changes__new")
    assert "1" in changes
    actions = page.text("#summary-actions")
    assert "Kontakt med NAV" in actions
    assert "Fastlegen" in actions


def test_the_masked_identity_number_is_shown_in_full_only_on_request_and_logged(app, db):
    person, tp, _ = sent_by_patient(app, db)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    assert person.national_id not in page.text()
    assert person.national_id[:6] + " *****" in page.text()
    assert [e.action for e in events(db, person.id)] == [audit.AccessAction.READ_SUMMARY]
    assert events(db, person.id)[0].touchpoint_number == 2

    button = page.one("main form.summary-header__reveal button")
    shown = nurse.get(f"{summary_url(tp)}?{button['name']}={button['value']}")
    assert person.national_id in shown.text()
    assert [e.action for e in events(db, person.id)][-2:] == [
        audit.AccessAction.READ_SUMMARY, audit.AccessAction.SHOWED_IDENTITY_NUMBER]


def test_opening_the_summary_marks_the_answers_read_for_the_worklist(app, db):
    person, tp, _ = sent_by_patient(app, db)
    response = fresh(db).scalar(select(Response).where(Response.touchpoint_id == tp))
    assert response is not None
    assert response.first_read_at is None
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    nurse.get(summary_url(tp))
    first = fresh(db).scalar(select(Response.first_read_at).where(Response.touchpoint_id == tp))
    assert first is not None
    nurse.get(summary_url(tp))
    again = fresh(db).scalar(select(Response.first_read_at).where(Response.touchpoint_id == tp))
    assert again == first


def test_downloading_the_pdf_marks_the_answers_read_too(app, db):
    person, tp, _ = sent_by_patient(app, db)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    assert nurse.raw.get(f"{summary_url(tp)}.pdf").status_code == 200
    read = fresh(db).scalar(select(Response.first_read_at).where(Response.touchpoint_id == tp))
    assert read is not None


def test_another_service_sees_only_what_the_patient_let_through(app, db):
    person, _tp, _ = sent_by_patient(app, db)
    tp1 = stored_touchpoint_1(db, person, {
        "work_concern": "very_much", "work_note": TP1_NOTE,
        "sexual_health_concern": "very_much", "sexual_health_note": PRIVATE_NOTE,
        "agenda": ["sexual_health", "work"], "keep_private": ["sexual_health"]})
    hospital_nurse, member = staff_client(app, db, person.pathways[0].hospital)
    action(db, tp1, member.id, "Samtale med sexolog", ["sexual_health"])
    action(db, tp1, member.id, "Kontakt med NAV", ["work"])
    full = hospital_nurse.get(summary_url(tp1))  # the hospital holds touchpoint 1: all of it
    assert PRIVATE_NOTE in full.text()
    assert "Samtale med sexolog" in full.text()
    assert not full.select(".summary-withheld")
    response = fresh(db).scalar(select(Response).where(Response.touchpoint_id == tp1))
    first_read = response.first_read_at if response else None

    hand_over(db, person)
    municipal, _m = staff_client(app, db, person.pathways[0].municipality)
    page = municipal.get(summary_url(tp1))
    text = page.text()
    title = next(t.title for t in needs().topics if t.id == "sexual_health")
    assert PRIVATE_NOTE not in text
    assert title not in text
    assert "Samtale med sexolog" not in text
    assert TP1_NOTE in text
    assert "Kontakt med NAV" in text
    assert page.select(".summary-withheld")  # says that, not what
    assert [li.get_text() for li in page.select("#summary-agenda ol li")] == [
        next(t.title for t in needs().topics if t.id == "work")]
    # reading is not being responsible: the worklist's "unread" is the hospital's
    after = fresh(db).scalar(select(Response.first_read_at).where(Response.touchpoint_id == tp1))
    assert after == first_read
    assert events(db, person.id)[-1].touchpoint_number == 1


def test_changes_after_sending_are_dated_and_unsent_ones_only_mentioned(app, db):
    person, tp, patient = sent_by_patient(app, db)
    answer(patient, tp, "work", {**ANSWERS["work"], "work_note": "Nå er jeg 100 % sykmeldt."})
    submit(patient, tp)
    answer(patient, tp, "family", {"family_concern": "very_much", "family_note": "Utkast"})
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))

    work = page.one("#topic-work").find_parent("section")
    assert "Nå er jeg 100 % sykmeldt." in work.get_text()
    assert work.select_one(".summary-changed") is not None
    family = page.one("#topic-family").find_parent("section")
    assert family.select_one(".summary-changed") is None
    assert "Utkast" not in page.text()  # not sent: mentioned, not shown
    assert "har ikke sendt endringene ennå" in page.text("main header .notice")


def test_a_summary_with_nothing_sent_still_renders(app, db):
    person, tp = open_patient(db)
    stored_touchpoint_1(db, person, {}, strain=7)
    hand_over(db, person)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    assert page.select("main .summary-nothing")
    assert section_ids(page) == ["summary-strain", "summary-actions"]
    assert [td.get_text() for td in page.select("#summary-strain td")] == ["7"]


def test_changes_are_right_across_questionnaire_versions(app, db, monkeypatch):
    """Touchpoint 1 answered a version without the "children" topic: its concern now is "not
    asked then", never new or resolved."""
    raw = _needs_without("children", version=0)
    old = parse(raw, "needs-0")
    real_get = definitions.get
    monkeypatch.setattr(definitions, "get", lambda qid, v: old if v == 0 else real_get(qid, v))
    person, tp, _ = sent_by_patient(app, db)
    stored_touchpoint_1(db, person, {"work_concern": "a_little"}, version=0)
    hand_over(db, person)
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    page = nurse.get(summary_url(tp))
    titles = {t.id: t.title for t in needs().topics}
    assert titles["children"] in page.text("#summary-changes .summary-changes__not_asked_then")
    assert titles["work"] in page.text("#summary-changes .summary-changes__new")
    assert not page.select("#summary-changes .summary-changes__resolved")


def _needs_without(topic: str, version: int) -> dict[str, Any]:
    import tomllib

    path = definitions.DEFINITIONS_DIR / "needs-1.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    data["version"] = version
    data["pages"] = [p for p in data["pages"] if p["id"] != topic]
    return data


@pytest.mark.parametrize("who", ["hospital", "elsewhere", "patient"])
def test_nobody_outside_gets_the_summary(app, db, who):
    person, tp, patient = sent_by_patient(app, db)
    if who == "patient":
        client = patient
    else:
        organisation = (person.pathways[0].hospital if who == "hospital"
                        else factories.organisations(db)[1])
        db.commit()
        client, _m = staff_client(app, db, organisation)
    assert client.raw.get(summary_url(tp)).status_code == 404
    assert client.raw.get(summary_url(tp) + ".pdf").status_code == 404
    assert client.raw.get(summary_url(touchpoint_id(person, 1))).status_code == (
        200 if who == "hospital" else 404)
    assert all(e.action != audit.AccessAction.READ_SUMMARY or who == "hospital"
               for e in events(db, person.id))


def test_the_municipality_cannot_read_touchpoint_1_before_the_hand_over(app, db):
    person, _tp, _ = sent_by_patient(app, db)
    tp1 = stored_touchpoint_1(db, person, {"work_concern": "very_much"})
    nurse, _member = staff_client(app, db, person.pathways[0].municipality)
    assert nurse.raw.get(summary_url(tp1)).status_code == 404


def test_another_patients_pdf_is_a_404(app, db):
    _person, tp, _ = sent_by_patient(app, db)
    other, _other_tp = open_patient(db)
    client = PortalClient(app)
    client.sign_in(other.national_id)
    assert client.raw.get(f"/patient/touchpoints/{tp}/summary.pdf").status_code == 404


def test_the_patient_finds_their_own_pdf_on_the_receipt_and_review(app, db):
    _person, tp, patient = sent_by_patient(app, db)
    href = f"/patient/touchpoints/{tp}/summary.pdf"
    for what in ("receipt", "review"):
        page = patient.get(f"/patient/touchpoints/{tp}/{what}")
        assert page.select(f'main a[href="{href}"]'), what
