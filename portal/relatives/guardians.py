"""A parent or guardian acts on behalf of a child patient, while the child's age allows it
(``minors.py``): the portal then shows the child's own pages, with a banner saying so, until the
guardian stops. Starting is in the child's access log; ``access.enforce`` checks the age and the
registration again on every request."""

from __future__ import annotations

from flask import abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access, audit
from portal.auth.session import act_for as start_acting
from portal.auth.session import stop_acting as stop
from portal.clinician.forms import ConfirmForm
from portal.patient.views import bp as patient_bp
from portal.relatives.views import bp


@bp.post("/patients/<int:patient_id>/act-for")
@access.relative
def act_for(patient_id: int) -> WerkzeugResponse:
    link = access.guardian_link(access.current_relative().id, patient_id, acting=True)
    if link is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("relative.home"), code=303)
    audit.record(link.patient_id, audit.AccessAction.OPENED_PATIENT, context="relative.act_for")
    start_acting(link.patient_id)
    flash(_("You are now acting on behalf of %(name)s.", name=link.patient.full_name))
    return redirect(url_for("patient.home"), code=303)


@patient_bp.post("/stop-acting")
@access.patient
def stop_acting() -> WerkzeugResponse:
    if g.principal.guardian_id is None or not ConfirmForm().validate_on_submit():
        return redirect(url_for("patient.home"), code=303)
    stop()
    return redirect(url_for("relative.home"), code=303)


@bp.app_context_processor
def _acting() -> dict[str, object]:
    """``acting_for``: the child a guardian is acting for (the layout's banner), else None."""
    principal = g.get("principal")
    if principal is None or principal.guardian_id is None:
        return {"acting_for": None, "stop_acting_form": None}
    return {"acting_for": access.current_patient(), "stop_acting_form": ConfirmForm()}
