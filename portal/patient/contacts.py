"""The patient's own contact page: whom to call now, and who is responsible for what.

Stage-aware, like the home page: the hospital until it hands over after touchpoint 1, then the
municipality's cancer coordinator (a pathway whose hand-over was never recorded switches once a
municipal conversation has opened). Always the out-of-hours numbers, the GP when known (the
patient may add or correct them here), and the owner of each agreed action.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import Field, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from portal import access
from portal.clinician.forms import MaxLength, normalised_phone, strip_text
from portal.clinician.record_operations import agreed_actions
from portal.contacts import lookup
from portal.contacts.models import Organisation
from portal.db import db_session
from portal.drafts import KeepsDraft
from portal.pathway.models import Pathway, Patient
from portal.patient.flow import pathway_statuses
from portal.patient.views import bp
from portal.templating import phone as formatted_phone

#: As long as the columns ``Patient.gp_name`` and ``Patient.gp_phone`` allow.
GP_NAME_LENGTH = 200
GP_PHONE_LENGTH = 30


class GpForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    # DataRequired, not InputRequired: a name of only spaces is stripped to nothing.
    gp_name = StringField(filters=[strip_text], validators=[
        DataRequired(_l("Enter your GP's name.")), MaxLength(GP_NAME_LENGTH)])
    gp_phone = StringField(filters=[strip_text], validators=[
        Optional(), MaxLength(GP_PHONE_LENGTH)])

    def validate_gp_phone(self, field: Field) -> None:
        too_long = len(field.data or "") > GP_PHONE_LENGTH  # MaxLength says so already
        if field.data and not too_long and normalised_phone(field.data) is None:
            raise ValidationError(_l(
                "Enter a phone number with 8 digits, for example 55 12 34 56, or a country code "
                "first for a foreign number."))


def set_gp(session: Session, patient: Patient, name: str, phone: str | None) -> None:
    """The patient's GP as the patient gives it (a phone number in E.164, or none)."""
    patient.gp_name = name
    patient.gp_phone = normalised_phone(phone) if phone else None
    session.flush()


@bp.route("/contacts", methods=["GET", "POST"])
@access.patient
def contacts() -> str | WerkzeugResponse:
    patient = access.current_patient()
    form = GpForm()
    if form.validate_on_submit():
        set_gp(db_session(), patient, form.gp_name.data, form.gp_phone.data)
        flash(_("Your GP is saved."))
        return redirect(url_for(".contacts", _anchor="gp"), code=303)
    if form.from_record():
        form.gp_name.data, form.gp_phone.data = patient.gp_name, _shown(patient.gp_phone)
    return render_template("patient/contacts.html", form=form, patient=patient,
                           **_stage(patient))


def _shown(phone: str | None) -> str | None:
    return formatted_phone(phone) if phone else None


def _stage(patient: Patient) -> dict[str, Any]:
    """Whom to call first and whom after, the agreed actions, and the moment "open now" is for."""
    statuses = pathway_statuses(patient)
    now = lookup.now()
    if not statuses:
        return {"pathway": None, "first": None, "second": None, "handed_over": False,
                "actions": [], "now": now}
    pathway: Pathway = statuses[0].touchpoint.pathway
    municipal_started = any(s.touchpoint.number > 1 and s.state != "upcoming" for s in statuses)
    handed_over = pathway.handed_over_at is not None or municipal_started
    found = lookup.organisations(db_session(), (pathway.hospital_id, pathway.municipality_id),
                                 lookup.today(now))
    hospital: Organisation = found[pathway.hospital_id]
    municipality: Organisation = found[pathway.municipality_id]
    first, second = (municipality, hospital) if handed_over else (hospital, municipality)
    return {"pathway": pathway, "first": first, "second": second, "handed_over": handed_over,
            "actions": agreed_actions(db_session(), pathway.id), "now": now}
