"""A session that expires while the patient types keeps what they typed."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.auth import session as auth_session
from portal.drafts.models import ExpiredDraft
from portal.questionnaire.models import Answer
from tests import factories
from tests.helpers import PortalClient


def _open_step(client: PortalClient, number: int) -> tuple[str, str]:
    home = client.get("/patient/")
    resume = client.raw.get(home.one(".focus a.button")["href"])
    base = resume.location.rsplit("/", 1)[0]
    url = f"{base}/{number}"
    return url, client.get(url).csrf_token()


def test_typed_text_survives_an_expired_session(
    client: PortalClient, db, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client.sign_in(person.national_id)
    url, token = _open_step(client, 2)
    real_time = auth_session.time.time
    later = real_time() + settings.citizen_idle_minutes * 60 + 5
    monkeypatch.setattr(auth_session.time, "time", lambda: later)

    response = client.post(url, {"csrf_token": token, "action": "next",
                                 "what_matters": "Å være hjemme med familien."}, status=302)

    assert "/sign-in" in response.location, response.location
    assert "expired=1" in response.location
    sign_in_page = client.get(response.location)
    assert sign_in_page.select(".notice")  # tells the patient why they must sign in again
    client.sign_in(person.national_id)
    restored = client.get(url)
    assert restored.one("textarea#what_matters").get_text() == "Å være hjemme med familien."
    assert restored.select('.notice[role="status"]')
    # The draft is not an answer until the patient saves it; saving it ends the draft.
    assert not db.scalars(select(Answer)).all()
    client.post(url, {**restored.form_data(), "action": "next"})
    saved = client.get(url)
    assert saved.one("textarea#what_matters").get_text() == "Å være hjemme med familien."
    assert not saved.select('.notice[role="status"]')
    db.rollback()  # a fresh snapshot: the request committed in its own session
    assert not db.scalars(select(ExpiredDraft)).all()


def test_a_forged_post_after_expiry_keeps_nothing(
    client: PortalClient, db, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    client.sign_in(person.national_id)
    url, _token = _open_step(client, 2)
    later = auth_session.time.time() + settings.citizen_idle_minutes * 60 + 5
    monkeypatch.setattr(auth_session.time, "time", lambda: later)

    client.post(url, {"csrf_token": "forged", "what_matters": "Injected"}, status=302)

    monkeypatch.undo()
    client.sign_in(person.national_id)
    assert client.get(url).one("textarea#what_matters").get_text() == ""


def test_a_relatives_typed_text_survives_an_expired_session(
    app, db, monkeypatch: pytest.MonkeyPatch, settings
) -> None:
    """The relative's own questionnaire keeps a draft the same way, in the relative's name."""
    from tests.integration.test_relative_questionnaire import family, step

    f = family(app, db)
    url = step(f.patient.id, "relative_how_you_are")
    token = f.client.get(url).csrf_token()
    later = auth_session.time.time() + settings.citizen_idle_minutes * 60 + 5
    monkeypatch.setattr(auth_session.time, "time", lambda: later)

    response = f.client.post(url, {"csrf_token": token, "action": "next",
                                   "how_you_are": "Sliten, men det går."}, status=302)

    assert "/sign-in" in response.location
    monkeypatch.undo()
    db.rollback()
    draft = db.scalar(select(ExpiredDraft))
    assert draft is not None
    assert (draft.relative_id, draft.patient_id) == (f.relative.id, None)
    f.client.sign_in(f.relative.national_id)
    restored = f.client.get(url)
    assert restored.one("textarea#how_you_are").get_text() == "Sliten, men det går."
    assert restored.select('.notice[role="status"]')
    f.client.post(url, {**restored.form_data(), "action": "next"})
    db.rollback()
    assert not db.scalars(select(ExpiredDraft)).all()
