"""The age rules for parents and guardians (portal/relatives/minors.py), at their boundaries."""

from __future__ import annotations

from datetime import date
from itertools import count

import pytest
from stdnum.no import fodselsnummer

from portal.relatives.minors import (
    GuardianAccess,
    guardian_access,
    guardian_permissions,
    may_act_for,
)

_serial = count()


def born(day: date) -> str:
    """A valid fødselsnummer born on ``day``, a different one on every call."""
    individual = (500 if day.year >= 2000 else 100) + next(_serial) % 400
    base = f"{day:%d%m%y}{individual:03d}"
    while True:
        try:
            first = fodselsnummer.calc_check_digit1(base)
            number = base + first + fodselsnummer.calc_check_digit2(base + first)
        except ValueError:
            number = ""
        if fodselsnummer.is_valid(number):
            return number
        individual += 1
        base = f"{day:%d%m%y}{individual:03d}"


BIRTH = date(2014, 6, 15)


@pytest.mark.parametrize(("today", "expected"), [
    (date(2026, 6, 14), GuardianAccess.FULL),      # 11, the day before turning 12
    (date(2026, 6, 15), GuardianAccess.LIMITED),   # 12 on the birthday
    (date(2030, 6, 14), GuardianAccess.LIMITED),   # 15, the day before turning 16
    (date(2030, 6, 15), GuardianAccess.NONE),      # 16
    (date(2040, 1, 1), GuardianAccess.NONE),       # grown up
])
def test_the_national_portals_ages_are_the_defaults(today: date, expected: GuardianAccess) -> None:
    assert guardian_access(born(BIRTH), today, 12, 16) == expected


def test_a_child_born_on_29_february_turns_a_year_older_on_1_march() -> None:
    number = born(date(2012, 2, 29))
    assert guardian_access(number, date(2024, 2, 28), 12, 16) == GuardianAccess.FULL
    assert guardian_access(number, date(2024, 2, 29), 12, 16) == GuardianAccess.LIMITED
    assert guardian_access(number, date(2025, 2, 28), 12, 13) == GuardianAccess.LIMITED
    assert guardian_access(number, date(2025, 3, 1), 12, 13) == GuardianAccess.NONE


def test_the_ages_are_configuration() -> None:
    number = born(BIRTH)
    today = date(2027, 1, 1)  # 12 years old
    assert guardian_access(number, today, 14, 18) == GuardianAccess.FULL
    assert guardian_access(number, today, 10, 12) == GuardianAccess.NONE
    assert guardian_access(number, today, 0, 0) == GuardianAccess.NONE


def test_what_each_level_allows() -> None:
    assert may_act_for(GuardianAccess.FULL)
    assert not may_act_for(GuardianAccess.LIMITED)
    assert not may_act_for(GuardianAccess.NONE)
    assert guardian_permissions(GuardianAccess.LIMITED) == {"may_see_contacts"}
    assert guardian_permissions(GuardianAccess.NONE) == frozenset()
    # A guardian never reads the child's answers through the relative's pages: with full
    # access they act as the child, and from 12 the young person's answers are their own.
    assert "may_see_answers" not in guardian_permissions(GuardianAccess.FULL)
