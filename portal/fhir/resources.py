"""FHIR R4 resources as plain dicts: the questionnaire definition as a ``Questionnaire`` and a
submission as a ``QuestionnaireResponse``. Pure functions: the caller passes the texts'
translation, the canonical URL and only the answers the reader may see.

Question types map as: single choice → ``choice``; multiple choice → ``choice`` with
``repeats``; yes/no and the "talk about it" box → ``boolean``; the 0–10 scale → ``integer`` with
the ``minValue``/``maxValue`` extensions; short text → ``string``; long text → ``text``; date →
``date``. A page with questions is a ``group``. ``show_when`` becomes ``enableWhen``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from portal.questionnaire.definition import Definition, Question

#: Norwegian identifier systems (domain brief; Direktoratet for e-helse OIDs).
FODSELSNUMMER = "urn:oid:2.16.578.1.12.4.1.4.1"
D_NUMMER = "urn:oid:2.16.578.1.12.4.1.4.2"
HPR_NUMMER = "urn:oid:2.16.578.1.12.4.1.4.4"
ORGANISASJONSNUMMER = "urn:oid:2.16.578.1.12.4.1.4.101"

MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
MAX_DECIMAL_PLACES = "http://hl7.org/fhir/StructureDefinition/maxDecimalPlaces"
ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
ITEM_CONTROL_SYSTEM = "http://hl7.org/fhir/questionnaire-item-control"

FHIR_TYPES = {
    "single_choice": "choice",
    "multiple_choice": "choice",
    "yes_no": "boolean",
    "checkbox": "boolean",
    "scale": "integer",
    "short_text": "string",
    "long_text": "text",
    "date": "date",
}

Translate = Callable[[str], str]


def _same(text: str) -> str:
    return text


def identifier(national_id: str) -> dict[str, str]:
    """A fødselsnummer or a D-nummer (first digit 4–7) with its identifier system."""
    system = D_NUMMER if national_id[:1] in "4567" else FODSELSNUMMER
    return {"system": system, "value": national_id}


def option_system(url: str, question_id: str) -> str:
    """The code system of a question's answer options: the questionnaire's URL and the id."""
    return f"{url}/{question_id}"


# --- Questionnaire ---------------------------------------------------------------------------


def questionnaire(definition: Definition, url: str, language: str,
                  translate: Translate = _same) -> dict[str, Any]:
    """The definition as a Questionnaire in ``language`` (``translate`` gives each text)."""
    groups = []
    for page in definition.pages:
        if not page.questions:
            continue
        group: dict[str, Any] = {"linkId": page.id, "type": "group", "text": translate(page.title),
                                 "item": [_item(q, url, translate, page.questions)
                                          for q in page.questions]}
        groups.append(group)
    return {
        "resourceType": "Questionnaire",
        "id": definition.key,
        "language": language,
        "url": url,
        "version": str(definition.version),
        "name": _computable_name(definition.id),
        "title": translate(definition.title),
        "status": "active",
        "subjectType": ["Patient"],
        "item": groups,
    }


def _computable_name(questionnaire_id: str) -> str:
    return "".join(part.capitalize() for part in questionnaire_id.split("_"))


def _item(question: Question, url: str, translate: Translate,
          siblings: tuple[Question, ...]) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": translate(question.label),
                            "type": FHIR_TYPES[question.type]}
    if question.type in ("single_choice", "multiple_choice"):
        item["answerOption"] = [
            {"valueCoding": {"system": option_system(url, question.id), "code": option.value,
                             "display": translate(option.label)}}
            for option in question.options]
    if question.type == "multiple_choice":
        item["repeats"] = True
    if question.type == "scale":
        item["extension"] = [
            {"url": MIN_VALUE, "valueInteger": question.min},
            {"url": MAX_VALUE, "valueInteger": question.max},
            {"url": ITEM_CONTROL, "valueCodeableConcept": {"coding": [
                {"system": ITEM_CONTROL_SYSTEM, "code": "slider"}]}},
        ]
    if question.type in ("short_text", "long_text") and question.max_length:
        item["maxLength"] = question.max_length
    if question.hint:
        item["item"] = [{"linkId": f"{question.id}-hint", "type": "display",
                         "text": translate(question.hint),
                         "extension": [{"url": ITEM_CONTROL, "valueCodeableConcept": {
                             "coding": [{"system": ITEM_CONTROL_SYSTEM, "code": "help"}]}}]}]
    if question.show_when is not None:
        target = next(q for q in siblings if q.id == question.show_when.question)
        item["enableWhen"] = [_enable_when(target, value, url)
                              for value in question.show_when.any_of]
        if len(item["enableWhen"]) > 1:
            item["enableBehavior"] = "any"
    return item


def _enable_when(target: Question, value: str, url: str) -> dict[str, Any]:
    condition: dict[str, Any] = {"question": target.id, "operator": "="}
    if FHIR_TYPES[target.type] == "boolean":
        condition["answerBoolean"] = value == "yes"
    else:
        condition["answerCoding"] = {"system": option_system(url, target.id), "code": value}
    return condition


# --- QuestionnaireResponse -------------------------------------------------------------------


@dataclass(frozen=True)
class Author:
    """Who answered: the patient, or (issue 5) a relative answering their own questionnaire."""

    kind: Literal["Patient", "RelatedPerson"]
    national_id: str
    name: str


def questionnaire_response(definition: Definition, url: str, *, response_id: str,
                           answers: Mapping[str, Any], authored: datetime,
                           submission_number: int, subject_national_id: str, subject_name: str,
                           author: Author, translate: Translate = _same) -> dict[str, Any]:
    """One submission as a QuestionnaireResponse, with ONLY ``answers`` (what the reader may
    see: the caller filters them). The first submission is ``completed``; a later one, the
    patient's correction, ``amended``."""
    groups = []
    for page in definition.pages:
        items = [_answer_item(q, answers[q.id], url, translate) for q in page.questions
                 if q.id in answers and _answered(answers[q.id])]
        items = [i for i in items if i["answer"]]
        if items:
            groups.append({"linkId": page.id, "text": translate(page.title), "item": items})
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id,
        "questionnaire": f"{url}|{definition.version}",
        "status": "completed" if submission_number <= 1 else "amended",
        "subject": {"type": "Patient", "identifier": identifier(subject_national_id),
                    "display": subject_name},
        "authored": authored.astimezone(UTC).isoformat(timespec="seconds"),
        "author": {"type": author.kind, "identifier": identifier(author.national_id),
                   "display": author.name},
        "item": groups,
    }


def _answered(value: Any) -> bool:
    return value is not None and value != "" and value != []


def _answer_item(question: Question, value: Any, url: str,
                 translate: Translate) -> dict[str, Any]:
    return {"linkId": question.id, "text": translate(question.label),
            "answer": _answers(question, value, url, translate)}


def _answers(question: Question, value: Any, url: str,
             translate: Translate) -> list[dict[str, Any]]:
    kind = question.type
    if kind in ("single_choice", "multiple_choice"):
        values = value if isinstance(value, list) else [value]
        return [{"valueCoding": {"system": option_system(url, question.id), "code": str(v),
                                 "display": translate(question.option_label(str(v)) or str(v))}}
                for v in values]
    if kind == "yes_no":
        return [{"valueBoolean": value == "yes"}] if value in ("yes", "no") else []
    if kind == "checkbox":
        return [{"valueBoolean": bool(value)}]
    if kind == "scale":
        try:
            return [{"valueInteger": int(value)}]
        except (TypeError, ValueError):
            return []
    if kind == "date":
        return [{"valueDate": str(value)}]
    return [{"valueString": str(value)}]
