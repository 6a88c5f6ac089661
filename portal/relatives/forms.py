"""Forms for inviting a relative, the patient's permissions, and accepting an invitation."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, StringField
from wtforms.validators import InputRequired, ValidationError

from portal.clinician.forms import (
    ContactDetails,
    MaxLength,
    check_email_format,
    normalised_mobile,
    strip_text,
)
from portal.drafts import KeepsDraft
from portal.relatives.operations import PERMISSIONS


class PermissionsForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """The three choices. Seeing the patient's answers is off unless the patient ticks it."""

    may_see_contacts = BooleanField(default=True)
    may_answer_own = BooleanField(default=True)
    may_see_answers = BooleanField(default=False)

    @property
    def permissions(self) -> dict[str, bool]:
        return {name: bool(self[name].data) for name in PERMISSIONS}


class InviteForm(ContactDetails, PermissionsForm):
    name = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the name of the person you want to invite.")), MaxLength(200)])
    relation = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter how the person is related to you, for example daughter or "
                         "friend.")), MaxLength(100)])
    # Not Optional(): an empty field must still reach the check that one of the two is given.
    mobile = StringField(filters=[strip_text], validators=[MaxLength(30)])
    email = StringField(filters=[strip_text], validators=[MaxLength(254)])

    def validate_mobile(self, field: Field) -> None:
        if field.data and normalised_mobile(field.data) is None:
            raise ValidationError(_l(
                "Enter a mobile number, for example 912 34 567, or a country code first for a "
                "foreign number."))
        if not field.data and not self.email.data:
            raise ValidationError(_l(
                "Enter a mobile number or an e-mail address, so that you can send the "
                "invitation."))

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email_format(field.data)
        elif not self.mobile.data:
            raise ValidationError(_l(
                "Enter a mobile number or an e-mail address, so that you can send the "
                "invitation."))


class AcceptForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """The relative's name as the patient wrote it, to correct before accepting. ("No thanks"
    asks nothing: the view checks only its CSRF token.)"""

    given_name = StringField(filters=[strip_text], validators=[MaxLength(100)])
    family_name = StringField(filters=[strip_text], validators=[MaxLength(100)])

    def validate_given_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Enter your given name."))

    def validate_family_name(self, field: Field) -> None:
        if not field.data:
            raise ValidationError(_l("Enter your family name."))
