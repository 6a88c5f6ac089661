"""What was agreed in a conversation: each action, why (the needs that prompted it), who is
responsible, and whether it was done."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.pathway.models import Touchpoint


class ActionStatus(StrEnum):
    PLANNED = "planned"
    DONE = "done"
    NOT_DONE = "not_done"


class AgreedAction(Base):
    __tablename__ = "agreed_action"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'done', 'not_done')", name="status"),
        CheckConstraint("status = 'planned' OR status_on IS NOT NULL", name="status_has_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id"), index=True)
    #: What will be done, in plain words the patient reads on their own page.
    what: Mapped[str] = mapped_column(String(500))
    #: The service or person responsible ("Fastlegen", "NAV Bergenhus", "Kreftkoordinator").
    responsible: Mapped[str] = mapped_column(String(200))
    #: How to reach them: a phone number, an e-mail address or both, as written.
    contact: Mapped[str | None] = mapped_column(String(200))
    due_on: Mapped[date | None] = mapped_column(Date)
    #: The topic page ids of the needs that prompted it. An action linked to a topic the patient
    #: kept for the conversation is not passed on to another service.
    needs: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=ActionStatus.PLANNED)
    status_on: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("staff_member.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    touchpoint: Mapped[Touchpoint] = relationship()
