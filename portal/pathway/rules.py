"""The pathway's date rules, as pure functions of dates.

Day 0 is the diagnosis date. The windows are recommendations ("bør"), never hard failures: a
touchpoint is shown as upcoming, open, submitted, held or declined, and may additionally be overdue.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class TouchpointState(StrEnum):
    UPCOMING = "upcoming"
    OPEN = "open"  # the questionnaire is open
    SUBMITTED = "submitted"
    HELD = "held"  # the conversation was held
    DECLINED = "declined"  # the patient declined; offered again later


class Place(StrEnum):
    HOSPITAL = "hospital"
    MUNICIPALITY = "municipality"


@dataclass(frozen=True)
class WindowRule:
    """A touchpoint's recommended window in whole months after diagnosis."""

    number: int
    place: Place
    from_months: int
    to_months: int


#: Touchpoint 1: after the patient has been told the diagnosis, timing adapted to the patient.
#: The guideline gives no end; we show it as due within the first month (our assumption).
#: Touchpoint 2: about 3–4 months. Touchpoint 3: about 12–18 months.
WINDOW_RULES = (
    WindowRule(1, Place.HOSPITAL, 0, 1),
    WindowRule(2, Place.MUNICIPALITY, 3, 4),
    WindowRule(3, Place.MUNICIPALITY, 12, 18),
)


def rule(number: int) -> WindowRule:
    for candidate in WINDOW_RULES:
        if candidate.number == number:
            return candidate
    raise ValueError(f"There is no touchpoint {number}.")


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Window:
    starts: date
    ends: date

    def contains(self, day: date) -> bool:
        return self.starts <= day <= self.ends


def window(number: int, diagnosis_date: date) -> Window:
    r = rule(number)
    return Window(
        add_months(diagnosis_date, r.from_months), add_months(diagnosis_date, r.to_months)
    )


def questionnaire_opens_on(
    number: int, diagnosis_date: date, days_before: int, appointment_on: date | None = None
) -> date:
    """The questionnaire opens ``days_before`` the window or the appointment, whichever is first,
    and never before the diagnosis date."""
    anchor = window(number, diagnosis_date).starts
    if appointment_on is not None:
        anchor = min(anchor, appointment_on)
    return max(anchor - timedelta(days=days_before), diagnosis_date)


def state(
    *,
    number: int,
    diagnosis_date: date,
    today: date,
    days_before: int,
    appointment_on: date | None = None,
    submitted: bool = False,
    held: bool = False,
    declined: bool = False,
) -> TouchpointState:
    if held:
        return TouchpointState.HELD
    if declined:
        return TouchpointState.DECLINED
    if submitted:
        return TouchpointState.SUBMITTED
    if today >= questionnaire_opens_on(number, diagnosis_date, days_before, appointment_on):
        return TouchpointState.OPEN
    return TouchpointState.UPCOMING


def is_overdue(
    *,
    number: int,
    diagnosis_date: date,
    today: date,
    appointment_on: date | None = None,
    held: bool = False,
    declined: bool = False,
) -> bool:
    """Past the recommended window with no conversation held and none booked ahead."""
    if held or declined:
        return False
    if appointment_on is not None and appointment_on >= today:
        return False
    return today > window(number, diagnosis_date).ends


def local_date(moment: datetime, timezone: str) -> date:
    """The calendar date of an aware moment in the given zone (Europe/Oslo for display)."""
    if moment.tzinfo is None:
        raise ValueError("An aware datetime is required.")
    return moment.astimezone(ZoneInfo(timezone)).date()


def is_questionnaire_editable(touchpoint_state: TouchpointState) -> bool:
    """The patient may answer, and correct after submitting, until the conversation is held."""
    return touchpoint_state in (TouchpointState.OPEN, TouchpointState.SUBMITTED)


# --- the same rules turned round, for queries -----------------------------------------------
# The worklist asks "which touchpoints are open?" of thousands of rows. Rather than computing
# each touchpoint's dates, it compares the pathway's diagnosis date with one threshold per
# touchpoint number, so the condition stays in SQL and an index on the date can serve it.


def latest_diagnosis_reaching(months: int, day: date) -> date:
    """The latest diagnosis date ``d`` with ``add_months(d, months) <= day``.

    ``add_months`` never decreases as ``d`` grows, so every earlier diagnosis date qualifies too.
    When ``day`` is the last of its month, every later day of the earlier month clamps onto it
    (31 Jan + 1 month = 28 Feb), so the threshold is that month's last day.
    """
    earlier = add_months(day, -months)
    if day.day == calendar.monthrange(day.year, day.month)[1]:
        return earlier.replace(day=calendar.monthrange(earlier.year, earlier.month)[1])
    return earlier


def opened_by_diagnosis(number: int, today: date, days_before: int) -> date:
    """Touchpoint ``number`` without an appointment has its questionnaire open on ``today``
    exactly when the diagnosis date is on or before the date returned (see
    ``questionnaire_opens_on``)."""
    reaching = latest_diagnosis_reaching(rule(number).from_months,
                                         today + timedelta(days=days_before))
    return min(reaching, today)


def overdue_by_diagnosis(number: int, today: date) -> date:
    """Touchpoint ``number`` (not held, not declined, nothing booked from today on) is overdue
    on ``today`` exactly when the diagnosis date is on or before the date returned (see
    ``is_overdue``)."""
    return latest_diagnosis_reaching(rule(number).to_months, today - timedelta(days=1))
