"""Contact points in words, in the reader's language, at request time: the role, the languages
spoken, the opening hours per weekday, the coming exceptions, and "open now" as a sentence.

Weekday and language names come from Babel's locale data (CLDR), so they need no translation of
ours; the sentences are whole translatable messages with named placeholders. Nothing here reads
the database: a contact point's rows are loaded by the caller (``portal/contacts/lookup.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_day_names
from babel.lists import format_list
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.contacts import hours
from portal.contacts.models import ContactPoint, ContactRole
from portal.contacts.vcard import VCardContact

ZONE = ZoneInfo(hours.DEFAULT_ZONE)
#: How far ahead the card lists days with their own hours (a holiday, Christmas Eve).
EXCEPTIONS_AHEAD = timedelta(days=14)
#: "Opens Thursday at 08:00" names the weekday within this many days; further off, the date.
WEEKDAY_WITHIN = 6

ROLE_NAMES = {
    ContactRole.PATHWAY_COORDINATOR: _l("Pathway coordinator (forløpskoordinator)"),
    ContactRole.CANCER_COORDINATOR: _l("Cancer coordinator (kreftkoordinator)"),
    ContactRole.CANCER_NURSE: _l("Cancer nurse (kreftsykepleier)"),
    ContactRole.COORDINATING_UNIT: _l("Coordinating unit (koordinerende enhet)"),
    ContactRole.CONTACT_DOCTOR: _l("Contact doctor (kontaktlege)"),
    ContactRole.OTHER: _l("Contact point"),
}


def role_name(role: str) -> str:
    """The role in words; an unknown value (a newer role, not yet worded) as "Contact point"."""
    try:
        return str(ROLE_NAMES[ContactRole(role)])
    except ValueError:
        return str(ROLE_NAMES[ContactRole.OTHER])


def _locale_code() -> str:
    return str(get_locale() or "nb")


def language_name(code: str) -> str:
    """A language code ("se", "pl") as the reader's language names it; unknown codes as given."""
    name = Locale.parse(_locale_code()).languages.get(code)
    return str(name) if name else code


def languages_in_words(codes: Sequence[str]) -> str:
    """"norsk bokmål, engelsk og polsk"; empty when no language is registered."""
    return str(format_list([language_name(code) for code in codes], locale=_locale_code()))


def weekday_name(weekday: int) -> str:
    """0 = Monday, in the reader's language ("mandag", "Monday")."""
    return str(get_day_names("wide", locale=_locale_code())[weekday])


def _clock(at: time) -> str:
    return str(format_time(at, format="short", rebase=False))


def interval_words(interval: hours.Interval) -> str:
    if interval.ends_at_midnight:
        return str(_("%(opens)s to midnight", opens=_clock(interval.opens)))
    return str(_("%(opens)s–%(closes)s", opens=_clock(interval.opens),
                 closes=_clock(interval.closes)))


def intervals_words(intervals: Sequence[hours.Interval]) -> str:
    if not intervals:
        return str(_("Closed"))
    return str(format_list([interval_words(i) for i in intervals], locale=_locale_code()))


@dataclass(frozen=True)
class HoursRow:
    """One line of the weekly hours: "Monday–Friday" and "08:00–15:30"."""

    days: str
    hours: str


def weekly_rows(weekly: hours.WeeklyHours) -> list[HoursRow]:
    """Consecutive weekdays with the same hours on one line, Monday first."""
    rows: list[HoursRow] = []
    start = 0
    for weekday in range(1, 8):
        if weekday < 7 and weekly.days[weekday] == weekly.days[start]:
            continue
        last = weekday - 1
        days = (weekday_name(start) if start == last else
                str(_("%(first)s–%(last)s", first=weekday_name(start), last=weekday_name(last))))
        rows.append(HoursRow(days, intervals_words(weekly.days[start])))
        start = weekday
    return rows


