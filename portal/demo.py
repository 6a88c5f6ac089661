"""Demo data: the Bergen area and a few patients at different points of their pathway.

Every person here is invented and every identity number is synthetic. Dates are relative to the
day the demo is loaded, so the pathway always looks current.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from portal.contacts.models import ContactPoint, Organisation, OrganisationKind
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.pathway.rules import WINDOW_RULES, Place
from portal.questionnaire import definition as definitions
from portal.questionnaire.models import Answer, Response, Submission
from portal.relatives.models import Relative, RelativeLink
from portal.staff.models import StaffMember


@dataclass(frozen=True)
class Persona:
    national_id: str
    given_name: str
    family_name: str
    #: What the persona shows, in English for developers (the sign-in page translates its own).
    description: str
    diagnosed_days_ago: int
    touchpoint1_held: bool = False
    touchpoint2_appointment_in_days: int | None = None
    touchpoint2_stopped_at_page: int | None = None


PERSONAS = (
    Persona("12035812324", "Kari", "Nordmann",
            "Diagnosed three and a half months ago; conversation with the municipality coming up.",
            diagnosed_days_ago=105, touchpoint1_held=True, touchpoint2_appointment_in_days=10),
    Persona("03047145790", "Ola", "Hansen", "Newly diagnosed; first conversation at the hospital.",
            diagnosed_days_ago=5),
    Persona("44068511280", "Per", "Berg",
            "Has a D-number; started the questionnaire for the municipality and stopped midway.",
            diagnosed_days_ago=98, touchpoint1_held=True, touchpoint2_stopped_at_page=6),
)



@dataclass(frozen=True)
class RelativePersona:
    national_id: str
    given_name: str
    family_name: str
    description: str
    #: The patient who invited them, and how the patient describes them.
    patient_national_id: str
    relation: str


RELATIVES = (
    RelativePersona("28048310046", "Liv", "Nordmann",
                    "Kari Nordmann's daughter; Kari has let her in.",
                    patient_national_id="12035812324", relation="datter"),
)


@dataclass(frozen=True)
class StaffPersona:
    national_id: str
    given_name: str
    family_name: str
    description: str
    hpr_number: str | None
    title: str
    org_number: str
    clinician: bool = True
    administrator: bool = False


HOSPITAL_ORG_NUMBER = "983974724"
BERGEN_ORG_NUMBER = "964338531"

STAFF = (
    StaffPersona("15077910015", "Hilde", "Vik", "Cancer nurse at the hospital (Helse Bergen HF).",
                 hpr_number="9144889", title="kreftsykepleier", org_number=HOSPITAL_ORG_NUMBER),
    StaffPersona("02029010075", "Anne", "Lie",
                 "Municipal cancer coordinator (Bergen kommune).",
                 hpr_number="7654321", title="kreftkoordinator", org_number=BERGEN_ORG_NUMBER),
    StaffPersona("11096510057", "Trond", "Aas",
                 "Administrator at the hospital; follows up the access log.",
                 hpr_number=None, title="systemansvarlig", org_number=HOSPITAL_ORG_NUMBER,
                 clinician=False, administrator=True),
)

OSLO = ZoneInfo("Europe/Oslo")


def _organisations(session: Session) -> tuple[Organisation, Organisation, Organisation]:
    def get_or_add(org_number: str, **fields: str) -> Organisation:
        found = session.scalar(select(Organisation).where(Organisation.org_number == org_number))
        if found is None:
            found = Organisation(org_number=org_number, **fields)
            session.add(found)
        return found

    hospital = get_or_add("983974724", kind=OrganisationKind.HOSPITAL_TRUST,
                          name="Helse Bergen HF")
    bergen = get_or_add("964338531", kind=OrganisationKind.MUNICIPALITY, name="Bergen kommune",
                        municipality_number="4601")
    askoy = get_or_add("964338442", kind=OrganisationKind.MUNICIPALITY, name="Askøy kommune",
                       municipality_number="4627")
    session.flush()
    if not hospital.contact_points:
        session.add(ContactPoint(organisation=hospital, role="forlopskoordinator",
                                 name="Forløpskoordinator, kreft (demo)", phone="+4755970000",
                                 email="kreftkoordinator@example.org", opens_at=time(8),
                                 closes_at=time(15)))
    for municipality in (bergen, askoy):
        if not municipality.contact_points:
            session.add(ContactPoint(organisation=municipality, role="kreftkoordinator",
                                     name=f"Kreftkoordinator i {municipality.name} (demo)",
                                     phone="+4755560000", email="kreft@example.org",
                                     opens_at=time(8), closes_at=time(15, 30)))
    return hospital, bergen, askoy


def load(session: Session, today: date | None = None, reset: bool = False) -> list[Patient]:
    """Load the demo organisations and personas; with ``reset``, recreate the personas."""
    today = today or datetime.now(OSLO).date()
    hospital, bergen, askoy = _organisations(session)
    definition = definitions.latest("needs")
    patients = []
    for index, persona in enumerate(PERSONAS):
        existing = session.scalar(
            select(Patient).where(Patient.national_id == persona.national_id)
        )
        if existing is not None and not reset:
            patients.append(existing)
            continue
        if existing is not None:
            _remove(session, existing)
        municipality = bergen if index % 2 == 0 else askoy
        patient = Patient(national_id=persona.national_id, given_name=persona.given_name,
                          family_name=persona.family_name)
        pathway = Pathway(patient=patient,
                          diagnosis_date=today - timedelta(days=persona.diagnosed_days_ago),
                          hospital=hospital, municipality=municipality)
        for window_rule in WINDOW_RULES:
            organisation = hospital if window_rule.place is Place.HOSPITAL else municipality
            pathway.touchpoints.append(
                Touchpoint(number=window_rule.number, organisation=organisation)
            )
        session.add(patient)
        session.flush()
        first, second = pathway.touchpoints[0], pathway.touchpoints[1]
        if persona.touchpoint1_held:
            first.held_on = pathway.diagnosis_date + timedelta(days=12)
            _answered(session, first, definition.id, definition.version,
                      {"strain": 7, "what_matters": "Å være der for barna mine.",
                       "family_concern": "quite_a_bit", "family_talk": True,
                       "mental_health_concern": "a_little",
                       "agenda": ["family"]},
                      submitted=datetime.combine(first.held_on - timedelta(days=2), time(9),
                                                 tzinfo=UTC))
        if persona.touchpoint2_appointment_in_days is not None:
            day = today + timedelta(days=persona.touchpoint2_appointment_in_days)
            second.appointment_at = datetime.combine(day, time(10), tzinfo=OSLO).astimezone(UTC)
            second.appointment_place = "Bergen kommune, Kreftkoordinator, Rådhusgaten 10"
            second.appointment_with = "Kreftsykepleier Anne Lie"
        if persona.touchpoint2_stopped_at_page is not None:
            response = _answered(session, second, definition.id, definition.version,
                                 {"what_matters": "Komme tilbake i jobb.", "strain": 5,
                                  "family_concern": "a_little"})
            response.current_page = persona.touchpoint2_stopped_at_page
        patients.append(patient)
    session.flush()
    _relatives(session, reset)
    _staff(session, (hospital, bergen, askoy))
    return patients


def _relatives(session: Session, reset: bool) -> None:
    for persona in RELATIVES:
        relative = session.scalar(select(Relative).where(Relative.national_id ==
                                                         persona.national_id))
        if relative is None:
            relative = Relative(national_id=persona.national_id, given_name=persona.given_name,
                                family_name=persona.family_name)
            session.add(relative)
        patient = session.scalar(select(Patient).where(Patient.national_id ==
                                                       persona.patient_national_id))
        if patient is None:
            continue
        link = session.scalar(select(RelativeLink).where(RelativeLink.relative == relative,
                                                         RelativeLink.patient_id == patient.id))
        if link is None:
            now = datetime.now(UTC)
            session.add(RelativeLink(relative=relative, patient=patient,
                                     relation=persona.relation, accepted_at=now))
    session.flush()


def _staff(session: Session, organisations: tuple[Organisation, ...]) -> None:
    by_number = {organisation.org_number: organisation for organisation in organisations}
    for persona in STAFF:
        organisation = by_number[persona.org_number]
        found = session.scalar(select(StaffMember).where(
            StaffMember.national_id == persona.national_id,
            StaffMember.organisation_id == organisation.id))
        if found is None:
            session.add(StaffMember(
                national_id=persona.national_id, given_name=persona.given_name,
                family_name=persona.family_name, hpr_number=persona.hpr_number,
                title=persona.title, organisation=organisation,
                is_clinician=persona.clinician, is_administrator=persona.administrator))
    session.flush()


def _answered(session: Session, touchpoint: Touchpoint, qid: str, version: int,
              values: dict[str, object], submitted: datetime | None = None) -> Response:
    now = submitted or datetime.now(UTC)
    response = Response(touchpoint=touchpoint, questionnaire_id=qid, questionnaire_version=version,
                        current_page=1, revision=1, started_at=now, updated_at=now)
    response.answers = [Answer(question_id=k, value=v, answered_at=now) for k, v in values.items()]
    session.add(response)
    if submitted is not None:
        response.submitted_revision = 1
        session.add(Submission(response=response, number=1, revision=1, submitted_at=submitted,
                               answers=dict(values)))
    session.flush()
    return response


def _remove(session: Session, patient: Patient) -> None:
    session.execute(delete(RelativeLink).where(RelativeLink.patient_id == patient.id))
    for pathway in patient.pathways:
        for touchpoint in pathway.touchpoints:
            response = session.scalar(
                select(Response).where(Response.touchpoint_id == touchpoint.id)
            )
            if response is not None:
                session.execute(delete(Submission).where(Submission.response_id == response.id))
                session.delete(response)
            session.delete(touchpoint)
        session.delete(pathway)
    session.delete(patient)
    session.flush()
