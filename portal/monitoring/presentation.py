"""How the figures read: the columns (one list for the table and the CSV), the periods' names,
and a withheld figure's words. Translated at request time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import format_date, format_decimal, format_percent
from flask_babel import gettext as _

from portal.monitoring.figures import (
    Period,
    PeriodFigures,
    Scope,
    Shown,
    shown_count,
    shown_median,
    shown_share,
)


@dataclass(frozen=True)
class Column:
    key: str
    heading: str
    value: Callable[[PeriodFigures], Shown]
    #: "count", "days" or "percent": how the table formats it.
    unit: str


def columns(scope: Scope) -> list[Column]:
    """Every figure, in the order of the table and the CSV."""
    found = [
        Column("enrolled", _("Patients enrolled"), lambda f: shown_count(f.enrolled), "count"),
        Column("offered", _("Conversations offered"), lambda f: shown_count(f.offered), "count"),
        Column("held", _("Conversations held"), lambda f: shown_count(f.held), "count"),
        Column("declined", _("Conversations declined"), lambda f: shown_count(f.declined),
               "count"),
        Column("overdue", _("Conversations overdue"), lambda f: shown_count(f.overdue), "count"),
    ]
    for number in scope.numbers:
        found.append(Column(
            f"median_days_{number}",
            _("Median days from diagnosis to conversation %(number)s", number=number),
            _median_of(number), "days"))
    found += [
        Column("questionnaire_share", _("Questionnaire sent beforehand, per cent of "
                                        "conversations held"),
               lambda f: shown_share(f.with_questionnaire, f.held), "percent"),
        Column("actions_share", _("Agreed actions, per cent of conversations held"),
               lambda f: shown_share(f.with_actions, f.held), "percent"),
        Column("handed_over_share", _("Handed over to the municipality, per cent of "
                                      "first conversations held or declined"),
               lambda f: shown_share(f.handed_over, f.handover_base), "percent"),
    ]
    return found


def _median_of(number: int) -> Callable[[PeriodFigures], Shown]:
    def value(found: PeriodFigures) -> Shown:
        return shown_median(found.median_days(number), found.held_of(number))

    return value


def period_label(period: Period) -> str:
    if period.kind == "quarter":
        return str(format_date(period.starts, "QQQ y"))
    return str(format_date(period.starts, "LLLL y"))


def short_period_label(period: Period) -> str:
    if period.kind == "quarter":
        return str(format_date(period.starts, "QQQ y"))
    return str(format_date(period.starts, "LLL y"))


def withheld_text(shown: Shown) -> str:
    if shown.withheld == "fewer_than_5":
        return str(_("fewer than 5"))
    return str(_("too few to show"))


def text(shown: Shown) -> str:
    """For the CSV: a plain number (a point before decimals), or the withheld words."""
    if shown.value is None:
        return withheld_text(shown)
    value = shown.value
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def display(shown: Shown, unit: str) -> str:
    """For the table: the number in the reader's language, or the withheld words."""
    if shown.value is None:
        return withheld_text(shown)
    if unit == "percent":
        return str(format_percent(shown.value / 100))
    if unit == "days":
        return str(format_decimal(shown.value, format="#,##0.#"))
    return str(format_decimal(shown.value, format="#,##0"))
