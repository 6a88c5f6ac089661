from datetime import date, time

import pytest

from portal.templating import input_type


@pytest.mark.parametrize(("wanted", "value", "expected"), [
    ("date", None, "date"), ("date", "", "date"), ("date", "2026-11-23", "date"),
    ("date", date(2026, 11, 23), "date"), ("date", "23.11.2026", "text"),
    ("date", "2026-02-31", "text"), ("date", "i går", "text"), ("date", "20261123", "text"),
    ("time", "14:30", "time"), ("time", time(14, 30), "time"), ("time", "25:00", "text"),
    ("time", "14:60", "text"), ("time", "kl 14", "text"), ("text", "anything", "text"),
    ("email", "kari@", "email"),
])
def test_a_date_or_time_input_only_carries_a_valid_value(wanted, value, expected):
    assert input_type(wanted, value) == expected
