from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth.session import safe_next, sign_out
from portal.settings import current as current_settings

bp = Blueprint("auth", __name__)


@bp.get("/sign-in")
@access.public
def sign_in() -> str:
    return render_template(
        "auth/sign_in.html",
        next=safe_next(request.args.get("next")),
        expired=request.args.get("expired") == "1" and "principal" not in session,
        dev_login=current_settings().dev_login,
    )


@bp.post("/sign-out")
@access.public
def sign_out_view() -> WerkzeugResponse:
    sign_out()
    return redirect(url_for("auth.signed_out"), code=303)


@bp.get("/signed-out")
@access.public
def signed_out() -> str:
    return render_template("auth/signed_out.html")
