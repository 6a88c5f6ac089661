"""Opening hours: "open now", "closes at 15:00", "opens Monday at 08:00" — pure functions.

No database, no Flask, no translated text: the card and the forms turn these results into words.

Rules, in plain terms:

* A contact point has opening intervals per weekday (0 = Monday … 6 = Sunday). A day may have
  several intervals (a lunch break is two intervals) or none (closed).
* An interval is ``[opens, closes)``: open *at* ``opens``, closed *at* ``closes``. An interval
  never crosses midnight: 22:00–02:00 is 22:00–00:00 on one day and 00:00–02:00 on the next.
  ``closes == 00:00`` means the end of that day (24:00), so 00:00–00:00 is the whole day.
* A :class:`DayException` replaces a date's weekly hours: no intervals means closed that day,
  otherwise special hours (24 December 08:00–12:00). An exception wins over a public holiday.
* Norwegian public holidays (helligdager) close the service unless
  ``WeeklyHours.closed_on_public_holidays`` is false. Christmas Eve and New Year's Eve are not
  public holidays; early closing on those days is a :class:`DayException`.
* "Open" is decided by the local wall clock (Europe/Oslo by default): a moment is open when its
  local time falls inside one of its local date's intervals. Daylight-saving changes follow from
  that: on the last Sunday of March the clock jumps from 02:00 to 03:00, and on the last Sunday of
  October it shows 02:00–03:00 twice. ``closes_at`` and ``opens_at`` are the exact next moments
  when that answer changes, returned as aware datetimes in the local zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

from holidays.countries.norway import Norway

__all__ = [
    "DEFAULT_ZONE",
    "LOOKAHEAD",
    "DayException",
    "Interval",
    "OpenStatus",
    "Problem",
    "ProblemKind",
    "WeeklyHours",
    "exceptions_by_day",
    "intervals_on",
    "is_open_at",
    "is_public_holiday",
    "public_holidays",
    "status_at",
    "validate",
    "validate_exceptions",
]

DEFAULT_ZONE = "Europe/Oslo"
#: How far ahead ``opens_at`` and ``closes_at`` look.
LOOKAHEAD = timedelta(days=14)
MIDNIGHT = time(0, 0)
_DAY = timedelta(days=1)


# --- Types -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """Open from ``opens`` (inclusive) to ``closes`` (exclusive); ``closes`` 00:00 = end of day."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("Opening times are local wall-clock times without a time zone.")

    @property
    def ends_at_midnight(self) -> bool:
        return self.closes == MIDNIGHT

    def start(self) -> timedelta:
        """Time from the start of the day to ``opens``."""
        return _since_midnight(self.opens)

    def end(self) -> timedelta:
        """Time from the start of the day to ``closes`` (24 hours when it closes at midnight)."""
        return _DAY if self.ends_at_midnight else _since_midnight(self.closes)

    def contains(self, moment: time) -> bool:
        """Whether the wall-clock time ``moment`` is inside (``opens`` ≤ t < ``closes``)."""
        return self.start() <= _since_midnight(moment) < self.end()


@dataclass(frozen=True)
class WeeklyHours:
    """Intervals per weekday, ``days[0]`` Monday … ``days[6]`` Sunday, in the order entered."""

    days: tuple[tuple[Interval, ...], ...] = field(default=((),) * 7)
    closed_on_public_holidays: bool = True

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError(f"WeeklyHours needs 7 days (Monday to Sunday), got {len(self.days)}.")

    @classmethod
    def from_mapping(
        cls,
        days: Mapping[int, Iterable[Interval]],
        *,
        closed_on_public_holidays: bool = True,
    ) -> WeeklyHours:
        """Build from ``{weekday: intervals}``; weekdays not given are closed."""
        unknown = set(days) - set(range(7))
        if unknown:
            raise ValueError(f"Weekdays are 0 (Monday) to 6 (Sunday), got {sorted(unknown)}.")
        return cls(
            days=tuple(tuple(days.get(weekday, ())) for weekday in range(7)),
            closed_on_public_holidays=closed_on_public_holidays,
        )


@dataclass(frozen=True)
class DayException:
    """One date's own hours: no intervals = closed that day; otherwise these hours instead."""

    day: date
    intervals: tuple[Interval, ...] = ()

    @property
    def closed(self) -> bool:
        return not self.intervals


