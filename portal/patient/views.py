"""The patient's pages: pathway, questionnaire steps, review, submit and receipt."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access, csrf, drafts
from portal.auth.session import PATIENT
from portal.clinician.record_operations import agreed_actions
from portal.db import db_session
from portal.i18n import current_locale
from portal.notices import outbox
from portal.patient.flow import (
    QUESTIONNAIRE_ID,
    QuestionnaireContext,
    ensure_response,
    now,
    pathway_statuses,
    questionnaire_context,
)
from portal.questionnaire import definition as definitions
from portal.questionnaire import operations
from portal.questionnaire.forms import cleaned_values, page_form
from portal.questionnaire.scoring import acute_risk
from portal.settings import current as current_settings

bp = Blueprint("patient", __name__, url_prefix="/patient")

@bp.get("/")
@access.patient
def home() -> str:
    patient = access.current_patient()
    statuses = pathway_statuses(patient)
    focus = next((s for s in statuses if s.editable), None)
    # Whom to call: the hospital until it hands over after touchpoint 1, then the municipality.
    # A pathway whose hand-over was never recorded switches once a municipal conversation has
    # opened: the patient is preparing for it and the municipality holds it.
    pathway = statuses[0].touchpoint.pathway if statuses else None
    contact = None
    if pathway is not None:
        municipal_started = any(s.touchpoint.number > 1 and s.state != "upcoming"
                                for s in statuses)
        contact = (pathway.municipality if pathway.handed_over_at or municipal_started
                   else pathway.hospital)
    actions = agreed_actions(db_session(), pathway.id) if pathway else []
    return render_template("patient/home.html", patient=patient, statuses=statuses, focus=focus,
                           contact=contact, actions=actions,
                           questionnaire=definitions.latest(QUESTIONNAIRE_ID))


@bp.get("/touchpoints/<int:touchpoint_id>/questionnaire")
@access.patient
def resume(touchpoint_id: int) -> str | WerkzeugResponse:
    context = questionnaire_context(touchpoint_id)
    if not context.status.editable:
        return _not_editable(context)
    page = context.response.current_page if context.response else 1
    page = min(page, len(context.definition.pages))
    return redirect(url_for(".step", touchpoint_id=touchpoint_id, number=page))


@bp.route("/touchpoints/<int:touchpoint_id>/steps/<int:number>", methods=["GET", "POST"])
@access.patient
# The step form checks its own CSRF token (FlaskForm.validate), so that an expired token shows as
# a message on the page with everything the patient typed kept, instead of an error page.
@csrf.exempt  # type: ignore[untyped-decorator]  # Flask-WTF ships no type hints
def step(touchpoint_id: int, number: int) -> str | WerkzeugResponse:
    context = questionnaire_context(touchpoint_id, lock=request.method == "POST")
    page = context.definition.page(number)
    if page is None:
        abort(404)
    if not context.status.editable:
        return _not_editable(context)
    formdata = request.form if request.method == "POST" else None
    restored = (drafts.find(PATIENT, context.patient.id, request.path) if formdata is None
                else None)
    form = page_form(context.definition, page, context.answers, formdata or restored)
    if request.method == "POST" and form.validate():
        response = ensure_response(context)
        operations.save_page(db_session(), response, context.definition, page,
                             cleaned_values(page, form), now())
        drafts.discard(PATIENT, context.patient.id, request.path)
        return _after_save(context, number, request.form.get("action", "next"))
    # Another field's error must not lose a sign of acute risk: the flag is kept now, the rest
    # of the page when the patient corrects it.
    if (request.method == "POST" and not form.csrf_token.errors
            and acute_risk(page.questions, request.form)):
        operations.mark_urgent(ensure_response(context), now())
    return render_template("patient/step.html", context=context, page=page, number=number,
                           form=form, from_review=request.args.get("from") == "review",
                           csrf_expired=bool(form.errors.get("csrf_token")),
                           restored=restored is not None)


def _after_save(context: QuestionnaireContext, number: int, action: str) -> WerkzeugResponse:
    response = ensure_response(context)
    last = len(context.definition.pages)
    tp = context.touchpoint.id
    if action == "later":
        operations.move_to(response, number)
        flash(_("Your answers are saved. You can continue where you left off, on this or "
                "another device."))
        return redirect(url_for(".home"), code=303)
    if action == "back" and number > 1:
        operations.move_to(response, number - 1)
        return redirect(url_for(".step", touchpoint_id=tp, number=number - 1), code=303)
    if action == "review" or number >= last:
        operations.move_to(response, last)
        return redirect(url_for(".review", touchpoint_id=tp), code=303)
    operations.move_to(response, number + 1)
    return redirect(url_for(".step", touchpoint_id=tp, number=number + 1), code=303)


@bp.get("/touchpoints/<int:touchpoint_id>/review")
@access.patient
def review(touchpoint_id: int) -> str | WerkzeugResponse:
    context = questionnaire_context(touchpoint_id)
    if context.response is None:
        return redirect(url_for(".resume", touchpoint_id=touchpoint_id))
    return render_template("patient/review.html", context=context)


@bp.post("/touchpoints/<int:touchpoint_id>/submit")
@access.patient
def submit(touchpoint_id: int) -> WerkzeugResponse:
    context = questionnaire_context(touchpoint_id, lock=True)
    response = context.response
    if response is None or not context.status.editable:
        return redirect(url_for(".receipt", touchpoint_id=touchpoint_id), code=303)
    if request.form.get("revision") != str(response.revision):
        if response.submitted_revision == response.revision:
            # A double click or a resend of a form already handled: nothing new to send.
            return redirect(url_for(".receipt", touchpoint_id=touchpoint_id), code=303)
        flash(_("Your answers were changed in another window. Check them and send again."))
        return redirect(url_for(".review", touchpoint_id=touchpoint_id), code=303)
    if operations.submit(db_session(), response, now(), current_locale()) is not None:
        # Tells the responsible team when the answers are marked urgent and the setting is on.
        outbox.urgent_submitted(db_session(), response, current_settings())
    return redirect(url_for(".receipt", touchpoint_id=touchpoint_id), code=303)


@bp.get("/touchpoints/<int:touchpoint_id>/receipt")
@access.patient
def receipt(touchpoint_id: int) -> str | WerkzeugResponse:
    context = questionnaire_context(touchpoint_id, cards=True)  # the contact cards
    if context.response is None or not context.response.submissions:
        return redirect(url_for(".resume", touchpoint_id=touchpoint_id))
    return render_template("patient/receipt.html", context=context,
                           submission=context.response.submissions[-1])


def _not_editable(context: QuestionnaireContext) -> str | WerkzeugResponse:
    if context.response is not None and context.response.submissions:
        return redirect(url_for(".review", touchpoint_id=context.touchpoint.id))
    return render_template("patient/not_open.html", context=context)


# Importing these modules registers their routes on this blueprint.
from portal.patient import contacts, relatives  # noqa: E402, F401
