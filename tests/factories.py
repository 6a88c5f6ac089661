"""Small factories for arranging data in tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from itertools import count
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session
from stdnum.no import fodselsnummer, orgnr

from portal import demo
from portal.contacts.models import ContactPoint, Organisation, OrganisationKind
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.relatives.models import Relative, RelativeLink
from portal.staff.models import StaffMember

_serial = count(100)


#: The demo personas' numbers (portal/demo): a test that loads the demo shares the database.
_DEMO = frozenset(p.national_id for p in (*demo.PERSONAS, *demo.RELATIVES, *demo.STAFF))


def national_id(birth: str = "120358") -> str:
    """A valid synthetic fødselsnummer born on ``birth`` (ddmmyy), unique per call, never a
    demo persona's."""
    while True:
        base = birth + f"{next(_serial) % 500:03d}"
        first = fodselsnummer.calc_check_digit1(base)
        second = fodselsnummer.calc_check_digit2(base + first)
        number = base + first + second
        if fodselsnummer.is_valid(number) and number not in _DEMO:
            return number


def org_number() -> str:
    """A valid organisation number (Enhetsregisteret check digit), unique per call."""
    while True:
        base = f"9{next(_serial):07d}"
        valid = [base + str(d) for d in range(10) if orgnr.is_valid(base + str(d))]
        if valid:  # some bases have no valid check digit: take the next
            return valid[0]


def organisations(session: Session) -> tuple[Organisation, Organisation]:
    hospital = Organisation(kind=OrganisationKind.HOSPITAL_TRUST, name="Test HF",
                            org_number=org_number())
    municipality = Organisation(kind=OrganisationKind.MUNICIPALITY, name="Testkommune",
                                org_number=org_number(),
                                municipality_number=f"{next(_serial) % 10000:04d}")
    session.add_all([hospital, municipality])
    session.add(ContactPoint(organisation=municipality, role="kreftkoordinator",
                             name="Kreftkoordinator Test", phone="+4712345678"))
    session.flush()
    return hospital, municipality


def patient(session: Session, diagnosed_days_ago: int, today: date | None = None,
            held: tuple[int, ...] = ()) -> Patient:
    """A patient with a pathway and three touchpoints; ``held`` lists touchpoints held."""
    today = today or datetime.now(ZoneInfo("Europe/Oslo")).date()
    hospital, municipality = organisations(session)
    person = Patient(national_id=national_id(), given_name="Test", family_name="Pasient")
    pathway = Pathway(patient=person, diagnosis_date=today - timedelta(days=diagnosed_days_ago),
                      hospital=hospital, municipality=municipality)
    for number in (1, 2, 3):
        pathway.touchpoints.append(Touchpoint(
            number=number, organisation=hospital if number == 1 else municipality,
            held_on=today - timedelta(days=1) if number in held else None))
    session.add(person)
    session.commit()
    return person


def staff_member(session: Session, organisation: Organisation, clinician: bool = True,
                 administrator: bool = False, given_name: str = "Test") -> StaffMember:
    member = StaffMember(national_id=national_id("150779"), given_name=given_name,
                         family_name="Helsepersonell", hpr_number="1234567",
                         title="sykepleier", organisation=organisation, is_clinician=clinician,
                         is_administrator=administrator)
    session.add(member)
    session.commit()
    return member


def relative(session: Session, of: Patient, accepted: bool = True,
             withdrawn: bool = False, *, contacts: bool = True, own: bool = True,
             answers: bool = False) -> Relative:
    """A relative linked to ``of``, with the permissions given (the model's defaults)."""
    person = Relative(national_id=national_id("280483"), given_name="Test",
                      family_name="Pårørende")
    now = datetime.now(ZoneInfo("Europe/Oslo"))
    session.add(RelativeLink(relative=person, patient=of, relation="datter",
                             accepted_at=now if accepted else None,
                             withdrawn_at=now if withdrawn else None,
                             may_see_contacts=contacts, may_answer_own=own,
                             may_see_answers=answers))
    session.commit()
    return person


# --- the worklist, enrolment and appointments (issue 4) -----------------------------------
# (Imported here to keep this an append-only addition to the file.)

from portal.questionnaire.models import Response, Submission  # noqa: E402


def municipality(session: Session, name: str) -> Organisation:
    found = Organisation(kind=OrganisationKind.MUNICIPALITY, name=name, org_number=org_number(),
                         municipality_number=f"{next(_serial) % 10000:04d}")
    session.add(found)
    session.commit()
    return found


def pathway_patient(session: Session, hospital: Organisation, municipality: Organisation,
                    diagnosis_date: date, given_name: str = "Test",
                    family_name: str = "Pasient", birth: str = "120358") -> Patient:
    """A patient of the given hospital and municipality, diagnosed on ``diagnosis_date``."""
    person = Patient(national_id=national_id(birth), given_name=given_name,
                     family_name=family_name)
    pathway = Pathway(patient=person, diagnosis_date=diagnosis_date, hospital=hospital,
                      municipality=municipality)
    for number in (1, 2, 3):
        pathway.touchpoints.append(Touchpoint(
            number=number, organisation=hospital if number == 1 else municipality))
    session.add(person)
    session.commit()
    return person


def response(session: Session, touchpoint: Touchpoint, *, submitted: bool = True,
             urgent: bool = False, read: bool = False, revision: int = 3,
             submitted_at: datetime | None = None) -> Response:
    """A response to the current questionnaire: started (``revision`` changes), sent or not,
    urgent or not, opened by a clinician or not. Answers are left out: the worklist reads none."""
    from portal.questionnaire import definition as definitions

    now = datetime.now(ZoneInfo("UTC"))
    latest = definitions.latest("needs")
    found = Response(touchpoint_id=touchpoint.id, questionnaire_id=latest.id,
                     questionnaire_version=latest.version, revision=revision,
                     submitted_revision=revision if submitted else None,
                     urgent_at=now if urgent else None, first_read_at=now if read else None)
    if submitted:
        found.submissions.append(Submission(number=1, revision=revision, answers={},
                                            submitted_at=submitted_at or now))
    session.add(found)
    session.commit()
    return found
