"""The signed-in principal in the session cookie, with an idle timeout."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import g, request, session
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from portal.settings import current as current_settings

#: However active, a sign-in lasts at most this long.
MAX_SESSION_SECONDS = 12 * 60 * 60


@dataclass(frozen=True)
class Principal:
    kind: str  # "patient" for now; relatives and staff come with the sign-in issue
    subject_id: int


def sign_in(principal: Principal) -> None:
    # A fresh session on sign-in: nothing from before survives (session fixation).
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    session["principal"] = {"kind": principal.kind, "id": principal.subject_id}
    session["seen"] = session["signed_in_at"] = int(time.time())
    g.principal = principal


def sign_out() -> None:
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    g.principal = None


def load_principal() -> None:
    """before_request: the session's principal, unless it has been idle too long."""
    g.principal = None
    g.session_expired = False
    data = session.get("principal")
    if not data:
        return
    idle_limit = current_settings().session_idle_minutes * 60
    now = int(time.time())
    if now - int(session.get("signed_in_at", 0)) > MAX_SESSION_SECONDS:
        sign_out()
        g.session_expired = True
        return
    if now - int(session.get("seen", 0)) > idle_limit:
        g.expired_sender = _genuine_expired_sender(int(data["id"]), str(data["kind"]))
        sign_out()
        g.session_expired = True
        return
    # Refresh at most once a minute, so every request does not rewrite the cookie.
    if now - int(session.get("seen", 0)) > 60:
        session["seen"] = now
    g.principal = Principal(kind=str(data["kind"]), subject_id=int(data["id"]))


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
