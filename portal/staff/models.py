"""Staff members: health personnel who sign in with HelseID, and the roles the portal gives them.

HelseID says who a person is (``pid``, ``hpr_number``) and on behalf of which organisation they
sign in; it does not say what they may do in this portal. That is kept here, one row per person
and organisation, maintained by the organisation's administrators (and the demo data).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contacts.models import Organisation, OrganisationKind
from portal.db import Base, UTCDateTime, utcnow
from portal.pathway import identity


class StaffRole(StrEnum):
    """What an endpoint can ask for. The clinician roles follow from the organisation's kind."""

    HOSPITAL_CLINICIAN = "hospital_clinician"
    MUNICIPAL_CLINICIAN = "municipal_clinician"
    ADMINISTRATOR = "administrator"


CLINICIANS = (StaffRole.HOSPITAL_CLINICIAN, StaffRole.MUNICIPAL_CLINICIAN)


class StaffMember(identity.Person, Base):
    __tablename__ = "staff_member"
    __table_args__ = (UniqueConstraint("national_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The ``pid`` claim from HelseID (fødselsnummer or D-nummer), validated.
    national_id: Mapped[str] = mapped_column(String(11), index=True)
    #: Helsepersonellregisteret number, from the ``hpr_number`` claim at each sign-in.
    hpr_number: Mapped[str | None] = mapped_column(String(9))
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    #: The job title shown to patients in their access log ("kreftsykepleier").
    title: Mapped[str] = mapped_column(String(100), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    is_clinician: Mapped[bool] = mapped_column(default=True)
    is_administrator: Mapped[bool] = mapped_column(default=False)
    #: An administrator can switch an account off without losing its history.
    active: Mapped[bool] = mapped_column(default=True)
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()

    @property
    def roles(self) -> frozenset[StaffRole]:
        roles = set()
        if self.is_clinician:
            hospital = self.organisation.kind == OrganisationKind.HOSPITAL_TRUST
            roles.add(StaffRole.HOSPITAL_CLINICIAN if hospital else StaffRole.MUNICIPAL_CLINICIAN)
        if self.is_administrator:
            roles.add(StaffRole.ADMINISTRATOR)
        return frozenset(roles)
