"""Every model, imported in one place for Alembic and the tests."""

from portal.audit.models import AccessEvent
from portal.auth.models import SignInSession
from portal.clinician.models import AgreedAction
from portal.contacts.models import (
    ContactPoint,
    ContactPointChange,
    OpeningException,
    OpeningHours,
    Organisation,
    ServedMunicipality,
)
from portal.contacts.reference import Municipality
from portal.drafts.models import ExpiredDraft
from portal.notices.models import Notice
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire.models import Answer, Response, Submission
from portal.relatives.models import (
    Relative,
    RelativeInvitation,
    RelativeLink,
    RelativeResponse,
)
from portal.staff.models import StaffMember
from portal.summary.models import RenderedPdf

__all__ = [
    "AccessEvent",
    "AgreedAction",
    "Answer",
    "ContactPoint",
    "ContactPointChange",
    "ExpiredDraft",
    "Municipality",
    "Notice",
    "OpeningException",
    "OpeningHours",
    "Organisation",
    "Pathway",
    "Patient",
    "Relative",
    "RelativeInvitation",
    "RelativeLink",
    "RelativeResponse",
    "RenderedPdf",
    "Response",
    "ServedMunicipality",
    "SignInSession",
    "StaffMember",
    "Submission",
    "Touchpoint",
]
