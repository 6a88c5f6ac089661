"""The pathway's date rules: month arithmetic, windows, opening days, states and local dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from portal.pathway.rules import (
    TouchpointState,
    Window,
    add_months,
    is_overdue,
    is_questionnaire_editable,
    local_date,
    questionnaire_opens_on,
    rule,
    state,
    window,
)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 3, 15), 0, date(2026, 3, 15)),
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 5, 31), 1, date(2026, 6, 30)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),  # December rollover
        (date(2026, 11, 30), 2, date(2027, 1, 30)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2026, 1, 15), 12, date(2027, 1, 15)),
        (date(2026, 1, 31), 13, date(2027, 2, 28)),
        (date(2026, 7, 31), 18, date(2028, 1, 31)),
        (date(2026, 8, 31), 18, date(2028, 2, 29)),
        (date(2027, 8, 31), 18, date(2029, 2, 28)),
        (date(2026, 6, 30), 18, date(2027, 12, 30)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("number", "diagnosis", "starts", "ends"),
    [
        (1, date(2026, 1, 31), date(2026, 1, 31), date(2026, 2, 28)),
        (1, date(2026, 12, 10), date(2026, 12, 10), date(2027, 1, 10)),
        (2, date(2026, 1, 31), date(2026, 4, 30), date(2026, 5, 31)),
        (2, date(2026, 11, 15), date(2027, 2, 15), date(2027, 3, 15)),
        (3, date(2026, 8, 31), date(2027, 8, 31), date(2028, 2, 29)),
        (3, date(2026, 3, 1), date(2027, 3, 1), date(2027, 9, 1)),
    ],
)
def test_window(number: int, diagnosis: date, starts: date, ends: date) -> None:
    assert window(number, diagnosis) == Window(starts, ends)


@pytest.mark.parametrize("number", [0, 4, -1])
def test_rule_refuses_unknown_touchpoint(number: int) -> None:
    with pytest.raises(ValueError, match=f"no touchpoint {number}"):
        rule(number)


@pytest.mark.parametrize(
    ("day", "inside"),
    [
        (date(2026, 4, 9), False),
        (date(2026, 4, 10), True),
        (date(2026, 4, 30), True),
        (date(2026, 5, 10), True),
        (date(2026, 5, 11), False),
    ],
)
def test_window_contains_both_ends(day: date, inside: bool) -> None:
    assert Window(date(2026, 4, 10), date(2026, 5, 10)).contains(day) is inside


DIAGNOSIS = date(2026, 1, 10)  # touchpoint 2's window: 2026-04-10 to 2026-05-10


@pytest.mark.parametrize(
    ("number", "days_before", "appointment", "expected"),
    [
        (2, 21, None, date(2026, 3, 20)),
        (2, 0, None, date(2026, 4, 10)),
        (2, 1, None, date(2026, 4, 9)),
        (2, 21, date(2026, 4, 1), date(2026, 3, 11)),  # earlier appointment wins
        (2, 21, date(2026, 5, 1), date(2026, 3, 20)),  # later appointment: window wins
        (2, 21, date(2026, 4, 10), date(2026, 3, 20)),
        (2, 120, None, DIAGNOSIS),  # never before the diagnosis
        (2, 21, date(2026, 1, 20), DIAGNOSIS),
        (1, 21, None, DIAGNOSIS),
        (1, 0, None, DIAGNOSIS),
        (1, 21, date(2026, 1, 25), DIAGNOSIS),
        (3, 21, None, date(2026, 12, 20)),
        (3, 21, date(2026, 12, 1), date(2026, 11, 10)),
    ],
)
def test_questionnaire_opens_on(
    number: int, days_before: int, appointment: date | None, expected: date
) -> None:
    assert questionnaire_opens_on(number, DIAGNOSIS, days_before, appointment) == expected


OPENS = date(2026, 3, 20)  # touchpoint 2, 21 days before 2026-04-10


@pytest.mark.parametrize(
    ("today", "flags", "expected"),
    [
        (OPENS - timedelta(days=1), {}, TouchpointState.UPCOMING),
        (OPENS, {}, TouchpointState.OPEN),
        (OPENS + timedelta(days=1), {}, TouchpointState.OPEN),
        (date(2026, 8, 1), {}, TouchpointState.OPEN),  # long after the window: still open
        (date(2026, 1, 10), {}, TouchpointState.UPCOMING),
        (OPENS - timedelta(days=1), {"appointment_on": date(2026, 4, 9)}, TouchpointState.OPEN),
        (date(2026, 3, 18), {"appointment_on": date(2026, 4, 9)}, TouchpointState.UPCOMING),
        (OPENS - timedelta(days=1), {"submitted": True}, TouchpointState.SUBMITTED),
        (OPENS, {"submitted": True}, TouchpointState.SUBMITTED),
        (OPENS, {"declined": True}, TouchpointState.DECLINED),
        (OPENS - timedelta(days=1), {"declined": True}, TouchpointState.DECLINED),
        (OPENS, {"held": True}, TouchpointState.HELD),
        (OPENS - timedelta(days=1), {"held": True}, TouchpointState.HELD),
        (OPENS, {"held": True, "declined": True, "submitted": True}, TouchpointState.HELD),
        (OPENS, {"held": True, "declined": True}, TouchpointState.HELD),
        (OPENS, {"held": True, "submitted": True}, TouchpointState.HELD),
        (OPENS, {"declined": True, "submitted": True}, TouchpointState.DECLINED),
    ],
)
def test_state(today: date, flags: dict[str, Any], expected: TouchpointState) -> None:
    found = state(number=2, diagnosis_date=DIAGNOSIS, today=today, days_before=21, **flags)
    assert found is expected


def test_state_opening_day_follows_days_before() -> None:
    day = date(2026, 4, 3)
    assert state(number=2, diagnosis_date=DIAGNOSIS, today=day, days_before=7) == "open"
    assert state(number=2, diagnosis_date=DIAGNOSIS, today=day, days_before=6) == "upcoming"


WINDOW_ENDS = date(2026, 5, 10)  # touchpoint 2 for DIAGNOSIS


@pytest.mark.parametrize(
    ("today", "flags", "expected"),
    [
        (date(2026, 3, 1), {}, False),
        (WINDOW_ENDS, {}, False),
        (WINDOW_ENDS + timedelta(days=1), {}, True),
        (date(2027, 1, 1), {}, True),
        (WINDOW_ENDS + timedelta(days=1), {"appointment_on": date(2026, 5, 20)}, False),
        (WINDOW_ENDS + timedelta(days=1), {"appointment_on": WINDOW_ENDS + timedelta(days=1)},
         False),  # booked for today
        (WINDOW_ENDS + timedelta(days=1), {"appointment_on": WINDOW_ENDS}, True),  # in the past
        (WINDOW_ENDS + timedelta(days=1), {"appointment_on": date(2026, 4, 20)}, True),
        (WINDOW_ENDS + timedelta(days=1), {"held": True}, False),
        (WINDOW_ENDS + timedelta(days=1), {"declined": True}, False),
        (date(2027, 1, 1), {"held": True, "appointment_on": date(2026, 4, 20)}, False),
    ],
)
def test_is_overdue(today: date, flags: dict[str, Any], expected: bool) -> None:
    found = is_overdue(number=2, diagnosis_date=DIAGNOSIS, today=today, **flags)
    assert found is expected


@pytest.mark.parametrize(
    ("number", "last_day"),
    [(1, date(2026, 2, 10)), (2, date(2026, 5, 10)), (3, date(2027, 7, 10))],
)
def test_is_overdue_from_the_day_after_each_window(number: int, last_day: date) -> None:
    assert not is_overdue(number=number, diagnosis_date=DIAGNOSIS, today=last_day)
    assert is_overdue(
        number=number, diagnosis_date=DIAGNOSIS, today=last_day + timedelta(days=1)
    )


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        # Winter time (UTC+1): midnight in Oslo is 23:00 UTC the day before.
        (datetime(2026, 1, 31, 22, 59, 59, tzinfo=UTC), date(2026, 1, 31)),
        (datetime(2026, 1, 31, 23, 0, tzinfo=UTC), date(2026, 2, 1)),
        (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
        # Summer time (UTC+2): midnight in Oslo is 22:00 UTC the day before.
        (datetime(2026, 6, 30, 21, 59, 59, tzinfo=UTC), date(2026, 6, 30)),
        (datetime(2026, 6, 30, 22, 0, tzinfo=UTC), date(2026, 7, 1)),
        # Summer time starts 2026-03-29 at 01:00 UTC.
        (datetime(2026, 3, 28, 22, 30, tzinfo=UTC), date(2026, 3, 28)),
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 21, 30, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 29, 22, 30, tzinfo=UTC), date(2026, 3, 30)),
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), date(2026, 3, 30)),
        # Summer time ends 2026-10-25 at 01:00 UTC.
        (datetime(2026, 10, 24, 21, 30, tzinfo=UTC), date(2026, 10, 24)),
        (datetime(2026, 10, 24, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 22, 30, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), date(2026, 10, 26)),
        # Any aware moment, not only UTC: 20:00 in UTC-5 is 02:00 the next day in Oslo.
        (datetime(2026, 1, 1, 20, 0, tzinfo=timezone(timedelta(hours=-5))), date(2026, 1, 2)),
    ],
)
def test_local_date_in_oslo(moment: datetime, expected: date) -> None:
    assert local_date(moment, "Europe/Oslo") == expected


def test_local_date_uses_the_given_zone() -> None:
    moment = datetime(2026, 3, 29, 22, 30, tzinfo=UTC)
    assert local_date(moment, "UTC") == date(2026, 3, 29)
    assert local_date(moment, "Asia/Tokyo") == date(2026, 3, 30)


def test_local_date_refuses_naive_datetime() -> None:
    naive = datetime(2026, 3, 29, 12, 0, tzinfo=UTC).replace(tzinfo=None)
    with pytest.raises(ValueError, match="aware datetime"):
        local_date(naive, "Europe/Oslo")


@pytest.mark.parametrize(
    ("touchpoint_state", "editable"),
    [
        (TouchpointState.UPCOMING, False),
        (TouchpointState.OPEN, True),
        (TouchpointState.SUBMITTED, True),
        (TouchpointState.HELD, False),
        (TouchpointState.DECLINED, False),
    ],
)
def test_is_questionnaire_editable(touchpoint_state: TouchpointState, editable: bool) -> None:
    assert is_questionnaire_editable(touchpoint_state) is editable
