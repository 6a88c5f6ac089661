"""Keeping what a patient, relative or staff member typed on a page and has not saved: when their
session expired before they pressed Save, or when they switched language.

When a POST arrives with a session that has just expired, its CSRF token is checked against that
session before it is cleared (``auth.session.load_principal``). If it is genuine, the posted page
is kept as an ``ExpiredDraft`` for that person; after signing in again, the same page shows it
filled in, with a note to press Save, until it is saved. Drafts older than a day are ignored.
Switching language on a page with a form keeps the typed page the same way
(``i18n.keep_and_switch``): the questionnaire steps read the draft themselves; every other form
that offers it does so through ``KeepsDraft``. ``kind`` is the principal's kind.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import g, request
from flask_wtf.form import _Auto
from sqlalchemy import ColumnElement, delete, select

from portal.db import db_session, utcnow
from portal.drafts.models import ExpiredDraft

KEEP_FOR = timedelta(days=1)
#: The longest page path a draft can be kept for (the column's length).
MAX_PATH = 200
#: The principal kinds whose pages keep drafts, and the column naming the owner.
OWNERS = {"patient": "patient_id", "relative": "relative_id", "staff": "staff_id"}


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


def _signed_in() -> tuple[str, int] | None:
    from portal.auth.session import current_principal

    principal = current_principal()
    if principal is None or principal.kind not in OWNERS:
        return None
    return principal.kind, principal.subject_id


class KeepsDraft:
    """A form mixin (before ``FlaskForm``) for a page whose language switcher posts this form
    (the template sets ``language_form`` to the form's id): opened with GET, the form is filled
    from the draft kept for this person and page, and the layout says it is not saved yet; once
    it validates on a POST, the draft is gone. One such form per page."""

    #: Filled from a kept draft (set while the form is built).
    kept_draft = False

    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is _Auto and request.method == "GET":
                owner = _signed_in()
                kept = find(*owner, request.path) if owner else None
                if kept is not None:
                    form.kept_draft = g.draft_restored = True
                    return kept
            return super().wrap_formdata(form, formdata)  # type: ignore[misc]

    def from_record(self) -> bool:
        """Whether the view should fill the form from what is stored: nothing was posted and
        no draft was kept."""
        submitted: bool = self.is_submitted()  # type: ignore[attr-defined]
        return not submitted and not self.kept_draft

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)  # type: ignore[misc]
        owner = _signed_in()
        if valid and request.method == "POST" and owner:
            discard(*owner, request.path)
        return valid
