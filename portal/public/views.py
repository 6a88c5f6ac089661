from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth.session import current_principal

bp = Blueprint("public", __name__)


@bp.get("/")
@access.public
def index() -> str | WerkzeugResponse:
    principal = current_principal()
    if principal is not None and principal.kind == access.PATIENT:
        return redirect(url_for("patient.home"))
    return render_template("public/index.html")
