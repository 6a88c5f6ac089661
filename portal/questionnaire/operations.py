"""Operations on responses. They flush and never commit: the request commits once at its end."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.pathway.models import Touchpoint
from portal.questionnaire.definition import Definition, Page
from portal.questionnaire.models import Answer, Response, Submission
from portal.questionnaire.scoring import acute_risk


def find_response(session: Session, touchpoint: Touchpoint) -> Response | None:
    return session.scalar(select(Response).where(Response.touchpoint_id == touchpoint.id))


def start_response(
    session: Session, touchpoint: Touchpoint, definition: Definition, now: datetime
) -> Response:
    """The touchpoint's response, created on first use with the current definition version."""
    response = find_response(session, touchpoint)
    if response is None:
        response = Response(
            touchpoint=touchpoint,
            questionnaire_id=definition.id,
            questionnaire_version=definition.version,
            current_page=1,
            revision=0,
            started_at=now,
            updated_at=now,
        )
        session.add(response)
        session.flush()
    return response


def save_page(
    session: Session,
    response: Response,
    definition: Definition,
    page: Page,
    values: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Store the page's answers (None deletes one). Returns whether anything changed."""
    existing = {a.question_id: a for a in response.answers}
    changed = False
    for question in page.questions:
        value = values.get(question.id)
        answer = existing.get(question.id)
        if value is None:
            if answer is not None:
                response.answers.remove(answer)
                changed = True
        elif answer is None:
            response.answers.append(Answer(question_id=question.id, value=value, answered_at=now))
            changed = True
        elif answer.value != value:
            answer.value = value
            answer.answered_at = now
            changed = True
    if acute_risk(page.questions, values):
        mark_urgent(response, now)
    if changed:
        response.revision += 1
        response.updated_at = now
    session.flush()
    return changed


def mark_urgent(response: Response, now: datetime) -> None:
    """Record when a safety answer first suggested acute risk; later answers never clear it."""
    if response.urgent_at is None:
        response.urgent_at = now


def move_to(response: Response, page_number: int) -> None:
    response.current_page = page_number


def submit(session: Session, response: Response, now: datetime,
           locale: str | None = None) -> Submission | None:
    """Freeze the current answers as a new submission, noting the language they were sent in;
    nothing new when nothing changed (a double-clicked submit or a resent form), so a submission
    is never duplicated."""
    if response.submitted_revision == response.revision:
        return None
    submission = Submission(
        response=response,
        number=len(response.submissions) + 1,
        revision=response.revision,
        submitted_at=now,
        answers=response.answer_values(),
        locale=locale,
    )
    session.add(submission)
    response.submitted_revision = response.revision
    session.flush()
    return submission
