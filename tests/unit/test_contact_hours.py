"""Opening hours: validation, Norwegian public holidays, "open now", DST and midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from portal.contacts.hours import (
    LOOKAHEAD,
    DayException,
    Interval,
    OpenStatus,
    Problem,
    ProblemKind,
    WeeklyHours,
    intervals_on,
    is_open_at,
    is_public_holiday,
    public_holidays,
    status_at,
    validate,
    validate_exceptions,
)

OSLO = ZoneInfo("Europe/Oslo")


def iv(opens: str, closes: str) -> Interval:
    return Interval(time.fromisoformat(opens), time.fromisoformat(closes))


def oslo(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=OSLO)


LUNCH = (iv("08:00", "11:30"), iv("12:00", "15:00"))
#: Monday–Friday with a lunch break; Saturday 10–14; Sunday closed.
OFFICE = WeeklyHours.from_mapping({**dict.fromkeys(range(5), LUNCH), 5: (iv("10:00", "14:00"),)})
WEEKDAYS_8_TO_15 = WeeklyHours.from_mapping(dict.fromkeys(range(5), (iv("08:00", "15:00"),)))


def status(moment: datetime, hours: WeeklyHours = OFFICE, *exceptions: DayException) -> OpenStatus:
    return status_at(hours, exceptions, moment)


# --- Weekdays, weekends, lunch ---------------------------------------------------------------


def test_open_on_a_weekday_says_when_it_closes() -> None:
    assert status(oslo(2027, 6, 2, 9, 15)) == OpenStatus(True, closes_at=oslo(2027, 6, 2, 11, 30))


def test_lunch_break_is_closed_and_reopens_after_lunch() -> None:
    assert status(oslo(2027, 6, 2, 11, 45)) == OpenStatus(False, opens_at=oslo(2027, 6, 2, 12, 0))
    assert status(oslo(2027, 6, 2, 12, 30)) == OpenStatus(True, closes_at=oslo(2027, 6, 2, 15, 0))


def test_saturday_hours_and_closed_sunday() -> None:
    # 5 June 2027 is a Saturday.
    assert status(oslo(2027, 6, 5, 13, 0)) == OpenStatus(True, closes_at=oslo(2027, 6, 5, 14, 0))
    assert status(oslo(2027, 6, 6, 12, 0)) == OpenStatus(False, opens_at=oslo(2027, 6, 7, 8, 0))


def test_friday_evening_opens_monday_at_eight() -> None:
    # Friday 4 June 2027, 18:00 → Monday 7 June 08:00.
    moment = oslo(2027, 6, 4, 18, 0)
    assert status(moment, WEEKDAYS_8_TO_15) == OpenStatus(False, opens_at=oslo(2027, 6, 7, 8, 0))


def test_exactly_at_opening_is_open_and_exactly_at_closing_is_closed() -> None:
    assert status(oslo(2027, 6, 2, 8, 0)).open_now
    assert not status(oslo(2027, 6, 2, 7, 59, 59)).open_now
    assert status(oslo(2027, 6, 2, 14, 59, 59)).open_now
    assert status(oslo(2027, 6, 2, 15, 0)) == OpenStatus(False, opens_at=oslo(2027, 6, 3, 8, 0))
    assert status(oslo(2027, 6, 2, 11, 30)) == OpenStatus(False, opens_at=oslo(2027, 6, 2, 12, 0))


def test_touching_intervals_count_as_one_opening() -> None:
    hours = WeeklyHours.from_mapping({2: (iv("08:00", "11:30"), iv("11:30", "15:00"))})
    assert status(oslo(2027, 6, 2, 9, 0), hours).closes_at == oslo(2027, 6, 2, 15, 0)


def test_intervals_need_not_be_entered_in_order() -> None:
    hours = WeeklyHours.from_mapping({2: (iv("12:00", "15:00"), iv("08:00", "11:30"))})
    assert status(oslo(2027, 6, 2, 7, 0), hours).opens_at == oslo(2027, 6, 2, 8, 0)
    assert status(oslo(2027, 6, 2, 11, 31), hours).opens_at == oslo(2027, 6, 2, 12, 0)


def test_never_open_has_no_next_opening() -> None:
    assert status(oslo(2027, 6, 2, 9, 0), WeeklyHours()) == OpenStatus(False)


def test_next_opening_beyond_the_lookahead_is_not_given() -> None:
    # Closed for three weeks of holiday: the next opening is further away than 14 days.
    closed = [DayException(date(2027, 7, 1) + timedelta(days=n)) for n in range(21)]
    moment = oslo(2027, 6, 30, 16, 0)
    assert timedelta(days=14) == LOOKAHEAD
    assert status_at(OFFICE, closed, moment) == OpenStatus(False)
    assert status_at(OFFICE, closed[:10], moment).opens_at == oslo(2027, 7, 12, 8, 0)


# --- Midnight --------------------------------------------------------------------------------


def test_closes_at_midnight_means_the_end_of_the_day() -> None:
    hours = WeeklyHours.from_mapping({4: (iv("18:00", "00:00"),)})  # Friday evening
    assert status(oslo(2027, 6, 4, 23, 59, 59), hours) == OpenStatus(
        True, closes_at=oslo(2027, 6, 5, 0, 0)
    )
    assert not status(oslo(2027, 6, 5, 0, 0), hours).open_now


def test_night_hours_split_at_midnight_run_on_without_a_break() -> None:
    # 22:00–02:00 every night, entered as 22:00–00:00 plus 00:00–02:00.
    night = (iv("00:00", "02:00"), iv("22:00", "00:00"))
    hours = WeeklyHours(days=(night,) * 7, closed_on_public_holidays=False)
    assert status(oslo(2027, 6, 2, 23, 0), hours) == OpenStatus(
        True, closes_at=oslo(2027, 6, 3, 2, 0)
    )
    assert status(oslo(2027, 6, 3, 1, 0), hours).open_now
    assert status(oslo(2027, 6, 3, 2, 0), hours) == OpenStatus(
        False, opens_at=oslo(2027, 6, 3, 22, 0)
    )


def test_always_open_has_no_closing_time_within_the_lookahead() -> None:
    hours = WeeklyHours(days=((iv("00:00", "00:00"),),) * 7, closed_on_public_holidays=False)
    assert status(oslo(2027, 3, 28, 2, 30), hours) == OpenStatus(True)
    assert status(oslo(2027, 12, 25, 12, 0), hours) == OpenStatus(True)


# --- Public holidays -------------------------------------------------------------------------


def test_norwegian_public_holidays_2027() -> None:
    assert public_holidays(2027) == {
        date(2027, 1, 1),  # 1. nyttårsdag
        date(2027, 3, 25),  # skjærtorsdag
        date(2027, 3, 26),  # langfredag
        date(2027, 3, 28),  # 1. påskedag
        date(2027, 3, 29),  # 2. påskedag
        date(2027, 5, 1),
        date(2027, 5, 6),  # Kristi himmelfartsdag
        date(2027, 5, 16),  # 1. pinsedag
        date(2027, 5, 17),  # 2. pinsedag and Constitution Day
        date(2027, 12, 25),
        date(2027, 12, 26),
    }


def _easter(year: int) -> date:
    """Anonymous Gregorian algorithm (Meeus/Jones/Butcher), independent of the library."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def _expected_holidays(year: int) -> set[date]:
    easter = _easter(year)
    movable = {-3, -2, 0, 1, 39, 49, 50}
    fixed = {(1, 1), (5, 1), (5, 17), (12, 25), (12, 26)}
    return {easter + timedelta(days=n) for n in movable} | {date(year, *md) for md in fixed}


