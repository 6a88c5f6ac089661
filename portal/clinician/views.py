"""Importing this module registers every clinician route on the one blueprint."""

from portal.clinician import appointments, enrolment, record, worklist  # noqa: F401
from portal.clinician.blueprint import bp

__all__ = ["bp"]
