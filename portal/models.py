"""Every model, imported in one place for Alembic and the tests."""

from portal.contacts.models import ContactPoint, Organisation
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.patient.models import ExpiredDraft
from portal.questionnaire.models import Answer, Response, Submission

__all__ = [
    "Answer", "ContactPoint", "ExpiredDraft", "Organisation", "Pathway", "Patient", "Response",
    "Submission", "Touchpoint",
]
