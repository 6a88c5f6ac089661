"""The administrator's forms: a contact point with its opening hours, and a served municipality.

Phone and SMS numbers are checked with phonenumbers (Norwegian unless a country code is given)
and kept in E.164; the e-mail address with email-validator, without asking DNS. Opening hours are
plain text fields shown as time inputs (what was typed comes back with its message when it is not
a time): per weekday two intervals, the morning and after lunch. Day exceptions are rows (a date,
closed all day or from–to); the form has the saved rows and a few empty ones to add more without
JavaScript, so the number of rows is decided per request (``contact_form``). The hours are
checked by ``portal.contacts.hours`` and each problem is put on the field it is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    RadioField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional, ValidationError

from portal.clinician.forms import (
    MaxLength,
    ValidDate,
    ValidTime,
    as_date,
    as_time,
    normalised_phone,
    strip_text,
)
from portal.contacts import hours
from portal.contacts.models import ContactPoint, ContactRole
from portal.contacts.operations import ContactValues
from portal.contacts.wording import language_name, role_name, weekday_name
from portal.drafts import KeepsDraft

#: The languages a contact point can say it speaks, in the order offered: the portal's own,
#: the Sami languages, then languages common among patients in Norway.
LANGUAGE_CODES = ("nb", "nn", "se", "sma", "smj", "en", "pl", "lt", "uk", "ru", "ar", "so",
                  "ti", "fa", "ur", "tr", "es", "fr", "de", "sv")
ROLES = tuple(str(role) for role in ContactRole)
WEEKDAYS = tuple(range(7))
#: Two intervals a day: the morning, and after lunch.
SLOTS = (1, 2)
#: Empty exception rows offered after the saved ones.
EMPTY_ROWS = 3
#: At most this many exception rows are read from a post.
MAX_ROWS = 60
_ROW = re.compile(r"^exception(\d{1,3})_")


def role_label(role: str) -> str:
    """The role as the cards name it; in a choice, "other" says so."""
    if role == ContactRole.OTHER:
        return str(_("Other role"))
    return role_name(role)


def language_label(code: str) -> str:
    return _capitalised(language_name(code))


def weekday_label(weekday: int) -> str:
    return _capitalised(weekday_name(weekday))


def _capitalised(name: str) -> str:
    # CLDR writes Norwegian language and weekday names in lower case; a label starts a sentence.
    return name[:1].upper() + name[1:]


class _Phone:
    def __call__(self, form: Any, field: Field) -> None:
        if not field.data or normalised_phone(field.data) is not None:
            return
        try:
            possible = phonenumbers.is_possible_number(phonenumbers.parse(field.data, "NO"))
        except phonenumbers.NumberParseException:
            possible = False
        if possible:
            raise ValidationError(_l("There is no phone number %(number)s. Check the digits.",
                                     number=field.data))
        raise ValidationError(_l("Enter a phone number of 8 digits, for example 55 97 50 00, or "
                                 "a country code first for a foreign number."))


class _Email:
    def __call__(self, form: Any, field: Field) -> None:
        if field.data:
            try:
                validate_email(field.data, check_deliverability=False)
            except EmailNotValidError:
                raise ValidationError(_l("Enter an e-mail address in the right format, for "
                                         "example kreftkoordinator@kommune.no.")) from None


def _one_of(values: tuple[str, ...], message: Any) -> Any:
    def check(form: Any, field: Field) -> None:
        data = field.data if isinstance(field.data, list) else [field.data]
        if any(str(value) not in values for value in data if value is not None):
            raise ValidationError(message)
    return check


def _time_field() -> Any:
    return StringField(filters=[strip_text], validators=[Optional(), MaxLength(8), ValidTime()])


class ContactForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """A contact point. Build it with ``contact_form``, which adds the exception rows."""

    role = RadioField(choices=list(ROLES), validate_choice=False,
                      validators=[InputRequired(_l("Choose the contact point's role.")),
                                  _one_of(ROLES, _l("Choose one of the roles shown."))])
    name = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the name of the person or the function, for example "
                         "Kreftkoordinator i Askøy.")), MaxLength(200)])
    phone = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter the phone number patients call.")), MaxLength(30), _Phone()])
    sms = StringField(filters=[strip_text], validators=[Optional(), MaxLength(30), _Phone()])
    email = StringField(filters=[strip_text], validators=[Optional(), MaxLength(254), _Email()])
    address = StringField(filters=[strip_text], validators=[Optional(), MaxLength(300)])
    languages = SelectMultipleField(
        choices=list(LANGUAGE_CODES), validate_choice=False, validators=[
            InputRequired(_l("Choose at least one language the contact point speaks.")),
            _one_of(LANGUAGE_CODES, _l("Choose among the languages shown."))])
    note = TextAreaField(filters=[strip_text], validators=[Optional(), MaxLength(500)])
    closed_on_public_holidays = BooleanField()

    #: Filled by ``validate``: the hours as checked, for ``values``.
    _weekly: list[tuple[int, time, time]]
    _exceptions: list[tuple[date, time | None, time | None]]
    exception_rows: int = 0

    def validate(self, extra_validators: Mapping[str, Any] | None = None) -> bool:
        valid = super().validate(extra_validators)
        self._weekly = self._check_weekly()
        self._exceptions = self._check_exceptions()
        return bool(valid and not self.errors)

    def values(self) -> ContactValues:
        """The validated values (after ``validate`` returned True)."""
        sms = normalised_phone(self.sms.data) if self.sms.data else None
        email = (str(validate_email(self.email.data, check_deliverability=False).normalized)
                 if self.email.data else None)
        chosen = set(self.languages.data or ())
        return ContactValues(
            role=self.role.data, name=self.name.data, phone=normalised_phone(self.phone.data)
            or "", sms=sms, email=email, address=self.address.data or None,
            languages=tuple(code for code in LANGUAGE_CODES if code in chosen),
            note=self.note.data or None,
            closed_on_public_holidays=bool(self.closed_on_public_holidays.data),
            opening_hours=tuple(self._weekly), exceptions=tuple(self._exceptions))

    # --- opening hours --------------------------------------------------------------------------

    def hours_field(self, weekday: int, slot: int, end: str) -> Field:
        return self[f"day{weekday}_{slot}_{end}"]

    def exception_field(self, row: int, name: str) -> Field:
        return self[f"exception{row}_{name}"]

    def _pair(self, opens: Field, closes: Field) -> tuple[time, time] | None:
        """Both times of an interval, or None (a message on the one missing, if one is)."""
        if opens.errors or closes.errors or not (opens.data or closes.data):
            return None
        if not opens.data:
            opens.errors.append(_("Enter the time it opens too."))
            return None
        if not closes.data:
            closes.errors.append(_("Enter the time it closes too."))
            return None
        start, end = as_time(opens.data), as_time(closes.data)
        if start is None or end is None:
            return None
        return start.replace(second=0, microsecond=0), end.replace(second=0, microsecond=0)

    def _check_weekly(self) -> list[tuple[int, time, time]]:
        days: dict[int, list[hours.Interval]] = {}
        slots: dict[int, list[int]] = {}
        for weekday in WEEKDAYS:
            for slot in SLOTS:
                pair = self._pair(self.hours_field(weekday, slot, "opens"),
                                  self.hours_field(weekday, slot, "closes"))
                if pair is not None:
                    days.setdefault(weekday, []).append(hours.Interval(*pair))
                    slots.setdefault(weekday, []).append(slot)
        for problem in hours.validate(hours.WeeklyHours.from_mapping(days)):
            # validate() sets both for weekly hours
            weekday, slot = problem.weekday or 0, slots[problem.weekday or 0][problem.index or 0]
            if problem.kind == hours.ProblemKind.ENDS_BEFORE_START:
                self.hours_field(weekday, slot, "closes").errors.append(_ends_before())
            else:
                earlier = days[weekday][problem.other or 0]
                self.hours_field(weekday, slot, "opens").errors.append(_(
                    "These hours overlap the earlier hours that day, %(opens)s–%(closes)s.",
                    opens=earlier.opens.strftime("%H:%M"),
                    closes=earlier.closes.strftime("%H:%M")))
        return [(weekday, interval.opens, interval.closes)
                for weekday, intervals in sorted(days.items()) for interval in intervals]

    def _check_exceptions(self) -> list[tuple[date, time | None, time | None]]:
        found: list[hours.DayException] = []
        rows: list[int] = []
        for row in range(self.exception_rows):
            exception = self._exception(row)
            if exception is not None:
                found.append(exception)
                rows.append(row)
        for problem in hours.validate_exceptions(found):
            row = rows[problem.exception or 0]  # validate_exceptions always sets it
            if problem.kind == hours.ProblemKind.DUPLICATE_DAY:
                self.exception_field(row, "day").errors.append(_(
                    "This date is in row %(row)d too. Give each date one row.",
                    row=rows[problem.other or 0] + 1))
            else:
                self.exception_field(row, "closes").errors.append(_ends_before())
        return [(e.day, e.intervals[0].opens, e.intervals[0].closes) if e.intervals
                else (e.day, None, None) for e in found]

    def _exception(self, row: int) -> hours.DayException | None:
        day, closed = self.exception_field(row, "day"), self.exception_field(row, "closed")
        opens, closes = self.exception_field(row, "opens"), self.exception_field(row, "closes")
        if not (day.data or closed.data or opens.data or closes.data):
            return None  # an empty row
        if not day.data:
            day.errors.append(_("Enter the date these hours are for."))
            return None
        on = as_date(day.data)
        if on is None or day.errors:
            return None
        if closed.data:
            if opens.data or closes.data:
                opens.errors.append(_("Either tick closed all day or enter the hours, not "
                                      "both."))
                return None
            return hours.DayException(on)
        if not (opens.data or closes.data) and not (opens.errors or closes.errors):
            opens.errors.append(_("Enter the hours that day, or tick closed all day."))
            return None
        pair = self._pair(opens, closes)
        return hours.DayException(on, (hours.Interval(*pair),)) if pair else None


def _ends_before() -> str:
    return str(_("The closing time must be after the opening time. For hours past midnight, "
                 "close at 00:00 and open at 00:00 the next day."))


for _weekday in WEEKDAYS:
    for _slot in SLOTS:
        setattr(ContactForm, f"day{_weekday}_{_slot}_opens", _time_field())
        setattr(ContactForm, f"day{_weekday}_{_slot}_closes", _time_field())


def rows_posted(formdata: Mapping[str, Any]) -> int:
    """How many exception rows a post has (the highest row sent, at most ``MAX_ROWS``)."""
    highest = -1
    for key in formdata:
        match = _ROW.match(key)
        if match and int(match.group(1)) < MAX_ROWS:
            highest = max(highest, int(match.group(1)))
    return highest + 1


def contact_form(saved_rows: int, formdata: Mapping[str, Any], **kwargs: Any) -> ContactForm:
    """The form with room for the saved exceptions plus ``EMPTY_ROWS``, or for every row
    posted."""
    rows = min(MAX_ROWS, max(saved_rows + EMPTY_ROWS, rows_posted(formdata)))
    fields: dict[str, Any] = {"exception_rows": rows}
    for row in range(rows):
        fields[f"exception{row}_day"] = StringField(filters=[strip_text], validators=[
            Optional(), MaxLength(20), ValidDate()])
        fields[f"exception{row}_closed"] = BooleanField()
        fields[f"exception{row}_opens"] = _time_field()
        fields[f"exception{row}_closes"] = _time_field()
    form_class = type("ContactFormWithRows", (ContactForm,), fields)
    return form_class(**kwargs)  # type: ignore[no-any-return]


def initial_data(contact: ContactPoint | None) -> dict[str, Any]:
    """What the form shows before anything is posted: the contact point as saved, or the
    defaults of a new one."""
    if contact is None:
        return {"languages": ["nb"], "closed_on_public_holidays": True}
    from portal.templating import phone

    data: dict[str, Any] = {
        "role": contact.role, "name": contact.name, "phone": phone(contact.phone),
        "sms": phone(contact.sms) if contact.sms else "", "email": contact.email or "",
        "address": contact.address or "", "languages": contact.language_codes,
        "note": contact.note or "",
        "closed_on_public_holidays": contact.closed_on_public_holidays}
    per_day: dict[int, int] = {}
    for row in contact.opening_hours:
        slot = per_day[row.weekday] = per_day.get(row.weekday, 0) + 1
        if slot in SLOTS:
            data[f"day{row.weekday}_{slot}_opens"] = row.opens.strftime("%H:%M")
            data[f"day{row.weekday}_{slot}_closes"] = row.closes.strftime("%H:%M")
    for index, exception in enumerate(contact.exceptions):
        data[f"exception{index}_day"] = exception.day.isoformat()
        data[f"exception{index}_closed"] = exception.opens is None
        if exception.opens is not None and exception.closes is not None:
            data[f"exception{index}_opens"] = exception.opens.strftime("%H:%M")
            data[f"exception{index}_closes"] = exception.closes.strftime("%H:%M")
    return data


class MunicipalityForm(KeepsDraft, FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """A municipality to serve, by its four-digit number or by name."""

    municipality = StringField(filters=[strip_text], validators=[
        InputRequired(_l("Enter a municipality's name or its four-digit number.")),
        MaxLength(100)])


class RemoveMunicipalityForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    number = StringField(filters=[strip_text], validators=[InputRequired(), MaxLength(4)])


class ConfirmForm(FlaskForm):  # type: ignore[misc]  # Flask-WTF ships no type hints
    """Only the CSRF token: archiving asks nothing more."""
