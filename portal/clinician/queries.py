"""The worklist's lists, one SQL query each, whatever the number of patients.

Every list is of the staff member's organisation's own touchpoints (``Touchpoint.organisation_id``)
and holds at most ``limit`` rows; the page says when there are more. The pathway's date rules are
turned into one diagnosis-date threshold per touchpoint number (``rules.opened_by_diagnosis``,
``rules.overdue_by_diagnosis``) so that "open" and "overdue" are plain comparisons in SQL; each
row's markers are then worked out in Python from the same rules the patient's pages use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    extract,
    false,
    func,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, contains_eager

from portal.pathway import rules
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.pathway.rules import WINDOW_RULES, Place
from portal.questionnaire.models import Response, Submission
from portal.settings import Settings

#: Rows per list. Enough to choose from; a search finds anyone further down.
PAGE_SIZE = 25


@dataclass(frozen=True)
class Row:
    touchpoint: Touchpoint
    response: Response | None
    #: What the list is ordered by: the appointment, the submission, the window's start, or the
    #: date to offer again.
    when: datetime | date | None
    markers: tuple[str, ...]

    @property
    def patient(self) -> Patient:
        return self.touchpoint.pathway.patient


@dataclass(frozen=True)
class Listing:
    rows: list[Row]
    #: More rows matched than are shown.
    more: bool


@dataclass(frozen=True)
class Clock:
    """Today in the display time zone, and the UTC moments its days start at."""

    today: date
    timezone: str

    def day_start(self, day: date) -> datetime:
        """Midnight in the display time zone, in UTC (23 or 25 hours apart on DST days)."""
        return datetime.combine(day, time(), tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)


def _base(session: Session, organisation_id: int,
          start: str = "touchpoint") -> Select[Touchpoint, Response]:
    """The organisation's touchpoints with pathway, patient and response, in one statement.

    ``start`` says which index the database should start from: the organisation's touchpoints,
    the "response" (only touchpoints with one, through the partial index of unread answers),
    or the "patient" (a search). SQLite, without statistics, would otherwise start from the
    organisation's touchpoints, all of them: ``+ 0`` makes that column unusable as an index.
    PostgreSQL plans from statistics, and ``+ 0`` would only keep it from a good index (measured:
    the unread list read every touchpoint of a busy trust), so it is SQLite's alone.
    """
    sqlite = session.get_bind().dialect.name == "sqlite"
    organisation = (Touchpoint.organisation_id + 0 if start != "touchpoint" and sqlite
                    else Touchpoint.organisation_id)
    return (
        select(Touchpoint, Response)
        .join(Touchpoint.pathway).join(Pathway.patient)
        .join(Response, Response.touchpoint_id == Touchpoint.id, isouter=start != "response")
        .where(organisation == organisation_id)
        .options(contains_eager(Touchpoint.pathway).contains_eager(Pathway.patient))
    )


_PENDING = and_(Touchpoint.held_on.is_(None), Touchpoint.declined_on.is_(None))


def _opened_by_date(clock: Clock, days_before: int) -> ColumnElement[bool]:
    """The questionnaire is open by the window alone (no appointment counted)."""
    return or_(*(
        and_(Touchpoint.number == r.number,
             Pathway.diagnosis_date <= rules.opened_by_diagnosis(r.number, clock.today,
                                                                 days_before))
        for r in WINDOW_RULES))


def _opened(clock: Clock, days_before: int) -> ColumnElement[bool]:
    """``rules.questionnaire_opens_on`` ≤ today: by the window, or by an appointment no more
    than ``days_before`` days ahead (never before the diagnosis date)."""
    by_appointment = and_(
        Touchpoint.appointment_at < clock.day_start(clock.today + timedelta(days=days_before + 1)),
        Pathway.diagnosis_date <= clock.today)
    return or_(_opened_by_date(clock, days_before), by_appointment)


def _overdue(clock: Clock) -> ColumnElement[bool]:
    """``rules.is_overdue``: past the window, not held or declined, nothing booked from today."""
    past_window = or_(*(
        and_(Touchpoint.number == r.number,
             Pathway.diagnosis_date <= rules.overdue_by_diagnosis(r.number, clock.today))
        for r in WINDOW_RULES))
    nothing_ahead = or_(Touchpoint.appointment_at.is_(None),
                        Touchpoint.appointment_at < clock.day_start(clock.today))
    return and_(_PENDING, past_window, nothing_ahead)


def state_condition(state: str, clock: Clock, days_before: int) -> ColumnElement[bool]:
    """The touchpoints ``rules.state`` puts in ``state`` (or overdue), as SQL."""
    submitted = Response.submitted_revision.is_not(None)
    if state == "held":
        return Touchpoint.held_on.is_not(None)
    if state == "declined":
        return and_(Touchpoint.held_on.is_(None), Touchpoint.declined_on.is_not(None))
    if state == "submitted":
        return and_(_PENDING, submitted)
    if state == "open":
        return and_(_PENDING, ~submitted.self_group(), _opened(clock, days_before))
    if state == "upcoming":
        # NULL comparisons (no appointment) are neither true nor false: coalesce them away.
        return and_(_PENDING, Response.submitted_revision.is_(None),
                    ~func.coalesce(_opened(clock, days_before), false()))
    if state == "overdue":
        return _overdue(clock)
    raise ValueError(f"No such state: {state}")


def _window_start_order() -> list[Any]:
    """Orders by the window's start (``add_months(diagnosis, from_months)``) in SQL: months
    since year 0, then the day. Exact but for month-end clamping, which only makes equal days
    appear a day apart."""
    from_months = case({r.number: r.from_months for r in WINDOW_RULES},
                       value=Touchpoint.number, else_=0)
    months = (extract("year", Pathway.diagnosis_date) * 12
              + extract("month", Pathway.diagnosis_date) + from_months)
    return [months, extract("day", Pathway.diagnosis_date), Touchpoint.id]


def _listing(session: Session, query: Select[*tuple[Any, ...]], limit: int,
             when: Any, clock: Clock, settings: Settings) -> Listing:
    found = session.execute(query.limit(limit + 1)).all()
    rows = [Row(t, r, when(t, r, extra), markers(t, r, clock.today, settings))
            for t, r, *extra in found[:limit]]
    return Listing(rows, more=len(found) > limit)


def markers(touchpoint: Touchpoint, response: Response | None, today: date,
            settings: Settings) -> tuple[str, ...]:
    """What a row says at a glance: urgent, submitted / started, not sent / not started, and
    overdue, declined or held."""
    found: list[str] = []
    if response is not None and response.urgent_at is not None:
        found.append("urgent")
    if response is not None and response.is_submitted:
        found.append("submitted")
    elif response is not None and response.revision > 0:
        found.append("started")
    else:
        found.append("not_started")
    if touchpoint.held_on is not None:
        found.append("held")
    elif touchpoint.declined_on is not None:
        found.append("declined")
    else:
        appointment_on = (rules.local_date(touchpoint.appointment_at, settings.display_timezone)
                          if touchpoint.appointment_at else None)
        if rules.is_overdue(number=touchpoint.number,
                            diagnosis_date=touchpoint.pathway.diagnosis_date, today=today,
                            appointment_on=appointment_on):
            found.append("overdue")
    return tuple(found)


# --- the lists -----------------------------------------------------------------------------


def coming_conversations(session: Session, organisation_id: int, clock: Clock,
                         settings: Settings, limit: int = PAGE_SIZE) -> Listing:
    """Appointments from the start of today to the end of the ``worklist_days``-th day ahead,
    in time order."""
    start = clock.day_start(clock.today)
    end = clock.day_start(clock.today + timedelta(days=settings.worklist_days + 1))
    query = (_base(session, organisation_id)
             .where(_PENDING, Touchpoint.appointment_at >= start, Touchpoint.appointment_at < end)
             .order_by(Touchpoint.appointment_at, Touchpoint.id))
    return _listing(session, query, limit, lambda t, r, extra: t.appointment_at, clock, settings)


def unread_submissions(session: Session, organisation_id: int, clock: Clock,
                       settings: Settings, limit: int = PAGE_SIZE) -> Listing:
    """Submitted questionnaires nobody has opened yet, the longest waiting first."""
    sent_at = (select(func.max(Submission.submitted_at))
               .where(Submission.response_id == Response.id).scalar_subquery())
    # Ordered by the last change before sending (``updated_at``), which the partial index
    # ``ix_response_unread`` keeps in order; the time shown is that of the latest submission.
    query = (_base(session, organisation_id, start="response").add_columns(sent_at)
             .where(Response.submitted_revision.is_not(None), Response.first_read_at.is_(None),
                    Touchpoint.held_on.is_(None))
             .order_by(Response.updated_at, Response.id))
    return _listing(session, query, limit, lambda t, r, extra: _aware(extra[0]), clock,
                    settings)


def unbooked(session: Session, organisation_id: int, place: Place, clock: Clock,
             settings: Settings, limit: int = PAGE_SIZE) -> Listing:
    """Touchpoints whose questionnaire is open (overdue ones among them) with no appointment
    from today on, the earliest window first.

    Only the touchpoint numbers held at this kind of place are looked at (1 at a hospital, 2
    and 3 at a municipality), each walked in diagnosis order through the pathway's index on
    (hospital or municipality, diagnosis date) and stopped after ``limit`` rows: most old
    touchpoints were held, so few pathways are read even with years of history.
    """
    days_before = settings.questionnaire_opens_days_before
    nothing_ahead = or_(Touchpoint.appointment_at.is_(None),
                        Touchpoint.appointment_at < clock.day_start(clock.today))
    owner = Pathway.hospital_id if place == Place.HOSPITAL else Pathway.municipality_id
    firsts = []
    for window_rule in WINDOW_RULES:
        if window_rule.place != place:
            continue
        number = window_rule.number
        firsts.append(select(
            select(Touchpoint.id).join(Touchpoint.pathway)
            .where(owner == organisation_id, Touchpoint.organisation_id == organisation_id,
                   Touchpoint.number == number, _PENDING, nothing_ahead,
                   Pathway.diagnosis_date <= rules.opened_by_diagnosis(number, clock.today,
                                                                       days_before))
            .order_by(Pathway.diagnosis_date, Touchpoint.id).limit(limit + 1)
            .subquery().c.id))
    if not firsts:
        return Listing([], more=False)
    candidates = union_all(*firsts).subquery()
    query = (_base(session, organisation_id).join(candidates, candidates.c.id == Touchpoint.id)
             .order_by(*_window_start_order()))
    return _listing(session, query, limit,
                    lambda t, r, extra: rules.window(t.number, t.pathway.diagnosis_date).starts,
                    clock, settings)


def offer_again(session: Session, organisation_id: int, clock: Clock, settings: Settings,
                limit: int = PAGE_SIZE) -> Listing:
    """Declined touchpoints whose date to offer again has come, the earliest first."""
    query = (_base(session, organisation_id)
             .where(Touchpoint.declined_on.is_not(None),
                    Touchpoint.offer_again_on <= clock.today)
             .order_by(Touchpoint.offer_again_on, Touchpoint.id))
    return _listing(session, query, limit, lambda t, r, extra: t.offer_again_on, clock,
                    settings)


def search(session: Session, organisation_id: int, clock: Clock, settings: Settings, *,
           national_id: str | None, words: Sequence[str], number: int | None,
           state: str | None, limit: int = PAGE_SIZE) -> Listing:
    """The organisation's touchpoints of the patient with this identity number, or whose
    name has every word (in the given or the family name, any case), filtered by touchpoint
    number and state; by name."""
    conditions: list[ColumnElement[bool]] = []
    if national_id is not None:
        conditions.append(Patient.national_id == national_id)
    if words:
        sqlite = session.get_bind().dialect.name == "sqlite"
        named = select(Patient.id).where(*(_name_has(word, sqlite) for word in words))
        conditions.append(Pathway.patient_id.in_(named))
    if number is not None:
        conditions.append(Touchpoint.number == number)
    if state:
        conditions.append(state_condition(state, clock, settings.questionnaire_opens_days_before))
    by_patient = national_id is not None or bool(words)
    query = (_base(session, organisation_id, start="patient" if by_patient else "touchpoint")
             .where(and_(true(), *conditions))
             .order_by(Patient.family_name, Patient.given_name, Patient.id, Touchpoint.number))
    return _listing(session, query, limit, lambda t, r, extra: _search_date(t), clock, settings)


def _search_date(touchpoint: Touchpoint) -> datetime | date | None:
    if touchpoint.appointment_at is not None:
        return touchpoint.appointment_at
    return rules.window(touchpoint.number, touchpoint.pathway.diagnosis_date).starts


def _name_has(word: str, sqlite: bool) -> ColumnElement[bool]:
    """The given or the family name contains ``word``, in any case.

    PostgreSQL's ILIKE knows the case of every letter. SQLite's LIKE knows it only for ASCII
    letters, so the word is also tried with its other letters in upper or lower case ('øyvind'
    as 'Øyvind'): every spelling that differs in more than ASCII case."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    columns = (Patient.given_name, Patient.family_name)
    if not sqlite:
        return or_(*(column.ilike(f"%{escaped}%", escape="\\") for column in columns))
    spellings = {_ascii_lower(v): v for v in (escaped, escaped.lower(), escaped.upper(),
                                              escaped.capitalize())}
    return or_(*(column.like(f"%{spelling}%", escape="\\")
                 for column in columns for spelling in spellings))


def _ascii_lower(text: str) -> str:
    return "".join(c.lower() if c.isascii() else c for c in text)


def _aware(moment: datetime | None) -> datetime | None:
    """Defensive: a timestamp read through an aggregate is in UTC, aware or not."""
    if moment is None:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
