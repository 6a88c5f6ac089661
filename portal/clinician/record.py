"""The conversation record, the agreed actions and the hand-over from hospital to municipality.

The organisation holding a touchpoint records the conversation and its actions. After the
hospital hands over, the municipality reads touchpoint 1's record and the actions the patient let
pass on (none linked to a topic kept for the conversation), and may only mark them done or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.clinician import record_operations as operations
from portal.clinician.blueprint import bp
from portal.clinician.models import AgreedAction
from portal.clinician.record_forms import (
    ActionForm,
    ContactPart,
    ConversationForm,
    EditActionForm,
    HandOverForm,
    StatusForm,
    contact_parts,
)
from portal.db import db_session
from portal.i18n import q_
from portal.pathway.models import Pathway, Touchpoint
from portal.patient.flow import QUESTIONNAIRE_ID, now, today
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import CONCERN_LEVEL, Definition
from portal.questionnaire.models import Response, Submission
from portal.staff.models import CLINICIANS, StaffMember

#: Concern levels that put a topic first among the needs to choose from.
HIGH_CONCERN = {level for level, value in CONCERN_LEVEL.items() if value >= 2}


@bp.route("/touchpoints/<int:touchpoint_id>/conversation", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def conversation(touchpoint_id: int) -> str | WerkzeugResponse:
    touchpoint = access.load_staff_touchpoint(touchpoint_id, responsible=True,
                                              lock=request.method == "POST").touchpoint
    form = ConversationForm()
    if form.from_record():
        form.held_on.data = (touchpoint.held_on or today()).isoformat()
        form.held_by.data = touchpoint.held_by or _held_by(access.current_staff())
        if touchpoint.relative_present is not None:
            form.relative_present.data = "yes" if touchpoint.relative_present else "no"
    if form.validate_on_submit() and form.check_dates(today(), touchpoint.pathway.diagnosis_date):
        held_on = form.held_date
        assert held_on is not None  # noqa: S101 (check_dates refuses a missing date)
        operations.record_conversation(db_session(), touchpoint, held_on, form.held_by.data,
                                       form.relative_present.data == "yes")
        flash(_("The conversation is recorded."))
        return _to_patient(touchpoint)
    return render_template("clinician/conversation.html", form=form, touchpoint=touchpoint,
                           patient=touchpoint.pathway.patient)


@bp.route("/touchpoints/<int:touchpoint_id>/actions/new", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def new_action(touchpoint_id: int) -> str | WerkzeugResponse:
    touchpoint = access.load_staff_touchpoint(touchpoint_id, responsible=True,
                                              lock=request.method == "POST").touchpoint
    form = ActionForm()
    form.needs.choices = topic_choices(touchpoint)
    if form.validate_on_submit():
        operations.add_action(
            db_session(), touchpoint, access.current_staff(), what=form.what.data,
            needs=_unique(form.needs.data), responsible=form.responsible.data,
            contact=form.contact.data, due_on=form.due_date, now=now())
        flash(_("The action is added. The patient sees it on their own page."))
        return _to_patient(touchpoint)
    return render_template("clinician/action.html", form=form, touchpoint=touchpoint,
                           patient=touchpoint.pathway.patient, action=None, full=True)


@bp.route("/actions/<int:action_id>", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def action(action_id: int) -> str | WerkzeugResponse:
    found, responsible = _load_action(action_id, lock=request.method == "POST")
    touchpoint = found.touchpoint
    form: StatusForm = EditActionForm() if responsible else StatusForm()
    if form.from_record():
        form.status.data = found.status
        form.status_on.data = (found.status_on or today()).isoformat()
        if isinstance(form, EditActionForm):
            form.what.data, form.needs.data = found.what, list(found.needs or ())
            form.responsible.data, form.contact.data = found.responsible, found.contact
            form.due_on.data = found.due_on.isoformat() if found.due_on else ""
    if isinstance(form, EditActionForm):
        form.needs.choices = topic_choices(touchpoint)
    if form.validate_on_submit() and form.check_status_date(today()):
        if isinstance(form, EditActionForm):
            operations.update_action(
                db_session(), found, what=form.what.data, needs=_unique(form.needs.data),
                responsible=form.responsible.data, contact=form.contact.data,
                due_on=form.due_date, status=form.status.data, status_on=form.status_date,
                now=now())
        else:
            operations.set_status(db_session(), found, form.status.data, form.status_date, now())
        flash(_("The action is saved."))
        return _to_patient(touchpoint)
    return render_template("clinician/action.html", form=form, touchpoint=touchpoint,
                           patient=touchpoint.pathway.patient, action=found, full=responsible)


@bp.route("/pathways/<int:pathway_id>/hand-over", methods=["GET", "POST"])
@access.staff(*CLINICIANS)
def hand_over(pathway_id: int) -> str | WerkzeugResponse:
    pathway, first = _load_hand_over(pathway_id, lock=request.method == "POST")
    form = HandOverForm()
    ready = operations.can_hand_over(first)
    if form.validate_on_submit():
        if ready:
            operations.hand_over(db_session(), pathway, access.current_staff(), now())
            flash(_("Handed over to %(municipality)s.", municipality=pathway.municipality.name))
            return _to_patient(first)
        return redirect(url_for(".hand_over", pathway_id=pathway.id), code=303)
    kept = operations.private_topics(db_session(), [first.id]).get(first.id, set())
    actions = list(db_session().scalars(
        select(AgreedAction).where(AgreedAction.touchpoint_id == first.id)
        .order_by(AgreedAction.id)))
    return render_template(
        "clinician/hand_over.html", form=form, pathway=pathway, touchpoint=first, ready=ready,
        kept_count=len(kept), handed_over_by=_handed_over_by(pathway),
        passing=[a for a in actions if operations.passes_on(a, kept)],
        staying=[a for a in actions if not operations.passes_on(a, kept)])


# --- what the staff patient page shows of each touchpoint ---------------------------------


@dataclass(frozen=True)
class ActionView:
    action: AgreedAction
    #: Titles of the topics that prompted it, in the reader's language.
    needs: list[str]
    contact: list[ContactPart]
    #: Another service may see it (no need was kept for the conversation).
    passes_on: bool


@dataclass(frozen=True)
class Record:
    touchpoint: Touchpoint
    #: The reader's organisation holds this touchpoint: it may change the record and actions.
    responsible: bool
    #: The reader may see the record at all (responsible, or touchpoint 1 handed over to it).
    visible: bool
    actions: list[ActionView]
    #: Some actions are not shown, because the patient kept their topics for the conversation.
    withheld: bool
    #: Touchpoint 1 only: may the reader hand over now; when and by whom it was handed over.
    can_hand_over: bool
    handed_over_at: datetime | None
    handed_over_by: str | None


def records_for(touchpoints: Sequence[Touchpoint]) -> dict[int, Record]:
    """What the staff patient page shows of each touchpoint's record, by touchpoint id: in three
    queries, whatever the number of touchpoints."""
    if not touchpoints:
        return {}
    organisation_id = access.current_staff().organisation_id
    session = db_session()
    ids = [t.id for t in touchpoints]
    actions: dict[int, list[AgreedAction]] = {}
    for found in session.scalars(select(AgreedAction).where(AgreedAction.touchpoint_id.in_(ids))
                                 .order_by(AgreedAction.id)):
        actions.setdefault(found.touchpoint_id, []).append(found)
    kept = operations.private_topics(session, ids)
    pathways = {row.id: row for row in session.execute(
        select(Pathway.id, Pathway.handed_over_at, Pathway.municipality_id,
               StaffMember.given_name, StaffMember.family_name, StaffMember.title)
        .outerjoin(StaffMember, StaffMember.id == Pathway.handed_over_by_id)
        .where(Pathway.id.in_({t.pathway_id for t in touchpoints})))}
    titles = _topic_titles()
    records = {}
    for touchpoint in touchpoints:
        pathway = pathways[touchpoint.pathway_id]
        responsible = touchpoint.organisation_id == organisation_id
        handed_over_to_reader = (touchpoint.number == 1 and pathway.handed_over_at is not None
                                 and pathway.municipality_id == organisation_id)
        private = kept.get(touchpoint.id, set())
        views = [ActionView(a, [titles.get(n, n) for n in a.needs or ()],
                            contact_parts(a.contact), operations.passes_on(a, private))
                 for a in actions.get(touchpoint.id, [])]
        shown = views if responsible else [v for v in views if v.passes_on]
        visible = responsible or handed_over_to_reader
        by = (_name_and_title(f"{pathway.given_name} {pathway.family_name}", pathway.title)
              if pathway.given_name else None)
        records[touchpoint.id] = Record(
            touchpoint=touchpoint, responsible=responsible, visible=visible,
            actions=shown if visible else [], withheld=visible and len(shown) < len(views),
            can_hand_over=(responsible and touchpoint.number == 1
                           and pathway.handed_over_at is None
                           and operations.can_hand_over(touchpoint)),
            handed_over_at=pathway.handed_over_at if touchpoint.number == 1 else None,
            handed_over_by=by if touchpoint.number == 1 else None)
    return records


# --- loading and small helpers ------------------------------------------------------------


def _load_action(action_id: int, lock: bool) -> tuple[AgreedAction, bool]:
    """An action and whether the reader is responsible for it; 404 when the reader may not see
    it (outside their reach, or linked to a topic the patient kept for the conversation)."""
    if not 0 < action_id <= access.MAX_ID:
        abort(404)
    touchpoint_id = db_session().scalar(
        select(AgreedAction.touchpoint_id).where(AgreedAction.id == action_id))
    if touchpoint_id is None:
        abort(404)
    reader = access.load_staff_touchpoint(touchpoint_id, lock=lock)
    found = db_session().get(AgreedAction, action_id)
    if found is None:
        abort(404)
    if not reader.responsible:
        kept = operations.private_topics(db_session(), [touchpoint_id]).get(touchpoint_id, set())
        if not operations.passes_on(found, kept):
            abort(404)
    return found, reader.responsible


def _load_hand_over(pathway_id: int, lock: bool) -> tuple[Pathway, Touchpoint]:
    """A pathway whose touchpoint 1 the staff member's hospital holds, and that touchpoint."""
    if not 0 < pathway_id <= access.MAX_ID:
        abort(404)
    organisation_id = access.current_staff().organisation_id
    query = (select(Touchpoint).join(Pathway)
             .where(Pathway.id == pathway_id, Pathway.hospital_id == organisation_id,
                    Touchpoint.number == 1, Touchpoint.organisation_id == organisation_id)
             .options(joinedload(Touchpoint.pathway).joinedload(Pathway.patient)))
    if lock:
        query = query.with_for_update(of=Touchpoint)
    first = db_session().scalar(query)
    if first is None:
        abort(404)
    return first.pathway, first


