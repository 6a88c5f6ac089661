"""The access log: one row per time a staff member or a relative saw or changed a patient's
information, chained by SHA-256 so that an edited, removed or reordered row is found.

The table is append-only: the application never updates or deletes a row, and triggers in the
database (migration 0003) refuse UPDATE, DELETE (and, on PostgreSQL, TRUNCATE). The actor is
copied into the row when it is written, so the log stays readable after a staff member is renamed
or removed; ``patient_id`` deliberately has no foreign key, because the log outlives the rows it
talks about.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime


class AccessAction(StrEnum):
    """What was done. To add one: add the member here, a sentence for the patient and a label for
    the administrator (``portal/audit/wording.py``), and a migration that replaces the check
    constraint ``ck_access_event_action`` (on SQLite inside ``batch_alter_table``, which copies
    the table: recreate the two append-only triggers afterwards)."""

    OPENED_PATIENT = "opened_patient"
    READ_ANSWERS = "read_answers"
    READ_SUMMARY = "read_summary"
    DOWNLOADED_PDF = "downloaded_pdf"
    EXPORTED = "exported"
    SHOWED_IDENTITY_NUMBER = "showed_identity_number"
    CHANGED = "changed"
    #: A relative read the patient's contact points.
    READ_CONTACTS = "read_contacts"
    #: A relative read the patient's appointments.
    READ_APPOINTMENTS = "read_appointments"
    #: An administrator read the access log of this patient.
    READ_ACCESS_LOG = "read_access_log"


class ActorKind(StrEnum):
    STAFF = "staff"
    RELATIVE = "relative"


def _in(column: str, values: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in values)})"


class AccessEvent(Base):
    __tablename__ = "access_event"
    __table_args__ = (
        CheckConstraint(_in("action", AccessAction), name="action"),
        CheckConstraint(_in("actor_kind", ActorKind), name="actor_kind"),
        CheckConstraint("seq >= 1", name="seq_positive"),
        CheckConstraint("touchpoint_number IS NULL OR touchpoint_number BETWEEN 1 AND 3",
                        name="touchpoint_number_range"),
        # The patient's page: their entries, newest first.
        Index("ix_access_event_patient_id_seq", "patient_id", "seq"),
        # The administrator's pages: one staff member's entries in a period.
        Index("ix_access_event_actor", "actor_kind", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The chain's order: 1, 2, 3, … without gaps. Unique, so two writers can never fork it.
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_kind: Mapped[str] = mapped_column(String(10))
    #: ``staff_member.id`` or ``relative.id``; no foreign key, like ``patient_id``.
    actor_id: Mapped[int] = mapped_column(Integer)
    #: Given and family name (100 characters each) and a space.
    actor_name: Mapped[str] = mapped_column(String(201))
    actor_hpr_number: Mapped[str | None] = mapped_column(String(9))
    #: The role that let them in: a ``StaffRole`` value, or "relative".
    actor_role: Mapped[str] = mapped_column(String(40))
    #: The staff member's title ("kreftsykepleier"), or how the patient describes a relative.
    actor_title: Mapped[str] = mapped_column(String(100))
    actor_org_number: Mapped[str | None] = mapped_column(String(9))
    actor_org_name: Mapped[str | None] = mapped_column(String(200))
    patient_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    touchpoint_number: Mapped[int | None] = mapped_column(Integer)
    #: Where it happened, for the administrator: an endpoint, "pdf", "fhir".
    context: Mapped[str] = mapped_column(String(200))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
