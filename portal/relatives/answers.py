"""A relative's own answers before one of the patient's conversations: loading, saving a page to
the working copy, and sending. Operations flush and never commit: the request commits once.

The relative answers for the patient's next conversation that is neither held nor declined (a
held one is over; a declined one will be offered again later, as a new appointment). The answers
are stored per (link, touchpoint) in ``RelativeResponse``: ``answers`` is the working copy the
relative edits, ``submitted_answers`` the copy last sent, which the clinician sees. Sending again
after a change replaces the sent copy and its time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal import access
from portal.db import db_session
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import Definition, Page
from portal.relatives.models import RelativeLink, RelativeResponse

QUESTIONNAIRE_ID = "relative"


@dataclass
class RelativeContext:
    """What a page of the relative's questionnaire needs."""

    link: RelativeLink
    #: The conversation the answers are for; None when the patient has none coming.
    touchpoint: Touchpoint | None
    definition: Definition
    response: RelativeResponse | None

    @property
    def patient(self) -> Patient:
        return self.link.patient

    @property
    def answers(self) -> dict[str, Any]:
        return dict(self.response.answers) if self.response is not None else {}

    @property
    def has_answers(self) -> bool:
        return any(v not in (None, "", []) for v in self.answers.values())

    @property
    def sent(self) -> bool:
        return self.response is not None and self.response.submitted_at is not None

    @property
    def unsent_changes(self) -> bool:
        response = self.response
        return (response is not None and response.submitted_revision is not None
                and response.submitted_revision != response.revision)


def next_touchpoint(session: Session, patient: Patient) -> Touchpoint | None:
    """The patient's next conversation, neither held nor declined, in the current pathway."""
    pathway = session.scalar(
        select(Pathway).where(Pathway.patient_id == patient.id)
        .order_by(Pathway.diagnosis_date.desc(), Pathway.id.desc()).limit(1))
    if pathway is None:
        return None
    return session.scalar(
        select(Touchpoint)
        .where(Touchpoint.pathway_id == pathway.id, Touchpoint.held_on.is_(None),
               Touchpoint.declined_on.is_(None))
        .options(joinedload(Touchpoint.organisation))
        .order_by(Touchpoint.number).limit(1))


def load(patient_id: int, lock: bool = False) -> RelativeContext:
    """The signed-in relative's questionnaire for this patient: 404 unless the patient lets them
    answer their own questionnaire (checked on every request); 410 for answers to a version that
    is no longer installed. ``lock`` serialises writes to one relative's answers (PostgreSQL)."""
    link = access.load_relative_link(patient_id, access.RelativePermission.OWN_QUESTIONNAIRE)
    session = db_session()
    if lock:
        session.execute(select(RelativeLink.id).where(RelativeLink.id == link.id)
                        .with_for_update())
    touchpoint = next_touchpoint(session, link.patient)
    response = None
    if touchpoint is not None:
        response = session.scalar(select(RelativeResponse).where(
            RelativeResponse.link_id == link.id, RelativeResponse.touchpoint_id == touchpoint.id))
    if response is None:
        definition = definitions.latest(QUESTIONNAIRE_ID)
    else:
        found = definitions.get(response.questionnaire_id, response.questionnaire_version)
        if found is None:
            abort(410)
        definition = found
    if touchpoint is not None and touchpoint.number not in definition.touchpoints:
        touchpoint = None
    return RelativeContext(link, touchpoint, definition, response)


def save_page(session: Session, context: RelativeContext, page: Page,
              values: Mapping[str, Any], now: datetime) -> bool:
    """Store the page's answers in the working copy (None removes one); the response is made on
    first use. Returns whether anything changed."""
    if context.touchpoint is None:
        raise ValueError("No conversation to answer for.")
    response = context.response
    if response is None:
        response = RelativeResponse(
            link_id=context.link.id, touchpoint_id=context.touchpoint.id,
            questionnaire_id=context.definition.id,
            questionnaire_version=context.definition.version,
            answers={}, revision=0, updated_at=now)
        session.add(response)
        context.response = response
    answers = dict(response.answers or {})
    for question in page.questions:
        value = values.get(question.id)
        if value is None:
            answers.pop(question.id, None)
        else:
            answers[question.id] = value
    changed = answers != (response.answers or {})
    if changed:
        response.answers = answers  # a new dict: the JSON column sees the change
        response.revision += 1
        response.updated_at = now
    session.flush()
    return changed


def submit(session: Session, context: RelativeContext, now: datetime,
           locale: str | None = None) -> bool:
    """Send the working copy: it becomes what the clinician sees. Nothing happens when nothing
    changed since the last sending (a double click) or nothing is answered."""
    response = context.response
    if response is None or not context.has_answers:
        return False
    if response.submitted_revision == response.revision:
        return False
    response.submitted_answers = dict(response.answers)
    response.submitted_revision = response.revision
    response.submitted_at = now
    response.submitted_locale = locale
    session.flush()
    return True
