"""Changes to an organisation's contact points and to the municipalities a hospital trust serves.

Every change to a contact point writes a ``ContactPointChange``: who, when, and the whole contact
point afterwards (``ContactPoint.snapshot``); a save that changes nothing writes none. The history
page compares each snapshot with the one before (``differences``). Operations flush; the request
(or the command) commits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.contacts.models import (
    ContactPoint,
    ContactPointChange,
    OpeningException,
    OpeningHours,
    Organisation,
    OrganisationKind,
    ServedMunicipality,
)
from portal.contacts.reference import Municipality, today_in_norway, valid_on
from portal.staff.models import StaffMember

#: The order of a snapshot's fields on the history page.
SCALAR_FIELDS = ("role", "name", "phone", "sms", "email", "address", "languages", "note",
                 "closed_on_public_holidays", "archived")


@dataclass(frozen=True)
class ContactValues:
    """What an administrator fills in for a contact point, already validated and normalised:
    phone numbers in E.164, the e-mail address normalised, language codes in the offered order."""

    role: str
    name: str
    phone: str
    sms: str | None = None
    email: str | None = None
    address: str | None = None
    languages: tuple[str, ...] = ("nb",)
    note: str | None = None
    closed_on_public_holidays: bool = True
    #: (weekday, opens, closes): 0 = Monday; closes 00:00 is midnight at the end of the day.
    opening_hours: tuple[tuple[int, time, time], ...] = ()
    #: (day, opens, closes): no times = closed all day.
    exceptions: tuple[tuple[date, time | None, time | None], ...] = field(default=())


@dataclass(frozen=True)
class Editor:
    """Who makes a change: a staff member, or (``staff_id`` None) the demo data or a command."""

    name: str
    staff_id: int | None = None

    @classmethod
    def of(cls, staff: StaffMember) -> Editor:
        return cls(name=staff.full_name, staff_id=staff.id)


# --- contact points ------------------------------------------------------------------------------


def create_contact(session: Session, organisation: Organisation, values: ContactValues,
                   by: Editor, now: datetime) -> ContactPoint:
    """A new contact point, last on the organisation's list, and its first change record."""
    last = session.scalar(select(func.max(ContactPoint.position))
                          .where(ContactPoint.organisation_id == organisation.id))
    contact = ContactPoint(organisation=organisation, position=(last or 0) + 1, updated_at=now)
    _apply(contact, values)
    session.add(contact)
    session.flush()
    _record(session, contact, by, now)
    return contact


def update_contact(session: Session, contact: ContactPoint, values: ContactValues, by: Editor,
                   now: datetime) -> bool:
    """Apply ``values``; True and a change record if anything changed, else nothing is written."""
    before, last_changed = contact.snapshot(), contact.updated_at
    _apply(contact, values)
    if contact.snapshot() == before:
        return False
    _keep_baseline(session, contact, before, last_changed)
    contact.updated_at = now
    session.flush()
    _record(session, contact, by, now)
    return True


def archive_contact(session: Session, contact: ContactPoint, by: Editor, now: datetime) -> bool:
    """Hide a contact point from every card; its history stays. False if it was archived."""
    if contact.archived_at is not None:
        return False
    _keep_baseline(session, contact, contact.snapshot(), contact.updated_at)
    contact.archived_at = now
    contact.updated_at = now
    session.flush()
    _record(session, contact, by, now)
    return True


def _apply(contact: ContactPoint, values: ContactValues) -> None:
    contact.role, contact.name, contact.phone = values.role, values.name, values.phone
    contact.sms, contact.email, contact.address = values.sms, values.email, values.address
    contact.languages = ",".join(values.languages)
    contact.note = values.note
    contact.closed_on_public_holidays = values.closed_on_public_holidays
    # Rows are replaced only when they differ, so that saving unchanged hours touches nothing.
    hours = sorted(values.opening_hours)
    if [(r.weekday, r.opens, r.closes) for r in contact.opening_hours] != hours:
        contact.opening_hours = [OpeningHours(weekday=weekday, opens=opens, closes=closes)
                                 for weekday, opens, closes in hours]
    exceptions = sorted(values.exceptions, key=lambda row: (row[0], row[1] or time.min))
    if [(r.day, r.opens, r.closes) for r in contact.exceptions] != exceptions:
        contact.exceptions = [OpeningException(day=day, opens=opens, closes=closes)
                              for day, opens, closes in exceptions]


