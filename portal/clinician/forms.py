"""Forms of the worklist, enrolment, appointments and declines.

Dates are text fields shown as date inputs (a date input sends 2026-11-23; 23.11.2026 typed by
hand is accepted too), so what was typed comes back with the message when it is not a date.
Checks that need the clock or the database (the diagnosis date against today, the appointment
against the diagnosis date) are made by the view through the ``check_*`` methods, which add their
message to the field.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, Form, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.audit.forms import EARLIEST, LATEST, parse_date
from portal.drafts import KeepsDraft
from portal.pathway import identity
from portal.settings import SUPPORTED_LOCALES

YES_NO = ("yes", "no")
#: A diagnosis longer ago than this is most likely mistyped: the pathway is for new patients.
OLDEST_DIAGNOSIS_DAYS = 2 * 366
#: How many characters a search may have (a full name, or an identity number with spaces).
SEARCH_LENGTH = 100


def strip_text(value: Any) -> Any:
    # NUL is never typed, and PostgreSQL cannot store it (or compare with it) in text.
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


def as_date(text: str | None) -> date | None:
    parsed = parse_date(text) if text else None
    return parsed if parsed is not None and EARLIEST <= parsed <= LATEST else None


def as_time(text: str | None) -> time | None:
    """A time written as 14:30 (what a time field sends), 14.30 or 1430; None if neither."""
    if not text:
        return None
    cleaned = text.strip().replace(".", ":")
    if cleaned.isdigit() and len(cleaned) in (3, 4):
        cleaned = f"{cleaned[:-2]}:{cleaned[-2:]}"
    for fmt in ("%H:%M", "%H:%M:%S"):
        try:
            return datetime.strptime(cleaned, fmt).time()  # noqa: DTZ007 (a wall-clock time)
        except ValueError:
            continue
    return None


def local_moment(day: date, at: time, timezone: str) -> datetime | None:
    """The moment a wall-clock time on a day happens in ``timezone``, or None when the clocks
    skip it (the spring change: 02:30 does not exist that night). A time that happens twice
    (the autumn change) is taken the first time, in summer time."""
    zone = ZoneInfo(timezone)
    moment = datetime.combine(day, at, tzinfo=zone)
    back = moment.astimezone(ZoneInfo("UTC")).astimezone(zone)
    if (back.date(), back.time()) != (day, at):
        return None
    return moment


class ValidDate:
    def __call__(self, form: Any, field: Field) -> None:
        if field.data and as_date(field.data) is None:
            if parse_date(field.data) is None:
                raise ValidationError(_l("Enter a date as day.month.year, for example "
                                         "23.11.2026."))
            raise ValidationError(_l("Enter a date between the years 2000 and 2999."))


class ValidTime:
    def __call__(self, form: Any, field: Field) -> None:
        if field.data and as_time(field.data) is None:
            raise ValidationError(_l("Enter a time as hours and minutes, for example 14:30."))


class MaxLength:
    def __init__(self, most: int) -> None:
        self.most = most

    def __call__(self, form: Any, field: Field) -> None:
        if field.data and len(field.data) > self.most:
            raise ValidationError(_l("Write at most %(most)d characters. You wrote %(written)d.",
                                     most=self.most, written=len(field.data)))


def _one_of(values: tuple[str, ...]) -> Any:
    def check(form: Any, field: Field) -> None:
        if field.data is not None and str(field.data) not in values:
            raise ValidationError(_l("Choose one of the options shown."))
    return check


# --- the worklist --------------------------------------------------------------------------

#: The states a staff member can filter by: the pathway's states, and overdue.
STATE_FILTERS = ("upcoming", "open", "submitted", "held", "declined", "overdue")
TOUCHPOINT_FILTERS = ("1", "2", "3")


class WorklistForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
    """Search and filters, sent with GET: they change nothing, so there is no CSRF token."""

    q = StringField(filters=[strip_text], validators=[MaxLength(SEARCH_LENGTH)])
    # Plain text fields shown as selects (``forms.select``): the options live in the template.
    touchpoint = StringField(filters=[strip_text], validators=[Optional(),
                                                           _one_of(TOUCHPOINT_FILTERS)])
    state = StringField(filters=[strip_text], validators=[Optional(), _one_of(STATE_FILTERS)])

    def validate_q(self, field: Field) -> None:
        digits = (field.data or "").replace(" ", "")
        if digits.isdigit():
            if len(digits) != 11:
                raise ValidationError(_l("An identity number has 11 digits. You wrote "
                                         "%(count)d.", count=len(digits)))
            try:
                identity.normalise(digits)
            except identity.InvalidIdentityNumber:
                raise ValidationError(_l("That is not a valid identity number. Check the "
                                         "digits.")) from None

    @property
    def active(self) -> bool:
        return bool(self.q.data or self.touchpoint.data or self.state.data)

    @property
    def national_id(self) -> str | None:
        digits = (self.q.data or "").replace(" ", "")
        return digits if digits.isdigit() and not self.q.errors else None

    @property
    def name_words(self) -> list[str]:
        if self.national_id is not None or self.q.errors:
            return []
        return (self.q.data or "").split()[:4]


# --- enrolment -----------------------------------------------------------------------------


def normalised_phone(text: str, mobile_only: bool = False) -> str | None:
    """E.164 of a valid phone number (Norwegian unless it has a country code), else None; with
    ``mobile_only``, only a number that can receive text messages. The one phone check of every
    form (enrolment, invitations, actions, contact points, the GP)."""
    try:
        parsed = phonenumbers.parse(text, "NO")
    except phonenumbers.NumberParseException:
        return None
    mobile_types = (phonenumbers.PhoneNumberType.MOBILE,
                    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    if not phonenumbers.is_valid_number(parsed) or (
            mobile_only and phonenumbers.number_type(parsed) not in mobile_types):
        return None
    return str(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def normalised_mobile(text: str) -> str | None:
    """E.164 of a valid mobile number (Norwegian unless it has a country code), else None."""
    return normalised_phone(text, mobile_only=True)


def check_email_format(text: str) -> None:
    """Refuse an e-mail address that is not well-formed (no lookup of the domain)."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValidationError(_l(
            "Enter an e-mail address in the right format, for example "
            "kari@example.no.")) from None


