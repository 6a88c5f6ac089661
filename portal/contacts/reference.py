"""Municipalities as reference data: loaded from Statistics Norway's list with a valid-from date,
loaded again when a newer list comes, and found by any of their official name forms.

Statistics Norway (classification 131) is the authority; numbers and names change with municipal
reforms. A row is never deleted: a municipality that changes name or county gets its old row ended
(``valid_to``) and a new one, and one missing from a newer list is ended. An unchanged number keeps
its row, so whatever is attached to the number (an organisation's contact points) stays as it is.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import (
    CheckConstraint,
    Date,
    Index,
    String,
    Text,
    UniqueConstraint,
    case,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql import ColumnElement

from portal.db import Base

#: The list shipped with the portal (see data/README.md) and the day it came into force.
SHIPPED_CSV = Path(__file__).resolve().parent / "data" / "municipalities-2024.csv"
SHIPPED_VALID_FROM = date(2024, 1, 1)
COLUMNS = ("municipality_number", "name", "also_known_as", "county_number", "county_name")
OSLO = ZoneInfo("Europe/Oslo")
CURRENT = "valid_to IS NULL"


class Municipality(Base):
    """One municipality over one period: ``valid_to`` is its last day, NULL while current."""

    __tablename__ = "municipality"
    __table_args__ = (
        UniqueConstraint("number", "valid_from"),
        # At most one open row per number: a newer list ends the old row before adding a new one.
        Index("uq_municipality_current_number", "number", unique=True,
              sqlite_where=text(CURRENT), postgresql_where=text(CURRENT)),
        CheckConstraint("length(number) = 4", name="number_length"),
        CheckConstraint("length(county_number) = 2", name="county_number_length"),
        CheckConstraint("valid_to IS NULL OR valid_to >= valid_from", name="valid_period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SSB four-digit municipality number, leading zero kept ("0301").
    number: Mapped[str] = mapped_column(String(4))
    name: Mapped[str] = mapped_column(String(100))
    #: The other official name form (Norwegian where ``name`` is Sami or Kven), as in the list.
    also_known_as: Mapped[str | None] = mapped_column(String(100))
    county_number: Mapped[str] = mapped_column(String(2))
    county_name: Mapped[str] = mapped_column(String(100))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    #: Every name form folded (``fold``), space-separated; computed by the loader.
    search_key: Mapped[str] = mapped_column(Text)

    @property
    def display_name(self) -> str:
        """"Kárášjohka – Karasjok": both official forms, as the municipalities write them."""
        return f"{self.name} – {self.also_known_as}" if self.also_known_as else self.name


# --- folding -------------------------------------------------------------------------------------

#: Letters that NFKD leaves whole: Norwegian æ ø å (å does decompose; listed to be explicit) and
#: the Sami letters. Applied after casefold, so only lower case is needed.
_LETTERS = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "á": "a", "đ": "d", "ŋ": "n",
                          "ŧ": "t", "š": "s", "ž": "z", "č": "c", "ʒ": "z"})
_SEPARATORS = re.compile(r"[^a-z0-9-]+")


def fold(value: str) -> str:
    """The form names are compared in: lower case ASCII letters, digits, single spaces and
    hyphens. "Tromsø", "TROMSØ" and "Tromso" fold alike; so do "Kárášjohka" and "Karasjohka".
    Anything else (brackets, punctuation, letters of other scripts) becomes a space."""
    mapped = value.casefold().translate(_LETTERS)
    decomposed = unicodedata.normalize("NFKD", mapped)
    # ø typed as o + combining stroke decomposes like á does: dropping the marks gives o.
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_SEPARATORS.sub(" ", bare).split())


def search_key(name: str, also_known_as: str | None) -> str:
    return " ".join(fold(form) for form in (name, also_known_as) if form)


# --- loading -------------------------------------------------------------------------------------


class ReferenceDataError(ValueError):
    """A list that cannot be loaded; nothing of it was loaded."""


@dataclass(frozen=True)
class MunicipalityRow:
    number: str
    name: str
    also_known_as: str | None
    county_number: str
    county_name: str


@dataclass(frozen=True)
class LoadResult:
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    ended: int = 0


def read_csv(path: Path) -> list[dict[str, str]]:
    """The rows of a list in the shipped file's columns (a byte-order mark is fine)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ReferenceDataError(
                f"Line 1: the header lacks the column(s) {', '.join(missing)}; expected "
                f"{','.join(COLUMNS)}. Nothing was loaded.")
        return list(reader)


def _field(row: Mapping[str, str | None], column: str) -> str:
    return (row.get(column) or "").strip()


