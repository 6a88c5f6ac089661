"""A contact point as a vCard 4.0 (RFC 6350), to save in a phone's contacts. Pure: no Flask, no
database; the view gives the words (role, note) in the reader's language.

Text values escape backslash, comma, semicolon and newlines (RFC 6350, 3.4); lines are CRLF and
folded at 75 octets without splitting a UTF-8 character (3.2). Phone numbers are ``tel:`` URIs
(6.4.1): voice for calls, text for SMS.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from portal.contacts.reference import fold

CONTENT_TYPE = "text/vcard; charset=utf-8"
LINE_OCTETS = 75
#: Control characters have no place in a vCard value (a newline is escaped, the rest dropped).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TEL = re.compile(r"\+?[0-9]+")


@dataclass(frozen=True)
class VCardContact:
    name: str
    organisation: str
    #: The role in words ("Kreftkoordinator"), as TITLE.
    title: str | None = None
    #: E.164, as stored ("+4755975000").
    phone: str | None = None
    sms: str | None = None
    email: str | None = None
    #: The visiting address as written: one free-text line, put in the street part.
    address: str | None = None
    note: str | None = None
    languages: tuple[str, ...] = ()
    updated_at: datetime | None = None


def escape(value: str) -> str:
    """A text value (or one part of a compound value) escaped for a vCard."""
    cleaned = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return (cleaned.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\n", "\\n"))


def fold_line(line: str) -> str:
    """Fold a content line into lines of at most 75 octets, each continuation starting with a
    space, never inside a UTF-8 character."""
    pieces: list[str] = []
    current, size = "", 0
    limit = LINE_OCTETS
    for char in line:
        octets = len(char.encode("utf-8"))
        if size + octets > limit:
            pieces.append(current)
            current, size = "", 0
            limit = LINE_OCTETS - 1  # the leading space of a continuation counts
        current += char
        size += octets
    pieces.append(current)
    return "\r\n ".join(pieces)


def _tel_uri(number: str) -> str | None:
    """``tel:+4755975000`` of a stored number; None for anything that is not digits (never
    stored, but a vCard must not carry a broken property)."""
    compact = number.replace(" ", "")
    return f"tel:{compact}" if _TEL.fullmatch(compact) else None


def _lines(contact: VCardContact) -> Iterable[str]:
    yield "BEGIN:VCARD"
    yield "VERSION:4.0"
    yield f"FN:{escape(contact.name)}"
    yield f"ORG:{escape(contact.organisation)}"
    if contact.title:
        yield f"TITLE:{escape(contact.title)}"
    phone = _tel_uri(contact.phone) if contact.phone else None
    if phone:
        yield f"TEL;VALUE=uri;TYPE=voice:{phone}"
    sms = _tel_uri(contact.sms) if contact.sms else None
    if sms:
        yield f"TEL;VALUE=uri;TYPE=text:{sms}"
    if contact.email:
        yield f"EMAIL;TYPE=work:{escape(contact.email)}"
    if contact.address:
        # post office box; extended address; street; locality; region; postal code; country
        yield f"ADR;TYPE=work:;;{escape(contact.address)};;;;"
    for preference, code in enumerate(contact.languages, start=1):
        if re.fullmatch(r"[a-z]{2,3}", code):
            yield f"LANG;PREF={preference}:{code}"
    if contact.note:
        yield f"NOTE:{escape(contact.note)}"
    if contact.updated_at is not None:
        yield f"REV:{contact.updated_at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"
    yield "END:VCARD"


def vcard(contact: VCardContact) -> str:
    """The vCard text, CRLF line endings, folded."""
    return "".join(fold_line(line) + "\r\n" for line in _lines(contact))


def filename(name: str) -> str:
    """A file name safe in any header and file system: folded ASCII letters, digits, hyphens."""
    stem = fold(name).replace(" ", "-")[:60].strip("-")
    return f"{stem or 'contact'}.vcf"
