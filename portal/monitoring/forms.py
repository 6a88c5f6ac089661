"""The monitoring page's two GET forms: which periods to show, and the dates of the registration
export. They change nothing, so they are plain WTForms forms without a CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import Field, Form, RadioField, StringField
from wtforms.validators import ValidationError

from portal.audit.forms import DateRange, PeriodDate
from portal.pathway.rules import add_months


def period_choices() -> list[tuple[str, Any]]:
    return [("month", _l("Month by month (the last 12 months)")),
            ("quarter", _l("Quarter by quarter (the last 8 quarters)"))]


class PeriodForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
    period = RadioField(choices=["month", "quarter"], default="month", validate_choice=False)

    @property
    def kind(self) -> str:
        return str(self.period.data) if self.period.data in ("month", "quarter") else "month"


class HeldExportForm(DateRange, Form):  # type: ignore[misc]  # WTForms ships no type hints
    """``from`` and ``to`` (both included): the end not before the start, and before the same
    date a year later (1 March to 28 February at most)."""

    start = StringField(name="from", validators=[PeriodDate(required=True)])
    end = StringField(name="to", validators=[PeriodDate(required=True)])

    def validate_end(self, field: Field) -> None:
        self.check_order()
        start, end = self.start_date, self.end_date
        if start is not None and end is not None and end >= add_months(start, 12):
            raise ValidationError(_l("Choose at most one year: the end date must be less than "
                                     "a year after the start date."))
