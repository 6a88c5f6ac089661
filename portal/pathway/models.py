from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.contacts.models import Organisation
from portal.db import Base, UTCDateTime, utcnow
from portal.pathway import identity


class Patient(identity.Person, Base):
    __tablename__ = "patient"
    __table_args__ = (
        CheckConstraint("notice_channel IN ('email', 'sms', 'none')", name="notice_channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Fødselsnummer or D-nummer, validated (11 digits). Never shown in full outside the
    #: patient's own pages and the clinician summary: use ``identity.masked``.
    national_id: Mapped[str] = mapped_column(String(11), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    #: The language the patient chose in the portal (nb, nn, en); None until they choose.
    preferred_locale: Mapped[str | None] = mapped_column(String(5))
    #: For notices only (issue 7), given at enrolment: E.164 ("+4791234567"), validated with
    #: phonenumbers; the e-mail address validated with email-validator.
    mobile: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    #: How the patient wants notices (issue 7): "email", "sms" or "none"; None until they
    #: choose, which means e-mail when an address is known, else SMS (``notices.outbox``).
    notice_channel: Mapped[str | None] = mapped_column(String(5))
    #: Children under 18 in the household: they are relatives in their own right
    #: (helsepersonelloven § 10 a). None when not asked.
    children_under_18: Mapped[bool | None]
    #: The patient's GP (fastlege), when the patient or the hospital has told us.
    gp_name: Mapped[str | None] = mapped_column(String(200))
    gp_phone: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pathways: Mapped[list[Pathway]] = relationship(
        back_populates="patient", order_by="Pathway.diagnosis_date"
    )

    @property
    def current_pathway(self) -> Pathway | None:
        return self.pathways[-1] if self.pathways else None


class Pathway(Base):
    """One patient's pathway, anchored on the diagnosis date (day 0)."""

    __tablename__ = "pathway"
    __table_args__ = (
        # The worklist walks an organisation's pathways in diagnosis order to find open
        # touchpoints with nothing booked (migration 0005).
        Index("ix_pathway_hospital_diagnosis", "hospital_id", "diagnosis_date"),
        Index("ix_pathway_municipality_diagnosis", "municipality_id", "diagnosis_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    diagnosis_date: Mapped[date] = mapped_column(Date)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the hospital handed over to the municipality after touchpoint 1, and who did it.
    #: From then on the municipality reads touchpoint 1 as far as the patient's sharing choices
    #: allow, and the patient's contact is the municipality.
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    handed_over_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))

    patient: Mapped[Patient] = relationship(back_populates="pathways")
    hospital: Mapped[Organisation] = relationship(foreign_keys=[hospital_id])
    municipality: Mapped[Organisation] = relationship(foreign_keys=[municipality_id])
    touchpoints: Mapped[list[Touchpoint]] = relationship(
        back_populates="pathway", order_by="Touchpoint.number"
    )


class Touchpoint(Base):
    """One of the three needs-assessment conversations and its appointment."""

    __tablename__ = "touchpoint"
    __table_args__ = (
        UniqueConstraint("pathway_id", "number"),
        CheckConstraint("number BETWEEN 1 AND 3", name="number_range"),
        CheckConstraint(
            "declined_on IS NULL OR offer_again_on IS NOT NULL", name="declined_has_offer_again"
        ),
        CheckConstraint("held_on IS NULL OR declined_on IS NULL", name="held_or_declined"),
        # The worklist: an organisation's conversations in time order.
        Index("ix_touchpoint_organisation_appointment", "organisation_id", "appointment_at"),
        # The worklist: declined touchpoints by the date to offer them again (migration 0005).
        Index("ix_touchpoint_offer_again", "organisation_id", "offer_again_on",
              sqlite_where=text("declined_on IS NOT NULL"),
              postgresql_where=text("declined_on IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    number: Mapped[int]
    #: The hospital trust for touchpoint 1, the municipality for 2 and 3.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    #: The conversation record: when it was held, by whom (as written by staff), and whether
    #: a relative or someone else the patient brought took part.
    held_on: Mapped[date | None] = mapped_column(Date)
    held_by: Mapped[str | None] = mapped_column(String(200))
    relative_present: Mapped[bool | None]
    declined_on: Mapped[date | None] = mapped_column(Date)
    #: A patient who declines is asked again later: declining is a state, not an end.
    offer_again_on: Mapped[date | None] = mapped_column(Date)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    appointment_place: Mapped[str | None] = mapped_column(String(200))
    appointment_with: Mapped[str | None] = mapped_column(String(200))

    pathway: Mapped[Pathway] = relationship(back_populates="touchpoints")
    organisation: Mapped[Organisation] = relationship()
