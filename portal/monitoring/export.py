"""The monitoring CSV files: the figures (suppressed as on the page) and the registration export
of held conversations (one row per conversation, each patient logged).

UTF-8 with a byte order mark, so that Excel opens æ, ø and å correctly; comma-separated with
CRLF line ends (RFC 4180). A text cell that a spreadsheet could read as a formula (starting with
=, +, -, @, a tab or a carriage return) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.monitoring import presentation
from portal.monitoring.figures import PeriodFigures, Scope
from portal.pathway.models import Pathway, Patient, Touchpoint

BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def to_csv(rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return BOM + buffer.getvalue()


def figures_csv(scope: Scope, figures: Sequence[PeriodFigures]) -> str:
    """One header row, then one row per period, newest first, with the page's suppression."""
    columns = presentation.columns(scope)
    header = [_("Period"), _("First day"), _("Last day"), *(c.heading for c in columns)]
    rows: list[list[object]] = [header]
    for item in reversed(figures):
        rows.append([presentation.period_label(item.period), item.period.starts.isoformat(),
                     item.period.ends.isoformat(),
                     *(presentation.text(c.value(item)) for c in columns)])
    return to_csv(rows)


@dataclass(frozen=True)
class HeldRow:
    patient_id: int
    national_id: str
    number: int
    held_on: date
    diagnosis_date: date


def held_rows(session: Session, organisation_id: int, start: date, end: date) -> list[HeldRow]:
    """The organisation's conversations held from ``start`` to ``end`` (both included), in one
    statement, by date."""
    found = session.execute(
        select(Patient.id, Patient.national_id, Touchpoint.number, Touchpoint.held_on,
               Pathway.diagnosis_date)
        .select_from(Touchpoint).join(Touchpoint.pathway).join(Pathway.patient)
        .where(Touchpoint.organisation_id == organisation_id,
               Touchpoint.held_on >= start, Touchpoint.held_on <= end)
        .order_by(Touchpoint.held_on, Patient.national_id, Touchpoint.number))
    # held_on is never NULL here (the WHERE compares it).
    return [HeldRow(patient_id, national_id, number, held_on, diagnosis)
            for patient_id, national_id, number, held_on, diagnosis in found
            if held_on is not None]


def held_csv(rows: Sequence[HeldRow], code: str) -> str:
    header = [_("National identity number"), _("Conversation"), _("Held on"),
              _("Diagnosis date"), _("Procedure code")]
    return to_csv([header, *([row.national_id, row.number, row.held_on.isoformat(),
                              row.diagnosis_date.isoformat(), code] for row in rows)])
