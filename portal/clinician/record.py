"""TODO(issue 4): being written."""

from portal.clinician.blueprint import bp  # noqa: F401