@pytest.mark.parametrize("year", range(2000, 2101))
def test_public_holidays_match_the_rules_and_no_ordinary_sundays(year: int) -> None:
    assert public_holidays(year) == _expected_holidays(year)


def test_christmas_eve_and_new_years_eve_are_not_public_holidays() -> None:
    assert not is_public_holiday(date(2027, 12, 24))
    assert not is_public_holiday(date(2027, 12, 31))
    assert not is_public_holiday(date(2027, 6, 6))  # an ordinary Sunday
    assert is_public_holiday(date(2027, 5, 17))


def test_17_may_on_a_monday_is_closed() -> None:
    # 17 May 2027 is a Monday (and 2. pinsedag); Friday 14 May evening → Tuesday 18 May.
    assert not status(oslo(2027, 5, 17, 10, 0), WEEKDAYS_8_TO_15).open_now
    friday = oslo(2027, 5, 14, 18, 0)
    assert status(friday, WEEKDAYS_8_TO_15).opens_at == oslo(2027, 5, 18, 8, 0)


def test_easter_2027_closed_thursday_to_monday() -> None:
    # Wednesday 24 March 2027 after closing → Tuesday 30 March 08:00.
    wednesday = oslo(2027, 3, 24, 15, 0)
    assert status(wednesday, WEEKDAYS_8_TO_15) == OpenStatus(
        False, opens_at=oslo(2027, 3, 30, 8, 0)
    )
    for day in (25, 26, 29):
        assert not status(oslo(2027, 3, day, 10, 0), WEEKDAYS_8_TO_15).open_now


