"""Hospital staff enrol a newly diagnosed patient: the patient, the pathway and its three
touchpoints. The same identity number never becomes a second patient."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.clinician import operations
from portal.clinician.blueprint import bp
from portal.clinician.forms import EnrolForm, as_date
from portal.clinician.operations import Enrolled, PatientDetails
from portal.contacts.models import Organisation, OrganisationKind
from portal.db import db_session
from portal.i18n import LANGUAGE_NAMES
from portal.patient.flow import today
from portal.settings import SUPPORTED_LOCALES
from portal.settings import current as current_settings
from portal.staff.models import StaffRole


def _municipalities() -> list[Organisation]:
    return list(db_session().scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.MUNICIPALITY)
        .order_by(Organisation.name, Organisation.municipality_number)))


@bp.route("/patients/new", methods=["GET", "POST"])
@access.staff(StaffRole.HOSPITAL_CLINICIAN)
def enrol() -> str | WerkzeugResponse:
    staff = access.current_staff()
    municipalities = _municipalities()
    form = EnrolForm()
    form.municipality.choices = [(str(m.id), m.name) for m in municipalities]
    if form.from_record():
        form.locale.data = current_settings().default_locale
    already = None
    if form.validate_on_submit() and form.check_diagnosis_date(today()):
        municipality = next(m for m in municipalities if str(m.id) == form.municipality.data)
        diagnosis_date = as_date(form.diagnosis_date.data)
        if diagnosis_date is None:  # check_diagnosis_date refuses a missing date
            abort(400)
        details = PatientDetails(
            national_id=form.national_id_value, given_name=form.given_name.data,
            family_name=form.family_name.data, preferred_locale=form.locale.data,
            mobile=form.mobile_value, email=form.email_value,
            children_under_18=form.children_under_18.data == "yes")
        enrolment = operations.enrol(db_session(), details, staff.organisation, municipality,
                                     diagnosis_date)
        name = enrolment.patient.full_name
        if enrolment.outcome == Enrolled.ALREADY:
            already = enrolment.patient
        else:
            if enrolment.outcome == Enrolled.NEW_PATHWAY:
                flash(_("%(name)s was in the portal already, so no new patient was made. A new "
                        "pathway from this diagnosis has been added.", name=name))
            else:
                flash(_("%(name)s is enrolled. The three conversations are planned from the "
                        "diagnosis date.", name=name))
            return redirect(url_for("clinician.patient", patient_id=enrolment.patient.id),
                            code=303)
    return render_template(
        "clinician/enrol.html", form=form, already=already,
        municipalities=form.municipality.choices,
        languages=[(code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES])