@dataclass(frozen=True)
class OpenStatus:
    """The answer for one moment. Datetimes are aware, in the local zone.

    ``closes_at`` is set only when open (None if it stays open past the look-ahead);
    ``opens_at`` only when closed (None if it does not open within the look-ahead).
    Adjacent intervals count as one: open 08:00–11:30 and 11:30–15:00 closes at 15:00, and
    22:00–00:00 followed by 00:00–06:00 the next day closes at 06:00.
    """

    open_now: bool
    closes_at: datetime | None = None
    opens_at: datetime | None = None


class ProblemKind(StrEnum):
    #: ``closes`` is at or before ``opens`` (not 00:00, which means midnight at the end of the
    #: day). Hours past midnight must be split: 22:00–00:00 and 00:00–02:00 the next day.
    ENDS_BEFORE_START = "ends_before_start"
    #: Overlaps an earlier interval on the same day (``other`` is that interval's index).
    #: Intervals that only touch (11:30 / 11:30) do not overlap.
    OVERLAPS = "overlaps"
    #: A second exception for a date that already has one (``other``: the first one's index).
    DUPLICATE_DAY = "duplicate_day"


@dataclass(frozen=True)
class Problem:
    """Something a form shows next to a field.

    From :func:`validate`: ``weekday`` and ``index`` (position in ``WeeklyHours.days[weekday]``).
    From :func:`validate_exceptions`: ``day`` and ``exception`` (position in the list given), and
    ``index`` (the interval's position) unless the whole exception is the problem.
    """

    kind: ProblemKind
    index: int | None = None
    weekday: int | None = None
    day: date | None = None
    exception: int | None = None
    other: int | None = None


# --- Validation ------------------------------------------------------------------------------


def _interval_problems(
    intervals: Sequence[Interval],
) -> Iterator[tuple[int, ProblemKind, int | None]]:
    valid: list[int] = []
    for index, interval in enumerate(intervals):
        if interval.end() <= interval.start():
            yield index, ProblemKind.ENDS_BEFORE_START, None
            continue
        for earlier in valid:
            other = intervals[earlier]
            if interval.start() < other.end() and other.start() < interval.end():
                yield index, ProblemKind.OVERLAPS, earlier
                break
        valid.append(index)


def validate(weekly: WeeklyHours) -> list[Problem]:
    """Problems in weekly hours, in weekday and entry order; empty when they are usable."""
    return [
        Problem(kind=kind, index=index, weekday=weekday, other=other)
        for weekday, intervals in enumerate(weekly.days)
        for index, kind, other in _interval_problems(intervals)
    ]


def validate_exceptions(exceptions: Sequence[DayException]) -> list[Problem]:
    """Problems in a list of exceptions: bad or overlapping intervals, two for the same date."""
    problems: list[Problem] = []
    first_for_day: dict[date, int] = {}
    for position, exception in enumerate(exceptions):
        if exception.day in first_for_day:
            problems.append(
                Problem(
                    kind=ProblemKind.DUPLICATE_DAY,
                    day=exception.day,
                    exception=position,
                    other=first_for_day[exception.day],
                )
            )
        else:
            first_for_day[exception.day] = position
        problems.extend(
            Problem(kind=kind, index=index, day=exception.day, exception=position, other=other)
            for index, kind, other in _interval_problems(exception.intervals)
        )
    return problems


# --- Public holidays -------------------------------------------------------------------------


@lru_cache(maxsize=64)
def public_holidays(year: int) -> frozenset[date]:
    """Norway's public holidays (helligdager) in ``year``.

    New Year's Day, Maundy Thursday, Good Friday, Easter Sunday and Monday, 1 May, 17 May,
    Ascension Day, Whit Sunday and Monday, 25 and 26 December. Ordinary Sundays are not listed
    (the ``holidays`` package can add them for Norway; we ask it not to).
    """
    return frozenset(Norway(years=year, include_sundays=False).keys())


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


# --- Which hours apply on a date -------------------------------------------------------------


def exceptions_by_day(exceptions: Iterable[DayException]) -> dict[date, DayException]:
    """Index exceptions by date; two for the same date is an error (see ``validate_exceptions``)."""
    found: dict[date, DayException] = {}
    for exception in exceptions:
        if exception.day in found:
            raise ValueError(f"Two opening-hours exceptions for {exception.day.isoformat()}.")
        found[exception.day] = exception
    return found


