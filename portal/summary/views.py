"""The summary page and its PDF for staff, and the patient's own PDF copy."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _

from portal import access, audit
from portal.db import db_session
from portal.patient.flow import now, today
from portal.settings import current as current_settings
from portal.staff.models import CLINICIANS
from portal.summary import model, pdf
from portal.summary.model import Summary
from portal.summary.operations import mark_first_read
from portal.templating import when

bp = Blueprint("summary", __name__)


def _build(found: access.StaffTouchpoint) -> Summary:
    return model.build(found.touchpoint, found.responsible, today(),
                       strain_threshold=current_settings().high_strain_threshold)


@bp.get("/staff/touchpoints/<int:touchpoint_id>/summary")
@access.staff(*CLINICIANS)
def page(touchpoint_id: int) -> str:
    found = access.load_staff_touchpoint(touchpoint_id)
    summary = _build(found)
    if found.responsible:
        mark_first_read(summary.response, now())
    show_identity = request.args.get("show") == "identity"
    patient_id, number = summary.patient.id, found.touchpoint.number
    audit.record(patient_id, audit.AccessAction.READ_SUMMARY, touchpoint_number=number)
    if show_identity:
        audit.record(patient_id, audit.AccessAction.SHOWED_IDENTITY_NUMBER,
                     touchpoint_number=number)
    return render_template("summary/page.html", summary=summary, pdf=False, own=False,
                           identity_number=summary.patient.national_id if show_identity else None)


@bp.get("/staff/touchpoints/<int:touchpoint_id>/summary.pdf", endpoint="pdf")
@access.staff(*CLINICIANS)
def pdf_download(touchpoint_id: int) -> Response:
    found = access.load_staff_touchpoint(touchpoint_id)
    summary = _build(found)
    if found.responsible:  # reading the PDF is opening the answers too
        mark_first_read(summary.response, now())
    body = _pdf(summary, own=False)
    # Logged after rendering: the access log's lock is held until the request commits.
    audit.record(summary.patient.id, audit.AccessAction.DOWNLOADED_PDF,
                 touchpoint_number=found.touchpoint.number)
    return _pdf_response(body, found.touchpoint.number)


@bp.get("/patient/touchpoints/<int:touchpoint_id>/summary.pdf")
@access.patient
def own_pdf(touchpoint_id: int) -> Response:
    touchpoint = access.load_own_touchpoint(touchpoint_id)
    summary = model.build(touchpoint, True, today(), own=True,
                          strain_threshold=current_settings().high_strain_threshold)
    return _pdf_response(_pdf(summary, own=True), touchpoint.number)


def _pdf(summary: Summary, own: bool) -> bytes:
    html = render_template("summary/pdf.html", summary=summary, pdf=True, own=own,
                           identity_number=None,
                           generated=pdf.GENERATED_MARK, css_string=pdf.css_string,
                           page_counter=pdf.css_counter_sentence(
                               _("Page %(page)s of %(pages)s", page="%(page)s",
                                 pages="%(pages)s"), page="page", pages="pages"))

    def make() -> bytes:
        stamp = str(pdf.css_string(when(now())))[1:-1]
        fetcher = pdf.make_fetcher(current_app.static_folder or "",
                                   current_app.static_url_path or "/static", request.host)
        return pdf.render(html.replace(pdf.GENERATED_MARK, stamp), request.url_root, fetcher)

    return pdf.cached(db_session(), summary.touchpoint.id, html, make)


def _pdf_response(body: bytes, number: int) -> Response:
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="summary-conversation-{number}.pdf"')
    return response
