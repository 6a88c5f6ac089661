"""The relative's way in: the invitation link (public), sign-in, and accepting.

``/invitations/<token>`` is public, so it says nothing about the patient's health: only the first
name of whoever invited. The token is kept (as its hash) in the session, never in a URL after
this page; signing in keeps it (``auth/citizen.py``), and ``/relative/invitations/accept``
finishes. An unknown link answers 404; a used, withdrawn or expired one 410 with what to do.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth.session import HOMES, PATIENT, RELATIVE, current_principal
from portal.clinician.forms import ConfirmForm
from portal.db import db_session
from portal.relatives import operations
from portal.relatives.forms import AcceptForm
from portal.relatives.models import RelativeInvitation
from portal.relatives.operations import SESSION_KEY, InvitationState
from portal.relatives.views import bp as relative_bp

bp = Blueprint("invitation", __name__)

Page = str | tuple[str, int] | WerkzeugResponse


def _now() -> datetime:
    return datetime.now(UTC)


def _ended(state: str, invitation: RelativeInvitation | None = None) -> tuple[str, int]:
    """The page for a link that cannot be used: unknown (404), or used, withdrawn or expired
    (410, with what to do)."""
    status = 404 if state == "unknown" else 410
    return render_template("relatives/invitation.html", state=state,
                           invitation=invitation), status


@bp.get("/invitations/<token>")
@access.public
def landing(token: str) -> Page:
    invitation = operations.find_by_token(db_session(), token)
    if invitation is None:
        return _ended("unknown")
    state = operations.state_of(invitation, _now())
    if state is not InvitationState.VALID:
        return _ended(state, invitation)
    session[SESSION_KEY] = invitation.token_hash
    onward = url_for(".after_sign_in")
    if current_principal() is None:
        onward = url_for("auth.start", profile="citizen", next=onward)
    # Public page: the patient's first name only, nothing about their health.
    first_name = (invitation.patient.given_name.split() or [""])[0]
    return render_template("relatives/invitation.html", state="valid", first_name=first_name,
                           onward=onward)


@bp.get("/invitations/continue")
@access.public
def after_sign_in() -> Page:
    """Where the sign-in returns to: a relative goes on to accept; a patient or staff member
    holding an invitation is told why it cannot be accepted with this sign-in."""
    principal = current_principal()
    holding = SESSION_KEY in session
    if principal is None:
        if not holding:
            return redirect(url_for("public.index"))
        return redirect(url_for("auth.sign_in", next=url_for(".after_sign_in")))
    if principal.kind == RELATIVE and holding:
        return redirect(url_for("relative.accept_invitation"))
    if not holding:
        return redirect(url_for(HOMES[principal.kind]))
    session.pop(SESSION_KEY, None)
    return render_template("relatives/invitation_not_possible.html",
                           as_patient=principal.kind == PATIENT)


@relative_bp.route("/invitations/accept", methods=["GET", "POST"])
@access.relative
def accept_invitation() -> Page:
    invitation = operations.find_by_hash(db_session(), session.get(SESSION_KEY))
    if invitation is None:
        return _ended("unknown")
    state = operations.state_of(invitation, _now())
    if state is not InvitationState.VALID:
        session.pop(SESSION_KEY, None)
        return _ended(state, invitation)
    relative = access.current_relative()
    declining = request.form.get("action") == "decline"
    if declining and ConfirmForm().validate_on_submit():
        operations.decline(db_session(), invitation, _now())
        session.pop(SESSION_KEY, None)
        flash(_("You have said no thanks to the invitation. The link can no longer be used."))
        return redirect(url_for("relative.home"), code=303)
    form = AcceptForm()
    if form.from_record():
        form.given_name.data, form.family_name.data = relative.given_name, relative.family_name
    if not declining and form.validate_on_submit():
        try:
            operations.accept(db_session(), invitation, relative, _now())
        except operations.NotAccepted as refused:
            session.pop(SESSION_KEY, None)
            return _ended(refused.state, invitation)
        relative.given_name, relative.family_name = form.given_name.data, form.family_name.data
        session.pop(SESSION_KEY, None)
        flash(_("You have accepted the invitation from %(name)s.",
                name=invitation.patient.full_name))
        return redirect(url_for("relative.home"), code=303)
    return render_template("relatives/accept.html", form=form, invitation=invitation,
                           permissions=operations.PERMISSIONS)
