"""The FHIR resources built from the shipped questionnaire validate as R4 (the R4B models equal R4
for Questionnaire and QuestionnaireResponse) and carry what the patient record needs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from portal.fhir import resources
from portal.questionnaire import definition as definitions
from portal.questionnaire.sharing import shareable
from tests import factories

URL = "https://portal.example/fhir/Questionnaire/needs"
ANSWERS: dict[str, Any] = {
    "what_matters": "Barnebarna.",
    "strain": 6,
    "work_concern": "quite_a_bit",
    "work_talk": True,
    "work_sick_leave": "yes",
    "work_note": "Sykmeldt 50 %.",
    "finances_housing_worries": ["income", "debt"],
    "mental_health_concern": "very_much",
    "mental_health_note": "Dette er privat.",
    "agenda": ["work", "mental_health"],
    "keep_private": ["mental_health"],
}


def needs() -> definitions.Definition:
    return definitions.latest("needs")


def _items(resource: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}

    def walk(items: list[dict[str, Any]]) -> None:
        for item in items:
            found[item["linkId"]] = item
            walk(item.get("item", []))

    walk(resource["item"])
    return found


def _response(answers: dict[str, Any], number: int = 1,
              author: resources.Author | None = None, subject: str | None = None
              ) -> dict[str, Any]:
    subject = subject or factories.national_id()
    return resources.questionnaire_response(
        needs(), URL, response_id="7-1", answers=answers,
        authored=datetime(2026, 11, 23, 9, 30, tzinfo=UTC), submission_number=number,
        subject_national_id=subject, subject_name="Kari Nordmann",
        author=author or resources.Author("Patient", subject, "Kari Nordmann"))


def test_the_questionnaire_validates_and_maps_each_question_type() -> None:
    resource = resources.questionnaire(needs(), URL, "nb")
    Questionnaire.model_validate(resource)
    assert resource["url"] == URL
    assert resource["version"] == str(needs().version)
    assert resource["status"] == "active"
    items = _items(resource)
    assert items["work"]["type"] == "group"
    assert items["work_concern"]["type"] == "choice"
    codes = [o["valueCoding"]["code"] for o in items["work_concern"]["answerOption"]]
    assert codes[:4] == ["not_at_all", "a_little", "quite_a_bit", "very_much"]
    assert items["work_talk"]["type"] == "boolean"
    assert items["finances_housing_worries"]["repeats"] is True
    assert items["strain"]["type"] == "integer"
    limits = {e["url"]: e.get("valueInteger") for e in items["strain"]["extension"]}
    assert limits[resources.MIN_VALUE] == 0
    assert limits[resources.MAX_VALUE] == 10
    assert items["what_matters"]["type"] == "text"
    assert items["children_ages"]["type"] == "string"
    assert items["children_ages"]["maxLength"] == 100
    assert "intro" not in items  # a page without questions is no group


def test_show_when_becomes_enable_when() -> None:
    items = _items(resources.questionnaire(needs(), URL, "nb"))
    sick_leave = items["work_sick_leave"]
    assert sick_leave["enableBehavior"] == "any"
    assert {c["answerCoding"]["code"] for c in sick_leave["enableWhen"]} == {
        "a_little", "quite_a_bit", "very_much"}
    assert all(c["question"] == "work_concern" for c in sick_leave["enableWhen"])
    ages = items["children_ages"]
    assert ages["enableWhen"] == [
        {"question": "children_under_18", "operator": "=", "answerBoolean": True}]
    assert "enableBehavior" not in ages


def test_texts_come_from_the_translation_given() -> None:
    resource = resources.questionnaire(needs(), URL, "en", translate=lambda text: f"<{text}>")
    assert resource["language"] == "en"
    assert resource["title"] == f"<{needs().title}>"
    assert _items(resource)["work"]["text"].startswith("<")


def test_a_response_validates_with_identifiers_and_typed_answers() -> None:
    patient = factories.national_id()
    resource = _response(ANSWERS, subject=patient)
    QuestionnaireResponse.model_validate(resource)
    assert resource["questionnaire"] == f"{URL}|{needs().version}"
    assert resource["status"] == "completed"
    assert resource["authored"] == "2026-11-23T09:30:00+00:00"
    assert resource["subject"]["identifier"] == {"system": resources.FODSELSNUMMER,
                                                 "value": patient}
    assert resource["author"]["type"] == "Patient"
    items = _items(resource)
    assert items["strain"]["answer"] == [{"valueInteger": 6}]
    assert items["work_talk"]["answer"] == [{"valueBoolean": True}]
    assert items["work_sick_leave"]["answer"] == [{"valueBoolean": True}]
    assert [a["valueCoding"]["code"] for a in items["finances_housing_worries"]["answer"]] == [
        "income", "debt"]
    assert items["what_matters"]["answer"] == [{"valueString": "Barnebarna."}]


def test_a_later_submission_is_amended() -> None:
    assert _response(ANSWERS, number=2)["status"] == "amended"


def test_a_d_number_and_a_relative_as_author() -> None:
    d_number = "41018036736"  # a valid D-nummer (first digit 4)
    relative = factories.national_id("280483")
    resource = _response(ANSWERS, subject=d_number,
                         author=resources.Author("RelatedPerson", relative, "Ola Nordmann"))
    QuestionnaireResponse.model_validate(resource)
    assert resource["subject"]["identifier"]["system"] == resources.D_NUMMER
    assert resource["author"]["type"] == "RelatedPerson"
    assert resource["author"]["identifier"] == {"system": resources.FODSELSNUMMER,
                                                "value": relative}


@pytest.mark.parametrize("same_organisation", [True, False])
def test_only_the_answers_given_are_in_the_response(same_organisation: bool) -> None:
    visible, withheld = shareable(needs(), ANSWERS, same_organisation)
    resource = _response(visible)
    QuestionnaireResponse.model_validate(resource)
    items = _items(resource)
    assert withheld is not same_organisation
    assert ("mental_health_note" in items) is same_organisation
    assert ("mental_health" in items) is same_organisation
    agenda = [a["valueCoding"]["code"] for a in items["agenda"]["answer"]]
    assert ("mental_health" in agenda) is same_organisation
    assert ("Dette er privat." in str(resource)) is same_organisation
