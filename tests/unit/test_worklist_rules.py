"""The worklist's thresholds give exactly the touchpoints the pathway rules call open or overdue,
at month ends and in leap years too."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.pathway.rules import (
    add_months,
    is_overdue,
    latest_diagnosis_reaching,
    opened_by_diagnosis,
    overdue_by_diagnosis,
    questionnaire_opens_on,
)

#: Two years around a leap day: every month end, 29 February and the turn of the year.
DAYS = [date(2027, 11, 1) + timedelta(days=n) for n in range(0, 800)]
NUMBERS = (1, 2, 3)


def _is_open(number: int, diagnosis: date, today: date, days_before: int) -> bool:
    return today >= questionnaire_opens_on(number, diagnosis, days_before)


def _is_overdue(number: int, diagnosis: date, today: date) -> bool:
    return is_overdue(number=number, diagnosis_date=diagnosis, today=today)


@pytest.mark.parametrize("months", [0, 1, 3, 4, 12, 18])
def test_the_threshold_is_the_last_date_that_reaches(months: int) -> None:
    for day in DAYS:
        threshold = latest_diagnosis_reaching(months, day)
        assert add_months(threshold, months) <= day
        assert add_months(threshold + timedelta(days=1), months) > day


@pytest.mark.parametrize("number", NUMBERS)
@pytest.mark.parametrize("days_before", [0, 21])
def test_open_exactly_up_to_the_threshold(number: int, days_before: int) -> None:
    for today in DAYS:
        threshold = opened_by_diagnosis(number, today, days_before)
        assert _is_open(number, threshold, today, days_before), (today, threshold)
        assert not _is_open(number, threshold + timedelta(days=1), today, days_before), today


@pytest.mark.parametrize("number", NUMBERS)
def test_overdue_exactly_up_to_the_threshold(number: int) -> None:
    for today in DAYS:
        threshold = overdue_by_diagnosis(number, today)
        assert _is_overdue(number, threshold, today), (today, threshold)
        assert not _is_overdue(number, threshold + timedelta(days=1), today), today


def test_month_ends_clamp_onto_the_last_day() -> None:
    # 29, 30 and 31 January all reach 28 February one month later.
    assert latest_diagnosis_reaching(1, date(2027, 2, 28)) == date(2027, 1, 31)
    assert latest_diagnosis_reaching(1, date(2028, 2, 28)) == date(2028, 1, 28)
    assert latest_diagnosis_reaching(1, date(2028, 2, 29)) == date(2028, 1, 31)
    assert latest_diagnosis_reaching(18, date(2028, 2, 29)) == date(2026, 8, 31)


@given(
    number=st.sampled_from(NUMBERS),
    diagnosis=st.dates(min_value=date(2001, 1, 1), max_value=date(2098, 12, 31)),
    today=st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31)),
    days_before=st.integers(min_value=0, max_value=120),
)
def test_the_thresholds_agree_with_the_rules(number: int, diagnosis: date, today: date,
                                             days_before: int) -> None:
    assert (diagnosis <= opened_by_diagnosis(number, today, days_before)) == _is_open(
        number, diagnosis, today, days_before)
    assert (diagnosis <= overdue_by_diagnosis(number, today)) == _is_overdue(
        number, diagnosis, today)
