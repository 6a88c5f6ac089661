"""Pages anyone may see without signing in: the start page and the contact lookup.

The lookup is what a relative finds from a search engine or a hospital leaflet: choose or type a
municipality, and see whom to call there and at the hospital trust that serves it, with "open
now" computed at request time (``lookup.now``). Every municipality has a shareable, canonical
address (``/contacts/4601-bergen``); these pages hold no health data, so to a visitor without a
session they may be cached for a few minutes (``security.cache_publicly``).
"""

from __future__ import annotations

import re
from datetime import datetime

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from portal import access
from portal.auth.session import HOMES, current_principal
from portal.clinician.forms import SEARCH_LENGTH
from portal.contacts import lookup, vcard, wording
from portal.contacts.models import ContactPoint
from portal.contacts.reference import Municipality, search
from portal.db import db_session
from portal.public.forms import SearchForm
from portal.security import cache_publicly

bp = Blueprint("public", __name__)

#: "4601-", "4601/", "4601-bergen/": a number with an address nearly right.
_SLUG_LIKE = re.compile(r"[0-9]{4}(-[^/]*)?/?")
#: How many municipalities a search page lists (the search-as-you-type answer lists fewer).
RESULTS = 25


@bp.app_template_global()
def contacts_now() -> datetime:
    """The moment contact cards speak of, for templates that were not given one."""
    return lookup.now()


@bp.app_template_global()
def contact_words(contact: ContactPoint, now: datetime | None = None) -> wording.Card:
    """A contact point in words for the card macro (templates/components/contacts.html)."""
    return wording.card(contact, now or lookup.now())


@bp.app_template_global()
def municipality_url(municipality: Municipality, external: bool = False) -> str:
    return url_for("public.municipality", number=municipality.number,
                   slug=lookup.slug(municipality), _external=external)


@bp.get("/")
@access.public
def index() -> str | WerkzeugResponse:
    principal = current_principal()
    if principal is not None:
        return redirect(url_for(HOMES[principal.kind]))
    return render_template("public/index.html")


@bp.get("/contacts")
@access.public
def contacts() -> str | WerkzeugResponse:
    """Choose a municipality from the list, or search by any name form or number."""
    form = SearchForm(request.args)
    results = None
    if form.q.data and form.validate():
        results = search(db_session(), form.q.data, limit=RESULTS)
        exact = lookup.exact_match(form.q.data, results)
        if exact is not None:
            return redirect(municipality_url(exact), code=303)
    cache_publicly()
    return render_template("public/contacts.html", form=form, results=results,
                           counties=lookup.counties(db_session()) if not results else [])


@bp.get("/contacts/<string(length=4):number>-<slug>")
@access.public
def municipality(number: str, slug: str) -> str | WerkzeugResponse | tuple[str, int]:
    """Whom to call in one municipality: its own contact points and its hospital trusts'."""
    found = lookup.municipality(db_session(), number)
    if found is None:
        return _unknown(number)
    if slug != lookup.slug(found):
        return redirect(municipality_url(found), code=301)
    now = lookup.now()
    organisations = lookup.organisations_for(db_session(), found.number, lookup.today(now))
    cache_publicly()
    return render_template("public/municipality.html", municipality=found,
                           organisations=organisations, now=now, form=SearchForm())


@bp.get("/contacts/<string(length=4):number>")
@access.public
def municipality_number(number: str) -> WerkzeugResponse | tuple[str, int]:
    """A number alone (from a leaflet): on to the municipality's canonical address."""
    found = lookup.municipality(db_session(), number)
    if found is None:
        return _unknown(number)
    return redirect(municipality_url(found), code=301)


@bp.get("/contacts/<path:rest>")
@access.public
def not_found(rest: str) -> WerkzeugResponse | tuple[str, int]:
    """Any other address under /contacts: a known number with an empty slug or a trailing
    slash moves to its canonical address; anything else is the helpful 404, with the search."""
    if _SLUG_LIKE.fullmatch(rest):
        found = lookup.municipality(db_session(), rest[:4])
        if found is not None:
            return redirect(municipality_url(found), code=301)
    return _unknown(rest.split("-", 1)[0].rstrip("/")[:SEARCH_LENGTH])


def _unknown(number: str) -> tuple[str, int]:
    former = lookup.former(db_session(), number)
    return render_template("public/municipality_not_found.html", former=former,
                           form=SearchForm()), 404


@bp.get("/contacts/search.json")
@access.public
def search_json() -> Response:
    """Search as you type: at most ten municipalities, names and addresses only."""
    query = (request.args.get("q") or "").replace("\x00", "").strip()
    found = search(db_session(), query, limit=lookup.SEARCH_LIMIT) \
        if 0 < len(query) <= SEARCH_LENGTH else []
    cache_publicly()
    return jsonify(results=[{"number": m.number, "name": m.display_name,
                             "county": m.county_name, "url": municipality_url(m)}
                            for m in found])


@bp.get("/contacts/cards/<int:contact_id>.vcf")
@access.public
def contact_vcard(contact_id: int) -> Response:
    """One contact point as a vCard, to save in the phone's contacts."""
    now = lookup.now()
    found = lookup.contact_point(db_session(), contact_id, lookup.today(now))
    if found is None:
        abort(404)
    text = vcard.vcard(wording.vcard_contact(wording.card(found, now)))
    cache_publicly()
    return Response(text, content_type=vcard.CONTENT_TYPE, headers={
        "Content-Disposition": f'attachment; filename="{vcard.filename(found.name)}"'})


# Importing these modules registers their routes on this blueprint.
from portal.public import about, families, indexing  # noqa: E402, F401
