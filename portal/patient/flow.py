"""Loading what a patient page needs, in one place: load → check → (the view) process.

``questionnaire_context`` answers 404 for a touchpoint that is not the patient's, 410 for a
response whose questionnaire version is no longer installed, and tells the view whether the
questionnaire may be edited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.access import current_patient, load_own_touchpoint
from portal.contacts import lookup
from portal.db import db_session
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.pathway.status import TouchpointStatus, status
from portal.questionnaire import definition as definitions
from portal.questionnaire import operations
from portal.questionnaire.definition import Definition
from portal.questionnaire.models import Response
from portal.settings import current as current_settings

QUESTIONNAIRE_ID = "needs"


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().astimezone(ZoneInfo(current_settings().display_timezone)).date()


@dataclass
class QuestionnaireContext:
    patient: Patient
    touchpoint: Touchpoint
    status: TouchpointStatus
    definition: Definition
    response: Response | None

    @property
    def answers(self) -> dict[str, object]:
        return self.response.answer_values() if self.response else {}


def questionnaire_context(touchpoint_id: int, lock: bool = False,
                          cards: bool = False) -> QuestionnaireContext:
    touchpoint = load_own_touchpoint(touchpoint_id, lock=lock, cards=cards)
    session = db_session()
    response = session.scalar(
        select(Response)
        .where(Response.touchpoint_id == touchpoint.id)
        .options(selectinload(Response.answers))
    )
    if response is None:
        definition = definitions.latest(QUESTIONNAIRE_ID)
    else:
        found = definitions.get(response.questionnaire_id, response.questionnaire_version)
        if found is None:
            abort(410)
        definition = found
    if touchpoint.number not in definition.touchpoints:
        abort(404)
    return QuestionnaireContext(
        patient=current_patient(),
        touchpoint=touchpoint,
        status=status(touchpoint, response, current_settings(), today()),
        definition=definition,
        response=response,
    )


def ensure_response(context: QuestionnaireContext) -> Response:
    if context.response is None:
        context.response = operations.start_response(
            db_session(), context.touchpoint, context.definition, now()
        )
    return context.response


def pathway_statuses(patient: Patient) -> list[TouchpointStatus]:
    """The current pathway's touchpoints with their responses, in three queries whatever the
    number of touchpoints."""
    session = db_session()
    pathway = session.scalar(
        select(Pathway)
        .where(Pathway.patient_id == patient.id)
        .order_by(Pathway.diagnosis_date.desc(), Pathway.id.desc())
        .limit(1)
        .options(*lookup.contact_loading(lookup.today(), via=selectinload(Pathway.touchpoints)
                                         .joinedload(Touchpoint.organisation)))
    )
    if pathway is None:
        return []
    ids = [t.id for t in pathway.touchpoints]
    responses = {
        r.touchpoint_id: r
        for r in session.scalars(
            select(Response)
            .where(Response.touchpoint_id.in_(ids))
            .options(selectinload(Response.submissions))
        )
    }
    settings = current_settings()
    return [status(t, responses.get(t.id), settings, today()) for t in pathway.touchpoints]
