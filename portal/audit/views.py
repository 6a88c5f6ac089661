"""The patient's "who has looked at my information" page and the administrator's access log.

Reading the log is not itself logged here: the administrator's pages show who looked at which
patient, not the patients' health information.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select

from portal import access
from portal.audit import queries
from portal.audit.forms import PeriodForm
from portal.audit.wording import action_label, describe
from portal.db import db_session
from portal.settings import current as current_settings
from portal.staff.models import StaffMember

bp = Blueprint("audit", __name__)

#: Entries per page on the patient's page.
PATIENT_PAGE_SIZE = 100
#: At most this many entries on the administrator's page for one staff member.
STAFF_LIMIT = 500


def _zone() -> ZoneInfo:
    return ZoneInfo(current_settings().display_timezone)


@bp.get("/patient/access-log")
@access.patient
def patient_log() -> str:
    patient = access.current_patient()
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= access.MAX_ID:
        before = None
    page = queries.patient_events(db_session(), patient.id, before, PATIENT_PAGE_SIZE)
    days = [(day, [(event, describe(event)) for event in events])
            for day, events in queries.by_day(page.events, _zone())]
    pathway = patient.current_pathway
    organisations = [pathway.hospital, pathway.municipality] if pathway else []
    return render_template("audit/patient_log.html", days=days, older=page.older,
                           first_page=before is None, organisations=organisations)


@bp.get("/admin/access-log")
@access.administrator
def admin_staff_list() -> str:
    administrator = access.current_staff()
    members = queries.staff_counts(db_session(), administrator.organisation_id)
    return render_template("audit/admin_staff_list.html",
                           organisation=administrator.organisation, members=members)


@bp.get("/admin/access-log/staff/<int:staff_id>")
@access.administrator
def admin_staff(staff_id: int) -> str:
    member = _own_staff_member(staff_id)
    form = PeriodForm(request.args)
    accesses: list[queries.StaffAccess] = []
    more = False
    if form.validate():
        zone = _zone()
        start = queries.day_start(form.start_date, zone) if form.start_date else None
        end = (queries.day_start(form.end_date + timedelta(days=1), zone)
               if form.end_date else None)
        accesses, more = queries.staff_events(db_session(), member.id, start, end, STAFF_LIMIT)
    return render_template("audit/admin_staff.html", member=member, form=form,
                           accesses=accesses, more=more, limit=STAFF_LIMIT,
                           filtered=bool(form.start_date or form.end_date),
                           action_label=action_label)


def _own_staff_member(staff_id: int) -> StaffMember:
    """A staff member of the administrator's own organisation, or 404."""
    if not 0 < staff_id <= access.MAX_ID:
        abort(404)
    found = db_session().scalar(
        select(StaffMember).where(StaffMember.id == staff_id,
                                  StaffMember.organisation_id
                                  == access.current_staff().organisation_id))
    if found is None:
        abort(404)
    return found
