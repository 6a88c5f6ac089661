"""The development sign-in: pick a demo persona. Registered only when PORTAL_DEV_LOGIN is on,
which production mode refuses (settings.py)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import HiddenField, StringField
from wtforms.validators import InputRequired

from portal import access
from portal.auth.citizen import sign_in_citizen
from portal.auth.session import safe_next
from portal.db import db_session
from portal.demo import PERSONAS
from portal.pathway.models import Patient

bp = Blueprint("dev_auth", __name__, url_prefix="/dev")


class PersonaForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    national_id = StringField(validators=[InputRequired(_l("Enter an identity number."))])
    next = HiddenField()


def _render(form: PersonaForm) -> str:
    ids = [p.national_id for p in PERSONAS]
    found = {
        p.national_id: p
        for p in db_session().scalars(select(Patient).where(Patient.national_id.in_(ids)))
    }
    available = [(persona, found[persona.national_id]) for persona in PERSONAS
                 if persona.national_id in found]
    return render_template("auth/dev_sign_in.html", personas=available, form=form)


@bp.get("/sign-in")
@access.public
def personas() -> str:
    return _render(PersonaForm(formdata=None, next=safe_next(request.args.get("next"))))


@bp.post("/sign-in")
@access.public
def sign_in_persona() -> str | WerkzeugResponse:
    # Development only: any patient in the database may be chosen, by a persona button or by
    # typing an identity number (the tests and developers use the latter).
    form = PersonaForm()
    if form.validate():
        national_id = form.national_id.data.strip()
        # Only digits reach the database: PostgreSQL refuses text with NUL in it.
        if national_id.isdigit() and len(national_id) == 11 and sign_in_citizen(national_id):
            return redirect(safe_next(form.next.data) or url_for("patient.home"), code=303)
        form.national_id.errors.append(_("Nobody in the portal has this identity number."))
    return _render(form)
