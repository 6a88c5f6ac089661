"""A touchpoint's status for display: its state, window, dates and the questionnaire's progress."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from portal.pathway import rules
from portal.pathway.models import Touchpoint
from portal.pathway.rules import TouchpointState
from portal.questionnaire.models import Response
from portal.settings import Settings


@dataclass(frozen=True)
class TouchpointStatus:
    touchpoint: Touchpoint
    state: TouchpointState
    overdue: bool
    window: rules.Window
    opens_on: date
    place: rules.Place
    appointment_at: datetime | None
    response: Response | None

    @property
    def editable(self) -> bool:
        return rules.is_questionnaire_editable(self.state)

    @property
    def started(self) -> bool:
        return self.response is not None and self.response.revision > 0


def status(touchpoint: Touchpoint, response: Response | None, settings: Settings,
           today: date) -> TouchpointStatus:
    diagnosis = touchpoint.pathway.diagnosis_date
    appointment_on = (
        rules.local_date(touchpoint.appointment_at, settings.display_timezone)
        if touchpoint.appointment_at else None
    )
    number = touchpoint.number
    return TouchpointStatus(
        touchpoint=touchpoint,
        state=rules.state(
            number=number, diagnosis_date=diagnosis, today=today, appointment_on=appointment_on,
            days_before=settings.questionnaire_opens_days_before,
            submitted=response is not None and response.is_submitted,
            held=touchpoint.held_on is not None,
            declined=touchpoint.declined_on is not None,
        ),
        overdue=rules.is_overdue(number=number, diagnosis_date=diagnosis, today=today,
                                 appointment_on=appointment_on,
                                 held=touchpoint.held_on is not None,
                                 declined=touchpoint.declined_on is not None),
        window=rules.window(touchpoint.number, diagnosis),
        opens_on=rules.questionnaire_opens_on(
            touchpoint.number, diagnosis, settings.questionnaire_opens_days_before, appointment_on
        ),
        place=rules.rule(touchpoint.number).place,
        appointment_at=touchpoint.appointment_at,
        response=response,
    )
