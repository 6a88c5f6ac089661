"""The staff member's start page: what needs doing at their organisation.

The worklist is a list of names to choose from, with no health information beyond the markers
needed to choose: it is not logged row by row. Opening a patient is logged
(``patient_page.patient``), as is every read of answers.
"""

from __future__ import annotations

from flask import render_template, request

from portal import access
from portal.clinician import queries
from portal.clinician.blueprint import bp
from portal.clinician.forms import STATE_FILTERS, TOUCHPOINT_FILTERS, WorklistForm
from portal.clinician.rows import RowFormatter
from portal.contacts.models import OrganisationKind
from portal.db import db_session
from portal.pathway.rules import Place
from portal.patient.flow import today
from portal.settings import current as current_settings
from portal.staff.models import CLINICIANS, StaffRole


@bp.get("/")
@access.staff()
def worklist() -> str:
    staff = access.current_staff()
    if not staff.roles & set(CLINICIANS):
        return render_template("clinician/worklist_admin.html", staff=staff)
    settings = current_settings()
    clock = queries.Clock(today(), settings.display_timezone)
    session, organisation_id = db_session(), staff.organisation_id
    place = (Place.HOSPITAL if staff.organisation.kind == OrganisationKind.HOSPITAL_TRUST
             else Place.MUNICIPALITY)
    form = WorklistForm(request.args)
    lists: dict[str, queries.Listing] = {}
    results = None
    if form.active and form.validate():
        results = queries.search(
            session, organisation_id, clock, settings, national_id=form.national_id,
            words=form.name_words, state=form.state.data or None,
            number=int(form.touchpoint.data) if form.touchpoint.data else None)
    elif not form.active:
        lists = {
            "coming": queries.coming_conversations(session, organisation_id, clock, settings),
            "unread": queries.unread_submissions(session, organisation_id, clock, settings),
            "unbooked": queries.unbooked(session, organisation_id, place, clock, settings),
            "offer_again": queries.offer_again(session, organisation_id, clock, settings),
        }
    rows = RowFormatter(clock.today, settings.display_timezone)
    shown = {name: rows.listing(found) for name, found in lists.items()}
    if results is not None:
        shown["results"] = rows.listing(results)
    return render_template(
        "clinician/worklist.html", staff=staff, form=form, shown=shown,
        search=form, lists=lists, results=results, page_size=queries.PAGE_SIZE,
        days=settings.worklist_days, states=STATE_FILTERS, numbers=TOUCHPOINT_FILTERS,
        may_enrol=StaffRole.HOSPITAL_CLINICIAN in staff.roles,
        administrator=StaffRole.ADMINISTRATOR in staff.roles)
