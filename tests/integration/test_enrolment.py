"""Hospital staff enrol a newly diagnosed patient: the patient, the pathway and its three
touchpoints are made from the diagnosis date; bad input is explained next to its field; the same
identity number never becomes a second patient."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from stdnum.no import fodselsnummer

from portal import audit
from portal.audit.models import AccessEvent
from portal.contacts.models import Organisation
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.settings import SUPPORTED_LOCALES
from tests import factories
from tests.helpers import PortalClient

URL = "/staff/patients/new"


def _today() -> date:
    return datetime.now(ZoneInfo("Europe/Oslo")).date()


@pytest.fixture
def hospital_client(app, db: Session) -> tuple[PortalClient, Organisation, Organisation]:
    hospital, municipality = factories.organisations(db)
    factories.municipality(db, "Aukra")  # sorted before Testkommune
    nurse = factories.staff_member(db, hospital)
    client = PortalClient(app)
    client.sign_in_staff(nurse.national_id)
    client.raw.get("/language/en")  # the messages as written; the catalogs come later
    return client, hospital, municipality


def _form(client: PortalClient, home: Organisation, /, **changes: Any) -> dict[str, Any]:
    page = client.get(URL)
    data = {"csrf_token": page.csrf_token(), "national_id": factories.national_id("150861"),
            "given_name": "Kari", "family_name": "Nordmann", "municipality": str(home.id),
            "diagnosis_date": (_today() - timedelta(days=10)).isoformat(), "locale": "nn",
            "mobile": "912 34 567", "email": "Kari.Nordmann@Example.no",
            "children_under_18": "yes"}
    data.update(changes)
    return data


def _born(day: date) -> str:
    """A valid fødselsnummer of someone born this century (individual numbers 500–999)."""
    for individual in range(500, 1000):
        base = day.strftime("%d%m%y") + f"{individual:03d}"
        first = fodselsnummer.calc_check_digit1(base)
        number = base + first + fodselsnummer.calc_check_digit2(base + first)
        if fodselsnummer.is_valid(number) and fodselsnummer.get_birth_date(number) == day:
            return number
    raise AssertionError(day)


def test_the_form_lists_municipalities_by_name_and_the_languages(hospital_client):
    client, _hospital, municipality = hospital_client
    page = client.get(URL)
    options = [o.get_text() for o in page.select("select#municipality option")]
    assert options[1:] == ["Aukra", municipality.name]
    assert [i["value"] for i in page.select("input[name=locale]")] == list(SUPPORTED_LOCALES)
    assert page.one("input[name=locale][checked]")["value"] == "nb"
    assert page.one("#national_id")["inputmode"] == "numeric"
    assert page.one("#mobile")["type"] == "tel"
    assert page.one("#email")["type"] == "email"


def test_enrolling_makes_a_patient_a_pathway_and_three_touchpoints(hospital_client, db):
    client, hospital, municipality = hospital_client
    data = _form(client, municipality)
    response = client.post(URL, data)
    person = db.scalar(select(Patient).where(Patient.national_id == data["national_id"]))
    assert person is not None
    assert response.location.endswith(f"/staff/patients/{person.id}")
    assert (person.mobile, person.email, person.preferred_locale) == (
        "+4791234567", "Kari.Nordmann@example.no", "nn")
    assert person.children_under_18 is True
    pathway = person.pathways[0]
    assert pathway.hospital_id == hospital.id
    assert pathway.municipality_id == municipality.id
    assert pathway.diagnosis_date == _today() - timedelta(days=10)
    assert [(t.number, t.organisation_id) for t in pathway.touchpoints] == [
        (1, hospital.id), (2, municipality.id), (3, municipality.id)]
    events = list(db.scalars(select(AccessEvent).where(AccessEvent.patient_id == person.id)))
    assert [e.action for e in events] == [audit.AccessAction.CHANGED]
    page = client.get(response.location)
    assert "Kari Nordmann is enrolled" in page.text(".notice--success")
    assert page.text("h1") == "Kari Nordmann"


def test_optional_contacts_may_be_left_out(hospital_client, db):
    client, _hospital, municipality = hospital_client
    data = _form(client, municipality, mobile="", email="", children_under_18="no")
    client.post(URL, data)
    person = db.scalar(select(Patient).where(Patient.national_id == data["national_id"]))
    assert (person.mobile, person.email, person.children_under_18) == (None, None, False)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("national_id", "15086112345", "valid identity number"),
    ("national_id", "", "Enter the patient's identity number"),
    ("given_name", "", "given name"),
    ("given_name", "K" * 101, "at most 100"),
    ("municipality", "", "Choose the municipality"),
    ("municipality", "999999", "Choose one of the municipalities"),
    ("diagnosis_date", "", "Enter the date the patient was told"),
    ("diagnosis_date", "31.02.2026", "Enter a date as day.month.year"),
    ("diagnosis_date", "1.1.1900", "between the years 2000 and 2999"),
    ("locale", "de", "Choose one of the options"),
    ("mobile", "5555", "Enter a mobile number"),
    ("mobile", "55 97 00 00", "landline"),  # a valid Norwegian landline, not a mobile
    ("email", "kari@", "e-mail address in the right format"),
    ("children_under_18", "", "children under 18"),
])
def test_bad_input_is_explained_next_to_the_field_and_kept(hospital_client, db, field, value,
                                                            message):
    client, _hospital, municipality = hospital_client
    data = _form(client, municipality, **{field: value})
    page = client.post_page(URL, data)
    assert page.title.startswith("Error:")
    error_id = f"{field}-error"
    assert message in page.text(f"#{error_id}")
    assert page.one(".error-summary")
    if field in ("given_name", "family_name", "mobile", "email", "national_id",
                 "diagnosis_date"):
        assert page.one(f"#{field}")["value"] == value
    assert page.one("#family_name")["value"] == "Nordmann"
    assert db.scalar(select(func.count()).select_from(Patient)) == 0


@pytest.mark.parametrize(("days_ago", "message"), [
    (-1, "cannot be in the future"),
    (800, "more than two years ago"),
])
def test_the_diagnosis_date_must_be_plausible(hospital_client, db, days_ago, message):
    client, _hospital, municipality = hospital_client
    data = _form(client, municipality,
                 diagnosis_date=(_today() - timedelta(days=days_ago)).isoformat())
    page = client.post_page(URL, data)
    assert message in page.text("#diagnosis_date-error")
    assert db.scalar(select(func.count()).select_from(Patient)) == 0


def test_a_diagnosis_before_birth_is_refused(hospital_client, db):
    client, _hospital, municipality = hospital_client
    data = _form(client, municipality, national_id=_born(_today() - timedelta(days=200)),
                 diagnosis_date=(_today() - timedelta(days=300)).isoformat())
    page = client.post_page(URL, data)
    assert "before the patient was born" in page.text("#diagnosis_date-error")


def test_the_same_identity_number_at_the_same_hospital_changes_nothing(hospital_client, db):
    client, _hospital, municipality = hospital_client
    data = _form(client, municipality)
    client.post(URL, data)
    again = _form(client, municipality, national_id=data["national_id"], given_name="Annen")
    page = client.post_page(URL, again)
    person = db.scalar(select(Patient).where(Patient.national_id == data["national_id"]))
    assert "already enrolled at your hospital" in page.text(".notice")
    assert page.one(f'.notice a[href="/staff/patients/{person.id}"]')
    assert db.scalar(select(func.count()).select_from(Patient)) == 1
    assert db.scalar(select(func.count()).select_from(Pathway)) == 1
    assert person.given_name == "Kari"


def test_a_patient_of_another_hospital_gets_a_new_pathway_not_a_second_patient(app, db,
                                                                               hospital_client):
    client, hospital, municipality = hospital_client
    earlier = factories.patient(db, diagnosed_days_ago=400)  # at another hospital
    data = _form(client, municipality, national_id=earlier.national_id, given_name="Annen",
                 mobile="", email="")
    response = client.post(URL, data)
    assert response.location.endswith(f"/staff/patients/{earlier.id}")
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Patient)) == 1
    pathways = db.scalars(select(Pathway).where(Pathway.patient_id == earlier.id)
                          .order_by(Pathway.diagnosis_date)).all()
    assert [p.hospital_id == hospital.id for p in pathways] == [False, True]
    assert db.scalar(select(func.count()).select_from(Touchpoint)
                     .where(Touchpoint.pathway_id == pathways[1].id)) == 3
    page = client.get(response.location)
    assert "was in the portal already" in page.text(".notice--success")
    assert page.text("h1") == "Test Pasient"  # the name is not changed


@pytest.mark.parametrize("who", ["municipal", "administrator"])
def test_only_hospital_clinicians_enrol(app, db, who):
    hospital, municipality = factories.organisations(db)
    member = (factories.staff_member(db, municipality) if who == "municipal" else
              factories.staff_member(db, hospital, clinician=False, administrator=True))
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    token = client.get("/staff/").csrf_token()
    assert client.raw.get(URL).status_code == 404
    assert client.raw.post(URL, data={"csrf_token": token}).status_code == 404


def test_without_the_csrf_token_nothing_is_made(hospital_client, db):
    client, _hospital, municipality = hospital_client
    data = _form(client, municipality, csrf_token="")
    response = client.raw.post(URL, data=data)
    assert response.status_code == 400
    assert db.scalar(select(func.count()).select_from(Patient)) == 0


def test_two_clinicians_enrolling_the_same_new_number_at_once_make_one_patient(
        hospital_client, db, monkeypatch):
    """The second request looked before the first committed: it found nobody, and its insert
    meets the unique identity number. It carries on with the patient the first one made."""
    from portal.clinician import operations

    client, _hospital, municipality = hospital_client
    data = _form(client, municipality)
    client.post(URL, data)
    real_find = operations.find_patient
    calls = []

    def find_nobody_the_first_time(session, national_id):
        calls.append(national_id)
        return None if len(calls) == 1 else real_find(session, national_id)

    monkeypatch.setattr(operations, "find_patient", find_nobody_the_first_time)
    page = client.post_page(URL, _form(client, municipality, national_id=data["national_id"]))
    assert len(calls) == 2
    assert "already enrolled at your hospital" in page.text(".notice")
    assert db.scalar(select(func.count()).select_from(Patient)) == 1
    assert db.scalar(select(func.count()).select_from(Pathway)) == 1
