"""The responsible organisation books, changes or removes a touchpoint's appointment, and marks
a touchpoint declined with a date to offer it again (or undoes that)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.clinician import operations
from portal.clinician.blueprint import bp
from portal.clinician.forms import AppointmentForm, ConfirmForm, DeclineForm, as_date
from portal.db import db_session
from portal.pathway.models import Touchpoint
from portal.patient.flow import today
from portal.settings import current as current_settings
from portal.staff.models import CLINICIANS


def _to_patient(touchpoint: Touchpoint) -> WerkzeugResponse:
    return redirect(url_for("clinician.patient", patient_id=touchpoint.pathway.patient_id,
                            _anchor=f"touchpoint-{touchpoint.id}"), code=303)


def _render(template: str, touchpoint: Touchpoint, form: object) -> str:
    return render_template(template, form=form, touchpoint=touchpoint,
                           patient=touchpoint.pathway.patient)


@bp.route("/touchpoints/<int:touchpoint_id>/appointment", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def appointment(touchpoint_id: int) -> str | WerkzeugResponse:
    touchpoint = access.load_staff_touchpoint(touchpoint_id, responsible=True,
                                              lock=request.method == "POST").touchpoint
    if request.form.get("action") == "remove":
        if ConfirmForm().validate_on_submit() and touchpoint.appointment_at is not None:
            operations.remove_appointment(db_session(), touchpoint)
            flash(_("The appointment is removed."))
        return _to_patient(touchpoint)
    settings = current_settings()
    form = AppointmentForm()
    if form.from_record() and touchpoint.appointment_at is not None:
        local = touchpoint.appointment_at.astimezone(ZoneInfo(settings.display_timezone))
        form.day.data = local.date().isoformat()
        form.at.data = local.strftime("%H:%M")
        form.place.data = touchpoint.appointment_place
        form.with_whom.data = touchpoint.appointment_with
    if form.validate_on_submit():
        moment = form.moment(settings.display_timezone, touchpoint.pathway.diagnosis_date)
        if moment is not None:
            undone = operations.set_appointment(db_session(), touchpoint, moment,
                                                form.place.data, form.with_whom.data)
            flash(_("The appointment is saved. The patient no longer shows as having said no.")
                  if undone else _("The appointment is saved. The patient sees it on their "
                                   "own page."))
            return _to_patient(touchpoint)
    return _render("clinician/appointment.html", touchpoint, form)


@bp.route("/touchpoints/<int:touchpoint_id>/decline", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def decline(touchpoint_id: int) -> str | WerkzeugResponse:
    touchpoint = access.load_staff_touchpoint(touchpoint_id, responsible=True,
                                              lock=request.method == "POST").touchpoint
    form = DeclineForm()
    if touchpoint.held_on is not None:  # a held conversation is never declined
        return _render("clinician/decline.html", touchpoint, form)
    if request.form.get("action") == "undo":
        if ConfirmForm().validate_on_submit() and touchpoint.declined_on is not None:
            operations.undo_decline(db_session(), touchpoint)
            flash(_("The patient is no longer marked as having said no. Book an appointment "
                    "when you have agreed on one."))
        return _to_patient(touchpoint)
    if form.from_record():
        # The date to offer again is the clinician's choice each time: never filled in for them.
        form.declined_on.data = (touchpoint.declined_on or today()).isoformat()
        if touchpoint.offer_again_on is not None:
            form.offer_again_on.data = touchpoint.offer_again_on.isoformat()
    if form.validate_on_submit() and form.check_dates(today(), touchpoint.pathway.diagnosis_date):
        declined_on, again = as_date(form.declined_on.data), as_date(form.offer_again_on.data)
        if declined_on is not None and again is not None:  # check_dates made sure of both
            operations.decline(db_session(), touchpoint, declined_on, again)
            flash(_("Saved: the patient said no for now. The worklist shows them again on "
                    "%(date)s.", date=format_date(again, format="long")))
            return _to_patient(touchpoint)
    return _render("clinician/decline.html", touchpoint, form)
