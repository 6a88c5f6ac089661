"""Keeping what a patient typed when their session expired before they pressed Save.

When a POST arrives with a session that has just expired, its CSRF token is checked against that
session before it is cleared (``auth.session.load_principal``). If it is genuine, the posted page
is kept as an ``ExpiredDraft`` for that patient; after signing in again, the same page shows it
filled in, with a note to press Save, until it is saved. Drafts older than a day are ignored.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select

from portal.db import db_session, utcnow
from portal.patient.models import ExpiredDraft

KEEP_FOR = timedelta(days=1)


def keep(patient_id: int, path: str, form: Any) -> None:
    # NUL is never typed, and PostgreSQL cannot store it in JSON.
    data = {key.replace("\x00", ""): [v.replace("\x00", "") for v in form.getlist(key)]
            for key in form if key != "csrf_token"}
    if not any(v.strip() for values in data.values() for v in values):
        return
    session = db_session()
    session.execute(delete(ExpiredDraft).where(ExpiredDraft.patient_id == patient_id,
                                               ExpiredDraft.path == path))
    session.add(ExpiredDraft(patient_id=patient_id, path=path, data=data, created_at=utcnow()))
    session.flush()


def find(patient_id: int, path: str) -> Any | None:
    """The kept form data for this page, if any and not too old. Reading never writes (a GET
    must not take SQLite's write lock); the draft goes when the page is saved."""
    draft = db_session().scalar(select(ExpiredDraft).where(ExpiredDraft.patient_id == patient_id,
                                                           ExpiredDraft.path == path))
    if draft is None or utcnow() - draft.created_at > KEEP_FOR:
        return None
    return draft.as_formdata()


def discard(patient_id: int, path: str) -> None:
    db_session().execute(delete(ExpiredDraft).where(ExpiredDraft.patient_id == patient_id,
                                                    ExpiredDraft.path == path))