def test_ascension_day_is_closed() -> None:
    assert not status(oslo(2027, 5, 6, 10, 0), WEEKDAYS_8_TO_15).open_now


def test_a_service_that_stays_open_on_holidays() -> None:
    hours = WeeklyHours(days=WEEKDAYS_8_TO_15.days, closed_on_public_holidays=False)
    assert status(oslo(2027, 5, 17, 10, 0), hours).open_now
    assert status(oslo(2027, 5, 14, 18, 0), hours).opens_at == oslo(2027, 5, 17, 8, 0)


# --- Exceptions ------------------------------------------------------------------------------


CHRISTMAS_EVE_2026 = DayException(date(2026, 12, 24), (iv("08:00", "12:00"),))


def test_special_hours_on_christmas_eve() -> None:
    # 24 December 2026 is a Thursday.
    moment = oslo(2026, 12, 24, 11, 0)
    assert status(moment, WEEKDAYS_8_TO_15, CHRISTMAS_EVE_2026) == OpenStatus(
        True, closes_at=oslo(2026, 12, 24, 12, 0)
    )
    # After noon: 25 Dec (Friday) is a holiday, then the weekend; 26 Dec is a Saturday anyway.
    after = oslo(2026, 12, 24, 13, 0)
    assert status(after, WEEKDAYS_8_TO_15, CHRISTMAS_EVE_2026) == OpenStatus(
        False, opens_at=oslo(2026, 12, 28, 8, 0)
    )
    assert status(after, WEEKDAYS_8_TO_15).open_now  # without the exception: ordinary Thursday


def test_closed_day_exception() -> None:
    closed = DayException(date(2027, 6, 2))
    assert closed.closed
    assert status(oslo(2027, 6, 2, 9, 0), OFFICE, closed) == OpenStatus(
        False, opens_at=oslo(2027, 6, 3, 8, 0)
    )


def test_an_exception_can_open_on_a_holiday() -> None:
    open_on_17_may = DayException(date(2027, 5, 17), (iv("10:00", "13:00"),))
    assert status(oslo(2027, 5, 17, 11, 0), WEEKDAYS_8_TO_15, open_on_17_may).open_now
    assert status(oslo(2027, 5, 17, 8, 30), WEEKDAYS_8_TO_15, open_on_17_may).opens_at == oslo(
        2027, 5, 17, 10, 0
    )


def test_intervals_on_a_day() -> None:
    assert intervals_on(WEEKDAYS_8_TO_15, [], date(2027, 6, 2)) == (iv("08:00", "15:00"),)
    assert intervals_on(WEEKDAYS_8_TO_15, [], date(2027, 5, 17)) == ()
    assert intervals_on(WEEKDAYS_8_TO_15, [CHRISTMAS_EVE_2026], date(2026, 12, 24)) == (
        iv("08:00", "12:00"),
    )


def test_two_exceptions_for_one_day_are_refused() -> None:
    twice = [DayException(date(2027, 6, 2)), CHRISTMAS_EVE_2026, DayException(date(2027, 6, 2))]
    with pytest.raises(ValueError, match="2027-06-02"):
        status_at(OFFICE, twice, oslo(2027, 6, 2, 9, 0))
    assert validate_exceptions(twice) == [
        Problem(ProblemKind.DUPLICATE_DAY, day=date(2027, 6, 2), exception=2, other=0)
    ]


# --- Time zones and daylight saving ----------------------------------------------------------


