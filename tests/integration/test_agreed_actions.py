"""Agreed actions: the responsible organisation adds and edits them, linked to the needs that
prompted them; the municipality that received the hand-over may only mark those it can see done
or not done; an action linked to a topic kept for the conversation is not shown to another
service; the patient sees every one of theirs as "What we agreed"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import g
from sqlalchemy import event, select

from portal import access
from portal.auth.session import STAFF, Principal
from portal.clinician.models import AgreedAction
from portal.clinician.record import records_for
from portal.db import db_session
from portal.pathway.models import Touchpoint
from portal.staff.models import StaffMember
from tests import factories
from tests.helpers import Page, PortalClient
from tests.integration.journey import fresh, message, touchpoint_id, touchpoint_row
from tests.integration.test_conversation_record import (
    changes,
    field_error,
    hospital_patient,
    staff_client,
    today,
)

CONTACT = "Ring 55 97 00 00 eller skriv til post@nav.no"


def add_action(client: PortalClient, tp: int, **values: Any) -> Any:
    url = f"/staff/touchpoints/{tp}/actions/new"
    page = client.get(url)
    data = {**page.form_data(), "what": "Time hos sosionom om økonomi", "responsible": "NAV",
            **values}
    return client.raw.post(url, data=data)


def actions(db: Any) -> list[AgreedAction]:
    return list(fresh(db).scalars(select(AgreedAction).order_by(AgreedAction.id)))


def handed_over(db: Any, person: Any, tp1: int) -> None:
    touchpoint_row(db, tp1).held_on = today()
    person.pathways[0].handed_over_at = datetime.now(UTC)
    db.commit()


def test_the_needs_offered_put_what_the_patient_wants_to_talk_about_first(app, db):
    person, tp1 = hospital_patient(app, db)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = nurse.get(f"/staff/touchpoints/{tp1}/actions/new")
    values = [i["value"] for i in page.select('input[name="needs"]')]
    # journey.ANSWERS: the agenda (work, late_effects, children), the talk boxes (+ nutrition)
    # and a concern of "quite a bit" or more (mental_health) come before the rest.
    assert set(values[:5]) == {"work", "late_effects", "children", "nutrition", "mental_health"}
    assert values[5:9] == ["family", "finances_housing", "help_at_home", "rehabilitation"]
    assert page.select('input[name="needs"][checked]') == []
    assert page.one("#contact")["autocomplete"] == "off"


def test_an_action_is_added_logged_and_shown_to_the_patient_with_links(app, db):
    person, tp1 = hospital_patient(app, db)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    due = today() + timedelta(days=14)
    response = add_action(nurse, tp1, needs=["finances_housing", "work"], contact=CONTACT,
                          due_on=due.isoformat())
    assert response.status_code == 303, Page(response).text()
    [action] = actions(db)
    assert (action.what, action.responsible, action.contact) == (
        "Time hos sosionom om økonomi", "NAV", CONTACT)
    assert action.needs == ["finances_housing", "work"]
    assert (action.due_on, action.status, action.touchpoint_id) == (due, "planned", tp1)
    assert changes(db, person.id) == [1]

    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    home = patient.get("/patient/")
    section = home.one("section.agreed")
    assert "Time hos sosionom om økonomi" in section.get_text()
    assert "NAV" in section.get_text()
    links = [a["href"] for a in section.select("a")]
    assert links == ["tel:+4755970000", "mailto:post@nav.no"]


def test_a_contact_that_looks_like_a_number_or_address_must_be_one(app, db):
    person, tp1 = hospital_patient(app, db)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = Page(add_action(nurse, tp1, contact="Ring 12 34 56 7", what="", responsible=""))
    assert page.status == 200
    assert field_error(page, "contact")
    assert field_error(page, "what")
    assert field_error(page, "responsible")
    assert page.one("#contact")["value"] == "Ring 12 34 56 7"
    page = Page(add_action(nurse, tp1, contact="post@nav", due_on="someday"))
    assert "post@nav" in field_error(page, "contact")
    assert field_error(page, "due_on").endswith(message(
        app, "Enter a date as day.month.year, for example 23.11.2026."))
    page = Page(add_action(nurse, tp1, needs=["no_such_topic"]))
    assert field_error(page, "needs")
    assert actions(db) == []
    # Plain words are fine, and so is a phone number written with a country code.
    assert add_action(nurse, tp1, contact="Via Helsenorge, +46 8 123 456 78").status_code == 303


def test_the_responsible_organisation_edits_and_marks_an_action_done(app, db):
    person, tp1 = hospital_patient(app, db)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    add_action(nurse, tp1, needs=["work"])
    [action] = actions(db)
    url = f"/staff/actions/{action.id}"
    page = nurse.get(url)
    assert page.one("#what").get_text() == "Time hos sosionom om økonomi"
    assert [i["value"] for i in page.select('input[name="needs"][checked]')] == ["work"]
    data = {**page.form_data(), "status": "done", "status_on": "", "what": "Endret"}
    page = Page(nurse.raw.post(url, data=data))
    assert field_error(page, "status_on")  # done, but when?
    tomorrow = (today() + timedelta(days=1)).isoformat()
    page = Page(nurse.raw.post(url, data={**data, "status_on": tomorrow}))
    assert field_error(page, "status_on")
    assert actions(db)[0].what == "Time hos sosionom om økonomi"
    response = nurse.raw.post(url, data={**data, "status_on": today().isoformat()})
    assert response.status_code == 303
    [action] = actions(db)
    assert (action.what, action.status, action.status_on) == ("Endret", "done", today())
    assert changes(db, person.id) == [1, 1]

    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    card = patient.get("/patient/").one(f"#agreed-{action.id}")
    assert card.select_one(".tag--held") is not None


def test_the_municipality_may_only_set_the_status_of_actions_it_can_see(app, db):
    person, tp1 = hospital_patient(app, db)  # mental_health kept for the conversation
    nurse = staff_client(app, db, person.pathways[0].hospital)
    add_action(nurse, tp1, needs=["work"], what="Kontakt med NAV")
    add_action(nurse, tp1, needs=["mental_health", "work"], what="Samtale med psykolog")
    shared, private = actions(db)
    municipal = staff_client(app, db, person.pathways[0].municipality)
    municipal.get(f"/staff/actions/{shared.id}", status=404)  # not handed over yet

    handed_over(db, person, tp1)
    municipal.get(f"/staff/actions/{private.id}", status=404)
    page = municipal.get(f"/staff/actions/{shared.id}")
    assert page.select("#what") == []
    assert page.select('input[name="status"]')
    response = municipal.raw.post(f"/staff/actions/{shared.id}", data={
        **page.form_data(), "status": "not_done", "status_on": today().isoformat(),
        "what": "Overskrevet", "responsible": "Noen andre"})
    assert response.status_code == 303
    shared, _private = actions(db)
    assert (shared.status, shared.what, shared.responsible) == ("not_done", "Kontakt med NAV",
                                                                "NAV")
    municipal.get(f"/staff/touchpoints/{tp1}/actions/new", status=404)
    other = staff_client(app, db, factories.organisations(db)[0])
    other.get(f"/staff/actions/{shared.id}", status=404)
    other.get("/staff/actions/99999999999", status=404)


def test_records_for_shows_what_the_reader_may_see_in_constant_queries(app, db):
    person, tp1 = hospital_patient(app, db)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    add_action(nurse, tp1, needs=["work"], what="Kontakt med NAV", contact=CONTACT)
    add_action(nurse, tp1, needs=["mental_health"], what="Samtale med psykolog")
    other, other_tp1 = hospital_patient(app, db, sent=False)
    handed_over(db, person, tp1)
    municipal_member = db.scalar(select(StaffMember).where(
        StaffMember.organisation_id == person.pathways[0].municipality_id))
    if municipal_member is None:
        municipal_member = factories.staff_member(db, person.pathways[0].municipality)
    hospital_member = db.scalar(select(StaffMember).where(
        StaffMember.organisation_id == person.pathways[0].hospital_id))

    def read(member: StaffMember, patients: list[Any]) -> tuple[dict[int, dict[str, Any]], int]:
        """Each touchpoint's record as plain values, and the queries records_for took."""
        with app.test_request_context():
            g.principal = Principal(STAFF, member.id)
            session = db_session()
            access.current_staff()
            touchpoints = list(session.scalars(select(Touchpoint).where(
                Touchpoint.pathway_id.in_([p.pathways[0].id for p in patients]))))
            statements: list[str] = []

            def count(*args: Any) -> None:
                statements.append(args[2])

            event.listen(session.get_bind(), "before_cursor_execute", count)
            try:
                records = records_for(touchpoints)
            finally:
                event.remove(session.get_bind(), "before_cursor_execute", count)
            template = app.jinja_env.get_template("clinician/_record.html")
            return {t.id: {
                "responsible": records[t.id].responsible, "visible": records[t.id].visible,
                "withheld": records[t.id].withheld,
                "can_hand_over": records[t.id].can_hand_over,
                "actions": [a.action.what for a in records[t.id].actions],
                "passes_on": [a.passes_on for a in records[t.id].actions],
                "html": template.render(touchpoint=t, record=records[t.id]),
            } for t in touchpoints}, len(statements)

    fresh(db)
    one, queries_one = read(hospital_member, [person])
    both, queries_both = read(hospital_member, [person, other])
    assert queries_one == queries_both <= 4
    record = one[tp1]
    assert record["responsible"]
    assert not record["can_hand_over"]
    assert record["actions"] == ["Kontakt med NAV", "Samtale med psykolog"]
    assert record["passes_on"] == [True, False]
    assert both[other_tp1]["actions"] == []
    assert not both[other_tp1]["can_hand_over"]

    seen, _ = read(municipal_member, [person])
    record = seen[tp1]
    assert not record["responsible"]
    assert record["visible"]
    assert record["withheld"]
    assert record["actions"] == ["Kontakt med NAV"]
    html = record["html"]
    assert "Samtale med psykolog" not in html
    assert "actions/new" not in html
    assert "/conversation" not in html
    assert 'href="tel:+4755970000"' in html
    assert seen[touchpoint_id(person, 2)]["responsible"]
