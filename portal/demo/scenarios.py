"""How each demo persona's pathway is arranged: appointments, answers, the conversation record,
agreed actions and the hand-over, relative to the day the demo is loaded."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from portal.clinician.models import ActionStatus, AgreedAction
from portal.contacts.models import Organisation
from portal.pathway.models import Pathway, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.models import Answer, Response, Submission
from portal.staff.models import StaffMember

OSLO = ZoneInfo("Europe/Oslo")
HOSPITAL_PLACE = "Haukeland universitetssjukehus, Kreftpoliklinikken, Jonas Lies vei 65"
BERGEN_PLACE = "Bergen kommune, Kreftkoordinator, Rådhusgaten 10"


@dataclass
class Context:
    session: Session
    today: date
    now: datetime
    hospital: Organisation
    nurse: StaffMember
    coordinator: StaffMember
    definition: definitions.Definition

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        """A local (Oslo) time on ``day``, as UTC."""
        return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)


# --- each persona's pathway ---------------------------------------------------------------------

#: Kari's answers for touchpoint 1: she kept mental health for the conversation only.
KARI_ANSWERS: dict[str, Any] = {
    "what_matters": "Å være der for barna mine.",
    "strain": 7,
    "family_concern": "quite_a_bit", "family_talk": True,
    "mental_health_concern": "a_little", "mental_health_talk": True,
    "mental_health_note": "Jeg sover dårlig og tenker mye på hva som skjer videre.",
    "mental_health_self_harm": "no",
    "municipal_contact_concern": "a_little", "municipal_contact_known": "no",
    "municipal_contact_wanted": "yes",
    "children_concern": "quite_a_bit", "children_under_18": "yes", "children_ages": "9 og 13 år",
    "children_know": "some", "children_advice": "yes",
    "agenda": ["family", "children", "mental_health"],
    "keep_private": ["mental_health"],
}


def _kari(c: Context, pathway: Pathway) -> None:
    first, second = pathway.touchpoints[0], pathway.touchpoints[1]
    held = pathway.diagnosis_date + timedelta(days=12)
    first.appointment_at = c.at(held, 10)
    first.appointment_place = HOSPITAL_PLACE
    first.appointment_with = "Kreftsykepleier Hilde Vik"
    response = answered(c.session, first, c.definition, KARI_ANSWERS,
                         submitted=c.at(held - timedelta(days=2), 19))
    response.first_read_at = c.at(held, 9, 40)
    _held(first, held, by="Kreftsykepleier Hilde Vik", relative=True)
    pathway.patient.children_under_18 = True
    pathway.patient.email = "kari.nordmann@example.org"
    pathway.handed_over_at = c.at(held + timedelta(days=1), 14)
    pathway.handed_over_by_id = c.nurse.id
    c.session.add_all([
        AgreedAction(touchpoint=first, created_by_id=c.nurse.id, needs=["children", "family"],
                     what="Samtale med barneansvarlig på sykehuset om hvordan du kan snakke "
                          "med barna om sykdommen.",
                     responsible="Barneansvarlig, Helse Bergen", contact="+4755970000",
                     due_on=held + timedelta(days=14), status=ActionStatus.DONE,
                     status_on=held + timedelta(days=10), created_at=c.at(held, 11)),
        AgreedAction(touchpoint=first, created_by_id=c.nurse.id, needs=["municipal_contact"],
                     what="Kreftkoordinatoren i Bergen kommune tar kontakt og avtaler samtale "
                          "om hjelp i hverdagen.",
                     responsible="Kreftkoordinator, Bergen kommune",
                     contact="+4755513000, kreftkoordinator.4601@example.org",
                     due_on=c.today + timedelta(days=10), status=ActionStatus.PLANNED,
                     created_at=c.at(held, 11, 5)),
        AgreedAction(touchpoint=first, created_by_id=c.nurse.id, needs=["mental_health"],
                     what="Time hos psykolog ved kreftavdelingen for å snakke om søvn og "
                          "bekymringer.",
                     responsible="Psykolog, Kreftavdelingen, Helse Bergen",
                     contact="+4755970000", due_on=c.today + timedelta(days=21),
                     status=ActionStatus.PLANNED, created_at=c.at(held, 11, 10)),
    ])
    day = c.today + timedelta(days=10)
    second.appointment_at = c.at(day, 10)
    second.appointment_place = BERGEN_PLACE
    second.appointment_with = "Kreftkoordinator Anne Lie"


OLA_ANSWERS: dict[str, Any] = {
    "what_matters": "At kona og jeg klarer oss økonomisk, og å komme meg ut på tur igjen.",
    "strain": 6,
    "family_concern": "not_at_all", "family_bring_someone": "yes",
    "work_concern": "very_much", "work_talk": True,
    "work_note": "Jeg er snekker og vet ikke om jeg kan fortsette i jobben.",
    "work_sick_leave": "yes", "work_nav_contact": "yes",
    "finances_housing_concern": "quite_a_bit", "finances_housing_talk": True,
    "finances_housing_worries": ["income", "debt"],
    "physical_activity_concern": "a_little",
    "mental_health_concern": "a_little", "mental_health_self_harm": "no",
    "sexual_health_concern": "rather_not",
    "oral_health_concern": "not_relevant",
    "agenda": ["work", "finances_housing", "physical_activity"],
}


def _ola(c: Context, pathway: Pathway) -> None:
    first = pathway.touchpoints[0]
    _booked(c, first, c.today + timedelta(days=2), 13, HOSPITAL_PLACE,
            "Kreftsykepleier Hilde Vik")
    answered(c.session, first, c.definition, OLA_ANSWERS,
              submitted=c.at(c.today - timedelta(days=1), 19, 30))


INGRID_ANSWERS: dict[str, Any] = {
    "what_matters": "At noen forstår hvor tungt det er akkurat nå.",
    "strain": 9,
    "family_concern": "quite_a_bit", "family_talk": True, "family_bring_someone": "yes",
    "mental_health_concern": "very_much", "mental_health_talk": True,
    "mental_health_note": "Jeg orker nesten ingenting og gruer meg til hver dag.",
    "mental_health_self_harm": "yes",
    "existential_concern": "quite_a_bit",
    "agenda": ["mental_health", "family", "existential"],
}


def _ingrid(c: Context, pathway: Pathway) -> None:
    first = pathway.touchpoints[0]
    _booked(c, first, c.today + timedelta(days=1), 9, HOSPITAL_PLACE,
            "Kreftsykepleier Hilde Vik")
    submitted = c.at(c.today - timedelta(days=1), 21, 40)  # last night
    response = answered(c.session, first, c.definition, INGRID_ANSWERS, submitted=submitted)
    response.urgent_at = submitted


def _nils(c: Context, pathway: Pathway) -> None:
    """Touchpoint 1 is open and past its window, with no appointment and no answers."""


def _per(c: Context, pathway: Pathway) -> None:
    first, second = pathway.touchpoints[0], pathway.touchpoints[1]
    held = pathway.diagnosis_date + timedelta(days=12)
    answered(c.session, first, c.definition, KARI_ANSWERS | {"keep_private": []},
              submitted=c.at(held - timedelta(days=2), 9)).first_read_at = c.at(held, 8)
    _held(first, held, by="Kreftsykepleier Hilde Vik", relative=False)
    pathway.handed_over_at = c.at(held + timedelta(days=2), 10)
    pathway.handed_over_by_id = c.nurse.id
    response = answered(c.session, second, c.definition,
                         {"what_matters": "Komme tilbake i jobb.", "strain": 5,
                          "family_concern": "a_little"})
    response.current_page = 6


def _astrid(c: Context, pathway: Pathway) -> None:
    first, second = pathway.touchpoints[0], pathway.touchpoints[1]
    held = pathway.diagnosis_date + timedelta(days=9)
    answered(c.session, first, c.definition,
              {"what_matters": "Å klare meg selv hjemme.", "strain": 3,
               "help_at_home_concern": "quite_a_bit", "help_at_home_gets_help": "no",
               "help_at_home_talk": True, "agenda": ["help_at_home"]},
              submitted=c.at(held - timedelta(days=1), 12)).first_read_at = c.at(held, 8)
    _held(first, held, by="Lege Kristian Strand", relative=True)
    pathway.handed_over_at = c.at(held + timedelta(days=1), 9)
    pathway.handed_over_by_id = c.nurse.id
    second.declined_on = pathway.diagnosis_date + timedelta(days=100)
    second.offer_again_on = c.today - timedelta(days=2)


def _emma(c: Context, pathway: Pathway) -> None:
    """A child: the hospital's conversation is booked; her mother answers on her behalf."""
    _booked(c, pathway.touchpoints[0], c.today + timedelta(days=6), 13,
            "Barne- og ungdomsklinikken, Haukeland", "Kreftsykepleier Hilde Vik")