def test_moments_in_utc_are_read_in_oslo_time() -> None:
    # 06:30 UTC in June is 08:30 in Oslo (summer time, UTC+2).
    result = status(datetime(2027, 6, 2, 6, 30, tzinfo=UTC))
    assert result == OpenStatus(True, closes_at=oslo(2027, 6, 2, 11, 30))
    assert result.closes_at is not None
    assert result.closes_at.tzinfo == OSLO
    assert result.closes_at.utcoffset() == timedelta(hours=2)
    # 07:30 UTC in January is 08:30 in Oslo (UTC+1); 06:30 UTC is 07:30, still closed.
    assert status(datetime(2027, 1, 6, 7, 30, tzinfo=UTC)).open_now
    assert not status(datetime(2027, 1, 6, 6, 30, tzinfo=UTC)).open_now


def test_a_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        status(datetime(2027, 6, 2, 9, 0))  # noqa: DTZ001


def test_another_zone_can_be_given() -> None:
    result = status_at(WEEKDAYS_8_TO_15, [], datetime(2027, 6, 2, 6, 30, tzinfo=UTC), "UTC")
    assert result == OpenStatus(False, opens_at=datetime(2027, 6, 2, 8, 0, tzinfo=ZoneInfo("UTC")))


def test_opening_across_spring_forward() -> None:
    # Sunday 29 March 2026 the clock jumps 02:00 → 03:00. Saturday 16:00 (CET) → Monday 08:00
    # (CEST), which is 06:00 UTC.
    result = status(oslo(2026, 3, 28, 16, 0))
    assert result.opens_at == oslo(2026, 3, 30, 8, 0)
    assert result.opens_at is not None
    assert result.opens_at.astimezone(UTC) == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert result.opens_at.utcoffset() == timedelta(hours=2)


def test_spring_forward_on_easter_sunday_2027() -> None:
    # In 2027 the change falls on Easter Sunday: Saturday → Tuesday 30 March, 08:00 CEST.
    assert status(oslo(2027, 3, 27, 16, 0)).opens_at == oslo(2027, 3, 30, 8, 0)


def test_a_moment_in_the_skipped_hour() -> None:
    # 02:30 does not exist on 28 March 2027; given as a wall time it is read as 03:30 CEST.
    night = (iv("00:00", "02:30"), iv("03:00", "05:00"))
    hours = WeeklyHours(days=(night,) * 7, closed_on_public_holidays=False)
    skipped = oslo(2027, 3, 28, 2, 30)
    assert status(skipped, hours) == OpenStatus(True, closes_at=oslo(2027, 3, 28, 5, 0))
    # Before the jump, 01:30 CET: the clock goes from 01:59:59 to 03:00 — it never shows 02:30,
    # and the service is open on both sides of the jump.
    assert status(oslo(2027, 3, 28, 1, 30), hours).closes_at == oslo(2027, 3, 28, 5, 0)


def test_closing_inside_the_skipped_hour_closes_at_the_jump() -> None:
    hours = WeeklyHours(days=((iv("00:00", "02:30"),),) * 7, closed_on_public_holidays=False)
    result = status(oslo(2027, 3, 28, 1, 30), hours)
    # The jump happens at 01:00 UTC: the clock shows 03:00, past 02:30.
    assert result.open_now
    assert result.closes_at is not None
    assert result.closes_at.astimezone(UTC) == datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    assert result.closes_at.hour == 3


def test_opening_across_fall_back() -> None:
    # Sunday 31 October 2027 the clock goes back 03:00 → 02:00. Saturday 16:00 → Monday 08:00 CET.
    result = status(oslo(2027, 10, 30, 16, 0))
    assert result.opens_at == oslo(2027, 11, 1, 8, 0)
    assert result.opens_at is not None
    assert result.opens_at.astimezone(UTC) == datetime(2027, 11, 1, 7, 0, tzinfo=UTC)


