"""The monitoring pages and their CSV exports, for an organisation's administrators.

An administrator sees their own organisation's figures only: the organisation comes from the
signed-in staff member, never from the request. Anyone else gets 404 (``access.administrator``).
The figures are aggregates and are not logged; the registration export lists patients' identity
numbers, so every conversation in it is written to that patient's access log, in one batch.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.audit import operations as audit
from portal.audit.models import AccessAction
from portal.audit.wording import REGISTRATION_EXPORT
from portal.db import db_session
from portal.monitoring import charts, export, figures, presentation
from portal.monitoring.forms import HeldExportForm, PeriodForm, period_choices
from portal.patient.flow import today
from portal.settings import current as current_settings

bp = Blueprint("monitoring", __name__, url_prefix="/staff")


def _scope(kind: figures.PeriodKind, on: date) -> figures.Scope:
    settings = current_settings()
    return figures.Scope(
        organisation=access.current_staff().organisation,
        periods=figures.periods(kind, on), today=on, timezone=settings.display_timezone,
        days_before=settings.questionnaire_opens_days_before)


def _period_kind(form: PeriodForm) -> figures.PeriodKind:
    return "quarter" if form.kind == "quarter" else "month"


def _page(period_form: PeriodForm, held_form: HeldExportForm, status: int = 200
          ) -> tuple[str, int]:
    kind = _period_kind(period_form)
    scope = _scope(kind, today())
    found = figures.compute(db_session(), scope)
    return render_template(
        "monitoring/page.html", organisation=scope.organisation, scope=scope, kind=kind,
        rows=list(reversed(found)), columns=presentation.columns(scope),
        chart=charts.build(found), period_form=period_form, held_form=held_form,
        form=held_form if held_form.errors else None, choices=period_choices(),
        presentation=presentation, code=current_settings().needs_assessment_code), status


@bp.get("/monitoring")
@access.administrator
def page() -> tuple[str, int]:
    period_form = PeriodForm(request.args)
    period_form.validate()
    return _page(period_form, HeldExportForm())


@bp.get("/monitoring.csv")
@access.administrator
def figures_csv() -> Response:
    period_form = PeriodForm(request.args)
    period_form.validate()
    scope = _scope(_period_kind(period_form), today())
    found = figures.compute(db_session(), scope)
    return _csv(export.figures_csv(scope, found),
                f"monitoring-{scope.organisation.org_number}-{scope.today.isoformat()}.csv")


@bp.get("/monitoring/held.csv")
@access.administrator
def held_csv() -> Response | WerkzeugResponse | tuple[str, int]:
    form = HeldExportForm(request.args)
    if not form.validate() or form.start_date is None or form.end_date is None:
        return _page(PeriodForm(), form)
    organisation = access.current_staff().organisation
    rows = export.held_rows(db_session(), organisation.id, form.start_date, form.end_date)
    audit.record_many([(row.patient_id, row.number) for row in rows], AccessAction.EXPORTED,
                      context=REGISTRATION_EXPORT)
    return _csv(export.held_csv(rows, current_settings().needs_assessment_code),
                f"held-{organisation.org_number}-{form.start_date.isoformat()}-"
                f"{form.end_date.isoformat()}.csv")


def _csv(body: str, filename: str) -> Response:
    response = Response(body.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
