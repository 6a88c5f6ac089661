"""The outbox: one row per notice to send, written in the same transaction as the change that
causes it, and sent later by ``portal notices send`` (``delivery.py``).

A row holds only what sending needs: the kind of notice, the channel, the address as it was when
the notice was made, the language and the link. Never the content of a questionnaire, a name or
an appointment time: the text is made from the kind alone (``wording.py``).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class NoticeKind(StrEnum):
    QUESTIONNAIRE_OPEN = "questionnaire_open"
    REMINDER = "reminder"
    APPOINTMENT = "appointment"
    INVITATION = "invitation"
    URGENT_TO_TEAM = "urgent_to_team"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class Choice(StrEnum):
    """What a patient or relative chose (``notice_channel``); NULL: not chosen yet."""

    EMAIL = "email"
    SMS = "sms"
    NONE = "none"


class NoticeStatus(StrEnum):
    PENDING = "pending"
    #: Claimed by a sender, which is sending it now (or crashed while doing so).
    SENDING = "sending"
    SENT = "sent"
    #: Given up: refused for good, or still failing after the last attempt.
    FAILED = "failed"
    #: An e-mail whose sender stopped between starting to send and recording the result. It
    #: may or may not have arrived; SMTP cannot tell, so it is never resent automatically.
    UNCERTAIN = "uncertain"
    #: Not sent on purpose (no sender configured for its channel); ``last_error`` says why.
    CANCELLED = "cancelled"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v.value}'" for v in values) + ")"


#: The statuses in which a notice will not change again.
FINISHED = (NoticeStatus.SENT, NoticeStatus.FAILED, NoticeStatus.UNCERTAIN,
            NoticeStatus.CANCELLED)


class Notice(Base):
    __tablename__ = "notice"
    __table_args__ = (
        CheckConstraint(_in("kind", NoticeKind), name="kind"),
        CheckConstraint(_in("channel", Channel), name="channel"),
        CheckConstraint(_in("status", NoticeStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        CheckConstraint("status <> 'sent' OR sent_at IS NOT NULL", name="sent_has_time"),
        CheckConstraint("status <> 'sending' OR (claimed_by IS NOT NULL AND "
                        "claimed_at IS NOT NULL)", name="sending_is_claimed"),
        # The sender's query: pending notices that are due, the oldest first.
        Index("ix_notice_status_next_attempt", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(5))
    #: The e-mail address or E.164 mobile number when the notice was made.
    recipient: Mapped[str] = mapped_column(String(254))
    #: The language to write it in: the recipient's choice in the portal, else the default.
    locale: Mapped[str] = mapped_column(String(5))
    #: The path (or full address) the message links to. An invitation's link holds its one-time
    #: token, whose hash alone is kept elsewhere: it is blanked once the notice is finished.
    link: Mapped[str | None] = mapped_column(String(500))
    patient_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), index=True)
    relative_id: Mapped[int | None] = mapped_column(ForeignKey("relative.id"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("relative_invitation.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    touchpoint_id: Mapped[int | None] = mapped_column(ForeignKey("touchpoint.id"))
    #: What makes this notice the one it is (``open:tp12:patient5``): planning twice, or two
    #: senders planning at once, never makes a second row.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=NoticeStatus.PENDING)
    #: Attempts started (counted when claimed, so a crash counts too).
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: host:pid:uuid of the sender run that claimed it, and when.
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why the last attempt failed, briefly: never an address or the message.
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
