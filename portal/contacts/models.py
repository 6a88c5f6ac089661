from __future__ import annotations

from datetime import time
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from stdnum.exceptions import ValidationError
from stdnum.no import orgnr

from portal.db import Base


class OrganisationKind(StrEnum):
    HOSPITAL_TRUST = "hospital_trust"
    MUNICIPALITY = "municipality"


class Organisation(Base):
    """A hospital trust (helseforetak) or a municipality, by its official numbers."""

    __tablename__ = "organisation"
    __table_args__ = (
        CheckConstraint("kind IN ('hospital_trust', 'municipality')", name="kind"),
        CheckConstraint(
            "kind <> 'municipality' OR municipality_number IS NOT NULL",
            name="municipality_has_number",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    #: Enhetsregisteret organisation number (9 digits).
    org_number: Mapped[str] = mapped_column(String(9), unique=True)
    #: SSB four-digit municipality number, leading zero kept ("0301").
    municipality_number: Mapped[str | None] = mapped_column(String(4), unique=True)

    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="organisation", order_by="ContactPoint.id"
    )

    @validates("org_number")
    def _valid_org_number(self, _key: str, value: str) -> str:
        """Enhetsregisteret numbers carry a check digit: a mistyped one is refused."""
        try:
            number: str = orgnr.validate(value)
        except ValidationError:
            raise ValueError(f"{value!r} is not a valid organisation number.") from None
        return number

    @validates("municipality_number")
    def _valid_municipality_number(self, _key: str, value: str | None) -> str | None:
        if value is not None and not (len(value) == 4 and value.isdigit()):
            raise ValueError(f"{value!r} is not a four-digit municipality number.")
        return value


class ContactPoint(Base):
    """Whom a patient or relative calls. Kept small here; the contacts issue extends it."""

    __tablename__ = "contact_point"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: forløpskoordinator, kreftkoordinator, kreftsykepleier, koordinerende enhet …
    role: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    #: Weekday opening hours. The contacts issue replaces these with hours per weekday,
    #: closed days and holidays.
    opens_at: Mapped[time | None] = mapped_column(Time)
    closes_at: Mapped[time | None] = mapped_column(Time)

    organisation: Mapped[Organisation] = relationship(back_populates="contact_points")
