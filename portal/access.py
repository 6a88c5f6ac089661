"""Who may call what. Every endpoint declares it; anything undeclared is refused.

``@public`` pages need nobody signed in; ``@patient`` pages need a signed-in patient. Loaders
answer 404 for another patient's data, so its existence is not revealed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, g, redirect, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.auth.session import current_principal, safe_next
from portal.contacts.models import Organisation
from portal.db import db_session
from portal.pathway.models import Pathway, Patient, Touchpoint

F = TypeVar("F", bound=Callable[..., Any])

PUBLIC = "public"
PATIENT = "patient"
#: Every rule an endpoint may declare (a test checks each endpoint uses one of these).
ACCESS_RULES = (PUBLIC, PATIENT)

#: The largest id an INTEGER primary key holds (PostgreSQL int4; SQLite refuses larger binds).
MAX_ID = 2**31 - 1


def _declare(rule: str) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorator


public = _declare(PUBLIC)
patient = _declare(PATIENT)


def access_rule(endpoint: str | None, app: Flask | None = None) -> str | None:
    app = app or current_app
    if endpoint is None:
        return None
    if endpoint == "static":
        return PUBLIC
    view = app.view_functions.get(endpoint)
    return getattr(view, "access_rule", None)


def enforce() -> WerkzeugResponse | None:
    """before_request: deny by default."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404/405 itself
    rule = access_rule(request.endpoint)
    if rule == PUBLIC:
        return None
    if rule == PATIENT:
        principal = current_principal()
        if principal is not None and principal.kind == PATIENT:
            return None
        target = request.full_path if request.method == "GET" else request.referrer
        sender = g.get("expired_sender")
        if sender is not None and sender.kind == PATIENT:
            # Keep what was typed; the same page shows it after signing in again.
            from portal.patient import drafts

            drafts.keep(sender.subject_id, request.path, request.form)
            target = request.path
        expired = 1 if g.get("session_expired") else None
        return redirect(url_for("auth.sign_in", next=safe_next(target), expired=expired))
    current_app.logger.error("Endpoint %s declares no access rule: refused.", request.endpoint)
    abort(404)


def current_patient() -> Patient:
    """The signed-in patient, loaded once per request (kept on ``g``: the session's identity
    map holds objects only while something references them)."""
    if "patient" in g:
        cached: Patient = g.patient
        return cached
    principal = current_principal()
    if principal is None or principal.kind != PATIENT:
        abort(404)
    found = db_session().get(Patient, principal.subject_id)
    if found is None:
        abort(404)
    g.patient = found
    return found


def load_own_touchpoint(touchpoint_id: int, lock: bool = False) -> Touchpoint:
    """The signed-in patient's touchpoint, or 404 (another patient's touchpoint is a 404 too).

    ``lock`` takes a row lock (PostgreSQL) so concurrent writes to one response are serialised.
    """
    patient_ = current_patient()
    if not 0 < touchpoint_id <= MAX_ID:
        abort(404)  # larger than any id the database can hold: the query itself would fail
    query = (
        select(Touchpoint)
        .join(Pathway)
        .where(Touchpoint.id == touchpoint_id, Pathway.patient_id == patient_.id)
        .options(
            contains_eager(Touchpoint.pathway),
            joinedload(Touchpoint.organisation).selectinload(Organisation.contact_points),
        )
    )
    if lock:
        query = query.with_for_update(of=Touchpoint)
    found = db_session().scalar(query)
    if found is None:
        abort(404)
    return found
