"""Changes to the conversation record, the agreed actions and the hand-over. Each flushes and
logs the change (CHANGED) for the patient's access log; the request commits.

Also the rule for which actions another service may see: an action linked to a topic the patient
kept for the conversation (``sharing.KEEP_PRIVATE`` in the latest submission) is not passed on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal import audit
from portal.clinician.models import ActionStatus, AgreedAction
from portal.clinician.record_forms import ContactPart, contact_parts
from portal.pathway.models import Pathway, Touchpoint
from portal.questionnaire.models import Response, Submission
from portal.questionnaire.sharing import KEEP_PRIVATE
from portal.staff.models import StaffMember


def record_conversation(session: Session, touchpoint: Touchpoint, held_on: date, held_by: str,
                        relative_present: bool) -> None:
    """Mark the conversation held. A touchpoint declined before is no longer declined: the
    patient came after all (a touchpoint is held or declined, never both)."""
    touchpoint.held_on = held_on
    touchpoint.held_by = held_by
    touchpoint.relative_present = relative_present
    touchpoint.declined_on = None
    touchpoint.offer_again_on = None
    session.flush()
    audit.record(touchpoint.pathway.patient_id, audit.AccessAction.CHANGED,
                 touchpoint_number=touchpoint.number)


def add_action(session: Session, touchpoint: Touchpoint, author: StaffMember, *, what: str,
               needs: Sequence[str], responsible: str, contact: str | None,
               due_on: date | None, now: datetime) -> AgreedAction:
    action = AgreedAction(touchpoint=touchpoint, what=what, needs=list(needs),
                          responsible=responsible, contact=contact or None, due_on=due_on,
                          status=ActionStatus.PLANNED, created_by_id=author.id,
                          created_at=now, updated_at=now)
    session.add(action)
    session.flush()
    audit.record(touchpoint.pathway.patient_id, audit.AccessAction.CHANGED,
                 touchpoint_number=touchpoint.number)
    return action


def update_action(session: Session, action: AgreedAction, *, what: str, needs: Sequence[str],
                  responsible: str, contact: str | None, due_on: date | None, status: str,
                  status_on: date | None, now: datetime) -> None:
    action.what = what
    action.needs = list(needs)
    action.responsible = responsible
    action.contact = contact or None
    action.due_on = due_on
    set_status(session, action, status, status_on, now)


def set_status(session: Session, action: AgreedAction, status: str, status_on: date | None,
               now: datetime) -> None:
    action.status = ActionStatus(status)
    action.status_on = None if action.status == ActionStatus.PLANNED else status_on
    action.updated_at = now
    session.flush()
    audit.record(action.touchpoint.pathway.patient_id, audit.AccessAction.CHANGED,
                 touchpoint_number=action.touchpoint.number)


def hand_over(session: Session, pathway: Pathway, by: StaffMember, now: datetime) -> None:
    """From now on the municipality reads touchpoint 1 within the patient's sharing choices,
    and the patient's contact is the municipality. Done once; a second call changes nothing."""
    if pathway.handed_over_at is not None:
        return
    pathway.handed_over_at = now
    pathway.handed_over_by_id = by.id
    session.flush()
    audit.record(pathway.patient_id, audit.AccessAction.CHANGED, touchpoint_number=1)


def can_hand_over(touchpoint_1: Touchpoint) -> bool:
    return touchpoint_1.held_on is not None or touchpoint_1.declined_on is not None


# --- what another service may see ---------------------------------------------------------


def private_topics(session: Session, touchpoint_ids: Iterable[int]) -> dict[int, set[str]]:
    """The pages the patient kept for the conversation, by touchpoint, from each touchpoint's
    latest submission (what staff read). One query whatever the number of touchpoints."""
    ids = list(touchpoint_ids)
    if not ids:
        return {}
    latest: dict[int, tuple[int, set[str]]] = {}
    rows = session.execute(
        select(Response.touchpoint_id, Submission.number, Submission.answers)
        .join(Submission, Submission.response_id == Response.id)
        .where(Response.touchpoint_id.in_(ids)))
    for touchpoint_id, number, answers in rows:
        if touchpoint_id not in latest or number > latest[touchpoint_id][0]:
            latest[touchpoint_id] = (number, set((answers or {}).get(KEEP_PRIVATE) or ()))
    return {touchpoint_id: kept for touchpoint_id, (_n, kept) in latest.items()}


def passes_on(action: AgreedAction, kept_private: set[str]) -> bool:
    """Whether another service may see this action (none of its needs was kept private)."""
    return not (set(action.needs or ()) & kept_private)


@dataclass(frozen=True)
class PatientAction:
    """An action as the patient reads it on their own page."""

    action: AgreedAction
    touchpoint_number: int
    contact: list[ContactPart]


def agreed_actions(session: Session, pathway_id: int) -> list[PatientAction]:
    """Every action of the pathway, for the patient: all of them (they are the patient's own),
    by touchpoint, then by date (those without one last). One query."""
    rows = session.execute(
        select(AgreedAction, Touchpoint.number).join(Touchpoint)
        .where(Touchpoint.pathway_id == pathway_id)
        .order_by(Touchpoint.number, AgreedAction.due_on.is_(None), AgreedAction.due_on,
                  AgreedAction.id))
    return [PatientAction(action, number, contact_parts(action.contact))
            for action, number in rows]
