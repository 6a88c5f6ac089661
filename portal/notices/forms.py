"""The choice of how a patient or relative hears from the portal, and where."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, StringField
from wtforms.validators import InputRequired, ValidationError

from portal.clinician.forms import (
    ContactDetails,
    MaxLength,
    check_email_format,
    normalised_mobile,
    strip_text,
)
from portal.drafts import KeepsDraft
from portal.notices.models import Choice

CHOICES = tuple(choice.value for choice in Choice)


class NoticeForm(KeepsDraft, ContactDetails, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    channel = RadioField(choices=list(CHOICES), validate_choice=False, validators=[
        InputRequired(_l("Choose how you want to hear from the portal."))])
    # Not Optional(): an empty field must still reach the check against the choice.
    mobile = StringField(filters=[strip_text], validators=[MaxLength(30)])
    email = StringField(filters=[strip_text], validators=[MaxLength(254)])

    def validate_channel(self, field: Field) -> None:
        if field.data not in CHOICES:
            raise ValidationError(_l("Choose one of the options shown."))

    def validate_mobile(self, field: Field) -> None:
        if field.data and normalised_mobile(field.data) is None:
            raise ValidationError(_l(
                "Enter a mobile number, for example 912 34 567, or a country code first for a "
                "foreign number."))
        if not field.data and self.channel.data == Choice.SMS:
            raise ValidationError(_l("Enter the mobile number the text messages should go "
                                     "to."))

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email_format(field.data)
        elif self.channel.data == Choice.EMAIL:
            raise ValidationError(_l("Enter the e-mail address the notices should go to."))