def test_the_repeated_hour_follows_the_wall_clock() -> None:
    # Open 01:00–02:30 on the night the clock shows 02:00–03:00 twice.
    hours = WeeklyHours(days=((iv("01:00", "02:30"),),) * 7, closed_on_public_holidays=False)
    first = datetime(2027, 10, 31, 0, 15, tzinfo=UTC)  # 02:15 CEST, first time round
    assert status(first, hours) == OpenStatus(
        True, closes_at=datetime(2027, 10, 31, 0, 30, tzinfo=UTC).astimezone(OSLO)
    )
    between = datetime(2027, 10, 31, 0, 45, tzinfo=UTC)  # 02:45 CEST
    assert status(between, hours) == OpenStatus(
        False, opens_at=datetime(2027, 10, 31, 1, 0, tzinfo=UTC).astimezone(OSLO)
    )
    second = datetime(2027, 10, 31, 1, 15, tzinfo=UTC)  # 02:15 CET, second time round
    result = status(second, hours)
    assert result.open_now
    assert result.closes_at is not None
    assert result.closes_at.astimezone(UTC) == datetime(2027, 10, 31, 1, 30, tzinfo=UTC)
    assert (result.closes_at.hour, result.closes_at.minute, result.closes_at.fold) == (2, 30, 1)


def test_closes_at_an_hour_after_the_clock_goes_back() -> None:
    # 00:00–04:00 on the Sunday of the change: open five hours by the stopwatch, four by the clock.
    hours = WeeklyHours.from_mapping({6: (iv("00:00", "04:00"),)}, closed_on_public_holidays=False)
    result = status(datetime(2027, 10, 30, 22, 30, tzinfo=UTC), hours)  # 00:30 CEST
    assert result.closes_at is not None
    assert result.closes_at.astimezone(UTC) == datetime(2027, 10, 31, 3, 0, tzinfo=UTC)


# --- Validation ------------------------------------------------------------------------------


def test_valid_hours_have_no_problems() -> None:
    assert validate(OFFICE) == []
    night = WeeklyHours(days=((iv("00:00", "02:00"), iv("22:00", "00:00")),) * 7)
    assert validate(night) == []
    assert validate(WeeklyHours(days=((iv("00:00", "00:00"),),) * 7)) == []


def test_interval_ending_before_or_at_its_start() -> None:
    hours = WeeklyHours.from_mapping(
        {1: (iv("08:00", "15:00"), iv("15:00", "08:00")), 3: (iv("10:00", "10:00"),)}
    )
    assert validate(hours) == [
        Problem(ProblemKind.ENDS_BEFORE_START, index=1, weekday=1),
        Problem(ProblemKind.ENDS_BEFORE_START, index=0, weekday=3),
    ]


def test_interval_across_midnight_must_be_split() -> None:
    hours = WeeklyHours.from_mapping({4: (iv("22:00", "02:00"),)})
    assert validate(hours) == [Problem(ProblemKind.ENDS_BEFORE_START, index=0, weekday=4)]


def test_overlapping_intervals() -> None:
    hours = WeeklyHours.from_mapping(
        {
            0: (iv("08:00", "12:00"), iv("11:00", "15:00")),
            2: (iv("08:00", "15:00"), iv("16:00", "18:00"), iv("09:00", "10:00")),
            4: (iv("08:00", "12:00"), iv("08:00", "12:00")),
        }
    )
    assert validate(hours) == [
        Problem(ProblemKind.OVERLAPS, index=1, weekday=0, other=0),
        Problem(ProblemKind.OVERLAPS, index=2, weekday=2, other=0),
        Problem(ProblemKind.OVERLAPS, index=1, weekday=4, other=0),
    ]


def test_an_interval_that_ends_before_it_starts_is_not_also_an_overlap() -> None:
    hours = WeeklyHours.from_mapping({0: (iv("08:00", "12:00"), iv("11:00", "09:00"))})
    assert validate(hours) == [Problem(ProblemKind.ENDS_BEFORE_START, index=1, weekday=0)]


def test_exception_intervals_are_validated() -> None:
    exceptions = [
        CHRISTMAS_EVE_2026,
        DayException(date(2026, 12, 31), (iv("08:00", "12:00"), iv("11:00", "13:00"))),
        DayException(date(2027, 1, 2), (iv("12:00", "08:00"),)),
    ]
    assert validate_exceptions(exceptions) == [
        Problem(ProblemKind.OVERLAPS, index=1, day=date(2026, 12, 31), exception=1, other=0),
        Problem(ProblemKind.ENDS_BEFORE_START, index=0, day=date(2027, 1, 2), exception=2),
    ]