def validate(rows: Iterable[Mapping[str, str | None]]) -> list[MunicipalityRow]:
    """Every row checked; the first bad one refuses the whole list, naming its line (the header
    is line 1)."""
    valid: list[MunicipalityRow] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        number, name = _field(row, "municipality_number"), _field(row, "name")
        county_number, county_name = _field(row, "county_number"), _field(row, "county_name")
        problem = None
        if None in row:  # csv.DictReader puts a row's extra fields under None
            problem = "it has more columns than the header"
        elif not re.fullmatch(r"[0-9]{4}", number):
            problem = f"{number!r} is not a four-digit municipality number"
        elif number in seen:
            problem = f"municipality {number} is on line {seen[number]} too"
        elif not name:
            problem = f"municipality {number} has no name"
        elif not re.fullmatch(r"[0-9]{2}", county_number):
            problem = f"{county_number!r} is not a two-digit county number"
        elif not county_name:
            problem = f"county {county_number} has no name"
        if problem:
            raise ReferenceDataError(f"Line {line}: {problem}. Nothing was loaded.")
        seen[number] = line
        valid.append(MunicipalityRow(number, name, _field(row, "also_known_as") or None,
                                     county_number, county_name))
    if not valid:
        raise ReferenceDataError("The list has no municipalities. Nothing was loaded.")
    return valid


def _same(current: Municipality, row: MunicipalityRow) -> bool:
    return (current.name, current.also_known_as, current.county_number, current.county_name) == (
        row.name, row.also_known_as, row.county_number, row.county_name)


def load_municipalities(session: Session, rows: Iterable[Mapping[str, str | None]],
                        valid_from: date) -> LoadResult:
    """Load a list in force from ``valid_from``. Flushes; the caller commits.

    Lists are loaded in date order. Loading a list again with the same date corrects it in place
    (the same list twice changes nothing); a list dated before the newest loaded one is refused.
    """
    valid = validate(rows)
    newest = session.scalar(select(func.max(Municipality.valid_from)))
    if newest is not None and valid_from < newest:
        raise ReferenceDataError(
            f"A list valid from {newest.isoformat()} is loaded already: lists are loaded in date "
            f"order, so one valid from {valid_from.isoformat()} cannot follow it. Nothing was "
            f"loaded.")
    current = {m.number: m for m in session.scalars(
        select(Municipality).where(Municipality.valid_to.is_(None)))}
    listed = {row.number for row in valid}
    gone = [m for number, m in sorted(current.items()) if number not in listed]
    for municipality in gone:
        if municipality.valid_from == valid_from:
            raise ReferenceDataError(
                f"Municipality {municipality.number} ({municipality.name}) came with the list "
                f"valid from {valid_from.isoformat()}; a list of the same date cannot end it. "
                f"Nothing was loaded.")
    ended_on = valid_from - timedelta(days=1)
    added = changed = unchanged = 0
    for row in valid:
        key = search_key(row.name, row.also_known_as)
        existing = current.get(row.number)
        if existing is not None and _same(existing, row):
            existing.search_key = key  # refreshed in case folding improved; not a change
            unchanged += 1
            continue
        if existing is not None and existing.valid_from == valid_from:
            _copy(existing, row)  # a correction of the list of that same date
            existing.search_key = key
            changed += 1
            continue
        if existing is not None:
            existing.valid_to = ended_on
            changed += 1
            # The old row must be ended in the database before the new open row arrives: the
            # partial unique index allows one open row per number.
            session.flush()
        else:
            added += 1
        new = Municipality(number=row.number, valid_from=valid_from, search_key=key)
        _copy(new, row)
        session.add(new)
    for municipality in gone:
        municipality.valid_to = ended_on
    session.flush()
    return LoadResult(added=added, changed=changed, unchanged=unchanged, ended=len(gone))


def _copy(municipality: Municipality, row: MunicipalityRow) -> None:
    municipality.name = row.name
    municipality.also_known_as = row.also_known_as
    municipality.county_number = row.county_number
    municipality.county_name = row.county_name


# --- search --------------------------------------------------------------------------------------


def today_in_norway() -> date:
    return datetime.now(OSLO).date()


def valid_on(on: date) -> list[ColumnElement[bool]]:
    """The conditions for rows in force on ``on``."""
    return [Municipality.valid_from <= on,
            or_(Municipality.valid_to.is_(None), Municipality.valid_to >= on)]


def search(session: Session, query: str, on: date | None = None,
           limit: int = 10) -> list[Municipality]:
    """Municipalities in force on ``on`` (today in Norway by default) whose name forms have a
    word starting with the folded query, or whose number is the query. The exact number first,
    then names starting with the query, then the rest, each by name."""
    on = on or today_in_norway()
    folded = fold(query)
    number = query.strip()
    if not folded:
        return []
    # fold() leaves only [a-z0-9 -]: nothing in the pattern is a LIKE wildcard.
    words = or_(Municipality.search_key.like(f"{folded}%"),
                Municipality.search_key.like(f"% {folded}%"),
                Municipality.search_key.like(f"%-{folded}%"))
    rank = case((Municipality.number == number, 0),
                (Municipality.search_key.like(f"{folded}%"), 1), else_=2)
    found = session.execute(
        select(Municipality, rank).where(*valid_on(on), or_(Municipality.number == number, words))
    ).all()
    # Sorted here, not in SQL: the databases' collations order "Aa", "Å" and spaces differently.
    ordered = sorted(found, key=lambda pair: (pair[1], pair[0].search_key, pair[0].number))
    return [municipality for municipality, _rank in ordered[:limit]]