def _handed_over_by(pathway: Pathway) -> StaffMember | None:
    if pathway.handed_over_by_id is None:
        return None
    return db_session().get(StaffMember, pathway.handed_over_by_id)


def _held_by(staff: StaffMember) -> str:
    return _name_and_title(staff.full_name, staff.title)


def _name_and_title(name: str, title: str | None) -> str:
    return str(_("%(name)s, %(title)s", name=name, title=title)) if title else name


def _to_patient(touchpoint: Touchpoint) -> WerkzeugResponse:
    return redirect(url_for(".patient", patient_id=touchpoint.pathway.patient_id), code=303)


def _unique(values: Sequence[str] | None) -> list[str]:
    return list(dict.fromkeys(values or ()))


def _definition(touchpoint: Touchpoint) -> Definition:
    """The questionnaire version the patient answers at this touchpoint (the latest if none)."""
    version = db_session().execute(
        select(Response.questionnaire_id, Response.questionnaire_version)
        .where(Response.touchpoint_id == touchpoint.id)).first()
    found = definitions.get(version[0], version[1]) if version else None
    return found or definitions.latest(QUESTIONNAIRE_ID)


def topic_choices(touchpoint: Touchpoint) -> list[tuple[str, str]]:
    """The topics of the touchpoint's questionnaire: those the patient wants to talk about or
    that concern them a lot first, marked as such; then the rest in questionnaire order."""
    definition = _definition(touchpoint)
    answers = db_session().scalar(
        select(Submission.answers).join(Response)
        .where(Response.touchpoint_id == touchpoint.id)
        .order_by(Submission.number.desc()).limit(1)) or {}
    agenda = set(answers.get("agenda") or ())
    first: list[tuple[str, str]] = []
    rest: list[tuple[str, str]] = []
    for page in definition.topics:
        title = q_(page.title)
        if page.id in agenda or answers.get(f"{page.id}_talk"):
            first.append((page.id, _("%(topic)s (the patient wants to talk about this)",
                                     topic=title)))
        elif answers.get(f"{page.id}_concern") in HIGH_CONCERN:
            first.append((page.id, _("%(topic)s (concerns the patient a lot)", topic=title)))
        else:
            rest.append((page.id, title))
    return first + rest


def _topic_titles() -> dict[str, str]:
    """Topic page titles by id in the reader's language, across every installed version (the
    newest wording wins)."""
    titles: dict[str, str] = {}
    for _key, definition in sorted(definitions.registry().items()):
        for page in definition.pages:
            titles[page.id] = q_(page.title)
    return titles
