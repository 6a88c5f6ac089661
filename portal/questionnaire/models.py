from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.db import Base, UTCDateTime, utcnow
from portal.pathway.models import Touchpoint

JSONValue = JSON().with_variant(JSONB(), "postgresql")


class Response(Base):
    """A patient's answers for one touchpoint, pointing at the exact questionnaire version.

    ``Answer`` rows are the working copy the patient edits; every submission freezes a copy in
    ``Submission``, so a correction after submitting never overwrites what was sent before.
    """

    __tablename__ = "response"
    __table_args__ = (
        UniqueConstraint("touchpoint_id"),
        CheckConstraint("current_page >= 1", name="current_page_positive"),
        CheckConstraint("revision >= 0", name="revision_not_negative"),
        # The worklist: submitted answers nobody has opened yet, the longest waiting first
        # (migration 0005). Small: a response leaves it when a clinician opens it.
        Index("ix_response_unread", "updated_at",
              sqlite_where=text("submitted_revision IS NOT NULL AND first_read_at IS NULL"),
              postgresql_where=text("submitted_revision IS NOT NULL AND first_read_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id"))
    questionnaire_id: Mapped[str] = mapped_column(String(40))
    questionnaire_version: Mapped[int]
    #: The step the patient was last on: where they resume, on any device.
    current_page: Mapped[int] = mapped_column(default=1)
    #: Goes up by one with every change of an answer.
    revision: Mapped[int] = mapped_column(default=0)
    #: The revision that was last submitted; equal to ``revision`` when nothing is unsent.
    submitted_revision: Mapped[int | None]
    #: When a safety answer first suggested acute risk. Stays set once set: the clinician must
    #: see it even if the answer is changed later.
    urgent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a clinician of the responsible organisation first opened the submitted answers:
    #: the worklist lists submitted questionnaires that nobody has opened yet.
    first_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    touchpoint: Mapped[Touchpoint] = relationship()
    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Answer.id"
    )
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="response", order_by="Submission.number"
    )

    @property
    def is_submitted(self) -> bool:
        return self.submitted_revision is not None

    @property
    def has_unsent_changes(self) -> bool:
        return self.submitted_revision is not None and self.submitted_revision != self.revision

    def answer_values(self) -> dict[str, Any]:
        return {answer.question_id: answer.value for answer in self.answers}


class Answer(Base):
    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSONValue)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="answers")


class Submission(Base):
    """A frozen copy of the answers as the patient sent them. Never updated."""

    __tablename__ = "submission"
    __table_args__ = (
        UniqueConstraint("response_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id"), index=True)
    #: 1 for the first submission, 2 for the first correction, and so on.
    number: Mapped[int]
    revision: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answers: Mapped[dict[str, Any]] = mapped_column(JSONValue)
    #: The language the patient read the questionnaire in when they sent it (None before
    #: migration 0008): the summary says so, and shows their own words as they wrote them.
    locale: Mapped[str | None] = mapped_column(String(5))

    response: Mapped[Response] = relationship(back_populates="submissions")
