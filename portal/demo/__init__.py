"""Demo data: the Bergen area and a few patients at different points of their pathway.

Every person here is invented and every identity number is synthetic. Dates are relative to the
day the demo is loaded, so the pathway always looks current. Together the personas let a newcomer
click through the clinician pages: the hospital nurse's worklist has an urgent questionnaire, a
submitted one nobody has opened, and an overdue touchpoint; the municipal coordinator's has a
handed-over patient with agreed actions, and a declined touchpoint to offer again.

``generator.py`` adds many more patients (``portal demo --patients N``) for benchmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from portal.clinician.models import AgreedAction
from portal.contacts.models import Organisation, OrganisationKind
from portal.demo import contacts as demo_contacts
from portal.demo.scenarios import ARRANGE, OSLO, Context
from portal.drafts.models import ExpiredDraft
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.pathway.rules import WINDOW_RULES, Place
from portal.questionnaire import definition as definitions
from portal.questionnaire.models import Answer, Response, Submission
from portal.relatives.models import Relative, RelativeInvitation, RelativeLink, RelativeResponse
from portal.relatives.operations import hash_token
from portal.staff.models import StaffMember
from portal.summary.models import RenderedPdf

HOSPITAL_ORG_NUMBER = "983974724"
BERGEN_ORG_NUMBER = "964338531"
ASKOY_ORG_NUMBER = "964338442"
BERGEN = "4601"
ASKOY = "4627"


@dataclass(frozen=True)
class Persona:
    national_id: str
    given_name: str
    family_name: str
    #: What the persona shows, in English for developers (the sign-in page translates its own).
    description: str
    diagnosed_days_ago: int
    municipality_number: str = BERGEN
    #: The name of the function below that arranges the persona's pathway.
    arrange: str = ""


PERSONAS = (
    Persona("12035812324", "Kari", "Nordmann",
            "Diagnosed three and a half months ago; the hospital held the first conversation, "
            "agreed three actions and handed over to Bergen; the municipality's conversation "
            "is in 10 days.",
            diagnosed_days_ago=105, arrange="kari"),
    Persona("03047145790", "Ola", "Hansen",
            "Newly diagnosed; has sent the questionnaire for the first conversation at the "
            "hospital in two days, and nobody has opened it yet.",
            diagnosed_days_ago=5, municipality_number=BERGEN, arrange="ola"),
    Persona("44068511280", "Per", "Berg",
            "Has a D-number; started the questionnaire for the municipality and stopped midway.",
            diagnosed_days_ago=98, arrange="per"),
    Persona("07055212303", "Ingrid", "Solberg",
            "Newly diagnosed; her answers are urgent (thoughts of self-harm); the hospital "
            "conversation is tomorrow.",
            diagnosed_days_ago=8, arrange="ingrid"),
    Persona("23096712391", "Nils", "Dahl",
            "Diagnosed six weeks ago; the first conversation is overdue and has no appointment.",
            diagnosed_days_ago=42, municipality_number=ASKOY, arrange="nils"),
    Persona("18124312384", "Astrid", "Moe",
            "Declined the municipality's conversation; the date to offer it again has come.",
            diagnosed_days_ago=150, arrange="astrid"),
    Persona("14031650055", "Emma", "Nilsen",
            "A child born in 2016, newly diagnosed; her mother Sigrid is registered by the "
            "hospital and acts on her behalf (under PORTAL_GUARDIAN_FULL_ACCESS_BELOW_AGE).",
            diagnosed_days_ago=12, arrange="emma"),
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
    #: A parent registered by the hospital: the age rules decide, not the patient's choices.
    guardian: bool = False


RELATIVES = (
    RelativePersona("28048310046", "Liv", "Nordmann",
                    "Kari Nordmann's daughter; Kari has let her in.",
                    patient_national_id="12035812324", relation="datter"),
    RelativePersona("22078510033", "Sigrid", "Nilsen",
                    "Emma Nilsen's mother, registered by the hospital: acts on Emma's behalf.",
                    patient_national_id="14031650055", relation="mor", guardian=True),
)

#: Kari's invitation to her brother, not answered yet: open ``/invitations/<this>`` and sign in
#: with any identity number that is not a patient's. A known token, for the demo only.
DEMO_INVITATION_TOKEN = "demo-invitation-from-kari"  # noqa: S105 (demo data, not a secret)


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


STAFF = (
    StaffPersona("15077910015", "Hilde", "Vik", "Cancer nurse at the hospital (Helse Bergen HF).",
                 hpr_number="9144889", title="kreftsykepleier", org_number=HOSPITAL_ORG_NUMBER),
    StaffPersona("02029010075", "Anne", "Lie",
                 "Municipal cancer coordinator (Bergen kommune).",
                 hpr_number="7654321", title="kreftkoordinator", org_number=BERGEN_ORG_NUMBER),
    StaffPersona("11096510057", "Trond", "Aas",
                 "Administrator at the hospital; follows up the access log and keeps the "
                 "hospital's contact points and the municipalities it serves up to date.",
                 hpr_number=None, title="systemansvarlig", org_number=HOSPITAL_ORG_NUMBER,
                 clinician=False, administrator=True),
    StaffPersona("16087410130", "Mona", "Berge",
                 "Administrator at Bergen kommune; keeps its contact points up to date.",
                 hpr_number=None, title="systemansvarlig", org_number=BERGEN_ORG_NUMBER,
                 clinician=False, administrator=True),
)


def _organisations(session: Session) -> dict[str, Organisation]:
    def get_or_add(org_number: str, **fields: str) -> Organisation:
        found = session.scalar(select(Organisation).where(Organisation.org_number == org_number))
        if found is None:
            found = Organisation(org_number=org_number, **fields)
            session.add(found)
        return found

    hospital = get_or_add(HOSPITAL_ORG_NUMBER, kind=OrganisationKind.HOSPITAL_TRUST,
                          name="Helse Bergen HF")
    bergen = get_or_add(BERGEN_ORG_NUMBER, kind=OrganisationKind.MUNICIPALITY,
                        name="Bergen kommune", municipality_number=BERGEN)
    askoy = get_or_add(ASKOY_ORG_NUMBER, kind=OrganisationKind.MUNICIPALITY,
                       name="Askøy kommune", municipality_number=ASKOY)
    session.flush()
    demo_contacts.load(session, hospital, [bergen, askoy], datetime.now(OSLO).date())
    return {"hospital": hospital, BERGEN: bergen, ASKOY: askoy}



def load(session: Session, today: date | None = None, reset: bool = False) -> list[Patient]:
    """Load the demo organisations, staff and personas; with ``reset``, recreate the personas."""
    now = datetime.now(UTC)
    today = today or now.astimezone(OSLO).date()
    organisations = _organisations(session)
    staff = _staff(session, organisations)
    context = Context(session=session, today=today, now=now,
                       hospital=organisations["hospital"], nurse=staff["15077910015"],
                       coordinator=staff["02029010075"],
                       definition=definitions.latest("needs"))
    patients = []
    for persona in PERSONAS:
        existing = session.scalar(
            select(Patient).where(Patient.national_id == persona.national_id)
        )
        if existing is not None and not reset:
            patients.append(existing)
            continue
        if existing is not None:
            _remove(session, existing)
        municipality = organisations[persona.municipality_number]
        patient = Patient(national_id=persona.national_id, given_name=persona.given_name,
                          family_name=persona.family_name, preferred_locale="nb",
                          mobile="+4791234567", email=None, children_under_18=None)
        pathway = Pathway(patient=patient,
                          diagnosis_date=today - timedelta(days=persona.diagnosed_days_ago),
                          hospital=context.hospital, municipality=municipality)
        for window_rule in WINDOW_RULES:
            organisation = (context.hospital if window_rule.place is Place.HOSPITAL
                            else municipality)
            pathway.touchpoints.append(
                Touchpoint(number=window_rule.number, organisation=organisation)
            )
        session.add(patient)
        session.flush()
        ARRANGE[persona.arrange](context, pathway)
        patients.append(patient)
    session.flush()
    _relatives(session)
    _relative_answers(session, now)
    return patients


# --- people and answers ------------------------------------------------------------------------

def _relatives(session: Session) -> None:
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
            # Liv: whom to contact and her own questions; Kari's answers stay hers. A guardian
            # link reaches what the child's age allows (portal/relatives/minors.py).
            session.add(RelativeLink(relative=relative, patient=patient,
                                     relation=persona.relation, accepted_at=now,
                                     guardian=persona.guardian,
                                     may_see_contacts=not persona.guardian,
                                     may_answer_own=not persona.guardian,
                                     may_see_answers=False))
    kari = session.scalar(select(Patient).where(Patient.national_id == "12035812324"))
    token_hash = hash_token(DEMO_INVITATION_TOKEN)
    if kari is not None and session.scalar(select(RelativeInvitation.id).where(
            RelativeInvitation.token_hash == token_hash)) is None:
        now = datetime.now(UTC)
        session.add(RelativeInvitation(
            patient=kari, name="Per Nordmann", relation="bror", mobile="+4791234568",
            token_hash=token_hash, created_at=now, expires_at=now + timedelta(days=14)))
    session.flush()


#: Liv's own answers before Kari's municipal conversation (issue 5), sent two days ago.
LIV_ANSWERS = {
    "how_you_are": "Jeg prøver å være der for mamma, men det er tungt innimellom. Jeg sover "
                   "dårlig.",
    "strain": 6, "information_needs": ["what_next", "rights"],
    "practical_gives_help": "yes", "practical_needs_help": "not_sure",
    "practical_what": "Jeg kjører mamma til behandling, og det er vanskelig å få det til å gå "
                      "opp med jobben.",
    "work_finances": "a_little", "work_finances_note": "Jeg har brukt mange fridager.",
    "own_health": "partly", "children_under_18": "yes", "children_ages": "9 og 13 år",
    "children_know": "yes", "children_worried": "no", "children_advice": "yes",
    "own_conversation": "yes",
}


def _relative_answers(session: Session, now: datetime) -> None:
    """Liv has sent her own questionnaire for Kari's next conversation (not twice)."""
    from portal.relatives.answers import next_touchpoint

    link = session.scalar(select(RelativeLink).join(Relative).join(Patient).where(
        Relative.national_id == "28048310046", Patient.national_id == "12035812324"))
    touchpoint = next_touchpoint(session, link.patient) if link is not None else None
    if link is None or touchpoint is None or session.scalar(select(RelativeResponse.id).where(
            RelativeResponse.link_id == link.id,
            RelativeResponse.touchpoint_id == touchpoint.id)) is not None:
        return
    definition = definitions.latest("relative")
    sent = now - timedelta(days=2)
    session.add(RelativeResponse(
        link=link, touchpoint=touchpoint, questionnaire_id=definition.id,
        questionnaire_version=definition.version, answers=dict(LIV_ANSWERS), revision=8,
        submitted_revision=8, submitted_answers=dict(LIV_ANSWERS), submitted_at=sent,
        submitted_locale="nb", updated_at=sent))
    session.flush()


