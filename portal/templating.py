"""Template globals and filters shared by every page."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import phonenumbers
from flask import Flask
from flask_babel import format_date, format_time
from flask_babel import gettext as _

from portal.questionnaire.display import (
    conditional_css,
    display_answer,
    error_labels,
    option_pairs,
)


def phone(number: str | None) -> str:
    """A phone number as Norwegians write it (55 97 00 00); foreign numbers with their code."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, "NO")
    except phonenumbers.NumberParseException:
        return number
    style = (phonenumbers.PhoneNumberFormat.NATIONAL if parsed.country_code == 47
             else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return str(phonenumbers.format_number(parsed, style))


#: Unicode's left-to-right isolate: keeps "55 97 00 00" in order inside right-to-left text,
#: where the bidirectional algorithm would otherwise show its groups backwards (00 00 97 55).
LTR_ISOLATE = ("\u2066", "\u2069")


def ltr(text: str) -> str:
    """``text`` isolated as left to right when the page is right to left (Arabic), else as is."""
    from portal.i18n import text_direction

    if not text or text_direction() != "rtl":
        return text
    return f"{LTR_ISOLATE[0]}{text}{LTR_ISOLATE[1]}"


def shown_phone(number: str | None) -> str:
    """The ``phone`` filter: a phone number to read, in order in any writing direction. (Form
    fields take ``phone``: what a person edits carries no invisible characters.)"""
    return ltr(phone(number))


def when(moment: datetime | None) -> str:
    """Date and time in the display time zone (Europe/Oslo) and the current language."""
    if moment is None:
        return ""
    return str(_("%(date)s at %(time)s", date=format_date(moment, format="long"),
             time=format_time(moment, format="short")))


_TIME = re.compile(r"^\d{2}:\d{2}(:\d{2})?$")


def input_type(wanted: str, value: object) -> str:
    """The input type to render: a date or time input may only carry a valid value (HTML), so
    one that holds what a person typed wrongly is shown as text, as typed, with its error."""
    if wanted not in ("date", "time") or value in (None, "") or isinstance(value, date | time):
        return wanted
    text = str(value)
    if wanted == "time":
        return wanted if _TIME.match(text) and int(text[:2]) < 24 and int(text[3:5]) < 60 \
            else "text"
    try:
        date.fromisoformat(text)
    except ValueError:
        return "text"
    return wanted if len(text) == 10 else "text"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(phone=shown_phone, when=when, ltr=ltr)
    app.jinja_env.globals.update(input_type=input_type)
    app.jinja_env.globals.update(
        display_answer=display_answer, option_pairs=option_pairs, conditional_css=conditional_css,
        error_labels=error_labels,
    )