def _record(session: Session, contact: ContactPoint, by: Editor, now: datetime) -> None:
    session.add(ContactPointChange(contact_point=contact, changed_at=now,
                                   changed_by_id=by.staff_id, changed_by_name=by.name[:201],
                                   snapshot=contact.snapshot()))
    session.flush()


def _keep_baseline(session: Session, contact: ContactPoint, before: dict[str, Any],
                   last_changed: datetime) -> None:
    """A contact point from before the history was kept (migration 0007) has no change record:
    keep how it was, dated when it was last changed and by nobody known, so that the first change
    made here shows what it changed."""
    if session.scalar(select(ContactPointChange.id)
                      .where(ContactPointChange.contact_point_id == contact.id).limit(1)):
        return
    session.add(ContactPointChange(contact_point=contact, changed_at=last_changed,
                                   changed_by_id=None, changed_by_name="", snapshot=before))


def history(session: Session, contact: ContactPoint) -> list[tuple[ContactPointChange,
                                                                   list[Difference]]]:
    """Every change, newest first, each with what it changed from the one before (the first
    kept lists every value it had)."""
    changes = list(session.scalars(select(ContactPointChange)
                                   .where(ContactPointChange.contact_point_id == contact.id)
                                   .order_by(ContactPointChange.id)))
    described = []
    previous: Mapping[str, Any] | None = None
    for change in changes:
        described.append((change, differences(previous, change.snapshot)))
        previous = change.snapshot
    return described[::-1]


