"""FHIR R4 downloads for the patient record: the questionnaire definition (not health data, not
logged) and a touchpoint's latest submission as a QuestionnaireResponse (logged as EXPORTED),
with only what the reader may see, taken from the one summary model."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, request
from flask_babel import force_locale

from portal import access, audit
from portal.fhir import resources
from portal.i18n import current_locale, q_
from portal.patient.flow import today
from portal.questionnaire import definition as definitions
from portal.settings import SUPPORTED_LOCALES
from portal.settings import current as current_settings
from portal.staff.models import CLINICIANS
from portal.summary.model import build

bp = Blueprint("fhir", __name__)

FHIR_JSON = "application/fhir+json"


def canonical_url(questionnaire_id: str) -> str:
    """The questionnaire's canonical URL, the same for every version (``url|version`` names
    one): ``PORTAL_FHIR_CANONICAL_BASE``, else the address the portal is reached at."""
    base = current_settings().fhir_canonical_base or f"{request.host_url.rstrip('/')}/fhir"
    return f"{base}/Questionnaire/{questionnaire_id}"


@bp.get("/staff/fhir/Questionnaire/<questionnaire_id>-<int:version>")
@access.staff(*CLINICIANS)
def questionnaire(questionnaire_id: str, version: int) -> Response:
    definition = definitions.get(questionnaire_id, version)
    if definition is None:
        abort(404)
    language = request.args.get("lang", "")
    if language not in SUPPORTED_LOCALES:
        language = current_locale()
    with force_locale(language):
        resource = resources.questionnaire(definition, canonical_url(definition.id), language,
                                           translate=q_)
    return _json(resource)


@bp.get("/staff/touchpoints/<int:touchpoint_id>/fhir")
@access.staff(*CLINICIANS)
def response(touchpoint_id: int) -> Response:
    reader = access.load_staff_touchpoint(touchpoint_id)
    summary = build(reader.touchpoint, reader.responsible, today())
    if summary.submission is None or summary.definition is None:
        abort(404)  # nothing sent: nothing to export
    patient = summary.patient
    resource = resources.questionnaire_response(
        summary.definition, canonical_url(summary.definition.id),
        response_id=f"{reader.touchpoint.id}-{summary.submission.number}",
        answers=summary.answers, authored=summary.submission.submitted_at,
        submission_number=summary.submission.number,
        subject_national_id=patient.national_id, subject_name=patient.full_name,
        # A relative's own answers are exported on their own (``relative_response``).
        author=resources.Author("Patient", patient.national_id, patient.full_name),
        translate=q_)
    audit.record(patient.id, audit.AccessAction.EXPORTED,
                 touchpoint_number=reader.touchpoint.number)
    filename = f"questionnaire-response-{reader.touchpoint.id}-{summary.submission.number}.json"
    return _json(resource, attachment=filename)


@bp.get("/staff/touchpoints/<int:touchpoint_id>/fhir/relatives/<int:link_id>")
@access.staff(*CLINICIANS)
def relative_response(touchpoint_id: int, link_id: int) -> Response:
    """A relative's sent answers as their own QuestionnaireResponse: the patient is the subject,
    the relative (a RelatedPerson) the author. Only what the summary shows this reader: the
    responsible organisation, a relative the patient still lets answer, the copy sent."""
    reader = access.load_staff_touchpoint(touchpoint_id)
    summary = build(reader.touchpoint, reader.responsible, today())
    shown = next((r for r in summary.relatives if r.link_id == link_id), None)
    if shown is None:
        abort(404)
    patient = summary.patient
    author = (f"{shown.name} ({shown.relation})" if shown.relation else shown.name)
    resource = resources.questionnaire_response(
        shown.definition, canonical_url(shown.definition.id),
        response_id=f"{reader.touchpoint.id}-relative-{link_id}-{shown.revision}",
        answers=shown.answers, authored=shown.submitted_at,
        # Sending again replaces the relative's copy: each export is one whole answer.
        submission_number=1,
        subject_national_id=patient.national_id, subject_name=patient.full_name,
        author=resources.Author("RelatedPerson", shown.national_id, author), translate=q_)
    audit.record(patient.id, audit.AccessAction.EXPORTED,
                 touchpoint_number=reader.touchpoint.number, context="relative's own answers")
    filename = f"questionnaire-response-{reader.touchpoint.id}-relative-{link_id}.json"
    return _json(resource, attachment=filename)


def _json(resource: dict[str, Any], attachment: str | None = None) -> Response:
    result = Response(json.dumps(resource, ensure_ascii=False, indent=2), mimetype=FHIR_JSON)
    if attachment:
        result.headers["Content-Disposition"] = f'attachment; filename="{attachment}"'
    return result
