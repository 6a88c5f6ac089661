"""A relative and the patients who have let them in.

A relative signs in with the citizen login (ID-porten) like a patient. They see a patient's
pages only through a link the patient made and the relative accepted, which the patient can
withdraw. Invitations that create links come with the contacts and relatives issue; this module
holds what access control needs now.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.pathway import identity
from portal.pathway.models import Patient


class Relative(identity.Person, Base):
    __tablename__ = "relative"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The ``pid`` claim from ID-porten, validated.
    national_id: Mapped[str] = mapped_column(String(11), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    links: Mapped[list[RelativeLink]] = relationship(
        back_populates="relative", order_by="RelativeLink.id"
    )



class RelativeLink(Base):
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

    relative: Mapped[Relative] = relationship(back_populates="links")
    patient: Mapped[Patient] = relationship()

    @property
    def active(self) -> bool:
        return self.accepted_at is not None and self.withdrawn_at is None
