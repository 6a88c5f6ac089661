from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth.session import HOMES, current_principal
from portal.contacts.models import Organisation
from portal.db import db_session

bp = Blueprint("public", __name__)


@bp.get("/")
@access.public
def index() -> str | WerkzeugResponse:
    principal = current_principal()
    if principal is not None:
        return redirect(url_for(HOMES[principal.kind]))
    return render_template("public/index.html")


@bp.get("/contacts")
@access.public
def contacts() -> str:
    """Every organisation's contact points, without signing in.

    Minimal until the contacts issue (5) replaces it with the lookup by municipality, opening
    hours and "open now".
    """
    organisations = db_session().scalars(
        select(Organisation).options(selectinload(Organisation.contact_points))
        .order_by(Organisation.kind.desc(), Organisation.name)
    )
    return render_template("public/contacts.html", organisations=list(organisations))
