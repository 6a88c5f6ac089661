"""The relative's own questionnaire: which conversation it is for, the steps, checking and sending.

Every request checks that the patient still lets this relative answer (``answers.load``): a
permission withdrawn mid-way answers 404 and saves nothing. The logic is in ``answers.py``.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access, audit, csrf, drafts
from portal.auth.session import RELATIVE
from portal.db import db_session
from portal.i18n import current_locale
from portal.patient.flow import now
from portal.questionnaire.forms import cleaned_values, page_form
from portal.relatives import answers
from portal.relatives.answers import RelativeContext
from portal.relatives.views import bp


@bp.get("/patients/<int:patient_id>/questionnaire")
@access.relative
def questionnaire(patient_id: int) -> str:
    context = answers.load(patient_id)
    if context.touchpoint is not None:
        # Which conversation comes next, and with whom, is about the patient's pathway: logged.
        audit.record(context.patient.id, audit.AccessAction.READ_APPOINTMENTS,
                     touchpoint_number=context.touchpoint.number,
                     context="relative.questionnaire")
    return render_template("relatives/questionnaire_overview.html", context=context)


@bp.route("/patients/<int:patient_id>/questionnaire/steps/<int:number>",
          methods=["GET", "POST"])
@access.relative
# The step form checks its own CSRF token (FlaskForm.validate), so that an expired token shows as
# a message on the page with everything typed kept, instead of an error page.
@csrf.exempt  # type: ignore[untyped-decorator]  # Flask-WTF ships no type hints
def questionnaire_step(patient_id: int, number: int) -> str | WerkzeugResponse:
    context = answers.load(patient_id, lock=request.method == "POST")
    page = context.definition.page(number)
    if page is None:
        abort(404)
    if context.touchpoint is None:
        return redirect(url_for(".questionnaire", patient_id=patient_id), code=303)
    formdata = request.form if request.method == "POST" else None
    relative_id = access.current_relative().id
    restored = (drafts.find(RELATIVE, relative_id, request.path) if formdata is None
                else None)
    form = page_form(context.definition, page, context.answers, formdata or restored)
    if request.method == "POST" and form.validate():
        answers.save_page(db_session(), context, page, cleaned_values(page, form), now())
        drafts.discard(RELATIVE, relative_id, request.path)
        return _after_save(context, number, request.form.get("action", "next"))
    return render_template("relatives/questionnaire_step.html", context=context, page=page,
                           number=number, form=form,
                           from_review=request.args.get("from") == "review",
                           csrf_expired=bool(form.errors.get("csrf_token")),
                           restored=restored is not None)


def _after_save(context: RelativeContext, number: int, action: str) -> WerkzeugResponse:
    patient_id, last = context.patient.id, len(context.definition.pages)
    if action == "later":
        flash(_("Your answers are saved. You can continue later."))
        return redirect(url_for(".questionnaire", patient_id=patient_id), code=303)
    if action == "back" and number > 1:
        target = number - 1
    elif action == "review" or number >= last:
        return redirect(url_for(".questionnaire_review", patient_id=patient_id), code=303)
    else:
        target = number + 1
    return redirect(url_for(".questionnaire_step", patient_id=patient_id, number=target),
                    code=303)


@bp.get("/patients/<int:patient_id>/questionnaire/review")
@access.relative
def questionnaire_review(patient_id: int) -> str | WerkzeugResponse:
    context = answers.load(patient_id)
    if context.touchpoint is None or context.response is None:
        return redirect(url_for(".questionnaire", patient_id=patient_id))
    return render_template("relatives/questionnaire_review.html", context=context)


@bp.post("/patients/<int:patient_id>/questionnaire/submit")
@access.relative
def questionnaire_submit(patient_id: int) -> WerkzeugResponse:
    context = answers.load(patient_id, lock=True)
    response = context.response
    review = url_for(".questionnaire_review", patient_id=patient_id)
    if context.touchpoint is None or response is None:
        return redirect(url_for(".questionnaire", patient_id=patient_id), code=303)
    if request.form.get("revision") != str(response.revision):
        if response.submitted_revision != response.revision:
            flash(_("Your answers were changed in another window. Check them and send again."))
        return redirect(review, code=303)
    if answers.submit(db_session(), context, now(), current_locale()):
        flash(_("Your answers have been sent. Thank you."))
    return redirect(review, code=303)
