"""The hospital hands over to the municipality once touchpoint 1 is held or declined. The page
says plainly what the municipality will see; afterwards the municipality reads touchpoint 1
within the sharing choices, and the patient's contact becomes the municipality."""

from __future__ import annotations

from datetime import timedelta

from portal.pathway.models import Pathway
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import (
    CONTACT_NAME,
    CONTACT_PHONE,
    fresh,
    touchpoint_id,
    touchpoint_row,
)
from tests.integration.test_agreed_actions import add_action
from tests.integration.test_conversation_record import (
    changes,
    hospital_patient,
    record_conversation,
    staff_client,
    today,
)


def pathway_row(db, person) -> Pathway:
    found = fresh(db).get(Pathway, person.pathways[0].id)
    assert found is not None
    return found


def test_no_hand_over_before_the_conversation_is_held_or_declined(app, db):
    person, _tp1 = hospital_patient(app, db)
    pathway_id = person.pathways[0].id
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = nurse.get(f"/staff/pathways/{pathway_id}/hand-over")
    assert page.select("main form") == []
    assert page.select("main .notice")
    token = page.csrf_token()  # the sign-out form's
    response = nurse.raw.post(f"/staff/pathways/{pathway_id}/hand-over",
                              data={"csrf_token": token})
    assert response.status_code == 303
    assert pathway_row(db, person).handed_over_at is None
    assert changes(db, person.id) == []


def test_the_page_says_what_passes_on_and_the_hand_over_is_logged(app, db):
    person, tp1 = hospital_patient(app, db, keep_private=["mental_health", "sexual_health"])
    pathway_id = person.pathways[0].id
    nurse = staff_client(app, db, person.pathways[0].hospital)
    record_conversation(nurse, tp1, relative_present="no")
    add_action(nurse, tp1, needs=["work"], what="Kontakt med NAV")
    add_action(nurse, tp1, needs=["mental_health"], what="Samtale med psykolog")
    page = nurse.get(f"/staff/pathways/{pathway_id}/hand-over")
    text = page.text()
    assert "2" in page.select("main ul li")[1].get_text()  # two topics kept, not which
    assert "Seksuell" not in text
    assert "Psykisk" not in text
    lists = page.select("main h3 + ul")
    assert "Kontakt med NAV" in lists[0].get_text()
    assert "Samtale med psykolog" in page.text()  # the hospital sees what stays behind
    assert "Samtale med psykolog" not in lists[0].get_text()

    municipal = staff_client(app, db, person.pathways[0].municipality)
    municipal.get(f"/staff/touchpoints/{tp1}/fhir", status=404)
    response = nurse.raw.post(f"/staff/pathways/{pathway_id}/hand-over",
                              data=page.form_data("main form"))
    assert response.status_code == 303
    pathway = pathway_row(db, person)
    assert pathway.handed_over_at is not None
    assert pathway.handed_over_by_id is not None
    assert changes(db, person.id) == [1, 1, 1, 1]  # recorded, two actions, handed over
    # The municipality now reads touchpoint 1; handing over again changes nothing.
    assert municipal.raw.get(f"/staff/touchpoints/{tp1}/fhir").status_code == 200
    again = nurse.get(f"/staff/pathways/{pathway_id}/hand-over")
    assert again.select("main form") == []
    assert changes(db, person.id) == [1, 1, 1, 1]


def test_a_declined_touchpoint_can_be_handed_over(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    row = touchpoint_row(db, tp1)
    row.declined_on, row.offer_again_on = today(), today() + timedelta(days=60)
    db.commit()
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = nurse.get(f"/staff/pathways/{person.pathways[0].id}/hand-over")
    assert nurse.raw.post(f"/staff/pathways/{person.pathways[0].id}/hand-over",
                          data=page.form_data("main form")).status_code == 303
    assert pathway_row(db, person).handed_over_at is not None


def test_only_the_hospital_of_touchpoint_1_hands_over_and_only_with_a_token(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    touchpoint_row(db, tp1).held_on = today()
    db.commit()
    url = f"/staff/pathways/{person.pathways[0].id}/hand-over"
    municipal = staff_client(app, db, person.pathways[0].municipality)
    municipal.get(url, status=404)
    own = f"/staff/touchpoints/{touchpoint_id(person, 2)}/conversation"
    assert municipal.raw.post(url, data={"csrf_token": municipal.get(own).csrf_token()}
                              ).status_code == 404
    other = staff_client(app, db, factories.organisations(db)[0])
    other.get(url, status=404)
    other.get("/staff/pathways/99999999999/hand-over", status=404)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    assert nurse.raw.post(url, data={}).status_code == 400  # no CSRF token
    assert pathway_row(db, person).handed_over_at is None


def test_the_patients_contact_switches_to_the_municipality(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    home = patient.get("/patient/")
    hospital_name = person.pathways[0].hospital.name
    # The factory hospital has no contact points: the page names it.
    assert hospital_name in home.text()
    assert CONTACT_NAME not in home.text()
    assert "116 117" in home.text()

    touchpoint_row(db, tp1).held_on = today()
    db.commit()
    nurse = staff_client(app, db, person.pathways[0].hospital)
    page = nurse.get(f"/staff/pathways/{person.pathways[0].id}/hand-over")
    nurse.post(f"/staff/pathways/{person.pathways[0].id}/hand-over",
               page.form_data("main form"))
    home = patient.get("/patient/")
    assert CONTACT_NAME in home.text()
    assert home.select(f'main a[href="tel:{CONTACT_PHONE}"]')
    assert "116 117" in home.text()


def test_the_staff_patient_page_shows_the_record_to_each_reader(app, db):
    person, tp1 = hospital_patient(app, db)  # journey.ANSWERS keeps mental_health private
    nurse = staff_client(app, db, person.pathways[0].hospital)
    record_conversation(nurse, tp1, relative_present="yes", held_by="Kari Lege, overlege")
    add_action(nurse, tp1, needs=["work"], what="Kontakt med NAV")
    add_action(nurse, tp1, needs=["mental_health"], what="Samtale med psykolog")
    municipal = staff_client(app, db, person.pathways[0].municipality)
    before = municipal.get(f"/staff/patients/{person.id}")
    assert "Kontakt med NAV" not in before.text()

    page = nurse.get(f"/staff/patients/{person.id}")
    record = page.one(f"#record-{tp1}")
    assert "Kari Lege, overlege" in record.get_text()
    assert "Samtale med psykolog" in record.get_text()
    hand_over = f"/staff/pathways/{person.pathways[0].id}/hand-over"
    assert record.select(f'a[href="{hand_over}"]')
    nurse.post(hand_over, nurse.get(hand_over).form_data("main form"))

    after = municipal.get(f"/staff/patients/{person.id}").one(f"#record-{tp1}")
    assert "Kontakt med NAV" in after.get_text()
    assert "Samtale med psykolog" not in after.get_text()
    assert after.select(".notice")  # something was kept back, not what
    assert not after.select(f'a[href="/staff/touchpoints/{tp1}/actions/new"]')
    assert not after.select(f'a[href="{hand_over}"]')
