"""Who may call what: every endpoint declares it, anything undeclared is refused, patient pages
need a signed-in patient, `next` stays on this site, idle sessions end, sign-out is a POST."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask

from portal import create_app
from portal.access import ACCESS_KINDS, PATIENT, PUBLIC, access_rule
from portal.db import session_factory
from tests.helpers import PortalClient, path_of
from tests.integration.journey import (
    ANSWERS,
    answer,
    checked,
    follow,
    location_path,
    message,
    open_patient,
    signed_in_patient,
    step_url,
    touchpoint_url,
)

# --- every endpoint declares who may call it ---------------------------------------------------


def test_every_endpoint_declares_an_access_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - {"static"}
    undeclared = sorted(e for e in endpoints if access_rule(e, app) is None)
    assert undeclared == []
    assert {access_rule(e, app).kind for e in endpoints} <= set(ACCESS_KINDS)


def test_patient_pages_are_declared_for_patients_only(app):
    patient_endpoints = [r.endpoint for r in app.url_map.iter_rules()
                         if r.endpoint.startswith("patient.")]
    assert patient_endpoints
    assert {access_rule(e, app).kind for e in patient_endpoints} == {PATIENT}
    assert access_rule("public.index", app).kind == PUBLIC


@pytest.fixture
def app_with_undeclared_route(settings) -> Iterator[Flask]:
    fresh = create_app(settings)

    @fresh.get("/undeclared")
    def undeclared() -> str:
        return "nobody said who may see this"

    yield fresh
    session_factory(fresh).kw["bind"].dispose()


def test_an_endpoint_without_a_declaration_is_refused(app_with_undeclared_route):
    client = PortalClient(app_with_undeclared_route)
    assert access_rule("undeclared", app_with_undeclared_route) is None
    page = client.get("/undeclared", status=404)
    assert "nobody said" not in page.soup.get_text()


def test_an_endpoint_without_a_declaration_is_refused_to_a_patient_too(
        app_with_undeclared_route, db):
    person, _ = open_patient(db)
    client = PortalClient(app_with_undeclared_route)
    client.sign_in(person.national_id)
    client.get("/undeclared", status=404)


# --- patient pages need a signed-in patient ----------------------------------------------------

PATIENT_PAGES = [
    "/patient/",
    "/patient/touchpoints/1/questionnaire",
    "/patient/touchpoints/1/steps/3",
    "/patient/touchpoints/1/review",
    "/patient/touchpoints/1/receipt",
    "/patient/touchpoints/1/steps/3?from=review",
]


@pytest.mark.parametrize("url", PATIENT_PAGES)
def test_a_patient_page_sends_an_anonymous_visitor_to_sign_in(client, url):
    response = client.raw.get(url)
    assert response.status_code in (302, 303)
    location = urlsplit(response.location)
    assert (location.netloc, location.path) in (("", "/sign-in"), ("localhost", "/sign-in"))
    (next_url,) = parse_qs(location.query)["next"]
    assert urlsplit(next_url).path == urlsplit(url).path
    assert next_url.startswith("/")
    assert not next_url.startswith("//")


def test_a_first_visit_to_a_patient_page_does_not_claim_a_timeout(client, app):
    page = follow(client, client.raw.get("/patient/"))
    assert page.select("main .notice") == []


def test_after_signing_in_the_patient_lands_on_the_page_asked_for(client, db):
    person, tp = open_patient(db)
    wanted = touchpoint_url(tp, "questionnaire")
    sign_in = follow(client, client.raw.get(wanted))
    start = urlsplit(sign_in.select("main a.button")[0]["href"])
    assert start.path == "/sign-in/citizen/start"
    (next_url,) = parse_qs(start.query)["next"]
    signed_in = client.sign_in(person.national_id, next_url=next_url)
    assert signed_in.location == wanted


@pytest.mark.parametrize(
    "target",
    ["//evil.example", "https://evil.example", "/\\evil.example", "\\\\evil.example",
     "/\t/evil.example", "https:evil.example", "javascript:alert(1)", "evil.example",
     "/patient/\r\nSet-Cookie: x=1", "/patient/\x00"],
)
def test_next_that_leaves_the_site_is_not_followed_after_sign_in(client, db, target):
    person, _ = open_patient(db)
    signed_in = client.sign_in(person.national_id, next_url=target)
    location = urlsplit(signed_in.location)
    assert location.netloc in ("", "localhost")
    assert location.path == "/patient/"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_next_that_leaves_the_site_is_not_passed_on_by_the_sign_in_page(client, target):
    page = client.get("/sign-in", query_string={"next": target})
    for button in page.select("main a.button"):
        assert parse_qs(urlsplit(button["href"]).query).get("next") is None


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example",
                                    "/\r\nSet-Cookie: x=1"])
def test_next_that_leaves_the_site_is_not_followed_by_the_language_switch(client, target):
    switched = client.raw.get("/language/en", query_string={"next": target})
    location = urlsplit(switched.location)
    assert (location.netloc, location.path) in (("", "/"), ("localhost", "/"))


@pytest.mark.parametrize("national_id", ["", "123", "1203581234\x00", "not a number"])
def test_dev_provider_refuses_a_malformed_identity_number(client, db, national_id):
    provider = path_of(client.raw.get("/sign-in/citizen/start").location)
    token = client.get(provider).csrf_token()
    page = client.post_page(provider, {"csrf_token": token, "national_id": national_id})
    assert page.one("#national_id-error").get_text(strip=True)
    assert page.one('.error-summary a[href="#national_id"]')
    assert location_path(client.raw.get("/patient/")) == "/sign-in"


# --- idle timeout ------------------------------------------------------------------------------


def _idle_minutes(app: Flask) -> int:
    return int(app.extensions["portal.settings"].citizen_idle_minutes)


def test_an_idle_session_is_signed_out_with_a_notice(client, db, app, clock):
    _, tp = signed_in_patient(client, db)
    clock.advance(_idle_minutes(app) + 1)
    moved = client.raw.get(step_url(tp, "work"))
    assert location_path(moved) == "/sign-in"
    page = follow(client, moved)
    assert page.text("main .notice") == message(
        app, "You were signed out because the page was not used for a while. The answers you "
        "had saved are kept. Sign in again to continue.")


def test_a_session_used_within_the_idle_limit_stays_signed_in(client, db, app, clock):
    _, tp = signed_in_patient(client, db)
    for _ in range(3):
        clock.advance(_idle_minutes(app) - 2)
        client.get(step_url(tp, "work"))


def test_saved_answers_are_kept_after_an_idle_sign_out(client, db, app, clock):
    person, tp = signed_in_patient(client, db)
    answer(client, tp, "work", ANSWERS["work"], action="later")
    clock.advance(_idle_minutes(app) + 1)
    client.raw.get("/patient/")
    client.sign_in(person.national_id)
    page = client.get(step_url(tp, "work"))
    assert checked(page, "work_concern") == ["quite_a_bit"]
    assert page.one("textarea#work_note").get_text() == ANSWERS["work"]["work_note"]


# --- signing out -------------------------------------------------------------------------------


def test_sign_out_is_post_only(client, db):
    signed_in_patient(client, db)
    client.get("/sign-out", status=405)
    client.get("/patient/")  # still signed in


def test_sign_out_ends_the_session(client, db):
    signed_in_patient(client, db)
    token = client.get("/patient/").csrf_token()
    out = client.post("/sign-out", {"csrf_token": token})
    assert location_path(out) == "/signed-out"
    # The provider's session ends too (RP-initiated logout), and it sends the browser back.
    onward = client.get(out.location)
    to_provider = onward.one("main a.button")["href"]
    assert urlsplit(to_provider).path == "/dev-idp/end-session"
    back = client.raw.get(path_of(to_provider))
    assert location_path(back) == "/signed-out"
    assert not client.get(back.location).select('meta[http-equiv="refresh"]')
    assert location_path(client.raw.get("/patient/")) == "/sign-in"