def _staff(session: Session, organisations: dict[str, Organisation]) -> dict[str, StaffMember]:
    by_number = {organisation.org_number: organisation
                 for organisation in organisations.values()}
    members = {}
    for persona in STAFF:
        organisation = by_number[persona.org_number]
        found = session.scalar(select(StaffMember).where(
            StaffMember.national_id == persona.national_id,
            StaffMember.organisation_id == organisation.id))
        if found is None:
            found = StaffMember(
                national_id=persona.national_id, given_name=persona.given_name,
                family_name=persona.family_name, hpr_number=persona.hpr_number,
                title=persona.title, organisation=organisation,
                is_clinician=persona.clinician, is_administrator=persona.administrator)
            session.add(found)
        members[persona.national_id] = found
    session.flush()
    return members


def _remove(session: Session, patient: Patient) -> None:
    """Everything of a persona except the access log (which outlives the rows it names)."""
    session.execute(delete(RelativeInvitation).where(RelativeInvitation.patient_id == patient.id))
    session.execute(delete(RelativeResponse).where(RelativeResponse.link_id.in_(
        select(RelativeLink.id).where(RelativeLink.patient_id == patient.id))))
    session.execute(delete(RelativeLink).where(RelativeLink.patient_id == patient.id))
    session.execute(delete(ExpiredDraft).where(ExpiredDraft.patient_id == patient.id))
    for pathway in patient.pathways:
        touchpoint_ids = [t.id for t in pathway.touchpoints]
        session.execute(delete(AgreedAction).where(AgreedAction.touchpoint_id.in_(touchpoint_ids)))
        session.execute(delete(RenderedPdf).where(RenderedPdf.touchpoint_id.in_(touchpoint_ids)))
        response_ids = list(session.scalars(
            select(Response.id).where(Response.touchpoint_id.in_(touchpoint_ids))))
        session.execute(delete(Submission).where(Submission.response_id.in_(response_ids)))
        session.execute(delete(Answer).where(Answer.response_id.in_(response_ids)))
        session.execute(delete(Response).where(Response.id.in_(response_ids)))
        session.execute(update(Pathway).where(Pathway.id == pathway.id)
                        .values(handed_over_by_id=None))
        session.execute(delete(Touchpoint).where(Touchpoint.pathway_id == pathway.id))
        session.execute(delete(Pathway).where(Pathway.id == pathway.id))
    session.execute(delete(Patient).where(Patient.id == patient.id))
    session.flush()
    # The rows are gone; forget the objects that stood for them.
    for pathway in patient.pathways:
        for touchpoint in pathway.touchpoints:
            session.expunge(touchpoint)
        session.expunge(pathway)
    session.expunge(patient)
