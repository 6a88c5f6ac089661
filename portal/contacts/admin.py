"""The administrator's pages for their own organisation: its contact points (new, edit, archive,
history) and, for a hospital trust, the municipalities it serves.

Everything is scoped to the signed-in administrator's organisation: another organisation's
contact point answers 404. Contact points are not patients' information, so reading them is not
written to the access log; every change to one is kept with who and when
(``operations.history``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.contacts import forms, operations
from portal.contacts.models import ContactPoint, Organisation, OrganisationKind
from portal.contacts.reference import Municipality, fold, search
from portal.db import db_session, utcnow
from portal.templating import shown_phone

bp = Blueprint("contacts_admin", __name__, url_prefix="/staff/organisation")


def _organisation() -> Organisation:
    return access.current_staff().organisation


def _editor() -> operations.Editor:
    return operations.Editor.of(access.current_staff())


def _own_contact(contact_id: int, lock: bool = False, current: bool = False) -> ContactPoint:
    """A contact point of the administrator's organisation (not archived, with ``current``),
    or 404."""
    if not 0 < contact_id <= access.MAX_ID:
        abort(404)
    query = (select(ContactPoint)
             .where(ContactPoint.id == contact_id,
                    ContactPoint.organisation_id == access.current_staff().organisation_id)
             .options(selectinload(ContactPoint.opening_hours),
                      selectinload(ContactPoint.exceptions)))
    if lock:
        query = query.with_for_update(of=ContactPoint)
    found = db_session().scalar(query)
    if found is None or (current and found.archived_at is not None):
        abort(404)
    return found


@bp.get("/contacts")
@access.administrator
def contacts() -> str:
    organisation = _organisation()
    everyone = list(db_session().scalars(
        select(ContactPoint).where(ContactPoint.organisation_id == organisation.id)
        .order_by(ContactPoint.position, ContactPoint.id)))
    return render_template(
        "contacts/admin/contacts.html", organisation=organisation,
        current=[c for c in everyone if c.archived_at is None],
        archived=[c for c in everyone if c.archived_at is not None],
        role_label=forms.role_label)


@bp.route("/contacts/new", methods=["GET", "POST"])
@access.administrator
def new_contact() -> str | WerkzeugResponse:
    form = forms.contact_form(0, request.form, data=forms.initial_data(None))
    if form.validate_on_submit():
        contact = operations.create_contact(db_session(), _organisation(), form.values(),
                                            _editor(), utcnow())
        flash(_("%(name)s is added. It is shown to patients and relatives now.",
                name=contact.name))
        return redirect(url_for(".contacts"), code=303)
    return _form_page(form, None)


@bp.route("/contacts/<int:contact_id>", methods=["GET", "POST"])
@access.administrator
def edit_contact(contact_id: int) -> str | WerkzeugResponse:
    contact = _own_contact(contact_id, lock=request.method == "POST", current=True)
    form = forms.contact_form(len(contact.exceptions), request.form,
                              data=forms.initial_data(contact))
    if form.validate_on_submit():
        if operations.update_contact(db_session(), contact, form.values(), _editor(), utcnow()):
            flash(_("The changes to %(name)s are saved.", name=contact.name))
        else:
            flash(_("Nothing was changed, so nothing was saved."))
        return redirect(url_for(".contacts"), code=303)
    return _form_page(form, contact)


def _form_page(form: forms.ContactForm, contact: ContactPoint | None) -> str:
    return render_template(
        "contacts/admin/contact.html", form=form, contact=contact,
        organisation=_organisation(), error_labels=_error_labels(form),
        roles=[(role, forms.role_label(role)) for role in forms.ROLES],
        languages=[(code, forms.language_label(code)) for code in forms.LANGUAGE_CODES],
        weekdays=[(weekday, forms.weekday_label(weekday)) for weekday in forms.WEEKDAYS])


def _error_labels(form: forms.ContactForm) -> dict[str, str]:
    """What the error summary names before each message about the hours."""
    labels: dict[str, str] = {}
    ends = {"opens": _("opens"), "closes": _("closes")}
    for weekday in forms.WEEKDAYS:
        day = forms.weekday_label(weekday)
        for slot in forms.SLOTS:
            for end, word in ends.items():
                labels[f"day{weekday}_{slot}_{end}"] = _(
                    "%(weekday)s, hours %(number)d, %(end)s:", weekday=day, number=slot, end=word)
    for row in range(form.exception_rows):
        for name, word in (("day", _("date")), *ends.items()):
            labels[f"exception{row}_{name}"] = _("Other hours, row %(row)d, %(what)s:",
                                                 row=row + 1, what=word)
    return labels


@bp.route("/contacts/<int:contact_id>/archive", methods=["GET", "POST"])
@access.administrator
def archive_contact(contact_id: int) -> str | WerkzeugResponse:
    contact = _own_contact(contact_id, lock=request.method == "POST", current=True)
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        operations.archive_contact(db_session(), contact, _editor(), utcnow())
        flash(_("%(name)s is archived. Patients and relatives no longer see it.",
                name=contact.name))
        return redirect(url_for(".contacts"), code=303)
    return render_template("contacts/admin/archive.html", form=form, contact=contact,
                           role_label=forms.role_label)


@bp.get("/contacts/<int:contact_id>/history")
@access.administrator
def contact_history(contact_id: int) -> str:
    contact = _own_contact(contact_id)
    return render_template("contacts/admin/history.html", contact=contact,
                           changes=operations.history(db_session(), contact),
                           label=field_label, show=shown_value)


def field_label(difference: operations.Difference) -> str:
    if difference.field == "opening_hours" and difference.weekday is not None:
        return str(_("Opening hours on %(weekday)s",
                     weekday=forms.weekday_label(difference.weekday)))
    if difference.field == "exceptions" and difference.day is not None:
        return str(_("Other hours on %(date)s", date=format_date(difference.day, "long")))
    labels = {
        "role": _("Role"), "name": _("Name"), "phone": _("Phone"),
        "sms": _("Text messages (SMS)"), "email": _("E-mail"), "address": _("Visiting address"),
        "languages": _("Languages spoken"), "note": _("Note"),
        "closed_on_public_holidays": _("Closed on public holidays"), "archived": _("Archived"),
    }
    return str(labels.get(difference.field, difference.field))


def shown_value(difference: operations.Difference, value: Any) -> str:
    """A snapshot value as the history page shows it."""
    name = difference.field
    if name == "opening_hours":
        return _intervals(value) if value else str(_("Closed"))
    if name == "exceptions":
        if value is None:
            return str(_("Ordinary hours"))
        return _intervals(value) if value else str(_("Closed all day"))
    if value is None or value == "":
        return str(_("Not given"))
    if isinstance(value, bool):
        return str(_("Yes")) if value else str(_("No"))
    if name == "role":
        return forms.role_label(str(value))
    if name in ("phone", "sms"):
        return shown_phone(str(value))
    if name == "languages":
        return ", ".join(forms.language_label(code) for code in str(value).split(",") if code)
    return str(value)


def _intervals(pairs: list[list[str]]) -> str:
    return ", ".join(f"{opens}–{closes}" for opens, closes in pairs)


# --- the municipalities a hospital trust serves --------------------------------------------------


def _own_hospital() -> Organisation:
    organisation = _organisation()
    if organisation.kind != OrganisationKind.HOSPITAL_TRUST:
        abort(404)
    return organisation


@bp.route("/municipalities", methods=["GET", "POST"])
@access.administrator
def municipalities() -> str | WerkzeugResponse:
    hospital = _own_hospital()
    form = forms.MunicipalityForm()
    choices: list[Municipality] = []
    if form.validate_on_submit():
        found, choices = _municipality_for(form)
        if found is not None:
            try:
                operations.add_served(db_session(), hospital, found.number)
            except operations.NotCurrent:
                form.municipality.errors.append(_not_current(found.number, found))
            except operations.AlreadyServed:
                form.municipality.errors.append(_(
                    "%(name)s is on the list already.", name=found.display_name))
            else:
                flash(_("%(name)s is added to the municipalities you serve.",
                        name=found.display_name))
                return redirect(url_for(".municipalities"), code=303)
    return render_template("contacts/admin/municipalities.html", form=form, hospital=hospital,
                           served=operations.served(db_session(), hospital), choices=choices)


def _municipality_for(form: forms.MunicipalityForm) -> tuple[Municipality | None,
                                                             list[Municipality]]:
    """The municipality the administrator means, or a message on the field (and, when the name
    fits several, those to choose from)."""
    typed = form.municipality.data
    if typed.isdigit() and len(typed) == 4 and typed.isascii():
        try:
            return operations.current_municipality(db_session(), typed), []
        except operations.NotCurrent as error:
            form.municipality.errors.append(_not_current(typed, error.ended))
            return None, []
    if typed.isdigit():
        form.municipality.errors.append(_("A municipality number has four digits, for example "
                                          "4627 for Askøy."))
        return None, []
    found = search(db_session(), typed)
    exact = [m for m in found if fold(typed) in (fold(m.name), fold(m.also_known_as or ""))]
    if len(exact) == 1:
        return exact[0], []
    if len(found) == 1:
        return found[0], []
    if not found:
        form.municipality.errors.append(_(
            "No municipality is called %(name)s today. Check the spelling, or enter its "
            "four-digit number.", name=typed))
    else:
        form.municipality.errors.append(_("Several municipalities fit. Choose one below."))
    return None, found


def _not_current(number: str, ended: Municipality | None) -> str:
    if ended is not None and ended.valid_to is not None:
        return str(_("%(name)s (%(number)s) is no longer a municipality: it ended on %(date)s. "
                     "Add the municipality that took over instead.", name=ended.display_name,
                     number=number, date=format_date(ended.valid_to, "long")))
    return str(_("There is no municipality with the number %(number)s. Check the number, or "
                 "search by name.", number=number))


@bp.post("/municipalities/remove")
@access.administrator
def remove_municipality() -> WerkzeugResponse:
    hospital = _own_hospital()
    form = forms.RemoveMunicipalityForm()
    if form.validate_on_submit() and operations.remove_served(db_session(), hospital,
                                                              form.number.data):
        flash(_("Municipality %(number)s is removed from the municipalities you serve.",
                number=form.number.data))
    return redirect(url_for(".municipalities"), code=303)
