from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates
from stdnum.exceptions import ValidationError
from stdnum.no import orgnr

from portal.contacts import hours
from portal.db import Base, UTCDateTime, utcnow


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

    #: Every contact point, archived ones too (their history is kept): see ``current_contacts``.
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="organisation", order_by="(ContactPoint.position, ContactPoint.id)"
    )
    #: For a hospital trust: the municipalities whose patients it serves (by number).
    served_municipalities: Mapped[list[ServedMunicipality]] = relationship(
        back_populates="hospital", order_by="ServedMunicipality.municipality_number",
        cascade="all, delete-orphan",
    )

    @property
    def current_contacts(self) -> list[ContactPoint]:
        return [contact for contact in self.contact_points if contact.archived_at is None]

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


class ServedMunicipality(Base):
    """A municipality whose patients a hospital trust serves. A municipality may be served by
    more than one trust (Oslo's districts are); administrators of the trust edit this."""

    __tablename__ = "served_municipality"
    __table_args__ = (
        UniqueConstraint("hospital_id", "municipality_number"),
        # The public lookup: the trusts serving one municipality.
        Index("ix_served_municipality_number", "municipality_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    #: A number of the municipality reference table (``portal.contacts.reference``); checked
    #: against the current list when an administrator adds it. Kept as a number, not a foreign
    #: key, so that loading a newer list never loses it.
    municipality_number: Mapped[str] = mapped_column(String(4))

    hospital: Mapped[Organisation] = relationship(back_populates="served_municipalities")


class ContactRole(StrEnum):
    """The roles a contact point may have; shown translated (``portal/contacts/wording.py``)."""

    PATHWAY_COORDINATOR = "forlopskoordinator"
    CANCER_COORDINATOR = "kreftkoordinator"
    CANCER_NURSE = "kreftsykepleier"
    COORDINATING_UNIT = "koordinerende_enhet"
    CONTACT_DOCTOR = "kontaktlege"
    OTHER = "annet"


class ContactPoint(Base):
    """Whom a patient, a relative or the other level of care calls: a person or a function at an
    organisation, with phone, SMS, e-mail, address, opening hours, languages and a short note.

    Phone and SMS numbers are stored in E.164 ("+4755975000"), validated with phonenumbers; the
    e-mail address with email-validator (``portal/contacts/forms.py``). A contact point is never
    deleted: archiving hides it and keeps its history (``ContactPointChange``).
    """

    __tablename__ = "contact_point"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(repr(str(role)) for role in ContactRole) + ")", name="role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(40))
    #: A person's name ("Hilde Nilsen") or a function's ("Kreftkoordinator i Askøy").
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(20))
    sms: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The visiting address, as written ("Haukelandsveien 22, 5021 Bergen").
    address: Mapped[str | None] = mapped_column(String(300))
    #: Languages spoken, as codes of the portal's languages and others ("nb,en,pl").
    languages: Mapped[str] = mapped_column(String(100), default="nb")
    note: Mapped[str | None] = mapped_column(String(500))
    closed_on_public_holidays: Mapped[bool] = mapped_column(default=True)
    #: The order on the organisation's cards; lower first.
    position: Mapped[int] = mapped_column(default=0)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="contact_points")
    opening_hours: Mapped[list[OpeningHours]] = relationship(
        back_populates="contact_point", cascade="all, delete-orphan",
        order_by="(OpeningHours.weekday, OpeningHours.opens)",
    )
    exceptions: Mapped[list[OpeningException]] = relationship(
        back_populates="contact_point", cascade="all, delete-orphan",
        order_by="(OpeningException.day, OpeningException.opens)",
    )
    changes: Mapped[list[ContactPointChange]] = relationship(
        back_populates="contact_point", order_by="ContactPointChange.id",
    )

    @property
    def language_codes(self) -> list[str]:
        return [code for code in self.languages.split(",") if code]

    def weekly_hours(self) -> hours.WeeklyHours:
        days: dict[int, list[hours.Interval]] = {}
        for row in self.opening_hours:
            days.setdefault(row.weekday, []).append(hours.Interval(row.opens, row.closes))
        return hours.WeeklyHours.from_mapping(
            days, closed_on_public_holidays=self.closed_on_public_holidays)

    def day_exceptions(self) -> list[hours.DayException]:
        by_day: dict[date, list[hours.Interval]] = {}
        for row in self.exceptions:
            intervals = by_day.setdefault(row.day, [])
            if row.opens is not None and row.closes is not None:
                intervals.append(hours.Interval(row.opens, row.closes))
        return [hours.DayException(day, tuple(intervals)) for day, intervals in by_day.items()]

    def status_at(self, moment: datetime) -> hours.OpenStatus:
        return hours.status_at(self.weekly_hours(), self.day_exceptions(), moment)

    def snapshot(self) -> dict[str, Any]:
        """The whole contact point as plain data: what a change record keeps."""
        return {
            "role": self.role, "name": self.name, "phone": self.phone, "sms": self.sms,
            "email": self.email, "address": self.address, "languages": self.languages,
            "note": self.note, "closed_on_public_holidays": self.closed_on_public_holidays,
            "position": self.position,
            "archived": self.archived_at is not None,
            "opening_hours": [
                [row.weekday, row.opens.strftime("%H:%M"), row.closes.strftime("%H:%M")]
                for row in self.opening_hours],
            "exceptions": [
                [row.day.isoformat(),
                 row.opens.strftime("%H:%M") if row.opens else None,
                 row.closes.strftime("%H:%M") if row.closes else None]
                for row in self.exceptions],
        }


def monday_to_friday(opens: time, closes: time) -> list[OpeningHours]:
    """The common case: the same hours every weekday, closed at weekends."""
    return [OpeningHours(weekday=weekday, opens=opens, closes=closes) for weekday in range(5)]


class OpeningHours(Base):
    """One opening interval on a weekday (0 = Monday); several make a day with a lunch break.
    ``closes`` 00:00 means midnight at the end of the day (see ``hours.Interval``)."""

    __tablename__ = "opening_hours"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_point_id: Mapped[int] = mapped_column(
        ForeignKey("contact_point.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int]
    opens: Mapped[time] = mapped_column(Time)
    closes: Mapped[time] = mapped_column(Time)

    contact_point: Mapped[ContactPoint] = relationship(back_populates="opening_hours")


class OpeningException(Base):
    """A date with its own hours: a row without times closes the day (a holiday, a course day);
    rows with times replace the weekly hours that day (Christmas Eve 08:00–12:00)."""

    __tablename__ = "opening_exception"
    __table_args__ = (
        CheckConstraint("(opens IS NULL) = (closes IS NULL)", name="both_times_or_none"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_point_id: Mapped[int] = mapped_column(
        ForeignKey("contact_point.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    opens: Mapped[time | None] = mapped_column(Time)
    closes: Mapped[time | None] = mapped_column(Time)

    contact_point: Mapped[ContactPoint] = relationship(back_populates="exceptions")


class ContactPointChange(Base):
    """Every change to a contact point: who, when, and the whole contact point afterwards.
    Never updated or deleted; the history page compares each with the one before."""

    __tablename__ = "contact_point_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_point_id: Mapped[int] = mapped_column(ForeignKey("contact_point.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: None for changes made by the demo data or a command, not by a person in the portal.
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    #: Copied when written, so the history stays readable if the account is renamed.
    changed_by_name: Mapped[str] = mapped_column(String(201))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    contact_point: Mapped[ContactPoint] = relationship(back_populates="changes")