def _intervals_on(
    hours: WeeklyHours, exceptions: Mapping[date, DayException], day: date
) -> tuple[Interval, ...]:
    exception = exceptions.get(day)
    if exception is not None:
        return exception.intervals
    if hours.closed_on_public_holidays and is_public_holiday(day):
        return ()
    return hours.days[day.weekday()]


def intervals_on(
    hours: WeeklyHours, exceptions: Iterable[DayException], day: date
) -> tuple[Interval, ...]:
    """The intervals that apply on ``day`` (an exception, else closed on a holiday, else weekly)."""
    return _intervals_on(hours, exceptions_by_day(exceptions), day)


def _open_local(
    hours: WeeklyHours, exceptions: Mapping[date, DayException], local: datetime
) -> bool:
    wall = local.time()
    return any(
        interval.contains(wall) for interval in _intervals_on(hours, exceptions, local.date())
    )


def is_open_at(
    hours: WeeklyHours,
    exceptions: Iterable[DayException],
    moment: datetime,
    zone: str = DEFAULT_ZONE,
) -> bool:
    """Whether open at ``moment`` (an aware datetime, any zone)."""
    return _open_local(hours, exceptions_by_day(exceptions), _local(moment, ZoneInfo(zone)))


# --- Status at a moment ----------------------------------------------------------------------


def status_at(
    hours: WeeklyHours,
    exceptions: Iterable[DayException],
    moment: datetime,
    zone: str = DEFAULT_ZONE,
) -> OpenStatus:
    """Open now? If so, until when; if not, when next (within :data:`LOOKAHEAD`).

    ``moment`` must be aware (the database stores UTC); the result is in ``zone``.
    """
    tz = ZoneInfo(zone)
    by_day = exceptions_by_day(exceptions)
    now = _local(moment, tz).astimezone(UTC)
    horizon = now + LOOKAHEAD

    def open_at(instant: datetime) -> bool:
        return _open_local(hours, by_day, instant.astimezone(tz))

    open_now = open_at(now)
    # The answer can only change where the local clock reaches an interval boundary or midnight,
    # or where it jumps (daylight saving). Check those instants in order.
    for candidate in sorted(_change_candidates(hours, by_day, tz, now, horizon)):
        if open_at(candidate) != open_now:
            local = candidate.astimezone(tz)
            if open_now:
                return OpenStatus(open_now=True, closes_at=local)
            return OpenStatus(open_now=False, opens_at=local)
    return OpenStatus(open_now=open_now)


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("The moment must be an aware datetime (the database stores UTC).")
    # Through UTC, so that a wall time given in the skipped hour is placed on the timeline.
    return moment.astimezone(UTC).astimezone(tz)


def _change_candidates(
    hours: WeeklyHours,
    exceptions: Mapping[date, DayException],
    tz: tzinfo,
    start: datetime,
    end: datetime,
) -> set[datetime]:
    """UTC instants in (start, end] where the open/closed answer may change."""
    candidates: set[datetime] = set()
    day = start.astimezone(tz).date() - _DAY
    last = end.astimezone(tz).date() + _DAY
    while day <= last:
        walls = {MIDNIGHT}
        for interval in _intervals_on(hours, exceptions, day):
            walls.add(interval.opens)
            walls.add(interval.closes)
        for wall in walls:
            for fold in (0, 1):
                # Both readings of a time the clock shows twice; a time it skips gives two
                # harmless extra candidates, and the jump itself is added below.
                local = datetime.combine(day, wall).replace(tzinfo=tz, fold=fold)
                candidates.add(local.astimezone(UTC))
        candidates.update(_offset_changes(tz, day))
        day += _DAY
    return {candidate for candidate in candidates if start < candidate <= end}


def _offset_changes(tz: tzinfo, day: date) -> list[datetime]:
    """When the zone's offset moves in a one-day slice of the timeline (consecutive days tile)."""
    low = datetime.combine(day, MIDNIGHT, tzinfo=UTC) - timedelta(hours=14)
    high = low + _DAY
    if low.astimezone(tz).utcoffset() == high.astimezone(tz).utcoffset():
        return []
    # One change per day at most in any real zone: bisect to the microsecond.
    before = low.astimezone(tz).utcoffset()
    while high - low > timedelta(microseconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(tz).utcoffset() == before:
            low = middle
        else:
            high = middle
    return [high]


def _since_midnight(moment: time) -> timedelta:
    return timedelta(
        hours=moment.hour,
        minutes=moment.minute,
        seconds=moment.second,
        microseconds=moment.microsecond,
    )
