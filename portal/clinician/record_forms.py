"""Forms of the conversation record: the conversation held, an agreed action, its status.

Dates are text fields (a date input sends 2026-11-23; 23.11.2026 typed by hand is accepted too)
so that what was typed is shown again with the message when it is not a date. The choices of
the needs are set by the view from the touchpoint's questionnaire version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.clinician.forms import MaxLength, ValidDate, as_date, normalised_phone, strip_text
from portal.clinician.models import ActionStatus
from portal.drafts import KeepsDraft

YES_NO = ("yes", "no")
#: As long as the column ``AgreedAction.contact``.
CONTACT_LENGTH = 200
STATUSES = tuple(str(s) for s in ActionStatus)

#: An e-mail address inside free text, and a run of digits that may be a phone number.
_EMAIL = re.compile(r"[^\s,;:()<>]+@[^\s,;:()<>]+")
_PHONE = re.compile(r"\+?\d[\d \-]{5,}\d")


@dataclass(frozen=True)
class ContactPart:
    """A piece of a contact as written: plain text, or a phone number / e-mail with its link."""

    text: str
    href: str | None = None


def contact_parts(contact: str | None) -> list[ContactPart]:
    """The contact as written, with each valid phone number and e-mail address made a link."""
    if not contact or len(contact) > CONTACT_LENGTH:
        return [ContactPart(contact)] if contact else []
    parts: list[ContactPart] = []
    found = sorted([*_EMAIL.finditer(contact), *_PHONE.finditer(contact)],
                   key=lambda m: m.start())
    position = 0
    for match in found:
        if match.start() < position:  # digits inside an e-mail address
            continue
        href = _href(match.group())
        if href is None:
            continue
        if match.start() > position:
            parts.append(ContactPart(contact[position:match.start()]))
        parts.append(ContactPart(match.group(), href))
        position = match.end()
    if position < len(contact):
        parts.append(ContactPart(contact[position:]))
    return parts


def _href(text: str) -> str | None:
    if "@" in text:
        try:
            return "mailto:" + validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError:
            return None
    number = normalised_phone(text)
    return f"tel:{number}" if number else None


class _Contact:
    """Anything that looks like a phone number or an e-mail address must be a valid one."""

    def __call__(self, form: Any, field: Field) -> None:
        text = field.data or ""
        if len(text) > CONTACT_LENGTH:
            return  # refused for its length; not worth scanning
        emails = list(_EMAIL.finditer(text))
        for match in emails:
            try:
                validate_email(match.group(), check_deliverability=False)
            except EmailNotValidError:
                raise ValidationError(_l(
                    "%(address)s is not a complete e-mail address. Check it, for example "
                    "post@nav.no.", address=match.group())) from None
        inside_email = [(m.start(), m.end()) for m in emails]
        for match in _PHONE.finditer(text):
            if any(start <= match.start() < end for start, end in inside_email):
                continue
            if normalised_phone(match.group()) is None:
                raise ValidationError(_l(
                    "%(number)s is not a valid phone number. Write 8 digits, or a country code "
                    "first for a foreign number.", number=match.group()))


class ConversationForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    held_on = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the date the conversation was held.")), ValidDate()])
    held_by = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter who held the conversation.")), MaxLength(200)])
    relative_present = RadioField(choices=list(YES_NO), validate_choice=False, validators=[
        InputRequired(_l("Choose whether a relative or someone else took part.")),
        lambda form, field: _choice(field, YES_NO)])

    @property
    def held_date(self) -> date | None:
        return as_date(self.held_on.data)

    def check_dates(self, today: date, diagnosis_date: date) -> bool:
        """The conversation is not in the future nor before the diagnosis."""
        held = as_date(self.held_on.data)
        if held is None:
            return False
        if held > today:
            self.held_on.errors.append(_(
                "The date cannot be in the future. Record the conversation once it is held."))
        elif held < diagnosis_date:
            self.held_on.errors.append(_(
                "The date cannot be before the diagnosis date, %(date)s.",
                date=format_date(diagnosis_date, format="long")))
        return not self.held_on.errors


def _choice(field: Field, values: tuple[str, ...]) -> None:
    data = field.data if isinstance(field.data, list) else [field.data]
    if any(str(v) not in values for v in data if v is not None):
        raise ValidationError(_l("Choose one of the options shown."))


class StatusForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """Whether an action was done, and when. The municipality may set only this."""

    status = RadioField(choices=list(STATUSES), validate_choice=False, validators=[
        InputRequired(_l("Choose whether it is planned, done or not done.")),
        lambda form, field: _choice(field, STATUSES)])
    status_on = StringField(filters=[strip_text], validators=[Optional(), ValidDate()])

    def check_status_date(self, today: date) -> bool:
        if self.status.data == ActionStatus.PLANNED or self.status_on.errors:
            return not self.status_on.errors
        on = as_date(self.status_on.data)
        if on is None:
            self.status_on.errors.append(_("Enter the date it was done or decided against."))
        elif on > today:
            self.status_on.errors.append(_("The date cannot be in the future."))
        return not self.status_on.errors

    @property
    def status_date(self) -> date | None:
        return None if self.status.data == ActionStatus.PLANNED else as_date(self.status_on.data)


class ActionForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    what = TextAreaField(filters=[strip_text], validators=[
        InputRequired(_l("Write what will be done, in words the patient understands.")),
        MaxLength(500)])
    needs = SelectMultipleField(choices=[], validate_choice=False)
    responsible = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the service or person responsible.")), MaxLength(200)])
    contact = StringField(filters=[strip_text], validators=[
        Optional(), MaxLength(CONTACT_LENGTH), _Contact()])
    due_on = StringField(filters=[strip_text], validators=[Optional(), ValidDate()])

    def validate_needs(self, field: Field) -> None:
        _choice(field, tuple(value for value, _label in field.choices))

    @property
    def due_date(self) -> date | None:
        return as_date(self.due_on.data)


class EditActionForm(ActionForm, StatusForm):
    """The responsible organisation edits everything, the status included."""


class HandOverForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """Only the CSRF token: the hand-over has nothing to fill in."""
