"""What a relative sees follows the patient's three permissions, checked on every request: each
one on and off; seeing the answers off by default; a change or a removal takes effect on the
relative's very next request; another patient's ids are 404; every read is in the patient's
access log with the right action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.audit.models import AccessAction, AccessEvent
from portal.pathway.models import Patient
from portal.relatives.models import Relative, RelativeLink
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import (
    ANSWERS,
    answer_everything,
    fresh,
    needs,
    question,
    submit,
    touchpoint_id,
    touchpoint_row,
)

PERMISSIONS = ("contacts", "own", "answers")


@dataclass
class World:
    patient: Patient
    patient_client: PortalClient
    relative: Relative
    link: RelativeLink
    family: PortalClient


def make_world(app: Any, db: Session, **permissions: bool) -> World:
    """A patient who has sent answers for touchpoint 2 (which has an appointment), and a
    signed-in relative with the given permissions."""
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    tp2 = touchpoint_id(person, 2)
    touchpoint_row(db, tp2).appointment_at = datetime.now(UTC) + timedelta(days=10)
    touchpoint_row(db, tp2).appointment_place = "Rådhuset, 3. etasje"
    db.commit()
    patient_client = PortalClient(app)
    patient_client.sign_in(person.national_id)
    answer_everything(patient_client, tp2)
    submit(patient_client, tp2)
    relative = factories.relative(db, of=person, **permissions)
    link = db.scalar(select(RelativeLink).where(RelativeLink.relative_id == relative.id))
    assert link is not None
    db.commit()  # end the read, so the test can write again after the requests below
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    return World(person, patient_client, relative, link, family)


def url(world: World, what: str, patient: Patient | None = None) -> str:
    patient_id = (patient or world.patient).id
    return {"contacts": f"/relative/patients/{patient_id}",
            "answers": f"/relative/patients/{patient_id}/answers",
            "own": f"/relative/patients/{patient_id}/questionnaire"}[what]


def entries(db: Session, patient_id: int) -> list[AccessEvent]:
    return list(fresh(db).scalars(select(AccessEvent).where(AccessEvent.patient_id == patient_id)
                                  .order_by(AccessEvent.seq)))


def has_own_questionnaire(app: Any) -> bool:
    return "relative.questionnaire" in app.view_functions


def change(world: World, **permissions: bool) -> None:
    """The patient saves the permissions on their page for the relative."""
    page_url = f"/patient/relatives/{world.link.id}"
    page = world.patient_client.get(page_url)
    data = {"csrf_token": page.csrf_token(),
            **{f"may_see_{k}" if k != "own" else "may_answer_own": "y"
               for k, on in permissions.items() if on}}
    response = world.patient_client.post(page_url, data)
    assert response.location.endswith("/patient/relatives")


# --- each permission, on and off ----------------------------------------------------------------


@pytest.mark.parametrize("permission", PERMISSIONS)
@pytest.mark.parametrize("on", [True, False])
def test_each_permission_opens_or_closes_its_page(app, db, permission, on):
    if permission == "own" and not has_own_questionnaire(app):
        pytest.skip("the relative's own questionnaire is not there yet")
    others = {p: not on for p in PERMISSIONS if p != permission}
    world = make_world(app, db, **{permission: on}, **others)
    response = world.family.raw.get(url(world, permission))
    assert response.status_code == (200 if on else 404)
    home = world.family.get("/relative/")
    shown = {a["data-permission"] for a in home.select("a[data-permission]")}
    expected = {"contacts": "may_see_contacts", "answers": "may_see_answers",
                "own": "may_answer_own"}[permission]
    assert (expected in shown) == on
    for other, other_on in others.items():
        if other == "own" and not has_own_questionnaire(app):
            continue
        assert world.family.raw.get(url(world, other)).status_code == (200 if other_on
                                                                        else 404)


def test_a_relative_with_nothing_allowed_is_told_so(app, db):
    world = make_world(app, db, contacts=False, own=False, answers=False)
    home = world.family.get("/relative/")
    card = home.one(f"#patient-{world.patient.id}").parent
    assert card.select("a") == []
    assert card.select("p")


def test_seeing_the_answers_is_off_unless_the_patient_turns_it_on(app, db):
    """A link stored without a choice (as the model's defaults make it) hides the answers."""
    person = factories.patient(db, diagnosed_days_ago=30)
    relative = Relative(national_id=factories.national_id("280483"), given_name="Siri",
                        family_name="Datter")
    db.add(RelativeLink(relative=relative, patient=person, accepted_at=datetime.now(UTC)))
    db.commit()
    link = fresh(db).scalar(select(RelativeLink).where(RelativeLink.relative_id == relative.id))
    assert (link.may_see_contacts, link.may_answer_own, link.may_see_answers) == (
        True, True, False)
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    family.get(f"/relative/patients/{person.id}/answers", status=404)
    family.get(f"/relative/patients/{person.id}")


# --- what the pages show ------------------------------------------------------------------------


def test_the_contact_page_shows_contacts_and_appointments_and_logs_both(app, db):
    world = make_world(app, db)
    before = len(entries(db, world.patient.id))
    page = world.family.get(url(world, "contacts"))
    appointment = page.one("#appointment-2")
    assert "Rådhuset, 3. etasje" in appointment.get_text()
    assert page.select("a[href^='tel:']")
    actions = [e.action for e in entries(db, world.patient.id)[before:]]
    assert actions == [AccessAction.READ_CONTACTS, AccessAction.READ_APPOINTMENTS]
    assert {e.actor_kind for e in entries(db, world.patient.id)[before:]} == {"relative"}
    assert {e.actor_id for e in entries(db, world.patient.id)[before:]} == {world.relative.id}


def test_a_held_or_past_conversation_is_not_listed(app, db):
    world = make_world(app, db)
    tp2 = touchpoint_id(world.patient, 2)
    touchpoint_row(fresh(db), tp2).appointment_at = datetime.now(UTC) - timedelta(days=3)
    db.commit()
    assert world.family.get(url(world, "contacts")).select("#appointment-2") == []


def test_the_answers_page_keeps_to_the_patients_sharing_choices(app, db):
    world = make_world(app, db, answers=True)
    before = len(entries(db, world.patient.id))
    page = world.family.get(url(world, "answers"))
    section = page.one("#conversation-2")
    keys = [" ".join(dt.get_text(" ").split()) for dt in section.select("dt")]
    headings = [" ".join(h.get_text(" ").split()) for h in section.select("h3")]
    titles = {page.id: page.title for page in needs().pages}
    assert question("what_matters").label in keys
    assert titles["work"] in headings
    # ANSWERS keeps mental health for the conversation: neither shown nor named.
    assert ANSWERS["sharing"]["keep_private"] == ["mental_health"]
    assert titles["mental_health"] not in headings
    assert question("mental_health_self_harm").label not in keys
    assert titles["mental_health"] not in section.get_text()
    assert len(section.select("p")) >= 2  # sent when, and that something was kept back
    new = entries(db, world.patient.id)[before:]
    assert [(e.action, e.touchpoint_number) for e in new] == [(AccessAction.READ_ANSWERS, 2)]


def test_a_patient_who_has_sent_nothing_shows_an_empty_page_and_logs_nothing(app, db):
    person = factories.patient(db, diagnosed_days_ago=30)
    relative = factories.relative(db, of=person, answers=True)
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    page = family.get(f"/relative/patients/{person.id}/answers")
    assert page.select("section.review-section") == []
    assert entries(db, person.id) == []


def test_the_patient_reads_each_use_in_their_access_log(app, db):
    world = make_world(app, db, answers=True)
    world.family.get(url(world, "contacts"))
    world.family.get(url(world, "answers"))
    log = world.patient_client.get("/patient/access-log")
    assert len(log.select(".access-log__entry")) == 3
    assert world.relative.full_name in log.text()


# --- changes take effect at once ----------------------------------------------------------------


def test_a_permission_withdrawn_mid_session_stops_the_next_request(app, db):
    world = make_world(app, db, answers=True)
    world.family.get(url(world, "contacts"))
    world.family.get(url(world, "answers"))
    change(world, contacts=True, own=True, answers=False)
    refused = world.family.get(url(world, "answers"), status=404)
    assert refused.select("#permissions-changed")
    world.family.get(url(world, "contacts"))
    change(world, contacts=False, own=False, answers=True)
    world.family.get(url(world, "contacts"), status=404)
    world.family.get(url(world, "answers"))
    link = fresh(db).get(RelativeLink, world.link.id)
    assert (link.may_see_contacts, link.may_answer_own, link.may_see_answers) == (
        False, False, True)


def test_a_removed_relative_sees_nothing_from_the_next_request(app, db):
    world = make_world(app, db, answers=True)
    world.family.get(url(world, "contacts"))
    page = world.patient_client.get(f"/patient/relatives/{world.link.id}")
    form = page.select("form")[-1]
    world.patient_client.post(form["action"], {"csrf_token": page.csrf_token()})
    before = len(entries(db, world.patient.id))
    for what in ("contacts", "answers"):
        world.family.get(url(world, what), status=404)
    assert world.family.get("/relative/").select("section.card") == []
    assert len(entries(db, world.patient.id)) == before
    assert fresh(db).get(RelativeLink, world.link.id).withdrawn_at is not None
    # Gone from the patient's list of relatives, shown as removed.
    relatives = world.patient_client.get("/patient/relatives")
    assert relatives.select(f"#relative-{world.link.id}") == []
    assert relatives.select(f"#removed-relative-{world.link.id}")
    world.patient_client.get(f"/patient/relatives/{world.link.id}", status=404)


def test_the_patients_page_shows_what_each_relative_may_do(app, db):
    world = make_world(app, db, contacts=True, own=False, answers=True)
    card = world.patient_client.get("/patient/relatives").one(f"#relative-{world.link.id}")
    assert len(card.select(".permissions__item--on")) == 2
    assert len(card.select(".permissions__item--off")) == 1
    page = world.patient_client.get(f"/patient/relatives/{world.link.id}")
    assert page.select("#may_see_contacts[checked]")
    assert page.select("#may_answer_own[checked]") == []
    assert page.select("#may_see_answers[checked]")


# --- nobody else's ids --------------------------------------------------------------------------


def test_a_relative_of_one_patient_cannot_reach_another(app, db):
    world = make_world(app, db, answers=True)
    other = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    factories.relative(db, of=other, answers=True)  # someone else's relative, not this one
    for what in ("contacts", "answers", "own"):
        if what == "own" and not has_own_questionnaire(app):
            continue
        page = world.family.get(url(world, what, other), status=404)
        assert page.select("#permissions-changed")
    world.family.get(f"/relative/patients/{2**40}", status=404)
    world.family.get("/relative/patients/0/answers", status=404)
    assert entries(db, other.id) == []


def test_another_patient_cannot_change_or_remove_a_relative(app, db):
    world = make_world(app, db)
    other = factories.patient(db, diagnosed_days_ago=30)
    stranger = PortalClient(app)
    stranger.sign_in(other.national_id)
    stranger.get(f"/patient/relatives/{world.link.id}", status=404)
    token = stranger.get("/patient/relatives").csrf_token()
    stranger.post(f"/patient/relatives/{world.link.id}",
                  {"csrf_token": token, "may_see_answers": "y"}, status=404)
    stranger.post(f"/patient/relatives/{world.link.id}/remove", {"csrf_token": token},
                  status=404)
    link = fresh(db).get(RelativeLink, world.link.id)
    assert link.withdrawn_at is None
    assert link.may_see_answers is False
    # The relative cannot use the patient's pages either.
    world.family.get(f"/patient/relatives/{world.link.id}", status=404)
