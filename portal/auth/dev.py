"""The development sign-in: pick a demo persona. Registered only when PORTAL_DEV_LOGIN is on,
which production mode refuses (settings.py)."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth.citizen import sign_in_citizen
from portal.auth.session import safe_next
from portal.db import db_session
from portal.demo import PERSONAS
from portal.pathway.models import Patient

bp = Blueprint("dev_auth", __name__, url_prefix="/dev")


@bp.get("/sign-in")
@access.public
def personas() -> str:
    ids = [p.national_id for p in PERSONAS]
    found = {
        p.national_id: p
        for p in db_session().scalars(select(Patient).where(Patient.national_id.in_(ids)))
    }
    available = [(persona, found[persona.national_id]) for persona in PERSONAS
                 if persona.national_id in found]
    return render_template(
        "auth/dev_sign_in.html", personas=available, next=safe_next(request.args.get("next"))
    )


@bp.post("/sign-in")
@access.public
def sign_in_persona() -> WerkzeugResponse:
    # Development only: any patient in the database may be chosen, by a persona button or by
    # typing an identity number (the tests and developers use the latter).
    national_id = request.form.get("national_id", "").strip()
    # Only digits reach the database: PostgreSQL refuses text with NUL in it.
    if not (national_id.isdigit() and len(national_id) == 11) or sign_in_citizen(
            national_id) is None:
        abort(404)
    return redirect(safe_next(request.form.get("next")) or url_for("patient.home"), code=303)
