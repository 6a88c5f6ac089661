"""The patient's relatives: invite one, send the link, withdraw an invitation, and decide per
relative what they may see, at any time. Every change takes effect on the relative's next
request (``access.load_relative_link`` checks on every request).

Delivery: after making one, the patient sees its link once, with buttons that open their own
text message or e-mail app with the text filled in. When a sender is configured for an address
the patient gave, the portal sends the link too (``notices.outbox.invitation_made``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import quote

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.clinician.forms import ConfirmForm
from portal.db import db_session
from portal.i18n import current_locale
from portal.notices import outbox
from portal.patient.views import bp
from portal.relatives import operations
from portal.relatives.forms import InviteForm, PermissionsForm
from portal.relatives.models import RelativeInvitation, RelativeLink
from portal.settings import current as current_settings

#: The session key holding a new invitation's token until its link has been shown, once.
NEW_INVITATION = "new_invitation"


def _now() -> datetime:
    return datetime.now(UTC)


@bp.get("/relatives")
@access.patient
def relatives() -> str:
    found = operations.overview(db_session(), access.current_patient(), _now())
    return render_template("patient/relatives.html", overview=found,
                           permissions=operations.PERMISSIONS)


@bp.route("/relatives/invite", methods=["GET", "POST"])
@access.patient
def invite_relative() -> str | WerkzeugResponse:
    form = InviteForm()
    if form.validate_on_submit():
        new = operations.invite(
            db_session(), access.current_patient(), name=form.name.data,
            relation=form.relation.data, mobile=form.mobile_value, email=form.email_value,
            permissions=form.permissions, now=_now(), days=current_settings().invitation_days)
        # The portal sends the link too when a sender is configured for an address given
        # (the notices outbox, in this transaction); the next page shows it once either way.
        sent_by = outbox.invitation_made(db_session(), new.invitation, new.token,
                                         current_locale(), current_settings())
        session[NEW_INVITATION] = {"id": new.invitation.id, "token": new.token,
                                   "sent_by": sent_by}
        return redirect(url_for(".send_invitation", invitation_id=new.invitation.id), code=303)
    return render_template("patient/relatives_invite.html", form=form)


@bp.get("/relatives/invitations/<int:invitation_id>")
@access.patient
def send_invitation(invitation_id: int) -> str:
    invitation = _own_invitation(invitation_id)
    kept = session.get(NEW_INVITATION)
    token = None
    sent_by = None
    if isinstance(kept, dict) and kept.get("id") == invitation.id:
        session.pop(NEW_INVITATION)
        token = str(kept.get("token", ""))
        sent_by = kept.get("sent_by")
    state = operations.state_of(invitation, _now())
    if token is None or state is not operations.InvitationState.VALID:
        return render_template("patient/relatives_send.html", invitation=invitation,
                               link=None, state=state)
    link = url_for("invitation.landing", token=token, _external=True)
    text = _("%(name)s has invited you as a relative in the patient portal. Open the link and "
             "sign in with ID-porten to accept. The link can be used once, until %(date)s: "
             "%(link)s", name=access.current_patient().full_name,
             date=format_date(invitation.expires_at, format="long"), link=link)
    subject = _("Invitation from %(name)s", name=access.current_patient().full_name)
    sms = f"sms:{invitation.mobile}?&body={quote(text)}" if invitation.mobile else None
    mail = (f"mailto:{quote(invitation.email, safe='@')}?subject={quote(subject)}"
            f"&body={quote(text)}" if invitation.email else None)
    return render_template("patient/relatives_send.html", invitation=invitation, link=link,
                           state=state, sms=sms, mail=mail, sent_by=sent_by)


@bp.post("/relatives/invitations/<int:invitation_id>/withdraw")
@access.patient
def withdraw_invitation(invitation_id: int) -> WerkzeugResponse:
    invitation = _own_invitation(invitation_id)
    if ConfirmForm().validate_on_submit():
        if operations.withdraw_invitation(invitation, _now()):
            flash(_("The invitation to %(name)s is withdrawn. The link no longer works.",
                    name=invitation.name))
        else:
            flash(_("The invitation to %(name)s could not be withdrawn: it has already been "
                    "accepted, withdrawn or has expired.", name=invitation.name))
    return redirect(url_for(".relatives"), code=303)


@bp.route("/relatives/<int:link_id>", methods=["GET", "POST"])
@access.patient
def relative(link_id: int) -> str | WerkzeugResponse:
    link = _own_link(link_id, lock=request.method == "POST")
    form = PermissionsForm(obj=link)
    if form.validate_on_submit():
        operations.set_permissions(link, form.permissions)
        flash(_("Saved. %(name)s sees only what you have chosen, from now on.",
                name=link.relative.full_name))
        return redirect(url_for(".relatives"), code=303)
    return render_template("patient/relatives_edit.html", form=form, link=link)


@bp.post("/relatives/<int:link_id>/remove")
@access.patient
def remove_relative(link_id: int) -> WerkzeugResponse:
    link = _own_link(link_id, lock=True)
    if ConfirmForm().validate_on_submit():
        operations.remove(link, _now())
        flash(_("%(name)s can no longer see anything from you. You can invite them again "
                "later.", name=link.relative.full_name))
    return redirect(url_for(".relatives"), code=303)


def _own_invitation(invitation_id: int) -> RelativeInvitation:
    found = operations.patient_invitation(db_session(), access.current_patient(),
                                          _valid(invitation_id))
    if found is None:
        abort(404)
    return found


def _own_link(link_id: int, lock: bool) -> RelativeLink:
    found = operations.patient_link(db_session(), access.current_patient(), _valid(link_id),
                                    lock=lock)
    if found is None:
        abort(404)
    return found


def _valid(value: int) -> int:
    if not 0 < value <= access.MAX_ID:
        abort(404)
    return value
