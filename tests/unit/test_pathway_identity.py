"""Fødselsnummer and D-nummer: what the portal accepts, birth dates, ages and masking.

The numbers are synthetic; their check digits were computed with python-stdnum.
"""

from __future__ import annotations

from datetime import date

import pytest

from portal.pathway.identity import (
    InvalidIdentityNumber,
    age_on,
    birth_date,
    is_d_number,
    masked,
    normalise,
)

#: (number, birth date, is a D-nummer)
VALID = [
    ("12035812324", date(1958, 3, 12), False),
    ("03047145790", date(1971, 4, 3), False),
    ("15088695140", date(1986, 8, 15), False),
    ("31129949980", date(1999, 12, 31), False),
    ("01010090004", date(2000, 1, 1), False),  # individual number 900: born in the 2000s
    ("29028412450", date(1984, 2, 29), False),
    ("29020451279", date(2004, 2, 29), False),
    ("44068511280", date(1985, 6, 4), True),
    ("69028412363", date(1984, 2, 29), True),
    ("71019012306", date(1990, 1, 31), True),
    ("41010095075", date(2000, 1, 1), True),
]


@pytest.mark.parametrize(("number", "born", "d_number"), VALID)
def test_normalise_accepts_valid_numbers(number: str, born: date, d_number: bool) -> None:
    assert normalise(number) == number


@pytest.mark.parametrize(("number", "born", "d_number"), VALID)
def test_birth_date(number: str, born: date, d_number: bool) -> None:
    assert birth_date(number) == born


@pytest.mark.parametrize(("number", "born", "d_number"), VALID)
def test_is_d_number(number: str, born: date, d_number: bool) -> None:
    assert is_d_number(number) is d_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("120358 12324", "12035812324"),
        ("120358-12324", "12035812324"),
        (" 12035812324 ", "12035812324"),
        ("440685 11280", "44068511280"),
        ("１２０３５８１２３２４", "12035812324"),  # full-width digits come back as ASCII
    ],
)
def test_normalise_tolerates_separators(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("12035812334", id="wrong-first-check-digit"),
        pytest.param("12035812325", id="wrong-second-check-digit"),
        pytest.param("44068511281", id="wrong-check-digit-d-number"),
        pytest.param("21035812324", id="swapped-digits"),
        pytest.param("1203581232", id="too-short"),
        pytest.param("120358123240", id="too-long"),
        pytest.param("", id="empty"),
        pytest.param("1203581232A", id="letter"),
        pytest.param("abcdefghijk", id="letters"),
        pytest.param("12.03.58 12324", id="dots"),
        pytest.param("120358.12324", id="dot"),
        pytest.param("120358/12324", id="slash"),
        pytest.param("31028612470", id="31-february"),
        pytest.param("72010012482", id="d-number-day-32"),
        pytest.param("85010112481", id="fh-number-has-no-birth-date"),
        pytest.param("01013960069", id="born-in-2039-not-yet-born"),
    ],
)
def test_normalise_refuses(raw: str) -> None:
    with pytest.raises(InvalidIdentityNumber):
        normalise(raw)


@pytest.mark.parametrize("number", ["85010112481", "31028612470"])
def test_birth_date_refuses_numbers_without_a_birth_date(number: str) -> None:
    with pytest.raises(InvalidIdentityNumber):
        birth_date(number)


@pytest.mark.parametrize(
    ("number", "today", "age"),
    [
        ("12035812324", date(1958, 3, 12), 0),
        ("12035812324", date(1959, 3, 11), 0),
        ("12035812324", date(1959, 3, 12), 1),
        ("12035812324", date(2025, 12, 31), 67),
        ("12035812324", date(2026, 3, 11), 67),  # the day before the birthday
        ("12035812324", date(2026, 3, 12), 68),  # on the birthday
        ("12035812324", date(2026, 3, 13), 68),
        ("12035812324", date(2026, 2, 28), 67),  # later day, earlier month
        ("12035812324", date(2026, 4, 1), 68),  # earlier day, later month
        ("44068511280", date(2026, 6, 3), 40),  # D-nummer: born 4 June 1985
        ("44068511280", date(2026, 6, 4), 41),
        # Born 29 February 1984: in other years, a year older from 1 March.
        ("29028412450", date(2026, 2, 28), 41),
        ("29028412450", date(2026, 3, 1), 42),
        ("29028412450", date(2028, 2, 28), 43),
        ("29028412450", date(2028, 2, 29), 44),
        ("69028412363", date(2027, 2, 28), 42),
        ("69028412363", date(2027, 3, 1), 43),
        ("01010090004", date(2025, 12, 31), 25),
        ("01010090004", date(2026, 1, 1), 26),
    ],
)
def test_age_on(number: str, today: date, age: int) -> None:
    assert age_on(number, today) == age


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        ("12035812324", "120358 *****"),
        ("44068511280", "440685 *****"),
        ("29020451279", "290204 *****"),
    ],
)
def test_masked_shows_only_the_first_six_digits(number: str, shown: str) -> None:
    result = masked(number)
    assert result == shown
    assert number[6:] not in result
    assert sum(c.isdigit() for c in result) == 6


def test_a_patient_is_never_stored_with_an_invalid_identity_number() -> None:
    from portal.pathway.models import Patient

    with pytest.raises(InvalidIdentityNumber):
        Patient(national_id="12035812325", given_name="A", family_name="B")
    assert Patient(national_id="120358 12324", given_name="A",
                   family_name="B").national_id == "12035812324"


@pytest.mark.parametrize("number", ["983974725", "12345678", "98397472X"])
def test_an_organisation_is_never_stored_with_an_invalid_number(number: str) -> None:
    from portal.contacts.models import Organisation

    with pytest.raises(ValueError, match="organisation number"):
        Organisation(kind="hospital_trust", name="X", org_number=number)