class ValidIdentityNumber:
    """A fødselsnummer or D-nummer with correct check digits (python-stdnum)."""

    def __call__(self, form: Any, field: Field) -> None:
        try:
            identity.normalise(field.data or "")
        except identity.InvalidIdentityNumber:
            raise ValidationError(_l(
                "Enter a valid identity number: the 11 digits of a fødselsnummer or "
                "D-nummer. Check the digits.")) from None


class ContactDetails:
    """What a validated form's ``mobile`` and ``email`` fields hold, as stored: a mobile number
    in E.164 and a normalised e-mail address, or None when left empty. For forms that declare
    both fields (enrolling a patient, inviting a relative)."""

    mobile: Field
    email: Field

    @property
    def mobile_value(self) -> str | None:
        return normalised_mobile(self.mobile.data) if self.mobile.data else None

    @property
    def email_value(self) -> str | None:
        if not self.email.data:
            return None
        return str(validate_email(self.email.data, check_deliverability=False).normalized)


class EnrolForm(KeepsDraft, ContactDetails, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    national_id = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the patient's identity number.")), MaxLength(20),
        ValidIdentityNumber()])
    given_name = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the patient's given name.")), MaxLength(100)])
    family_name = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the patient's family name.")), MaxLength(100)])
    #: The choices are the municipalities, set by the view.
    municipality = SelectField(choices=[], validate_choice=False, validators=[
        InputRequired(_l("Choose the municipality the patient lives in."))])
    diagnosis_date = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the date the patient was told the diagnosis.")), ValidDate()])
    locale = RadioField(choices=list(SUPPORTED_LOCALES), validate_choice=False, validators=[
        InputRequired(_l("Choose the patient's preferred language.")),
        _one_of(SUPPORTED_LOCALES)])
    mobile = StringField(filters=[strip_text], validators=[Optional(), MaxLength(30)])
    email = StringField(filters=[strip_text], validators=[Optional(), MaxLength(254)])
    children_under_18 = RadioField(choices=list(YES_NO), validate_choice=False, validators=[
        InputRequired(_l("Choose whether there are children under 18 in the household.")),
        _one_of(YES_NO)])

    def validate_municipality(self, field: Field) -> None:
        if field.data and str(field.data) not in {str(v) for v, _label in field.choices}:
            raise ValidationError(_l("Choose one of the municipalities in the list."))

    def validate_mobile(self, field: Field) -> None:
        if field.data and normalised_mobile(field.data) is None:
            raise ValidationError(_l(
                "Enter a mobile number, for example 912 34 567, or a country code first for a "
                "foreign number. Notices are sent by text message, so a landline does not "
                "work."))

    def validate_email(self, field: Field) -> None:
        if field.data:
            check_email_format(field.data)

    def check_diagnosis_date(self, today: date) -> bool:
        """Not in the future, not before the patient was born, and not implausibly old."""
        diagnosed = as_date(self.diagnosis_date.data)
        if diagnosed is None:
            return False
        born = self._birth_date()
        if diagnosed > today:
            self.diagnosis_date.errors.append(_(
                "The diagnosis date cannot be in the future. Enrol the patient once they have "
                "been told the diagnosis."))
        elif born is not None and diagnosed < born:
            self.diagnosis_date.errors.append(_(
                "The diagnosis date is before the patient was born, %(date)s. Check the date "
                "and the identity number.", date=format_date(born, format="long")))
        elif diagnosed < today - timedelta(days=OLDEST_DIAGNOSIS_DAYS):
            self.diagnosis_date.errors.append(_(
                "The diagnosis date is more than two years ago. The pathway is for newly "
                "diagnosed patients: check the date."))
        return not self.diagnosis_date.errors

    def _birth_date(self) -> date | None:
        try:
            return identity.birth_date(identity.normalise(self.national_id.data or ""))
        except identity.InvalidIdentityNumber:
            return None

    @property
    def national_id_value(self) -> str:
        return identity.normalise(self.national_id.data)


