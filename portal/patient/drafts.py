"""Keeping what a patient (or a relative, on their own questionnaire) typed when their session
expired before they pressed Save.

When a POST arrives with a session that has just expired, its CSRF token is checked against that
session before it is cleared (``auth.session.load_principal``). If it is genuine, the posted page
is kept as an ``ExpiredDraft`` for that person; after signing in again, the same page shows it
filled in, with a note to press Save, until it is saved. Drafts older than a day are ignored.
Switching language on a step keeps the typed page the same way (``i18n.keep_and_switch``).
``kind`` is the principal's kind: ``"patient"`` or ``"relative"``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select

from portal.db import db_session, utcnow
from portal.patient.models import ExpiredDraft

KEEP_FOR = timedelta(days=1)
#: The longest page path a draft can be kept for (the column's length).
MAX_PATH = 200
#: The principal kinds whose pages keep drafts, and the column naming the owner.
OWNERS = {"patient": "patient_id", "relative": "relative_id"}


def _owned(kind: str, owner_id: int, path: str) -> list[ColumnElement[bool]]:
    return [getattr(ExpiredDraft, OWNERS[kind]) == owner_id, ExpiredDraft.path == path]


def keep(kind: str, owner_id: int, path: str, form: Any) -> None:
    # NUL is never typed, and PostgreSQL cannot store it in JSON.
    data = {key.replace("\x00", ""): [v.replace("\x00", "") for v in form.getlist(key)]
            for key in form if key != "csrf_token"}
    if not any(v.strip() for values in data.values() for v in values):
        return
    session = db_session()
    session.execute(delete(ExpiredDraft).where(*_owned(kind, owner_id, path)))
    session.add(ExpiredDraft(**{OWNERS[kind]: owner_id}, path=path, data=data,
                             created_at=utcnow()))
    session.flush()


def find(kind: str, owner_id: int, path: str) -> Any | None:
    """The kept form data for this page, if any and not too old. Reading never writes (a GET
    must not take SQLite's write lock); the draft goes when the page is saved."""
    draft = db_session().scalar(select(ExpiredDraft).where(*_owned(kind, owner_id, path)))
    if draft is None or utcnow() - draft.created_at > KEEP_FOR:
        return None
    return draft.as_formdata()


def discard(kind: str, owner_id: int, path: str) -> None:
    db_session().execute(delete(ExpiredDraft).where(*_owned(kind, owner_id, path)))
