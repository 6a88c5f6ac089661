"""The public contact lookup's queries: a municipality by number, the organisations whose contact
points its people call, one contact point for its vCard, and the list to choose from.

Each list is one query, whatever its length: contact points with their hours come in with
``contact_loading`` (one query per relationship, never one per row).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import LoaderOption

from portal.contacts import hours
from portal.contacts.models import (
    ContactPoint,
    OpeningException,
    Organisation,
    OrganisationKind,
    ServedMunicipality,
)
from portal.contacts.reference import Municipality, fold, today_in_norway, valid_on

ZONE = ZoneInfo(hours.DEFAULT_ZONE)
#: How many municipalities the search-as-you-type answer lists at most.
SEARCH_LIMIT = 10


def now() -> datetime:
    """The moment "open now" is computed for. Tests replace it to stand at a fixed moment."""
    return datetime.now(UTC)


def today(moment: datetime | None = None) -> date:
    """The date in Norway at ``moment`` (default: ``now()``)."""
    return (moment or now()).astimezone(ZONE).date()


def contact_loading(on: date, via: Any = None) -> list[LoaderOption]:
    """Options for an ``Organisation`` query: its current contact points, each with its weekly
    hours and its exceptions from the day before ``on`` (older ones no card shows). ``via`` is a
    loader option reaching the organisation from another entity, e.g.
    ``joinedload(Touchpoint.organisation)``, for queries that start elsewhere."""
    since = on - timedelta(days=1)
    current = Organisation.contact_points.and_(ContactPoint.archived_at.is_(None))
    contacts = selectinload(current) if via is None else via.selectinload(current)
    return [contacts.selectinload(ContactPoint.opening_hours),
            contacts.selectinload(ContactPoint.exceptions.and_(OpeningException.day >= since))]


def slug(municipality: Municipality) -> str:
    """The readable part of a municipality's address: "bergen", "karasjohka", "nord-aurdal"."""
    return fold(municipality.name).replace(" ", "-") or municipality.number


def is_number(text: str) -> bool:
    return len(text) == 4 and text.isascii() and text.isdigit()


def municipality(session: Session, number: str, on: date | None = None) -> Municipality | None:
    """The municipality with this number in force today (in Norway), or None: an unknown
    number, or one ended by a reform."""
    if not is_number(number):
        return None
    found: Municipality | None = session.scalar(
        select(Municipality).where(Municipality.number == number,
                                   *valid_on(on or today_in_norway())))
    return found


def former(session: Session, number: str) -> Municipality | None:
    """The last row of a number no longer in force (ended by a reform), for the page that says
    so; None for a number never known."""
    if not is_number(number):
        return None
    found: Municipality | None = session.scalar(
        select(Municipality).where(Municipality.number == number,
                                   Municipality.valid_to.is_not(None))
        .order_by(Municipality.valid_to.desc()).limit(1))
    return found


def organisations_for(session: Session, number: str, on: date) -> list[Organisation]:
    """The municipality's own organisation, then every hospital trust serving it (by name),
    with their current contact points."""
    serving = select(ServedMunicipality.hospital_id).where(
        ServedMunicipality.municipality_number == number)
    found = session.scalars(
        select(Organisation)
        .where(or_(Organisation.municipality_number == number, Organisation.id.in_(serving)))
        .options(*contact_loading(on)).execution_options(populate_existing=True))
    return sorted(found, key=lambda o: (o.kind != OrganisationKind.MUNICIPALITY, fold(o.name)))


def organisations(session: Session, ids: Iterable[int], on: date) -> dict[int, Organisation]:
    """Organisations by id with their current contact points (for a patient's pathway)."""
    wanted = set(ids)
    if not wanted:
        return {}
    return {o.id: o for o in session.scalars(
        select(Organisation).where(Organisation.id.in_(wanted))
        .options(*contact_loading(on))
        # Loaded earlier in the request without their hours: load them again, with them.
        .execution_options(populate_existing=True))}


def contact_point(session: Session, contact_id: int, on: date) -> ContactPoint | None:
    """A current (not archived) contact point with its organisation and hours, or None."""
    if not 0 < contact_id <= 2**31 - 1:
        return None
    since = on - timedelta(days=1)
    found: ContactPoint | None = session.scalar(
        select(ContactPoint)
        .where(ContactPoint.id == contact_id, ContactPoint.archived_at.is_(None))
        .options(selectinload(ContactPoint.organisation),
                 selectinload(ContactPoint.opening_hours),
                 selectinload(ContactPoint.exceptions.and_(OpeningException.day >= since))))
    return found


@dataclass(frozen=True)
class County:
    name: str
    municipalities: list[Municipality]


def counties(session: Session, on: date | None = None) -> list[County]:
    """Every municipality in force, by county (in number order) and name: the list to choose
    from when JavaScript or typing is not an option."""
    rows = session.scalars(select(Municipality).where(*valid_on(on or today_in_norway())))
    by_county: dict[tuple[str, str], list[Municipality]] = {}
    for row in rows:
        by_county.setdefault((row.county_number, row.county_name), []).append(row)
    return [County(name, sorted(found, key=lambda m: (m.search_key, m.number)))
            for (_number, name), found in sorted(by_county.items())]


def exact_match(query: str, found: list[Municipality]) -> Municipality | None:
    """The one municipality the query names exactly (its number, or a whole name form), if only
    one does: the search can go straight to its page."""
    folded = fold(query)
    exact = [m for m in found
             if m.number == query.strip() or folded in (fold(m.name), fold(m.also_known_as or ""))]
    return exact[0] if len(exact) == 1 else None
