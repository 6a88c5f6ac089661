"""Changes made by reading a summary. Operations flush; the request commits."""

from __future__ import annotations

from datetime import datetime

from portal.questionnaire.models import Response


def mark_first_read(response: Response | None, now: datetime) -> None:
    """The responsible organisation opened the submitted answers: the worklist stops listing
    them as unread. Only the first time counts."""
    if response is not None and response.is_submitted and response.first_read_at is None:
        response.first_read_at = now
