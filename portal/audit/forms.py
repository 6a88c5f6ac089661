"""The administrator's filter: a period, sent with GET (it changes nothing, so a plain WTForms
form without a CSRF token)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, StringField
from wtforms.validators import ValidationError

#: Dates the period may use. Outside these, converting to UTC is meaningless (or overflows).
EARLIEST = date(2000, 1, 1)
LATEST = date(2999, 12, 31)
FORMATS = ("%Y-%m-%d", "%d.%m.%Y")


def parse_date(text: str) -> date | None:
    """A date written as 2026-11-23 (what a date field sends) or 23.11.2026; None if neither."""
    for fmt in FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 (a date, no time)
        except ValueError:
            continue
    return None


class PeriodDate:
    """A date as a date field or a person writes it, within EARLIEST and LATEST; empty only when
    not ``required``."""

    def __init__(self, required: bool = False) -> None:
        self.required = required

    def __call__(self, form: Any, field: Field) -> None:
        if not (field.data or "").strip():
            if self.required:
                raise ValidationError(_l("Enter a date as day.month.year, for example "
                                         "23.11.2026."))
            return
        parsed = parse_date(field.data)
        if parsed is None:
            raise ValidationError(_l("Enter a date as day.month.year, for example 23.11.2026."))
        if not EARLIEST <= parsed <= LATEST:
            raise ValidationError(_l("Enter a date between the years 2000 and 2999."))


class DateRange:
    """A form's ``start`` and ``end`` fields as dates, once validated (None when empty or
    wrong), and the rule that the end is not before the start."""

    start: Field
    end: Field

    @property
    def start_date(self) -> date | None:
        return self._date(self.start)

    @property
    def end_date(self) -> date | None:
        return self._date(self.end)

    def check_order(self) -> None:
        start, end = self.start_date, self.end_date
        if start is not None and end is not None and end < start:
            raise ValidationError(_l("The end date must be the same as or after the start date."))

    @staticmethod
    def _date(field: Field) -> date | None:
        if not field.data or field.errors:
            return None
        parsed = parse_date(field.data)
        return parsed if parsed is not None and EARLIEST <= parsed <= LATEST else None


class PeriodForm(DateRange, Form):  # type: ignore[misc]  # WTForms ships no type hints
    start = StringField(validators=[PeriodDate()])
    end = StringField(validators=[PeriodDate()])

    def validate_end(self, field: Field) -> None:
        self.check_order()
