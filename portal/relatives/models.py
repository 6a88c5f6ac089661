"""A relative and the patients who have let them in.

A relative signs in with the citizen login (ID-porten) like a patient. They see a patient's
pages only through a link: the patient invites (``RelativeInvitation``, a one-time link that
expires and can be withdrawn), the relative signs in and accepts, and the link carries the
patient's permissions, which the patient changes or withdraws at any time. A parent of a minor
patient holds a guardian link instead, whose reach follows the age rules (``minors.py``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.pathway import identity
from portal.pathway.models import Patient, Touchpoint
from portal.questionnaire.models import JSONValue


class Relative(identity.Person, Base):
    __tablename__ = "relative"
    __table_args__ = (
        CheckConstraint("notice_channel IN ('email', 'sms', 'none')", name="notice_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The ``pid`` claim from ID-porten, validated.
    national_id: Mapped[str] = mapped_column(String(11), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    #: For notices only (issue 7), given by the relative on their notices page: E.164 and a
    #: normalised e-mail address, and how they want notices ("email", "sms", "none"; None: not
    #: chosen, which means e-mail when an address is known, else SMS).
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    notice_channel: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    links: Mapped[list[RelativeLink]] = relationship(
        back_populates="relative", order_by="RelativeLink.id"
    )


class Permissions:
    """What the patient lets one relative do; the same three choices on an invitation and on the
    link it becomes. Seeing the patient's answers is off unless the patient turns it on."""

    #: See the contact points and the appointments.
    may_see_contacts: Mapped[bool] = mapped_column(default=True)
    #: Fill in the relative's own questionnaire, which the clinician sees beside the patient's.
    may_answer_own: Mapped[bool] = mapped_column(default=True)
    #: See the patient's own answers (as far as the patient's sharing choices allow).
    may_see_answers: Mapped[bool] = mapped_column(default=False)


class RelativeLink(Permissions, Base):
    """The patient's permission for one relative. Only an accepted, not withdrawn, link counts."""

    __tablename__ = "relative_link"
    __table_args__ = (UniqueConstraint("relative_id", "patient_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    relative_id: Mapped[int] = mapped_column(ForeignKey("relative.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    #: How the patient describes them ("daughter", "partner"), in the patient's words.
    relation: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    #: A parent or guardian of a minor patient, registered by the hospital: what they may do
    #: follows from the patient's age (``minors.py``), not from the permissions above.
    guardian: Mapped[bool] = mapped_column(default=False)

    relative: Mapped[Relative] = relationship(back_populates="links")
    patient: Mapped[Patient] = relationship()

    @property
    def active(self) -> bool:
        return self.accepted_at is not None and self.withdrawn_at is None


class RelativeInvitation(Permissions, Base):
    """A one-time invitation from a patient to a relative. The link sent holds a random token;
    only its SHA-256 is stored. It can be accepted once, before ``expires_at``, unless withdrawn."""

    __tablename__ = "relative_invitation"
    __table_args__ = (
        CheckConstraint("mobile IS NOT NULL OR email IS NOT NULL", name="has_address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    #: Whom the patient invites, in the patient's words.
    name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(100), default="")
    #: Where the invitation goes: E.164 mobile number and/or e-mail address, validated.
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The link made when the invitation was accepted.
    link_id: Mapped[int | None] = mapped_column(ForeignKey("relative_link.id"))

    patient: Mapped[Patient] = relationship()
    link: Mapped[RelativeLink | None] = relationship()


class RelativeResponse(Base):
    """A relative's own answers before one of the patient's conversations, in the relative's
    name, pointing at the exact version of the relative questionnaire. ``answers`` is the
    working copy; ``submitted_answers`` the copy last sent, which the clinician sees."""

    __tablename__ = "relative_response"
    __table_args__ = (UniqueConstraint("link_id", "touchpoint_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("relative_link.id"), index=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id"), index=True)
    questionnaire_id: Mapped[str] = mapped_column(String(40))
    questionnaire_version: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(JSONValue, default=dict)
    revision: Mapped[int] = mapped_column(default=0)
    submitted_revision: Mapped[int | None]
    submitted_answers: Mapped[dict[str, Any] | None] = mapped_column(JSONValue)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The language the relative answered in when they sent it (see ``Submission.locale``).
    submitted_locale: Mapped[str | None] = mapped_column(String(5))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    link: Mapped[RelativeLink] = relationship()
    touchpoint: Mapped[Touchpoint] = relationship()
