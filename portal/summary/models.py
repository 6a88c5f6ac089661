"""Rendered PDFs, kept so the next request is served at once.

A summary PDF depends only on what it shows; its key is a SHA-256 of the rendered HTML without
the generation time, so a changed answer, action or appointment gives a new key and a stale PDF
is never served. The table lives in the database so that every instance shares it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Base, UTCDateTime, utcnow


class RenderedPdf(Base):
    __tablename__ = "rendered_pdf"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    touchpoint_id: Mapped[int] = mapped_column(ForeignKey("touchpoint.id"), index=True)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