def exception_rows(exceptions: Sequence[hours.DayException], today: date) -> list[HoursRow]:
    """Days with their own hours from ``today`` up to two weeks ahead, in date order."""
    last = today + EXCEPTIONS_AHEAD
    return [HoursRow(str(format_date(found.day, format="full")),
                     intervals_words(found.intervals))
            for found in sorted(exceptions, key=lambda e: e.day) if today <= found.day <= last]


def _when(moment: datetime, now: datetime) -> tuple[str, str]:
    """("today" | "tomorrow" | weekday | date, time) of a moment, as the status line says it."""
    local, today = moment.astimezone(ZONE), now.astimezone(ZONE).date()
    days = (local.date() - today).days
    return (("today" if days == 0 else "tomorrow" if days == 1 else
             "weekday" if days <= WEEKDAY_WITHIN else "date"),
            _clock(local.time()))


def status_words(status: hours.OpenStatus, now: datetime) -> str:
    """"Open now, closes at 15:00." / "Closed now. Opens Monday at 08:00." """
    if status.open_now:
        if status.closes_at is None:
            return str(_("Open now."))
        when, at = _when(status.closes_at, now)
        if when == "today":
            return str(_("Open now, closes at %(time)s.", time=at))
        if when == "tomorrow":
            return str(_("Open now, closes tomorrow at %(time)s.", time=at))
        return str(_("Open now, closes %(day)s at %(time)s.", day=_day(status.closes_at, when),
                     time=at))
    if status.opens_at is None:
        return str(_("Closed now."))
    when, at = _when(status.opens_at, now)
    if when == "today":
        return str(_("Closed now. Opens today at %(time)s.", time=at))
    if when == "tomorrow":
        return str(_("Closed now. Opens tomorrow at %(time)s.", time=at))
    return str(_("Closed now. Opens %(day)s at %(time)s.", day=_day(status.opens_at, when),
                 time=at))


def _day(moment: datetime, when: str) -> str:
    local = moment.astimezone(ZONE)
    if when == "weekday":
        return weekday_name(local.weekday())
    return str(format_date(local.date(), format="long"))


@dataclass(frozen=True)
class Card:
    """What the contact card shows of one contact point, worded for this request."""

    contact: ContactPoint
    role: str
    languages: str
    #: False when no weekly hours and no exceptions are registered: "open now" is unknown.
    has_hours: bool
    open_now: bool
    status: str
    weekly: list[HoursRow]
    closed_on_public_holidays: bool
    exceptions: list[HoursRow]


def card(contact: ContactPoint, now: datetime) -> Card:
    """The card of a contact point at ``now`` (an aware moment; the card speaks Oslo time)."""
    weekly = contact.weekly_hours()
    exceptions = contact.day_exceptions()
    has_hours = any(weekly.days) or bool(exceptions)
    status = hours.status_at(weekly, exceptions, now) if has_hours else hours.OpenStatus(False)
    return Card(
        contact=contact,
        role=role_name(contact.role),
        languages=languages_in_words(contact.language_codes),
        has_hours=has_hours,
        open_now=status.open_now,
        status=status_words(status, now) if has_hours else
        str(_("Opening hours are not registered. Call to hear when they answer.")),
        weekly=weekly_rows(weekly) if any(weekly.days) else [],
        closed_on_public_holidays=weekly.closed_on_public_holidays and any(weekly.days),
        exceptions=exception_rows(exceptions, now.astimezone(ZONE).date()),
    )


def vcard_contact(worded: Card) -> VCardContact:
    """What the vCard carries: the card's words, the weekly hours in the note."""
    contact = worded.contact
    lines = [contact.note] if contact.note else []
    if worded.weekly:
        lines.append(str(_("Opening hours:")))
        lines.extend(str(_("%(days)s: %(hours)s", days=row.days, hours=row.hours))
                     for row in worded.weekly)
        if worded.closed_on_public_holidays:
            lines.append(str(_("Closed on public holidays.")))
    return VCardContact(
        name=contact.name, organisation=contact.organisation.name, title=worded.role,
        phone=contact.phone, sms=contact.sms, email=contact.email, address=contact.address,
        note="\n".join(lines) or None, languages=tuple(contact.language_codes),
        updated_at=contact.updated_at)
