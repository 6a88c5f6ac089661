"""Inviting a relative: the patient's form, the link shown once (only its hash stored), the
public landing page for unknown, expired, withdrawn and used links, signing in and accepting
(or saying no thanks), one link only when two accept at once, and the invitee who is already a
patient."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal import create_app
from portal.db import session_factory
from portal.pathway.models import Patient
from portal.relatives.models import Relative, RelativeInvitation, RelativeLink
from portal.settings import Settings, SettingsError
from tests import factories
from tests.helpers import Page, PortalClient, path_of
from tests.integration.journey import fresh

GOOD = {"name": "Liv Marie Nordmann", "relation": "datter", "mobile": "912 34 567",
        "email": ""}


# --- arranging ----------------------------------------------------------------------------------


def patient_client(app: Any, db: Session) -> tuple[Patient, PortalClient]:
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client = PortalClient(app)
    client.sign_in(person.national_id)
    return person, client


def invite(client: PortalClient, **values: Any) -> Any:
    page = client.get("/patient/relatives/invite")
    return client.raw.post("/patient/relatives/invite", data={**page.form_data(), **values})


def invited(client: PortalClient, **values: Any) -> tuple[str, Page]:
    """Make an invitation; the token of its link and the page that shows it."""
    response = invite(client, **{**GOOD, **values})
    assert response.status_code == 303, Page(response).text()
    page = client.get(path_of(response.location))
    link = page.one("#invitation-link")["value"]
    return urlsplit(link).path.rsplit("/", 1)[1], page


def invitations(db: Session) -> list[RelativeInvitation]:
    return list(fresh(db).scalars(select(RelativeInvitation).order_by(RelativeInvitation.id)))


def links(db: Session) -> list[RelativeLink]:
    return list(fresh(db).scalars(select(RelativeLink).order_by(RelativeLink.id)))


def field_error(page: Page, field_id: str) -> str:
    return " ".join(page.one(f"#{field_id}-error").get_text(" ").split())


def at_accept_page(app: Any, token: str, national_id: str) -> tuple[PortalClient, Page]:
    """A citizen opens the link, signs in, and lands on the page to accept."""
    client = PortalClient(app)
    landing = client.get(f"/invitations/{token}")
    onward = landing.one("main a.button--primary")["href"]
    assert urlsplit(onward).path == "/sign-in/citizen/start"
    next_url = parse_qs(urlsplit(onward).query)["next"][0]
    callback = client.sign_in(national_id, next_url=next_url)
    assert callback.status_code == 303
    assert path_of(callback.location) == "/invitations/continue"
    onward_response = client.raw.get("/invitations/continue")
    assert onward_response.status_code == 302
    assert path_of(onward_response.location) == "/relative/invitations/accept"
    return client, client.get("/relative/invitations/accept")


def accept(client: PortalClient, page: Page, **values: Any) -> Any:
    data = {**page.form_data(), "action": "accept", **values}
    return client.raw.post("/relative/invitations/accept", data=data)


# --- the patient's form -------------------------------------------------------------------------


def test_bad_input_is_refused_next_to_each_field_and_nothing_is_stored(app, db):
    _, client = patient_client(app, db)
    page = Page(invite(client, name="", relation="", mobile="", email=""))
    assert page.status == 200
    for field in ("name", "relation", "mobile", "email"):
        assert field_error(page, field)
    assert len(page.select(".error-summary a")) == 4

    typed = {"name": "Liv", "relation": "datter", "mobile": "22 22 22 22", "email": "liv@"}
    page = Page(invite(client, **typed))
    assert field_error(page, "mobile")  # a landline cannot get a text message
    assert field_error(page, "email")
    assert page.select("#name-error") == []
    for field, value in typed.items():
        assert page.one(f"#{field}")["value"] == value
    assert page.one("#mobile")["aria-invalid"] == "true"

    page = Page(invite(client, name="x" * 201, relation="y" * 101, mobile="12",
                       may_see_answers="y"))
    assert field_error(page, "name")
    assert field_error(page, "relation")
    assert field_error(page, "mobile")
    assert page.select("#may_see_answers[checked]")  # the ticked box stays ticked
    assert invitations(db) == []


def test_the_form_offers_contacts_and_own_questions_but_not_the_answers(app, db):
    _, client = patient_client(app, db)
    page = client.get("/patient/relatives/invite")
    assert page.select("#may_see_contacts[checked]")
    assert page.select("#may_answer_own[checked]")
    assert page.select("#may_see_answers[checked]") == []
    assert page.one("#mobile")["type"] == "tel"
    assert page.one("#email")["type"] == "email"


def test_the_token_is_stored_hashed_and_the_link_shown_once(app, db):
    _, client = patient_client(app, db)
    before = datetime.now(UTC)
    token, page = invited(client, email="Liv@Example.no")
    [invitation] = invitations(db)
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert len(token) >= 43
    stored = [str(getattr(invitation, c.key)) for c in RelativeInvitation.__table__.columns]
    assert not any(token in value for value in stored)
    assert (invitation.name, invitation.relation) == ("Liv Marie Nordmann", "datter")
    assert (invitation.mobile, invitation.email) == ("+4791234567", "Liv@example.no")
    assert (invitation.may_see_contacts, invitation.may_answer_own,
            invitation.may_see_answers) == (True, True, False)
    assert timedelta(days=14) <= invitation.expires_at - before < timedelta(days=14, minutes=1)

    sms = page.one("#send-sms")["href"]
    assert sms.startswith("sms:+4791234567?&body=")
    assert f"/invitations/{token}" in unquote(sms)
    mail = urlsplit(page.one("#send-email")["href"])
    assert (mail.scheme, mail.path) == ("mailto", "Liv@example.no")
    assert f"/invitations/{token}" in parse_qs(mail.query)["body"][0]
    assert page.one("#invitation-link").has_attr("readonly")

    again = client.get(f"/patient/relatives/invitations/{invitation.id}")
    assert again.select("#invitation-link") == []
    assert token not in again.response.get_data(as_text=True)
    assert again.select("form[action$='/withdraw']")


def test_a_mobile_or_an_email_is_enough_and_the_buttons_follow(app, db):
    _, client = patient_client(app, db)
    _, page = invited(client, mobile="", email="liv@example.no")
    assert page.select("#send-sms") == []
    assert page.select("#send-email")


def test_the_expiry_follows_the_setting(app, db):
    _, client = patient_client(app, db)
    app.extensions["portal.settings"] = app.extensions["portal.settings"].with_overrides(
        invitation_days=3)
    invited(client)
    [invitation] = invitations(db)
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), (" 90 ", 90)])
def test_the_setting_is_read_from_the_environment(raw, expected):
    assert Settings.from_env({"PORTAL_INVITATION_DAYS": raw}).invitation_days == expected


@pytest.mark.parametrize("raw", ["0", "91", "two weeks"])
def test_a_bad_setting_is_refused(raw):
    with pytest.raises(SettingsError, match="PORTAL_INVITATION_DAYS"):
        Settings.from_env({"PORTAL_INVITATION_DAYS": raw})


def test_the_patient_sees_pending_and_ended_invitations_and_withdraws(app, db):
    _, client = patient_client(app, db)
    invited(client, name="Per Hansen")
    invited(client, name="Ola Hansen")
    first, second = invitations(db)
    first.expires_at = datetime.now(UTC) - timedelta(minutes=1)
    db.commit()
    page = client.get("/patient/relatives")
    assert page.select(f"#invitation-{second.id}")
    assert page.select(f"#invitation-{first.id}") == []
    assert page.select(f"#ended-invitation-{first.id}")

    form = page.one(f"#invitation-{second.id} form")
    response = client.post(form["action"], {"csrf_token": page.csrf_token()})
    assert path_of(response.location) == "/patient/relatives"
    assert invitations(db)[1].withdrawn_at is not None
    page = client.get("/patient/relatives")
    assert page.select(".notice--success")
    assert page.select(f"#ended-invitation-{second.id}")
    # Withdrawing again, or an expired one, changes nothing.
    client.post(form["action"], {"csrf_token": page.csrf_token()})
    client.post(f"/patient/relatives/invitations/{first.id}/withdraw",
                {"csrf_token": page.csrf_token()})
    assert invitations(db)[0].withdrawn_at is None


def test_another_patients_invitation_is_not_found(app, db):
    _, client = patient_client(app, db)
    invited(client)
    [invitation] = invitations(db)
    _, other = patient_client(app, db)
    other.get(f"/patient/relatives/invitations/{invitation.id}", status=404)
    token = other.get("/patient/relatives").csrf_token()
    other.post(f"/patient/relatives/invitations/{invitation.id}/withdraw",
               {"csrf_token": token}, status=404)
    other.get(f"/patient/relatives/invitations/{2**40}", status=404)
    assert invitations(db)[0].withdrawn_at is None


# --- the public landing page --------------------------------------------------------------------


def test_a_valid_link_names_only_the_patients_first_name(app, db):
    person, client = patient_client(app, db)
    token, _ = invited(client)
    page = PortalClient(app).get(f"/invitations/{token}")
    text = page.soup.get_text()
    assert person.given_name in text
    pathway = person.pathways[0]
    for secret in (person.family_name, pathway.hospital.name, pathway.municipality.name,
                   person.national_id, "Liv Marie Nordmann", "datter"):
        assert secret not in text, secret
    assert token not in page.one("main a.button--primary")["href"]


@pytest.mark.parametrize("token", ["no-such-token", "x" * 43, "a" * 500, "æøå", "%00"])
def test_an_unknown_link_is_a_kind_404(app, db, token):
    page = PortalClient(app).get(f"/invitations/{token}", status=404)
    assert page.one("main h1")


@pytest.mark.parametrize("how", ["expired", "withdrawn"])
def test_an_expired_or_withdrawn_link_says_so_with_410(app, db, how):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    [invitation] = invitations(db)
    setattr(invitation, "expires_at" if how == "expired" else "withdrawn_at",
            datetime.now(UTC) - timedelta(seconds=1))
    db.commit()
    stranger = PortalClient(app)
    page = stranger.get(f"/invitations/{token}", status=410)
    assert page.select("main a.button--primary") == []
    # Nothing kept in the session to accept later.
    stranger.sign_in(factories.national_id("010190"), next_url="/invitations/continue")
    assert stranger.raw.get("/relative/invitations/accept").status_code in (302, 303, 404)
    assert db.scalar(select(func.count()).select_from(Relative)) == 0


@pytest.fixture
def strict_app(settings: Settings) -> Iterator[Flask]:
    strict = create_app(settings.with_overrides(rate_limit_sign_in="3 per minute"))
    yield strict
    session_factory(strict).kw["bind"].dispose()


def test_guessing_links_is_limited_like_signing_in(strict_app):
    client = PortalClient(strict_app)
    statuses = [client.raw.get(f"/invitations/guess{n}").status_code for n in range(4)]
    assert statuses == [404, 404, 404, 429]


# --- signing in and accepting -------------------------------------------------------------------


def test_signing_in_and_accepting_links_the_relative_with_the_permissions(app, db):
    person, client = patient_client(app, db)
    token, _ = invited(client, may_see_answers="y", may_answer_own="")
    [invitation] = invitations(db)
    relative_id = factories.national_id("280483")
    family, page = at_accept_page(app, token, relative_id)
    assert page.one("#given_name")["value"] == "Liv Marie"
    assert page.one("#family_name")["value"] == "Nordmann"
    assert len(page.select(".permissions__item--on")) == 2
    assert page.select(".permissions__item--off")
    assert links(db) == []  # signed in, not linked yet

    response = accept(family, page, given_name="Liv", family_name="Nordmann-Berg")
    assert response.status_code == 303
    assert path_of(response.location) == "/relative/"
    [link] = links(db)
    assert (link.patient_id, link.relation) == (person.id, "datter")
    assert (link.may_see_contacts, link.may_answer_own, link.may_see_answers) == (
        True, False, True)
    assert link.accepted_at is not None
    assert link.withdrawn_at is None
    [invitation] = invitations(db)
    assert invitation.accepted_at is not None
    assert invitation.link_id == link.id
    relative = db.get(Relative, link.relative_id)
    assert (relative.national_id, relative.given_name, relative.family_name) == (
        relative_id, "Liv", "Nordmann-Berg")
    home = family.get("/relative/")
    assert home.select(f"#patient-{person.id}")

    # The link cannot be used again, by anyone; the session no longer holds it.
    family.get("/relative/invitations/accept", status=404)
    PortalClient(app).get(f"/invitations/{token}", status=410)
    family.get(f"/invitations/{token}", status=410)
    # Signing in again later works through the link, without an invitation.
    again = PortalClient(app)
    assert again.sign_in(relative_id).status_code == 303
    again.get("/relative/")


def test_the_name_must_be_given_to_accept(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    family, page = at_accept_page(app, token, factories.national_id("280483"))
    page = Page(accept(family, page, given_name="", family_name="x" * 101))
    assert page.status == 200
    assert field_error(page, "given_name")
    assert field_error(page, "family_name")
    assert links(db) == []
    assert invitations(db)[0].accepted_at is None


def test_no_thanks_ends_the_invitation_and_links_nobody(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    family, page = at_accept_page(app, token, factories.national_id("280483"))
    response = family.raw.post("/relative/invitations/accept",
                               data={"csrf_token": page.csrf_token(), "action": "decline"})
    assert response.status_code == 303
    assert links(db) == []
    [invitation] = invitations(db)
    assert invitation.withdrawn_at is not None
    assert invitation.accepted_at is None
    home = family.get("/relative/")
    assert home.select("section.card") == []
    PortalClient(app).get(f"/invitations/{token}", status=410)
    # The patient sees it as ended, not waiting.
    assert client.get("/patient/relatives").select(f"#ended-invitation-{invitation.id}")


def test_an_invitation_withdrawn_before_acceptance_is_refused(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    family, page = at_accept_page(app, token, factories.national_id("280483"))
    [invitation] = invitations(db)
    patients_page = client.get("/patient/relatives")
    client.post(f"/patient/relatives/invitations/{invitation.id}/withdraw",
                {"csrf_token": patients_page.csrf_token()})
    refused = Page(accept(family, page))
    assert refused.status == 410
    assert links(db) == []
    assert invitations(db)[0].accepted_at is None


def test_an_invitation_that_expires_on_the_accept_page_is_refused(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    family, page = at_accept_page(app, token, factories.national_id("280483"))
    invitations(db)[0].expires_at = datetime.now(UTC) - timedelta(seconds=1)
    db.commit()
    assert accept(family, page).status_code == 410
    assert links(db) == []


def test_someone_already_linked_to_another_patient_gets_a_second_link(app, db):
    first = factories.patient(db, diagnosed_days_ago=30)
    relative = factories.relative(db, of=first)
    _, client = patient_client(app, db)
    token, _ = invited(client)
    family, page = at_accept_page(app, token, relative.national_id)
    assert page.one("#given_name")["value"] == "Test"  # their own name, not the invitation's
    assert accept(family, page).status_code == 303
    assert len(links(db)) == 2
    assert db.scalar(select(func.count()).select_from(Relative)) == 1
    assert len(family.get("/relative/").select("section.card")) == 2


def test_a_removed_relative_invited_again_gets_the_same_link_back(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    national_id = factories.national_id("280483")
    family, page = at_accept_page(app, token, national_id)
    accept(family, page)
    [link] = links(db)
    edit = client.get(f"/patient/relatives/{link.id}")
    client.post(f"/patient/relatives/{link.id}/remove", {"csrf_token": edit.csrf_token()})
    assert links(db)[0].withdrawn_at is not None
    token, _ = invited(client, may_see_contacts="", may_see_answers="y")
    family, page = at_accept_page(app, token, national_id)
    assert accept(family, page).status_code == 303
    [again] = links(db)
    assert again.id == link.id
    assert again.withdrawn_at is None
    assert (again.may_see_contacts, again.may_see_answers) == (False, True)


def test_the_invitee_who_is_a_patient_is_told_it_is_not_possible_yet(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    other = factories.patient(db, diagnosed_days_ago=30)
    invitee = PortalClient(app)
    invitee.get(f"/invitations/{token}")
    invitee.sign_in(other.national_id, next_url="/invitations/continue")
    page = invitee.get("/invitations/continue")
    assert page.select("main a[href='/patient/']")
    invitee.get("/patient/")  # signed in as the patient they are
    invitee.get("/relative/invitations/accept", status=404)
    assert links(db) == []
    assert invitations(db)[0].accepted_at is None
    assert db.scalar(select(func.count()).select_from(Relative)) == 0


def test_a_citizen_without_an_invitation_is_still_not_let_in(app, db):
    response = PortalClient(app).sign_in(factories.national_id("010190"))
    assert response.status_code == 200  # the "nothing to show you" page
    assert db.scalar(select(func.count()).select_from(Relative)) == 0


def test_two_accepts_at_the_same_time_make_one_link(app, db):
    """Two people holding the same link press Accept at once: exactly one is linked. On
    PostgreSQL the conditional UPDATE decides; SQLite runs the two one after the other."""
    _, client = patient_client(app, db)
    token, _ = invited(client)
    ready = [at_accept_page(app, token, factories.national_id("280483")) for _ in range(2)]
    statuses: list[int] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(ready))

    def press(family: PortalClient, page: Page) -> None:
        try:
            start.wait()
            statuses.append(accept(family, page).status_code)
        except BaseException as error:  # reported below, in the test's own thread
            errors.append(error)

    threads = [threading.Thread(target=press, args=pair) for pair in ready]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(statuses) == [303, 410]
    assert len(links(db)) == 1
    assert invitations(db)[0].link_id == links(db)[0].id


def test_a_signed_in_relative_goes_straight_on_to_accept(app, db):
    first = factories.patient(db, diagnosed_days_ago=30)
    relative = factories.relative(db, of=first)
    family = PortalClient(app)
    family.sign_in(relative.national_id)
    _, client = patient_client(app, db)
    token, _ = invited(client)
    landing = family.get(f"/invitations/{token}")
    assert landing.one("main a.button--primary")["href"] == "/invitations/continue"
    onward = family.raw.get("/invitations/continue")
    assert path_of(onward.location) == "/relative/invitations/accept"
    assert accept(family, family.get("/relative/invitations/accept")).status_code == 303
    assert len(links(db)) == 2


def test_someone_who_has_not_signed_in_is_sent_to_sign_in_first(app, db):
    _, client = patient_client(app, db)
    token, _ = invited(client)
    stranger = PortalClient(app)
    assert path_of(stranger.raw.get("/invitations/continue").location) == "/"
    stranger.get(f"/invitations/{token}")
    response = stranger.raw.get("/invitations/continue")
    assert urlsplit(response.location).path == "/sign-in"
    assert stranger.raw.get("/relative/invitations/accept").status_code == 302
