"""Search engines find every municipality's contact page and nothing behind a sign-in."""

from __future__ import annotations

from xml.etree import ElementTree

from portal.contacts.reference import SHIPPED_CSV, SHIPPED_VALID_FROM, load_municipalities, read_csv
from tests.helpers import PortalClient, path_of

NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def test_robots_keeps_crawlers_out_of_signed_in_pages_and_names_the_sitemap(app):
    response = PortalClient(app).raw.get("/robots.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    for private in ("/patient/", "/relative/", "/staff/", "/admin/", "/invitations/"):
        assert f"Disallow: {private}" in lines
    assert "Disallow: /contacts" not in " ".join(lines)
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def test_the_sitemap_lists_every_municipalitys_contact_page(app, db):
    load_municipalities(db, read_csv(SHIPPED_CSV), SHIPPED_VALID_FROM)
    db.commit()
    client = PortalClient(app)
    response = client.raw.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    locations = [loc.text or "" for loc in
                 ElementTree.fromstring(response.get_data())  # noqa: S314 (our own page)
                 .findall("s:url/s:loc", NS)]
    municipal = [url for url in locations if path_of(url).startswith("/contacts/")]
    assert len(municipal) == 357
    assert "http://localhost/contacts/4627-askoy" in locations
    assert {"http://localhost/", "http://localhost/contacts",
            "http://localhost/families-with-children"} <= set(locations)
    assert not [url for url in locations
                if path_of(url).startswith(("/patient", "/staff", "/relative", "/admin"))]
    for url in (municipal[0], municipal[-1]):  # real pages, no sign-in needed
        client.get(path_of(url))
