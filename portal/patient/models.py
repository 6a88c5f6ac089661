from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from portal.questionnaire.models import JSONValue


class ExpiredDraft(Base):
    """What a patient, or a relative answering their own questionnaire, sent from a page after
    their session had expired.

    It is not saved as answers (the sender is no longer signed in); it is filled into the same page
    when the same person signs in again and opens it, so nothing typed is lost.
    """

    __tablename__ = "expired_draft"
    __table_args__ = (
        UniqueConstraint("patient_id", "path"),
        UniqueConstraint("relative_id", "path"),
        CheckConstraint("(patient_id IS NULL) <> (relative_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    relative_id: Mapped[int | None] = mapped_column(
        ForeignKey("relative.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    #: The posted fields as lists of values (a MultiDict), without the CSRF token.
    data: Mapped[dict[str, list[str]]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def as_formdata(self) -> Any:
        from werkzeug.datastructures import MultiDict

        return MultiDict([(key, value) for key, values in self.data.items() for value in values])