# --- appointments and declines -------------------------------------------------------------


class AppointmentForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    day = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the date of the conversation.")), ValidDate()])
    at = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the time of the conversation.")), ValidTime()])
    place = StringField(filters=[strip_text], validators=[Optional(), MaxLength(200)])
    with_whom = StringField(filters=[strip_text], validators=[Optional(), MaxLength(200)])

    def moment(self, timezone: str, diagnosis_date: date) -> datetime | None:
        """The appointment as an aware moment, or None with a message on the field."""
        day, at = as_date(self.day.data), as_time(self.at.data)
        if day is None or at is None:
            return None
        if day < diagnosis_date:
            self.day.errors.append(_(
                "The date cannot be before the diagnosis date, %(date)s.",
                date=format_date(diagnosis_date, format="long")))
            return None
        moment = local_moment(day, at, timezone)
        if moment is None:
            self.at.errors.append(_(
                "The clocks go forward that night, so this time does not exist. Choose "
                "another time."))
        return moment


class DeclineForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    declined_on = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the date the patient said no.")), ValidDate()])
    offer_again_on = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the date to offer the conversation again.")), ValidDate()])

    def check_dates(self, today: date, diagnosis_date: date) -> bool:
        declined, again = as_date(self.declined_on.data), as_date(self.offer_again_on.data)
        if declined is None or again is None:
            return False
        if declined > today:
            self.declined_on.errors.append(_("The date cannot be in the future."))
        elif declined < diagnosis_date:
            self.declined_on.errors.append(_(
                "The date cannot be before the diagnosis date, %(date)s.",
                date=format_date(diagnosis_date, format="long")))
        if again <= declined:
            self.offer_again_on.errors.append(_(
                "The date to offer again must be after the date the patient said no."))
        return not (self.declined_on.errors or self.offer_again_on.errors)


class ConfirmForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """Only the CSRF token: removing an appointment or undoing a decline asks nothing more."""
