"""TODO(issue 4): the conversation record, agreed actions and the hand-over are being written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from portal.clinician.blueprint import bp  # noqa: F401
from portal.pathway.models import Touchpoint


def records_for(touchpoints: Sequence[Touchpoint]) -> dict[int, Any]:
    """What the staff patient page shows of each touchpoint's record, by touchpoint id.
    TODO(issue 4): a stub until the conversation record lands."""
    return {}
