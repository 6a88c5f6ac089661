"""Norwegian national identity numbers (fødselsnummer and D-nummer).

Validation, check digits and birth dates come from python-stdnum; this module only decides what the
portal accepts and how a number is shown when it must not be shown in full.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy.orm import validates
from stdnum.exceptions import ValidationError
from stdnum.no import fodselsnummer


class InvalidIdentityNumber(ValueError):
    pass


def normalise(raw: str) -> str:
    """The 11 digits of a valid fødselsnummer or D-nummer, or InvalidIdentityNumber."""
    try:
        number: str = fodselsnummer.validate(raw)
        birth_date(number)  # FH-numbers carry no birth date; the pathway needs an age.
    except (ValidationError, InvalidIdentityNumber):
        raise InvalidIdentityNumber(raw) from None
    return number


def is_d_number(number: str) -> bool:
    return int(number[0]) >= 4


def birth_date(number: str) -> date:
    try:
        born: date = fodselsnummer.get_birth_date(number)
    except ValidationError:
        raise InvalidIdentityNumber(number) from None
    return born


def age_on(number: str, today: date) -> int:
    born = birth_date(number)
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def masked(number: str) -> str:
    """Birth date part only: '150886 *****'. Used everywhere the full number is not needed."""
    return f"{number[:6]} *****"


class Person:
    """Mixin for a model of a person identified by a national identity number: patients,
    relatives and staff. Only a number with valid check digits is ever stored."""

    if TYPE_CHECKING:
        given_name: str
        family_name: str

    @validates("national_id")
    def _valid_national_id(self, _key: str, value: str) -> str:
        return normalise(value)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"