ARRANGE: dict[str, Callable[[Context, Pathway], None]] = {
    "kari": _kari, "ola": _ola, "per": _per, "ingrid": _ingrid, "nils": _nils,
    "astrid": _astrid, "emma": _emma,
}


def _booked(c: Context, touchpoint: Touchpoint, day: date, hour: int, place: str,
            with_whom: str) -> None:
    touchpoint.appointment_at = c.at(day, hour)
    touchpoint.appointment_place = place
    touchpoint.appointment_with = with_whom


def _held(touchpoint: Touchpoint, day: date, by: str, relative: bool) -> None:
    touchpoint.held_on = day
    touchpoint.held_by = by
    touchpoint.relative_present = relative


def answered(session: Session, touchpoint: Touchpoint, definition: definitions.Definition,
              values: dict[str, Any], submitted: datetime | None = None) -> Response:
    """A response with ``values`` as the working copy, one revision per page answered, and with
    ``submitted`` a submission of them and the step the patient was on when sending."""
    pages = {page.id for page, question in definition.questions() if question.id in values}
    now = submitted or datetime.now(UTC)
    response = Response(touchpoint=touchpoint, questionnaire_id=definition.id,
                        questionnaire_version=definition.version, current_page=1,
                        revision=len(pages), started_at=now - timedelta(minutes=14),
                        updated_at=now)
    response.answers = [Answer(question_id=k, value=v, answered_at=now) for k, v in values.items()
                        if v not in (None, [])]
    session.add(response)
    if submitted is not None:
        response.submitted_revision = response.revision
        response.current_page = len(definition.pages)
        session.add(Submission(response=response, number=1, revision=response.revision,
                               submitted_at=submitted, locale="nb",
                               answers={a.question_id: a.value for a in response.answers}))
    session.flush()
    return response
