"""The signed-in principal: a random session identifier in the cookie, its record on the server,
and the idle and absolute time limits.

The cookie (signed, HttpOnly, SameSite=Lax, Secure in production) carries the principal, when it
signed in and when it was last seen, and a random identifier. The server keeps a record per
sign-in (``SignInSession``): signing out ends it, so a copied cookie is refused afterwards.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import g, request, session
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from wtforms.validators import ValidationError

from portal.auth.models import SignInSession
from portal.db import db_session
from portal.settings import current as current_settings

PATIENT = "patient"
RELATIVE = "relative"
STAFF = "staff"
KINDS = (PATIENT, RELATIVE, STAFF)
#: Where each kind of signed-in person starts.
HOMES = {PATIENT: "patient.home", RELATIVE: "relative.home", STAFF: "clinician.worklist"}


@dataclass(frozen=True)
class Principal:
    kind: str  # PATIENT, RELATIVE or STAFF
    subject_id: int
    #: A parent or guardian (a relative's id) acting on behalf of a child patient: the
    #: principal is the patient, the person signed in is the guardian (``act_for``).
    guardian_id: int | None = None


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def sign_in(principal: Principal, profile: str, id_token: str | None = None) -> None:
    """Start a new session: a new identifier, nothing from before kept but the language."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    token = secrets.token_urlsafe(32)
    db_session().add(SignInSession(token_hash=_hash(token), kind=principal.kind,
                                   subject_id=principal.subject_id, profile=profile,
                                   id_token=id_token))
    session["principal"] = {"kind": principal.kind, "id": principal.subject_id, "sid": token}
    session["seen"] = session["signed_in_at"] = int(time.time())
    g.principal = principal


def act_for(patient_id: int) -> None:
    """A signed-in guardian starts acting on behalf of a child patient (checked by the caller,
    and again on every request by ``access.enforce``). The sign-in record stays the guardian's."""
    data = dict(session["principal"])
    data.update(kind=PATIENT, id=patient_id, guardian=int(data["id"]))
    session["principal"] = data
    g.principal = Principal(kind=PATIENT, subject_id=patient_id, guardian_id=int(data["guardian"]))


def stop_acting() -> None:
    """Back to the guardian's own pages as a relative."""
    data = dict(session["principal"])
    guardian = data.pop("guardian", None)
    if guardian is None:
        return
    data.update(kind=RELATIVE, id=int(guardian))
    session["principal"] = data
    g.principal = Principal(kind=RELATIVE, subject_id=int(guardian))


def restore_locale(preferred: str | None) -> None:
    """After sign-in: the language the person chose last time, unless they just chose one."""
    if preferred and "locale" not in session:
        session["locale"] = preferred


def sign_out() -> SignInSession | None:
    """End the session here and in the cookie; the ended record (for the provider's logout)."""
    data = session.get("principal") or {}
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    g.principal = None
    record = _record(str(data.get("sid", ""))) if data.get("sid") else None
    if record is not None and record.ended_at is None:
        record.ended_at = datetime.now(UTC)
        return record
    return None


def _record(token: str) -> SignInSession | None:
    if not token.isascii():
        return None
    found: SignInSession | None = db_session().scalar(
        select(SignInSession).where(SignInSession.token_hash == _hash(token)))
    return found


def idle_limit_seconds(kind: str) -> int:
    settings = current_settings()
    minutes = settings.staff_idle_minutes if kind == STAFF else settings.citizen_idle_minutes
    return minutes * 60


def load_principal() -> None:
    """before_request: the session's principal, unless it has ended or been idle too long."""
    g.principal = None
    g.session_expired = False
    data = session.get("principal")
    if not isinstance(data, dict) or data.get("kind") not in KINDS:
        return
    kind = str(data["kind"])
    if kind in (STAFF, RELATIVE):
        # Staff and relatives' requests write the access log: on SQLite, take the write lock
        # up front (db.py), so the log's append cannot fail half-way through a request.
        g.write_lock = True
    now = int(time.time())
    if now - int(session.get("signed_in_at", 0)) > current_settings().session_max_hours * 3600:
        g.write_lock = True  # sign_out ends the record (db.py)
        sign_out()
        g.session_expired = True
        return
    if now - int(session.get("seen", 0)) > idle_limit_seconds(kind):
        g.expired_sender = _genuine_expired_sender(int(data["id"]), kind)
        g.write_lock = True
        sign_out()
        g.session_expired = True
        return
    record = _record(str(data.get("sid", "")))
    guardian = data.get("guardian")
    # Whoever signed in: the guardian when one acts for a child patient.
    signed_in = (RELATIVE, int(guardian)) if guardian is not None else (kind, int(data["id"]))
    if (record is None or record.ended_at is not None
            or (record.kind, record.subject_id) != signed_in
            or (guardian is not None and kind != PATIENT)):
        # Signed out elsewhere, or a cookie from before: start again.
        sign_out()
        return
    # Refresh at most once a minute, so every request does not rewrite the cookie.
    if now - int(session.get("seen", 0)) > 60:
        session["seen"] = now
    g.principal = Principal(kind=kind, subject_id=int(data["id"]),
                            guardian_id=int(guardian) if guardian is not None else None)


def _genuine_expired_sender(subject_id: int, kind: str) -> Principal | None:
    """For a POST from an expired session: its principal, if the form's CSRF token belongs to
    that session (checked before the session is cleared)."""
    if request.method != "POST":
        return None
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return None
    return Principal(kind=kind, subject_id=subject_id)


def current_principal() -> Principal | None:
    principal: Principal | None = g.get("principal")
    return principal


def safe_next(target: str | None) -> str | None:
    """Only a relative path on this site is followed after sign-in (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target:
        return None
    if any(ord(c) < 32 or ord(c) == 127 for c in target):
        return None  # control characters (CR, LF, NUL) cannot go into a Location header
    return target
