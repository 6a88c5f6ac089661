"""The FHIR downloads: the questionnaire for any clinician (not health data, not logged) and a
touchpoint's response for those who may read it, logged, validated with fhir.resources, with
the Norwegian identifier systems and nothing the patient kept for the conversation."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from flask_babel import force_locale

from portal import audit
from portal.fhir import resources
from portal.i18n import q_
from tests.integration.journey import ANSWERS, needs, touchpoint_id
from tests.integration.test_conversation_record import (
    events,
    hospital_patient,
    staff_client,
    today,
)

PRIVATE_NOTE = "Dette vil jeg bare ta opp i samtalen."


def link_ids(resource: dict[str, Any]) -> set[str]:
    found: set[str] = set()

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            found.add(item["linkId"])
            walk(item.get("item", []))

    walk(resource.get("item", []))
    return found


def download(client: Any, url: str, status: int = 200) -> Any:
    response = client.raw.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response


def test_the_questionnaire_downloads_validated_and_unlogged(app, db):
    person, _tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    definition = needs()
    response = download(nurse, f"/staff/fhir/Questionnaire/{definition.key}")
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Cache-Control"] == "no-store"
    resource = response.get_json(force=True)
    Questionnaire.model_validate(resource)
    assert resource["url"] == "http://localhost/fhir/Questionnaire/needs"
    assert resource["title"] == definition.title  # bokmål, the staff member's language
    assert {"strain", "work_concern", "agenda", "keep_private"} <= link_ids(resource)

    english = download(nurse, f"/staff/fhir/Questionnaire/{definition.key}?lang=en")
    with app.test_request_context(), force_locale("en"):
        assert english.get_json(force=True)["title"] == q_(definition.title)
    assert english.get_json(force=True)["language"] == "en"
    download(nurse, "/staff/fhir/Questionnaire/needs-999", status=404)
    download(nurse, "/staff/fhir/Questionnaire/nothing-1", status=404)
    assert events(db, person.id) == []


def test_patients_cannot_download_the_questionnaire_as_staff(app, db, client):
    person, _ = hospital_patient(app, db, sent=False)
    client.sign_in(person.national_id)
    download(client, f"/staff/fhir/Questionnaire/{needs().key}", status=404)


def test_the_responsible_hospital_exports_every_answer_and_it_is_logged(app, db):
    person, tp1 = hospital_patient(app, db)  # journey.ANSWERS keeps mental_health private
    nurse = staff_client(app, db, person.pathways[0].hospital)
    response = download(nurse, f"/staff/touchpoints/{tp1}/fhir")
    assert response.mimetype == "application/fhir+json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    resource = json.loads(response.get_data(as_text=True))
    QuestionnaireResponse.model_validate(resource)
    assert resource["questionnaire"] == f"http://localhost/fhir/Questionnaire/needs|{needs().version}"
    assert resource["status"] == "completed"
    identifier = {"system": resources.FODSELSNUMMER, "value": person.national_id}
    assert resource["subject"]["identifier"] == identifier
    assert resource["author"] == {"type": "Patient", "identifier": identifier,
                                  "display": person.full_name}
    authored = datetime.fromisoformat(resource["authored"])
    assert abs(authored - datetime.now(UTC)).total_seconds() < 600
    assert {"mental_health_concern", "work_note", "keep_private"} <= link_ids(resource)
    assert [e.action for e in events(db, person.id)] == [audit.AccessAction.EXPORTED]
    assert events(db, person.id)[0].touchpoint_number == 1


def test_the_municipality_exports_only_what_the_patient_let_pass_on(app, db):
    person, tp1 = hospital_patient(app, db, keep_private=["mental_health", "work"])
    municipal = staff_client(app, db, person.pathways[0].municipality)
    download(municipal, f"/staff/touchpoints/{tp1}/fhir", status=404)  # not handed over yet
    pathway = person.pathways[0]
    pathway.handed_over_at = datetime.now(UTC)
    next(t for t in pathway.touchpoints if t.number == 1).held_on = today()
    db.commit()
    response = download(municipal, f"/staff/touchpoints/{tp1}/fhir")
    resource = json.loads(response.get_data(as_text=True))
    QuestionnaireResponse.model_validate(resource)
    ids = link_ids(resource)
    assert not ids & {"work", "work_concern", "work_note", "mental_health",
                      "mental_health_concern", "keep_private"}
    assert ANSWERS["work"]["work_note"] not in response.get_data(as_text=True)
    assert {"strain", "late_effects_concern"} <= ids
    agenda = next(i for g in resource["item"] for i in g["item"] if i["linkId"] == "agenda")
    assert [a["valueCoding"]["code"] for a in agenda["answer"]] == ["late_effects", "children"]
    assert [e.action for e in events(db, person.id)] == [audit.AccessAction.EXPORTED]


def test_nothing_sent_nothing_to_export_and_others_get_404(app, db):
    person, tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    download(nurse, f"/staff/touchpoints/{tp1}/fhir", status=404)
    download(nurse, f"/staff/touchpoints/{touchpoint_id(person, 2)}/fhir", status=404)
    download(nurse, "/staff/touchpoints/99999999999/fhir", status=404)
    assert events(db, person.id) == []


def test_the_canonical_url_comes_from_the_setting_when_given(settings, db):
    from portal import create_app
    from portal.db import session_factory

    app = create_app(settings.with_overrides(fhir_canonical_base="https://fhir.example.no"))
    person, _tp1 = hospital_patient(app, db, sent=False)
    nurse = staff_client(app, db, person.pathways[0].hospital)
    resource = download(nurse, f"/staff/fhir/Questionnaire/{needs().key}").get_json(force=True)
    session_factory(app).kw["bind"].dispose()
    assert resource["url"] == "https://fhir.example.no/Questionnaire/needs"