# --- what changed --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    """One thing that differs between two snapshots.

    ``field`` is a snapshot key. For ``opening_hours`` the values are one weekday's intervals
    (``weekday`` set) as [opens, closes] pairs, an empty list when closed; for ``exceptions``
    one date's (``day`` set): None when there is no exception that day, an empty list when it is
    closed all day. ``before`` is None when there was no earlier snapshot.
    """

    field: str
    before: Any
    after: Any
    weekday: int | None = None
    day: date | None = None


def differences(before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> list[Difference]:
    """Field by field, in the order of the form. With no ``before`` (the first version kept),
    every field that has a value."""
    found: list[Difference] = []
    for name in SCALAR_FIELDS:
        new = after.get(name)
        if before is None:
            if new not in (None, "", False):
                found.append(Difference(name, None, new))
        elif before.get(name) != new:
            found.append(Difference(name, before.get(name), new))
    old_days = _by_weekday(before.get("opening_hours", []) if before else [])
    new_days = _by_weekday(after.get("opening_hours", []))
    for weekday in range(7):
        if before is None and not new_days.get(weekday):
            continue
        if before is None or old_days.get(weekday, []) != new_days.get(weekday, []):
            found.append(Difference("opening_hours", old_days.get(weekday, []) if before
                                    else None, new_days.get(weekday, []), weekday=weekday))
    old_exceptions = _by_day(before.get("exceptions", []) if before else [])
    new_exceptions = _by_day(after.get("exceptions", []))
    for day in sorted(set(old_exceptions) | set(new_exceptions)):
        if old_exceptions.get(day) != new_exceptions.get(day):
            found.append(Difference("exceptions", old_exceptions.get(day),
                                    new_exceptions.get(day), day=day))
    return found


def _by_weekday(rows: Sequence[Sequence[Any]]) -> dict[int, list[list[str]]]:
    days: dict[int, list[list[str]]] = {}
    for weekday, opens, closes in rows:
        days.setdefault(int(weekday), []).append([opens, closes])
    return days


def _by_day(rows: Sequence[Sequence[Any]]) -> dict[date, list[list[str]]]:
    days: dict[date, list[list[str]]] = {}
    for day, opens, closes in rows:
        intervals = days.setdefault(date.fromisoformat(day), [])
        if opens is not None and closes is not None:
            intervals.append([opens, closes])
    return days


# --- the municipalities a hospital trust serves --------------------------------------------------


class NotCurrent(ValueError):
    """No municipality has this number today. ``ended`` is its last row, if it had one."""

    def __init__(self, number: str, ended: Municipality | None) -> None:
        super().__init__(number)
        self.number = number
        self.ended = ended


class AlreadyServed(ValueError):
    def __init__(self, municipality: Municipality) -> None:
        super().__init__(municipality.number)
        self.municipality = municipality


def current_municipality(session: Session, number: str,
                         on: date | None = None) -> Municipality:
    """The municipality with this number in force today, else ``NotCurrent``."""
    found = session.scalar(select(Municipality).where(
        Municipality.number == number, *valid_on(on or today_in_norway())))
    if found is None:
        ended = session.scalar(select(Municipality).where(Municipality.number == number)
                               .order_by(Municipality.valid_from.desc()).limit(1))
        raise NotCurrent(number, ended)
    return found


def add_served(session: Session, hospital: Organisation, number: str,
               on: date | None = None) -> Municipality:
    """Let ``hospital`` serve the municipality with this number: it must be in force today."""
    if hospital.kind != OrganisationKind.HOSPITAL_TRUST:
        raise ValueError("Only a hospital trust serves municipalities.")
    municipality = current_municipality(session, number, on)
    if any(s.municipality_number == number for s in hospital.served_municipalities):
        raise AlreadyServed(municipality)
    hospital.served_municipalities.append(ServedMunicipality(municipality_number=number))
    session.flush()
    return municipality


def remove_served(session: Session, hospital: Organisation, number: str) -> bool:
    """Stop serving a municipality; False if it was not served."""
    for served in hospital.served_municipalities:
        if served.municipality_number == number:
            hospital.served_municipalities.remove(served)
            session.flush()
            return True
    return False


@dataclass(frozen=True)
class Served:
    number: str
    #: The municipality's newest row in the reference table (None if the number is not in it).
    municipality: Municipality | None
    #: It is no longer a municipality today (ended by a newer list, or never in it).
    ended: bool


def served(session: Session, hospital: Organisation, on: date | None = None) -> list[Served]:
    """The municipalities a hospital trust serves, by name, with those no longer in force."""
    numbers = [s.municipality_number for s in hospital.served_municipalities]
    if not numbers:
        return []
    on = on or today_in_norway()
    newest: dict[str, Municipality] = {}
    for row in session.scalars(select(Municipality).where(Municipality.number.in_(numbers))
                               .order_by(Municipality.valid_from)):
        newest[row.number] = row
    current = set(session.scalars(select(Municipality.number).where(
        Municipality.number.in_(numbers), *valid_on(on))))
    found = [Served(number, newest.get(number), number not in current) for number in numbers]
    return sorted(found, key=lambda s: (s.municipality.name if s.municipality else "", s.number))


# --- organisations (the command line) ------------------------------------------------------------


class OrganisationError(ValueError):
    """An organisation that cannot be added; the message says why."""


def add_organisation(session: Session, kind: str, name: str, org_number: str,
                     municipality_number: str | None) -> Organisation:
    """A new hospital trust or municipality. ``org_number`` must be valid (already compacted);
    a municipality needs a number in force today; duplicates are refused."""
    if kind == OrganisationKind.MUNICIPALITY:
        if not municipality_number:
            raise OrganisationError("A municipality needs --municipality-number (four digits).")
        try:
            current_municipality(session, municipality_number)
        except NotCurrent:
            raise OrganisationError(
                f"{municipality_number} is not a municipality number in force today. Load the "
                f"municipalities first (portal contacts load-municipalities) and check the "
                f"number.") from None
    elif municipality_number:
        raise OrganisationError("A hospital trust has no municipality number: leave out "
                                "--municipality-number.")
    same = session.scalar(select(Organisation).where(Organisation.org_number == org_number))
    if same is not None:
        raise OrganisationError(f"Organisation number {org_number} is registered already, to "
                                f"{same.name}. Nothing was added.")
    if municipality_number:
        same = session.scalar(select(Organisation).where(
            Organisation.municipality_number == municipality_number))
        if same is not None:
            raise OrganisationError(f"Municipality number {municipality_number} is registered "
                                    f"already, to {same.name}. Nothing was added.")
    organisation = Organisation(kind=kind, name=name, org_number=org_number,
                                municipality_number=municipality_number or None)
    session.add(organisation)
    session.flush()
    return organisation
