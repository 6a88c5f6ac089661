"""Importing this module registers every clinician route on the one blueprint."""

from portal.clinician import (  # noqa: F401
    appointments,
    enrolment,
    guardians,
    patient_page,
    record,
    worklist,
)
from portal.clinician.blueprint import bp

__all__ = ["bp"]
