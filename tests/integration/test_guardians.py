"""Parents and guardians of a child patient: registered by the clinician, acting fully on the
child's behalf under 12, seeing only contacts and appointments until 16, nothing after; checked
again on every request, so a birthday or a removal takes effect mid-session."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from portal import access
from portal.audit.models import AccessAction
from portal.pathway import identity
from portal.relatives.models import Relative, RelativeLink
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import fresh
from tests.integration.test_conversation_record import events, field_error, staff_client
from tests.unit.test_minors import born

TODAY = datetime.now(ZoneInfo("Europe/Oslo")).date()


def child(db, age_years: int, days: int = 100):
    """A patient who is ``age_years`` old today (born a little after the birthday)."""
    person = factories.patient(db, diagnosed_days_ago=days)
    birth = TODAY.replace(year=TODAY.year - age_years) - timedelta(days=30)
    person.national_id = born(birth)
    db.commit()
    return person


def register(nurse: PortalClient, person, national_id: str, status: int = 303,
             relation: str = "mor"):
    page = nurse.get(f"/staff/patients/{person.id}/guardians")
    data = {"csrf_token": page.csrf_token(), "national_id": national_id, "given_name": "Mona",
            "family_name": "Mor", "relation": relation}
    if status == 303:
        return nurse.post(f"/staff/patients/{person.id}/guardians", data)
    return nurse.post_page(f"/staff/patients/{person.id}/guardians", data, status=status)


def guardian_of(app, db, person) -> tuple[PortalClient, str]:
    nurse = staff_client(app, db, person.pathways[0].hospital)
    number = factories.national_id("010185")
    register(nurse, person, number)
    parent = PortalClient(app)
    parent.sign_in(number)
    return parent, number


def act_for_button(parent: PortalClient, person) -> list:
    return parent.get("/relative/").select(f"form[action='/relative/patients/{person.id}/act-for']")


def act_for(parent: PortalClient, person, status: int = 303):
    token = parent.get("/relative/").csrf_token()
    return parent.raw.post(f"/relative/patients/{person.id}/act-for",
                           data={"csrf_token": token}), status


def test_a_clinician_registers_a_parent_and_bad_input_changes_nothing(app, db):
    person = child(db, 9)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = nurse.get(f"/staff/patients/{person.id}")
    assert page.select(f"a[href='/staff/patients/{person.id}/guardians']")

    page = register(nurse, person, "12345678901", status=200)
    assert field_error(page, "national_id")
    assert page.one("#national_id")["value"] == "12345678901"  # nothing typed is lost
    page = register(nurse, person, person.national_id, status=200)
    assert field_error(page, "national_id")
    page = register(nurse, person, factories.national_id("010185"), status=200, relation="")
    assert field_error(page, "relation")
    assert fresh(db).scalars(select(RelativeLink)).all() == []

    number = factories.national_id("010185")
    register(nurse, person, number)
    link = fresh(db).scalar(select(RelativeLink).join(Relative)
                            .where(Relative.national_id == number))
    assert link is not None
    assert link.guardian
    assert link.accepted_at is not None
    assert not (link.may_see_contacts)
    assert not (link.may_answer_own)
    assert not (link.may_see_answers)
    assert [e.action for e in events(db, person.id)] == [AccessAction.OPENED_PATIENT,
                                                          AccessAction.CHANGED]


def test_under_12_the_parent_acts_on_the_childs_behalf_and_it_is_logged(app, db):
    person = child(db, 9)
    parent, _number = guardian_of(app, db, person)
    assert act_for_button(parent, person)
    response, _ = act_for(parent, person)
    assert response.status_code == 303
    assert response.location.endswith("/patient/")
    home = parent.get("/patient/")
    banner = home.one(".acting-banner")
    assert person.full_name in banner.get_text()
    assert person.pathways[0].touchpoints[0].id  # the child's own touchpoints are shown
    assert home.select(f"a[href^='/patient/touchpoints/{person.pathways[0].touchpoints[0].id}']")
    logged = [e for e in events(db, person.id) if e.actor_kind == "relative"]
    assert [e.action for e in logged] == [AccessAction.OPENED_PATIENT]
    assert logged[0].context == "relative.act_for"

    # Stopping returns to the parent's own pages.
    response = parent.post("/patient/stop-acting", {"csrf_token": home.csrf_token()})
    assert response.location.endswith("/relative/")
    parent.get("/patient/", status=404)


def test_from_12_the_parent_sees_contacts_only_and_cannot_act(app, db):
    person = child(db, 13)
    parent, _number = guardian_of(app, db, person)
    assert act_for_button(parent, person) == []
    response, _ = act_for(parent, person)
    assert response.status_code == 404
    parent.get(f"/relative/patients/{person.id}")  # whom to contact: allowed
    parent.get("/patient/", status=404)


def test_from_16_the_parent_sees_nothing(app, db):
    person = child(db, 16)
    parent, _number = guardian_of(app, db, person)
    response, _ = act_for(parent, person)
    assert response.status_code == 404
    parent.get(f"/relative/patients/{person.id}", status=404)


def test_the_ages_are_configuration(app, db):
    person = child(db, 13)
    app.extensions["portal.settings"] = app.extensions["portal.settings"].with_overrides(
        guardian_full_access_below_age=14, guardian_limited_access_below_age=16)
    parent, _number = guardian_of(app, db, person)
    response, _ = act_for(parent, person)
    assert response.status_code == 303


def test_a_birthday_mid_session_ends_acting_on_the_next_request(app, db, monkeypatch):
    person = child(db, 11)  # 12 in about 11 months
    parent, _number = guardian_of(app, db, person)
    act_for(parent, person)
    parent.get("/patient/")
    birthday = identity.birth_date(fresh(db).get(type(person), person.id).national_id)
    twelfth = birthday.replace(year=birthday.year + 12)
    monkeypatch.setattr(access, "local_today", lambda: twelfth)
    response = parent.raw.get("/patient/")
    assert response.status_code == 302
    assert response.location.endswith("/relative/")
    parent.get("/relative/")  # back on their own pages, signed in
    parent.get("/patient/", status=404)


def test_a_removed_guardian_stops_acting_on_the_next_request(app, db):
    person = child(db, 8)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    number = factories.national_id("010185")
    register(nurse, person, number)
    parent = PortalClient(app)
    parent.sign_in(number)
    act_for(parent, person)
    parent.get("/patient/")
    link = fresh(db).scalar(select(RelativeLink).where(RelativeLink.patient_id == person.id))
    page = nurse.get(f"/staff/patients/{person.id}/guardians")
    nurse.post(f"/staff/patients/{person.id}/guardians/{link.id}/remove",
               {"csrf_token": page.csrf_token()})
    response = parent.raw.get("/patient/")
    assert response.status_code == 302
    assert response.location.endswith("/relative/")
    assert fresh(db).get(RelativeLink, link.id).withdrawn_at is not None


@pytest.mark.parametrize("who", ["ordinary relative", "guardian of another child"])
def test_nobody_else_can_act_for_the_child(app, db, who):
    person = child(db, 7)
    if who == "ordinary relative":
        relative = factories.relative(db, of=person)
        other = PortalClient(app)
        other.sign_in(relative.national_id)
    else:
        other_child = child(db, 6)
        other, _number = guardian_of(app, db, other_child)
    response, _ = act_for(other, person)
    assert response.status_code == 404
    other.get("/patient/", status=404)


def test_another_organisations_clinician_cannot_register(app, db):
    person = child(db, 9)
    elsewhere = factories.patient(db, diagnosed_days_ago=5).pathways[0].hospital
    nurse = staff_client(app, db, elsewhere)
    nurse.get(f"/staff/patients/{person.id}/guardians", status=404)
    token = nurse.get("/staff/").csrf_token()
    response = nurse.raw.post(f"/staff/patients/{person.id}/guardians",
                              data={"csrf_token": token, "national_id": "x"})
    assert response.status_code == 404


def test_acting_starts_and_stops_only_with_the_forms_csrf_token(app, db):
    person = child(db, 9)
    parent, _number = guardian_of(app, db, person)
    for token in ({}, {"csrf_token": "forged"}):
        response = parent.raw.post(f"/relative/patients/{person.id}/act-for", data=token)
        assert response.status_code in (303, 400)
        parent.get("/patient/", status=404)
    act_for(parent, person)
    for token in ({}, {"csrf_token": "<script>alert(1)</script>"}):
        response = parent.raw.post("/patient/stop-acting", data=token)
        assert response.status_code in (303, 400)
        parent.get("/patient/")  # still acting


def test_the_demo_mother_acts_for_the_demo_child(app, db):
    from portal import demo

    demo.load(db)
    db.commit()
    link = db.scalar(select(RelativeLink).join(Relative)
                     .where(Relative.national_id == "22078510033"))
    assert link is not None
    assert link.guardian
    parent = PortalClient(app)
    parent.sign_in("22078510033")
    assert act_for_button(parent, link.patient)
    response, _ = act_for(parent, link.patient)
    assert response.status_code == 303
    assert "Emma Nilsen" in parent.get("/patient/").one(".acting-banner").get_text()
