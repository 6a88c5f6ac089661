"""What search engines may index: ``/robots.txt`` keeps them out of every signed-in page and
points at ``/sitemap.xml``, which lists the public pages a relative may search for — the contact
page of every municipality in force, the contact search, the page for families with children."""

from __future__ import annotations

from xml.sax.saxutils import escape

from flask import Response, url_for

from portal import access
from portal.contacts import lookup
from portal.db import db_session
from portal.public.views import bp, municipality_url

#: Signed-in and one-time pages: nothing there is for a search engine.
PRIVATE_PREFIXES = ("/patient/", "/relative/", "/staff/", "/admin/", "/sign-in", "/signed-out",
                    "/invitations/", "/dev-idp/", "/language/")


@bp.get("/robots.txt")
@access.public
def robots() -> Response:
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES),
             "Allow: /", f"Sitemap: {url_for('public.sitemap', _external=True)}", ""]
    return Response("\n".join(lines), mimetype="text/plain")


@bp.get("/sitemap.xml")
@access.public
def sitemap() -> Response:
    urls = [url_for("public.index", _external=True), url_for("public.contacts", _external=True),
            url_for("public.families_with_children", _external=True),
            url_for("public.help", _external=True), url_for("public.accessibility", _external=True)]
    for county in lookup.counties(db_session()):
        urls += [municipality_url(m, external=True) for m in county.municipalities]
    body = "".join(f"<url><loc>{escape(url)}</loc></url>" for url in urls)
    return Response('<?xml version="1.0" encoding="UTF-8"?>'
                    '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                    f"{body}</urlset>", mimetype="application/xml")
