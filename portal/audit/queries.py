"""Reading the access log for the patient's page and the administrator's pages."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.audit.models import AccessEvent, ActorKind
from portal.db import utcnow
from portal.pathway.models import Patient
from portal.staff.models import StaffMember


@dataclass(frozen=True)
class Page:
    events: Sequence[AccessEvent]
    #: The ``seq`` to continue from (``before``) for older entries, if there are any.
    older: int | None


def patient_events(session: Session, patient_id: int, before: int | None, size: int) -> Page:
    """One page of a patient's entries, newest first (keyset paging on ``seq``)."""
    query = select(AccessEvent).where(AccessEvent.patient_id == patient_id)
    if before is not None:
        query = query.where(AccessEvent.seq < before)
    found = list(session.scalars(query.order_by(AccessEvent.seq.desc()).limit(size + 1)))
    older = found[size - 1].seq if len(found) > size else None
    return Page(found[:size], older)


def by_day(events: Sequence[AccessEvent], zone: ZoneInfo) -> list[tuple[date, list[AccessEvent]]]:
    """Entries grouped by their date in the display time zone, keeping their order."""
    return [(day, list(group))
            for day, group in groupby(events, key=lambda e: e.at.astimezone(zone).date())]


def staff_counts(session: Session, organisation_id: int,
                 days: int = 30) -> list[tuple[StaffMember, int]]:
    """Every staff member of the organisation, with their entries in the last ``days`` days."""
    counts = (
        select(AccessEvent.actor_id, func.count().label("n"))
        .where(AccessEvent.actor_kind == ActorKind.STAFF,
               AccessEvent.at >= utcnow() - timedelta(days=days))
        .group_by(AccessEvent.actor_id)
        .subquery()
    )
    rows = session.execute(
        select(StaffMember, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.actor_id == StaffMember.id)
        .where(StaffMember.organisation_id == organisation_id)
        .order_by(StaffMember.family_name, StaffMember.given_name, StaffMember.id)
    ).all()
    return [(member, int(count)) for member, count in rows]


@dataclass(frozen=True)
class StaffAccess:
    event: AccessEvent
    #: None when the patient is no longer in the portal (the log outlives them).
    patient_name: str | None


def staff_events(session: Session, staff_id: int, start: datetime | None, end: datetime | None,
                 limit: int) -> tuple[list[StaffAccess], bool]:
    """A staff member's entries in [start, end), newest first; and whether there were more."""
    query = (
        select(AccessEvent, Patient.given_name, Patient.family_name)
        .outerjoin(Patient, Patient.id == AccessEvent.patient_id)
        .where(AccessEvent.actor_kind == ActorKind.STAFF, AccessEvent.actor_id == staff_id)
    )
    if start is not None:
        query = query.where(AccessEvent.at >= start)
    if end is not None:
        query = query.where(AccessEvent.at < end)
    rows = session.execute(query.order_by(AccessEvent.seq.desc()).limit(limit + 1)).all()
    found = [StaffAccess(event, f"{given} {family}" if given is not None else None)
             for event, given, family in rows]
    return found[:limit], len(found) > limit


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """Midnight at the start of ``day`` in the display time zone (an aware datetime)."""
    return datetime.combine(day, time.min, tzinfo=zone)
