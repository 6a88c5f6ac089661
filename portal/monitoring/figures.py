"""The monitoring figures of one organisation, per month or quarter: SQL aggregates only.

What is counted (the page's "How the figures are counted" and the README say the same):

- The organisation's *touchpoints* are those it holds (``Touchpoint.organisation_id``): a
  hospital trust holds touchpoint 1, a municipality touchpoints 2 and 3. Its *patients* are the
  pathways whose hospital (or municipality) it is.
- **Enrolled**: pathways created (``Pathway.created_at``, in the display time zone) in the period.
- **Offered**: touchpoints whose questionnaire opened in the period, by the pathway's rules
  (``rules.questionnaire_opens_on``: ``days_before`` days before the window or the appointment,
  whichever is first). The portal keeps no date for when an appointment was booked, so the
  opening of the questionnaire is the measurable moment the patient was invited to prepare.
- **Held**: conversations held (``held_on``) in the period.
- **Declined**: touchpoints declined (``declined_on``) in the period and still declined (a
  decline followed by a held conversation counts as held).
- **Overdue**: on the period's last day (today, for the current period), touchpoints past their
  window, not held nor declined by then, and with no appointment on or after that day
  (``rules.is_overdue``). Appointments are taken as recorded now: when an appointment was made
  is not kept.
- **Median days from diagnosis**, per touchpoint: over the conversations held in the period,
  ``held_on - diagnosis_date``.
- **Questionnaire sent beforehand**: of the conversations held in the period, those with a
  submission sent on or before the day of the conversation (in the display time zone).
- **Agreed actions**: of the conversations held in the period, those with at least one agreed
  action.
- **Handed over**: of the touchpoint-1 conversations held or declined in the period, those whose
  pathway was handed over to the municipality. A hospital trust sees its own touchpoints 1; a
  municipality sees the touchpoints 1 of its patients (the receiving side).

Small numbers (``shown_count``, ``shown_share``, ``shown_median``): see ``portal/monitoring``'s
README text. Each figure is one statement over the whole range, grouped by period in SQL (a
``CASE`` over the periods' first days), so the number of statements does not depend on the data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Integer,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from portal.clinician.models import AgreedAction
from portal.contacts.models import Organisation, OrganisationKind
from portal.pathway import rules
from portal.pathway.models import Pathway, Touchpoint
from portal.questionnaire.models import Response, Submission

PeriodKind = Literal["month", "quarter"]
#: How many periods the page shows, newest first.
PERIODS_SHOWN: dict[str, int] = {"month": 12, "quarter": 8}
#: A count from 1 to this is shown as "fewer than 5" (SMALL + 1).
SMALL = 4


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    starts: date
    #: The period's last day.
    ends: date


def _month_start(day: date, back: int = 0) -> date:
    return rules.add_months(day.replace(day=1), -back)


def periods(kind: PeriodKind, today: date, count: int | None = None) -> list[Period]:
    """The last ``count`` months or quarters up to and including today's, oldest first."""
    count = count or PERIODS_SHOWN[kind]
    step = 3 if kind == "quarter" else 1
    current = today.replace(day=1, month=(today.month - 1) // step * step + 1)
    found = []
    for back in range(count - 1, -1, -1):
        starts = _month_start(current, back * step)
        ends = rules.add_months(starts, step) - timedelta(days=1)
        found.append(Period(kind, starts, ends))
    return found


@dataclass
class PeriodFigures:
    """One period's raw figures. Show them only through the ``shown_*`` functions."""

    period: Period
    enrolled: int = 0
    offered: int = 0
    held: int = 0
    declined: int = 0
    overdue: int = 0
    #: Of ``held``: with a questionnaire sent on or before the day, with an agreed action.
    with_questionnaire: int = 0
    with_actions: int = 0
    #: Touchpoint-1 conversations held or declined in the period, and how many were handed over.
    handover_base: int = 0
    handed_over: int = 0
    #: Days from diagnosis to each held conversation: touchpoint number → days → how many.
    days: dict[int, Counter[int]] = field(default_factory=dict)

    def median_days(self, number: int) -> float | None:
        return median(self.days.get(number, Counter()))

    def held_of(self, number: int) -> int:
        return sum(self.days.get(number, Counter()).values())


def median(histogram: Counter[int]) -> float | None:
    """The median of the values counted in ``histogram`` (value → how many times)."""
    total = sum(histogram.values())
    if total == 0:
        return None
    wanted = ((total - 1) // 2, total // 2)  # the middle position(s), from 0
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while len(found) < 2 and seen > wanted[len(found)]:
            found.append(value)
    return (found[0] + found[1]) / 2


# --- small numbers: one rule, used by the table, the chart and the CSV ------------------------


@dataclass(frozen=True)
class Shown:
    """A figure as it may be shown: ``value`` is None when it is withheld."""

    value: float | None
    #: "fewer than 5" (a count from 1 to 4) or "too few" (a median or share on too small a base).
    withheld: Literal["", "fewer_than_5", "too_few"] = ""


def shown_count(count: int) -> Shown:
    """0 is shown; 1–4 are "fewer than 5"; 5 and more are shown."""
    if 0 < count <= SMALL:
        return Shown(None, "fewer_than_5")
    return Shown(count)


def shown_median(value: float | None, base: int) -> Shown:
    """A median over fewer than 5 conversations is not shown."""
    if value is None or base <= SMALL:
        return Shown(None, "too_few")
    return Shown(value)


def shown_share(part: int, base: int) -> Shown:
    """A share (0–100 %) is not shown on a base below 5, nor when it would give away a count
    below 5: the base is shown beside it, so 3 of 20 (15 %) would reveal the 3, and 18 of 20
    the 2 without."""
    if base <= SMALL or 0 < part <= SMALL or 0 < base - part <= SMALL:
        return Shown(None, "too_few")
    return Shown(round(100 * part / base))


# --- the queries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Whose figures, over which periods, and the rules' settings."""

    organisation: Organisation
    periods: Sequence[Period]
    today: date
    timezone: str
    days_before: int

    @property
    def hospital(self) -> bool:
        return self.organisation.kind == OrganisationKind.HOSPITAL_TRUST

    @property
    def numbers(self) -> tuple[int, ...]:
        """The touchpoints this kind of organisation holds."""
        place = rules.Place.HOSPITAL if self.hospital else rules.Place.MUNICIPALITY
        return tuple(r.number for r in rules.WINDOW_RULES if r.place == place)

    @property
    def owner(self) -> Any:
        return Pathway.hospital_id if self.hospital else Pathway.municipality_id

    @property
    def first(self) -> date:
        return self.periods[0].starts

    @property
    def last(self) -> date:
        """The last day counted: the last period's end, or today if that is earlier."""
        return min(self.periods[-1].ends, self.today)

    def day_start(self, day: date) -> datetime:
        """Midnight at the start of ``day`` in the display time zone, in UTC."""
        return datetime.combine(day, time(), tzinfo=ZoneInfo(self.timezone)).astimezone(UTC)


def _bucket(column: Any, starts: Sequence[Any]) -> ColumnElement[int]:
    """The index of the period ``column`` falls in, given each period's start (ascending);
    rows before the first start must be filtered out by the caller."""
    whens = [(column >= start, index) for index, start in reversed(list(enumerate(starts)))]
    return case(*whens, else_=-1)


def _date_bucket(scope: Scope, column: Any) -> ColumnElement[int]:
    return _bucket(column, [p.starts for p in scope.periods])


def _in_range(scope: Scope, column: Any) -> ColumnElement[bool]:
    return and_(column >= scope.first, column <= scope.last)


def _own_touchpoints(scope: Scope) -> list[ColumnElement[bool]]:
    """The organisation's touchpoints, also filtered through the pathway's owner column so the
    database may start from the pathway's (owner, diagnosis date) index."""
    return [Touchpoint.organisation_id == scope.organisation.id,
            scope.owner == scope.organisation.id,
            Touchpoint.number.in_(scope.numbers)]


def _grouped(session: Session, bucket: ColumnElement[int], *columns: Any,
             where: Sequence[ColumnElement[bool]], joins_pathway: bool = True
             ) -> list[Any]:
    """``SELECT bucket, aggregates ... GROUP BY bucket`` over the rows ``where`` selects (the
    bucket is computed in a subquery, so that GROUP BY never repeats its bound parameters)."""
    inner_columns = [bucket.label("bucket"), *columns]
    inner = select(*inner_columns).select_from(Touchpoint)
    if joins_pathway:
        inner = inner.join(Touchpoint.pathway)
    sub = inner.where(*where).subquery()
    return list(session.execute(
        select(sub.c.bucket, *[func.coalesce(func.sum(c), 0) for c in list(sub.c)[1:]],
               func.count()).group_by(sub.c.bucket)))


def compute(session: Session, scope: Scope) -> list[PeriodFigures]:
    """Every figure of every period in ``scope``, oldest first, in seven statements."""
    found = [PeriodFigures(period) for period in scope.periods]
    _enrolled(session, scope, found)
    _offered(session, scope, found)
    _held(session, scope, found)
    _days(session, scope, found)
    _declined(session, scope, found)
    _overdue(session, scope, found)
    _handed_over(session, scope, found)
    return found


def _enrolled(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    starts = [scope.day_start(p.starts) for p in scope.periods]
    end = scope.day_start(scope.last + timedelta(days=1))
    sub = (select(_bucket(Pathway.created_at, starts).label("bucket"))
           .where(scope.owner == scope.organisation.id, Pathway.created_at >= starts[0],
                  Pathway.created_at < end).subquery())
    for bucket, count in session.execute(
            select(sub.c.bucket, func.count()).group_by(sub.c.bucket)):
        found[bucket].enrolled = count


def _opened_by(scope: Scope, day: date) -> ColumnElement[bool]:
    """The questionnaire had opened on or before ``day`` (``rules.questionnaire_opens_on``): by
    the window, or by an appointment at most ``days_before`` days ahead. Never NULL."""
    by_window = or_(*(
        and_(Touchpoint.number == number,
             Pathway.diagnosis_date <= rules.opened_by_diagnosis(number, day, scope.days_before))
        for number in scope.numbers))
    by_appointment = and_(
        Touchpoint.appointment_at.is_not(None),
        Touchpoint.appointment_at < scope.day_start(day + timedelta(days=scope.days_before + 1)),
        Pathway.diagnosis_date <= day)
    return or_(by_window, by_appointment)


def _offered(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    before = scope.first - timedelta(days=1)
    # Opened by a period's last day, and not by the previous one: the first such period.
    whens = [(_opened_by(scope, min(p.ends, scope.today)), index)
             for index, p in enumerate(scope.periods)]
    # Nothing can open before it is counted as opened by the window alone: a lower bound on the
    # diagnosis date, for the index.
    earliest = min(rules.opened_by_diagnosis(n, before, scope.days_before)
                   for n in scope.numbers)
    rows = _grouped(session, case(*whens, else_=-1), where=[
        *_own_touchpoints(scope), Pathway.diagnosis_date > earliest,
        _opened_by(scope, scope.last), ~_opened_by(scope, before)])
    for bucket, count in rows:
        found[bucket].offered = count


def _submitted_by_end_of_held_day(session: Session, scope: Scope) -> ColumnElement[bool]:
    """A submission of the touchpoint's response sent before midnight after ``held_on`` in the
    display time zone."""
    if session.get_bind().dialect.name == "postgresql":
        midnight: Any = func.timezone(scope.timezone,
                                      cast(Touchpoint.held_on + 1, DateTime))
    else:
        # SQLite keeps UTC as text and knows no time zones: subtract the zone's offset at that
        # midnight, which changes only on the few daylight-saving days of the range.
        midnight = func.datetime(Touchpoint.held_on, "+1 day",
                                 _offset_modifier(scope, Touchpoint.held_on))
    return exists().where(Response.touchpoint_id == Touchpoint.id,
                          Submission.response_id == Response.id,
                          Submission.submitted_at < midnight)


def _offset_modifier(scope: Scope, day: Any) -> ColumnElement[str]:
    """SQLite: "-N hours", the display zone's UTC offset at midnight after ``day``, as a CASE
    over the stretches of the range with one offset each."""
    zone = ZoneInfo(scope.timezone)
    stretches: list[tuple[date, int]] = []  # (first day, offset in minutes)
    current = scope.first
    while current <= scope.last:
        after = datetime.combine(current + timedelta(days=1), time(), tzinfo=zone)
        offset = int((after.utcoffset() or timedelta()).total_seconds() // 60)
        if not stretches or stretches[-1][1] != offset:
            stretches.append((current, offset))
        current += timedelta(days=1)
    whens = [(day >= first, literal(f"{-offset} minutes"))
             for first, offset in reversed(stretches)]
    return case(*whens, else_=literal(f"{-stretches[0][1]} minutes"))


def _held(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    with_actions = exists().where(AgreedAction.touchpoint_id == Touchpoint.id)
    rows = _grouped(
        session, _date_bucket(scope, Touchpoint.held_on),
        case((_submitted_by_end_of_held_day(session, scope), 1), else_=0),
        case((with_actions, 1), else_=0),
        where=[*_own_touchpoints(scope), _in_range(scope, Touchpoint.held_on)])
    for bucket, questionnaires, actions, count in rows:
        found[bucket].held = count
        found[bucket].with_questionnaire = int(questionnaires)
        found[bucket].with_actions = int(actions)


def _days(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    """A histogram (period, touchpoint, days → count), so that the median is worked out the same
    way on every database, from at most a few hundred rows per period."""
    if session.get_bind().dialect.name == "postgresql":
        days: Any = Touchpoint.held_on - Pathway.diagnosis_date
    else:
        days = cast(func.julianday(Touchpoint.held_on) - func.julianday(Pathway.diagnosis_date),
                    Integer)
    sub = (select(_date_bucket(scope, Touchpoint.held_on).label("bucket"),
                  Touchpoint.number.label("number"), days.label("days"))
           .join(Touchpoint.pathway)
           .where(*_own_touchpoints(scope), _in_range(scope, Touchpoint.held_on)).subquery())
    for bucket, number, day_count, count in session.execute(
            select(sub.c.bucket, sub.c.number, sub.c.days, func.count())
            .group_by(sub.c.bucket, sub.c.number, sub.c.days)):
        found[bucket].days.setdefault(number, Counter())[int(day_count)] += count


def _declined(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    rows = _grouped(session, _date_bucket(scope, Touchpoint.declined_on),
                    where=[*_own_touchpoints(scope), _in_range(scope, Touchpoint.declined_on)])
    for bucket, count in rows:
        found[bucket].declined = count


def _overdue_on(scope: Scope, day: date) -> ColumnElement[bool]:
    """``rules.is_overdue`` on ``day``, for the touchpoint as recorded now."""
    past_window = or_(*(
        and_(Touchpoint.number == number,
             Pathway.diagnosis_date <= rules.overdue_by_diagnosis(number, day))
        for number in scope.numbers))
    return and_(
        or_(Touchpoint.held_on.is_(None), Touchpoint.held_on > day),
        or_(Touchpoint.declined_on.is_(None), Touchpoint.declined_on > day),
        past_window,
        or_(Touchpoint.appointment_at.is_(None),
            Touchpoint.appointment_at < scope.day_start(day)))


def _overdue(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    ends = [min(p.ends, scope.today) for p in scope.periods]
    sums = [func.coalesce(func.sum(case((_overdue_on(scope, end), 1), else_=0)), 0)
            for end in ends]
    latest = max(rules.overdue_by_diagnosis(n, ends[-1]) for n in scope.numbers)
    row = session.execute(
        select(*sums).select_from(Touchpoint).join(Touchpoint.pathway)
        .where(*_own_touchpoints(scope), Pathway.diagnosis_date <= latest,
               or_(Touchpoint.held_on.is_(None), Touchpoint.held_on > ends[0]),
               or_(Touchpoint.declined_on.is_(None), Touchpoint.declined_on > ends[0]))).one()
    for figures, count in zip(found, row, strict=True):
        figures.overdue = int(count or 0)


def _handed_over(session: Session, scope: Scope, found: list[PeriodFigures]) -> None:
    """Touchpoints 1 held or declined in the period: the trust's own, or, for a municipality,
    those of its patients."""
    when = func.coalesce(Touchpoint.held_on, Touchpoint.declined_on)
    owner = [Touchpoint.organisation_id == scope.organisation.id] if scope.hospital else [
        Pathway.municipality_id == scope.organisation.id]
    rows = _grouped(
        session, _date_bucket(scope, when),
        case((Pathway.handed_over_at.is_not(None), 1), else_=0),
        where=[*owner, Touchpoint.number == 1,
               or_(_in_range(scope, Touchpoint.held_on),
                   _in_range(scope, Touchpoint.declined_on))])
    for bucket, handed, count in rows:
        found[bucket].handover_base = count
        found[bucket].handed_over = int(handed)

