"""The one table of drafts: what someone typed and has not saved (see ``portal/drafts/``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow
from portal.questionnaire.models import JSONValue


class ExpiredDraft(Base):
    """What a patient, relative or staff member typed on a page and did not save: sent after
    their session had expired, or with a language switch (``i18n.keep_and_switch``).

    It is not saved as answers; it is filled into the same page when the same person opens it
    (after signing in again), so nothing typed is lost.
    """

    __tablename__ = "expired_draft"
    __table_args__ = (
        UniqueConstraint("patient_id", "path"),
        UniqueConstraint("relative_id", "path"),
        UniqueConstraint("staff_id", "path"),
        CheckConstraint("(CASE WHEN patient_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN relative_id IS NULL THEN 0 ELSE 1 END"
                        " + CASE WHEN staff_id IS NULL THEN 0 ELSE 1 END) = 1",
                        name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id", ondelete="CASCADE"))
    relative_id: Mapped[int | None] = mapped_column(
        ForeignKey("relative.id", ondelete="CASCADE"))
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_member.id", ondelete="CASCADE"))
    path: Mapped[str] = mapped_column(String(200))
    #: The posted fields as lists of values (a MultiDict), without the CSRF token.
    data: Mapped[dict[str, list[str]]] = mapped_column(JSONValue)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def as_formdata(self) -> Any:
        from werkzeug.datastructures import MultiDict

        return MultiDict([(key, value) for key, values in self.data.items() for value in values])
