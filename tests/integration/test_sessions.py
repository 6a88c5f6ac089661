"""Sessions: a new identifier at every sign-in, ended for good at sign-out, idle limits per kind
of person (30 minutes for citizens, 15 for staff) and an absolute lifetime."""

from __future__ import annotations

from urllib.parse import urlsplit

from sqlalchemy import select

from portal.auth.models import SignInSession
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import signed_in_patient


def _cookie(client: PortalClient) -> str:
    cookie = client.raw.get_cookie("portal_session")
    assert cookie is not None
    return cookie.value


def _sid(client: PortalClient) -> str:
    with client.raw.session_transaction() as session:
        return str(session["principal"]["sid"])


def _signed_out(client: PortalClient) -> bool:
    response = client.raw.get("/patient/")
    return response.status_code in (302, 303) and urlsplit(response.location).path == "/sign-in"


def test_every_sign_in_gets_a_new_session_identifier(client, db):
    person, _ = signed_in_patient(client, db)
    first = _sid(client)
    client.raw.get("/language/en")
    client.sign_in(person.national_id)
    assert _sid(client) != first
    with client.raw.session_transaction() as session:
        assert session["locale"] == "en"  # the language chosen before signing in is kept


def test_the_cookie_holds_no_identity_number(client, db):
    person, _ = signed_in_patient(client, db)
    from flask.sessions import SecureCookieSessionInterface

    serializer = SecureCookieSessionInterface().get_signing_serializer(client.app)
    assert serializer is not None
    content = serializer.loads(_cookie(client))
    assert person.national_id not in repr(content)


def test_a_copied_cookie_is_worthless_after_signing_out(app, client, db):
    signed_in_patient(client, db)
    stolen = _cookie(client)
    token = client.get("/patient/").csrf_token()
    client.post("/sign-out", {"csrf_token": token})
    assert _signed_out(client)
    thief = PortalClient(app)
    thief.raw.set_cookie("portal_session", stolen, domain="localhost")
    assert _signed_out(thief)


def test_sign_out_ends_the_record_on_the_server(client, db):
    signed_in_patient(client, db)
    token = client.get("/patient/").csrf_token()
    client.post("/sign-out", {"csrf_token": token})
    onward = client.get("/signed-out")  # sends the browser on to the provider's logout
    assert onward.select('meta[http-equiv="refresh"]')
    records = list(db.scalars(select(SignInSession)))
    assert len(records) == 1
    assert records[0].ended_at is not None
    assert records[0].id_token is None  # kept only as long as the provider's logout needs it


def _signed_in_staff(app, db) -> PortalClient:
    person = factories.patient(db, diagnosed_days_ago=10)
    member = factories.staff_member(db, person.pathways[0].hospital)
    client = PortalClient(app)
    client.sign_in_staff(member.national_id)
    client.get("/staff/")
    return client


def test_staff_are_signed_out_after_15_idle_minutes(app, db, clock):
    client = _signed_in_staff(app, db)
    clock.advance(14)
    client.get("/staff/")
    clock.advance(16)
    response = client.raw.get("/staff/")
    assert urlsplit(response.location).path == "/sign-in"


def test_citizens_may_be_idle_for_30_minutes(client, db, clock):
    signed_in_patient(client, db)
    clock.advance(29)
    client.get("/patient/")
    clock.advance(31)
    assert _signed_out(client)


def test_a_session_ends_after_its_absolute_lifetime_however_active(client, db, clock, app):
    signed_in_patient(client, db)
    hours = app.extensions["portal.settings"].session_max_hours
    for _ in range(hours * 3 - 1):  # active every 20 minutes for almost the whole lifetime
        clock.advance(20)
        client.get("/patient/")
    clock.advance(25)
    assert _signed_out(client)


def test_a_staff_sign_in_page_is_offered_to_staff_pages(client):
    response = client.raw.get("/staff/")
    target = urlsplit(response.location)
    assert target.path == "/sign-in"
    page = client.get(f"{target.path}?{target.query}")
    first = page.select("main section h2")[0].get_text(strip=True)
    assert first in ("Helsepersonell", "Health personnel")
