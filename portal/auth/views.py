"""Sign-in and sign-out pages. The protocol lives in oidc.py; who the person is, in citizen.py and
staff.py; the session in session.py."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth import oidc
from portal.auth.citizen import sign_in_citizen
from portal.auth.models import SignInSession
from portal.auth.session import HOMES, STAFF, current_principal, safe_next, sign_out
from portal.auth.staff import sign_in_staff
from portal.db import db_session, writes
from portal.pathway import identity
from portal.settings import PROFILES

bp = Blueprint("auth", __name__)



@bp.get("/sign-in")
@access.public
def sign_in() -> str:
    return render_template(
        "auth/sign_in.html",
        next=safe_next(request.args.get("next")),
        expired=request.args.get("expired") == "1" and "principal" not in session,
        staff_first=request.args.get("staff") == "1",
        available={p: oidc.settings_for(p) is not None for p in PROFILES},
    )


@bp.get("/sign-in/<profile>/start")
@access.public
def start(profile: str) -> WerkzeugResponse | tuple[str, int]:
    if profile not in PROFILES:
        abort(404)
    try:
        url = oidc.begin(profile, safe_next(request.args.get("next")), str(get_locale()))
    except oidc.SignInFailed as failure:
        return _failed(failure)
    return redirect(url, code=303)


@bp.get("/sign-in/<profile>/callback")
@access.public
@writes  # stores the sign-in session, and may record the person's first sign-in
def callback(profile: str) -> WerkzeugResponse | tuple[str, int]:
    if profile not in PROFILES:
        abort(404)
    try:
        signed_in, next_url = oidc.complete(profile, request.args.to_dict())
        oidc_settings = signed_in.settings
        pid = identity.normalise(str(signed_in.claims.get(oidc_settings.pid_claim, "")))
    except oidc.SignInFailed as failure:
        return _failed(failure)
    except identity.InvalidIdentityNumber:
        return _failed(oidc.SignInFailed("identity", "no valid pid"))
    if profile == STAFF:
        if sign_in_staff(pid, signed_in.claims, oidc_settings, signed_in.id_token) is None:
            return render_template("auth/no_staff_access.html"), 403
    elif sign_in_citizen(pid, signed_in.id_token) is None:
        return render_template("auth/no_pathway.html"), 200
    principal = current_principal()
    home = url_for(HOMES[principal.kind]) if principal else url_for("public.index")
    return redirect(next_url or home, code=303)


def _failed(failure: oidc.SignInFailed) -> tuple[str, int]:
    current_app.logger.info("Sign-in failed: %s", failure)
    status = {"cancelled": 200, "unavailable": 503}.get(failure.reason, 400)
    return render_template("auth/failed.html", reason=failure.reason), status


@bp.post("/sign-out")
@access.public
def sign_out_view() -> WerkzeugResponse:
    ended = sign_out()
    if ended is not None and ended.id_token:
        # The provider's session is ended from our own page by GET: a form post may not be
        # redirected to another origin (CSP form-action 'self'), and the ID token that the
        # provider wants as a hint stays on the server, not in the cookie.
        session["signing_out"] = ended.id
    return redirect(url_for("auth.signed_out"), code=303)


@bp.get("/signed-out")
@access.public
def signed_out() -> str:
    at_provider = None
    record_id = session.pop("signing_out", None)
    if isinstance(record_id, int):
        g.write_lock = True  # the ID token is cleared below (db.py)
        record = db_session().get(SignInSession, record_id)
        if record is not None and record.ended_at is not None and record.id_token:
            after = url_for("auth.signed_out", _external=True)
            at_provider = oidc.logout_url(record.profile, record.id_token, after)
            record.id_token = None
    return render_template("auth/signed_out.html", at_provider=at_provider)
