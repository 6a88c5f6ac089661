"""Where patients and relatives choose how they hear from the portal: e-mail, text message or
nothing, and the address to use. Not chosen yet: e-mail when an address is known, else a text
message when a mobile number is (``outbox.channel_for``); the page says so."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.db import db_session
from portal.notices import outbox
from portal.notices.forms import NoticeForm
from portal.pathway.models import Patient
from portal.relatives.models import Relative
from portal.settings import current as current_settings
from portal.templating import phone

bp = Blueprint("notices", __name__)


@bp.route("/patient/notices", methods=["GET", "POST"])
@access.patient
def patient() -> str | WerkzeugResponse:
    return _preferences(access.current_patient(), "notices.patient", "patient.home")


@bp.route("/relative/notices", methods=["GET", "POST"])
@access.relative
def relative() -> str | WerkzeugResponse:
    return _preferences(access.current_relative(), "notices.relative", "relative.home")


def _preferences(person: Patient | Relative, endpoint: str,
                 home: str) -> str | WerkzeugResponse:
    form = NoticeForm()
    if form.validate_on_submit():
        outbox.choose(db_session(), person, form.channel.data, form.mobile_value,
                      form.email_value)
        flash(_("Saved. You hear from the portal the way you have chosen, from now on."))
        return redirect(url_for(endpoint), code=303)
    if form.from_record():
        form.channel.data = person.notice_channel
        form.mobile.data = phone(person.mobile) if person.mobile else None
        form.email.data = person.email
    settings = current_settings()
    target = outbox.channel_for(person.notice_channel, person.email, person.mobile)
    return render_template(
        "notices/preferences.html", form=form, action=url_for(endpoint), home=url_for(home),
        current=target[0] if target else None, chosen=person.notice_channel,
        email_on=outbox.configured(settings, "email"), sms_on=outbox.configured(settings, "sms"))
