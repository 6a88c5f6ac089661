"""Parents and guardians of a child patient, registered by the clinicians following the child.

What a guardian may do follows from the child's age (``portal/relatives/minors.py``). The portal
has no connection to the population register, so a clinician registers the guardian by their
identity number; the guardian then signs in with the citizen login like any relative.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import StringField
from wtforms.validators import InputRequired

from portal import access, audit
from portal.clinician.blueprint import bp
from portal.clinician.forms import ConfirmForm, MaxLength, ValidIdentityNumber, strip_text
from portal.db import db_session
from portal.drafts import KeepsDraft
from portal.pathway import identity
from portal.pathway.models import Patient
from portal.patient.flow import now
from portal.relatives import minors
from portal.relatives.models import Relative, RelativeLink
from portal.settings import current as current_settings
from portal.staff.models import CLINICIANS


class GuardianForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    national_id = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the parent's or guardian's identity number.")), MaxLength(20),
        ValidIdentityNumber()])
    given_name = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the parent's or guardian's given name.")), MaxLength(100)])
    family_name = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the parent's or guardian's family name.")), MaxLength(100)])
    relation = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Write how they are related to the patient, for example mother.")),
        MaxLength(100)])


def _guardians(patient: Patient) -> list[RelativeLink]:
    return list(db_session().scalars(
        select(RelativeLink).where(RelativeLink.patient_id == patient.id,
                                   RelativeLink.guardian.is_(True),
                                   RelativeLink.withdrawn_at.is_(None))
        .join(Relative).order_by(Relative.family_name, Relative.given_name)))


def register(patient: Patient, form: GuardianForm) -> RelativeLink | None:
    """Register a guardian; None when the patient is the person themselves."""
    session = db_session()
    number = identity.normalise(form.national_id.data)
    if number == patient.national_id:
        return None
    relative = session.scalar(select(Relative).where(Relative.national_id == number))
    if relative is None:
        relative = Relative(national_id=number, given_name=form.given_name.data,
                            family_name=form.family_name.data)
        session.add(relative)
        session.flush()
    link = session.scalar(select(RelativeLink).where(RelativeLink.relative_id == relative.id,
                                                     RelativeLink.patient_id == patient.id))
    if link is None:
        link = RelativeLink(relative=relative, patient=patient)
        session.add(link)
    # A guardian link reaches what the age rules allow, never the patient's own choices.
    link.guardian = True
    link.relation = form.relation.data
    link.may_see_contacts = link.may_answer_own = link.may_see_answers = False
    link.accepted_at = now()
    link.withdrawn_at = None
    session.flush()
    return link


@bp.route("/patients/<int:patient_id>/guardians", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def guardians(patient_id: int) -> str | WerkzeugResponse:
    patient = access.load_staff_patient(patient_id)
    form = GuardianForm()
    if form.validate_on_submit():
        if register(patient, form) is None:
            form.national_id.errors.append(
                _("This is the patient's own identity number. Enter the parent's or guardian's."))
        else:
            audit.record(patient.id, audit.AccessAction.CHANGED, context="clinician.guardians")
            flash(_("The parent or guardian is registered. They can now sign in."))
            return redirect(url_for("clinician.guardians", patient_id=patient.id), code=303)
    settings = current_settings()
    level = minors.guardian_access(patient.national_id, access.local_today(),
                                   settings.guardian_full_access_below_age,
                                   settings.guardian_limited_access_below_age)
    return render_template("clinician/guardians.html", patient=patient, form=form,
                           guardians=_guardians(patient), level=level,
                           age=identity.age_on(patient.national_id, access.local_today()),
                           settings=settings, confirm=ConfirmForm())


@bp.post("/patients/<int:patient_id>/guardians/<int:link_id>/remove")
@access.staff(*CLINICIANS)
def remove_guardian(patient_id: int, link_id: int) -> WerkzeugResponse:
    patient = access.load_staff_patient(patient_id)
    link = next((link for link in _guardians(patient) if link.id == link_id), None)
    if link is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        link.withdrawn_at = now()
        audit.record(patient.id, audit.AccessAction.CHANGED, context="clinician.remove_guardian")
        flash(_("%(name)s is no longer registered as parent or guardian.",
                name=link.relative.full_name))
    return redirect(url_for("clinician.guardians", patient_id=patient.id), code=303)
