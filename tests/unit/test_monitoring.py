"""The monitoring's pure parts: periods, the median of a histogram, the small-number rule and
the CSV's defences."""

from __future__ import annotations

from collections import Counter
from datetime import date
from itertools import pairwise

import pytest

from portal.monitoring import export, figures
from portal.monitoring.figures import Shown, median, shown_count, shown_median, shown_share


@pytest.mark.parametrize(("count", "shown"), [
    (0, Shown(0)), (1, Shown(None, "fewer_than_5")), (4, Shown(None, "fewer_than_5")),
    (5, Shown(5)), (1234, Shown(1234)),
])
def test_a_count_from_1_to_4_is_withheld(count, shown):
    assert shown_count(count) == shown


def test_a_median_needs_five_conversations():
    assert shown_median(12.0, 4) == Shown(None, "too_few")
    assert shown_median(12.0, 5) == Shown(12.0)
    assert shown_median(None, 0) == Shown(None, "too_few")


@pytest.mark.parametrize(("part", "base", "value"), [
    (0, 4, None),  # base below 5
    (0, 5, 0), (5, 5, 100), (5, 10, 50),
    (3, 20, None),  # 15 % of 20 shown beside 20 would give away the 3
    (18, 20, None),  # and 90 % the 2 without
    (15, 20, 75), (6, 11, 55),  # 54.5 % rounds to 55
])
def test_a_share_is_withheld_when_it_would_give_away_a_small_count(part, base, value):
    shown = shown_share(part, base)
    assert shown.value == value
    assert shown.withheld == ("" if value is not None else "too_few")


@pytest.mark.parametrize(("values", "expected"), [
    ([], None), ([7], 7), ([1, 2], 1.5), ([3, 1, 2], 2), ([5, 5, 5, 100], 5),
    ([15, 16, 17, 18, 19, 20, 21, 22, 23, 24], 19.5), ([1, 1, 2, 9, 9, 9], 5.5),
])
def test_the_median_of_a_histogram_is_the_median_of_its_values(values, expected):
    assert median(Counter(values)) == expected


@pytest.mark.parametrize(("today", "first", "last"), [
    (date(2026, 1, 1), date(2025, 2, 1), date(2026, 1, 31)),
    (date(2024, 2, 29), date(2023, 3, 1), date(2024, 2, 29)),
    (date(2026, 12, 31), date(2026, 1, 1), date(2026, 12, 31)),
])
def test_months_run_back_twelve_from_todays(today, first, last):
    months = figures.periods("month", today)
    assert (months[0].starts, months[-1].ends) == (first, last)
    for before, after in pairwise(months):
        assert (after.starts - before.ends).days == 1


@pytest.mark.parametrize(("today", "first", "current"), [
    (date(2026, 3, 31), date(2024, 4, 1), date(2026, 1, 1)),
    (date(2026, 4, 1), date(2024, 7, 1), date(2026, 4, 1)),
    (date(2026, 12, 31), date(2025, 1, 1), date(2026, 10, 1)),
])
def test_quarters_run_back_eight_from_todays(today, first, current):
    quarters = figures.periods("quarter", today)
    assert len(quarters) == 8
    assert quarters[0].starts == first
    assert quarters[-1].starts == current
    assert all(q.starts.month in (1, 4, 7, 10) for q in quarters)


@pytest.mark.parametrize(("value", "cell"), [
    ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"), ("+47", "'+47"), ("-1", "'-1"),
    ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"), ("Bærum", "Bærum"), (12, "12"), (None, ""),
])
def test_csv_cells_that_a_spreadsheet_would_run_are_defused(value, cell):
    assert export.safe_cell(value) == cell


def test_the_csv_starts_with_a_byte_order_mark_and_uses_crlf():
    text = export.to_csv([["Tromsø", "1"], ["a,b", "2"]])
    assert text == "\ufeffTromsø,1\r\n\"a,b\",2\r\n"
