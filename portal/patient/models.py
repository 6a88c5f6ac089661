from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from portal.questionnaire.models import JSONValue


class ExpiredDraft(Base):
    """What a patient sent from a page after their session had expired.

    It is not saved as answers (the sender is no longer signed in); it is filled into the same page
    when the same patient signs in again and opens it, so nothing typed is lost.
    """

    __tablename__ = "expired_draft"
    __table_args__ = (UniqueConstraint("patient_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    #: The posted fields as lists of values (a MultiDict), without the CSRF token.
    data: Mapped[dict[str, list[str]]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def as_formdata(self) -> Any:
        from werkzeug.datastructures import MultiDict

        return MultiDict([(key, value) for key, values in self.data.items() for value in values])
