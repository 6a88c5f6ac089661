"""Sign-ins kept on the server, so that signing out ends a session for good (a copied cookie
is worth nothing afterwards) and the provider's session can be ended too."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class SignInSession(Base):
    __tablename__ = "sign_in_session"
    __table_args__ = (
        CheckConstraint("kind IN ('patient', 'relative', 'staff')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random identifier in the cookie; the identifier itself is not stored.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int]
    #: "citizen" or "staff": which provider vouched for the person.
    profile: Mapped[str] = mapped_column(String(10))
    #: Kept for RP-initiated logout (``id_token_hint``) and cleared at sign-out.
    id_token: Mapped[str | None] = mapped_column(Text)
    signed_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