def test_week_must_have_seven_days() -> None:
    with pytest.raises(ValueError, match="7 days"):
        WeeklyHours(days=((),) * 5)
    with pytest.raises(ValueError, match="Weekdays"):
        WeeklyHours.from_mapping({7: ()})


def test_times_with_a_zone_are_refused() -> None:
    with pytest.raises(ValueError, match="wall-clock"):
        Interval(time(8, tzinfo=UTC), time(15))


# --- Properties ------------------------------------------------------------------------------

_QUARTERS = st.lists(st.integers(0, 96), unique=True, max_size=6).map(sorted)


def _day_intervals(points: list[int]) -> tuple[Interval, ...]:
    def at(quarter: int) -> time:
        return time(0) if quarter == 96 else time(quarter // 4, quarter % 4 * 15)

    return tuple(
        Interval(at(opens), at(closes))
        for opens, closes in zip(points[::2], points[1::2], strict=False)
    )


weekly_hours = st.builds(
    lambda days, closed: WeeklyHours(
        days=tuple(_day_intervals(d) for d in days), closed_on_public_holidays=closed
    ),
    st.lists(_QUARTERS, min_size=7, max_size=7),
    st.booleans(),
)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1),  # noqa: DTZ001
    max_value=datetime(2028, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
day_exceptions = st.lists(
    st.builds(
        DayException,
        st.dates(min_value=date(2026, 1, 1), max_value=date(2029, 1, 31)),
        _QUARTERS.map(_day_intervals),
    ),
    max_size=8,
    unique_by=lambda exception: exception.day,
)


def _oracle_open(hours: WeeklyHours, exceptions: list[DayException], moment: datetime) -> bool:
    local = moment.astimezone(OSLO)
    day, wall = local.date(), local.time()
    special = {exception.day: exception.intervals for exception in exceptions}
    if day in special:
        intervals = special[day]
    elif hours.closed_on_public_holidays and day in _expected_holidays(day.year):
        intervals = ()
    else:
        intervals = hours.days[day.weekday()]
    return any(i.opens <= wall and (i.closes == time(0) or wall < i.closes) for i in intervals)


@settings(max_examples=300, deadline=None)
@given(weekly_hours, day_exceptions, moments)
def test_open_now_matches_the_wall_clock(
    hours: WeeklyHours, exceptions: list[DayException], moment: datetime
) -> None:
    assert validate(hours) == []
    result = status_at(hours, exceptions, moment)
    assert result.open_now == _oracle_open(hours, exceptions, moment)
    assert result.open_now == is_open_at(hours, exceptions, moment)


@settings(max_examples=200, deadline=None)
@given(weekly_hours, day_exceptions, moments)
# Found by Hypothesis: open 02:00–03:15 on Sundays, and the Sunday summer time starts, when the
# clock jumps from 02:00 to 03:00. The office opens at 03:00.
@example(
    WeeklyHours(days=((),) * 6 + (_day_intervals([8, 13]),), closed_on_public_holidays=False),
    [], datetime(2028, 3, 20, 0, 0, tzinfo=UTC),
)
def test_next_change_is_exact(
    hours: WeeklyHours, exceptions: list[DayException], moment: datetime
) -> None:
    result = status_at(hours, exceptions, moment)
    change = result.closes_at if result.open_now else result.opens_at
    if result.open_now:
        assert result.opens_at is None
    else:
        assert result.closes_at is None
    if change is None:
        end = moment + LOOKAHEAD
    else:
        assert change.tzinfo == OSLO
        assert moment < change <= moment + LOOKAHEAD
        assert _oracle_open(hours, exceptions, change) != result.open_now
        end = change
    # Nothing changes before then: sample the stretch every quarter of an hour (all boundaries
    # are on quarter hours, so any change would show), plus just before the change.
    probe = moment
    while probe < end:
        assert _oracle_open(hours, exceptions, probe) == result.open_now
        probe += timedelta(minutes=15)
    # The instant just before, counted in UTC: subtracting from an Oslo time counts on the wall
    # clock, which on the night summer time starts lands in the hour that does not exist.
    just_before = end.astimezone(UTC) - timedelta(microseconds=1)
    assert _oracle_open(hours, exceptions, just_before) == result.open_now
