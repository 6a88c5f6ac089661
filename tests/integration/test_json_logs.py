"""JSON logs (portal/ops/logs.py): a whole journey logged line by line, every line JSON with the
expected keys, and nothing in any line that names the patient or repeats what they wrote."""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import urlsplit

import pytest
from flask import Flask

from portal import access, create_app
from portal.db import session_factory
from portal.ops import logs
from portal.settings import Settings
from tests import factories
from tests.helpers import PortalClient, path_of
from tests.integration.journey import answer, answer_everything, submit, touchpoint_id

PHRASE = "Kanarifuglen Pelle synger for meg hver morgen"
EMAIL = "solveig.kvalheimsen@example.no"
MOBILE = "+47 912 34 567"
KEYS = {"time", "level", "logger", "message"}
REQUEST_KEYS = KEYS | {"request_id", "method", "endpoint", "rule", "status", "duration_ms",
                       "principal"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.with_overrides(log_format="json", log_level="DEBUG")


@pytest.fixture
def captured(app: Flask) -> io.StringIO:
    stream = io.StringIO()
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs._PortalHandler))
    handler.setStream(stream)
    return stream


def _boom_view_with(secret: str):  # type: ignore[no-untyped-def]
    @access.public
    def boom() -> str:
        raise RuntimeError(f"failed for {secret}")

    return boom


def test_a_whole_journey_logs_json_without_names_numbers_or_answers(app, db, captured):
    person = factories.patient(db, diagnosed_days_ago=100, held=(1,))
    person.given_name, person.family_name = "Solveig", "Kvalheimsen"
    person.email, person.mobile = EMAIL, MOBILE
    db.commit()
    tp = touchpoint_id(person, 2)
    app.add_url_rule("/_boom", "boom", _boom_view_with(f"{person.national_id} {EMAIL}"))

    patient = PortalClient(app)
    patient.sign_in(person.national_id)
    answer_everything(patient, tp)
    answer(patient, tp, "what_matters", {"what_matters": PHRASE})
    submit(patient, tp)
    invite_page = patient.get("/patient/relatives/invite")
    made = patient.raw.post("/patient/relatives/invite", data={
        **invite_page.form_data(), "name": "Liv Kvalheimsen", "relation": "datter",
        "mobile": "912 34 567", "email": ""})
    assert made.status_code == 303
    link = patient.get(path_of(made.location)).one("#invitation-link")["value"]
    token = urlsplit(link).path.rsplit("/", 1)[1]
    PortalClient(app).get(f"/invitations/{token}")

    nurse = PortalClient(app)
    member = factories.staff_member(db, person.pathways[0].municipality, given_name="Anne")
    nurse.sign_in_staff(member.national_id)
    summary = nurse.get(f"/staff/touchpoints/{tp}/summary")
    assert PHRASE in summary.text()  # the phrase was stored and shown: only the log lacks it
    assert patient.raw.get("/_boom").status_code == 500
    patient.raw.get("/patient/touchpoints/999999/review?q=Kvalheimsen")

    lines = captured.getvalue().splitlines()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    assert len(records) > 40
    for record in records:
        assert record.keys() >= KEYS, record
        assert record["time"].endswith("+00:00")
    requests = [r for r in records if r["logger"] == "portal.request"]
    for record in requests:
        assert record.keys() >= REQUEST_KEYS, record
    seen = {(r["endpoint"], r["principal"]) for r in requests}
    assert ("patient.step", "patient") in seen
    assert ("summary.page", "staff") in seen
    assert ("invitation.landing", "none") in seen
    step = next(r for r in requests if r["endpoint"] == "patient.step")
    assert step["rule"] == "/patient/touchpoints/<int:touchpoint_id>/steps/<int:number>"
    failed = next(r for r in records if r.get("exception"))
    assert failed["level"] == "ERROR"
    assert failed["exception"]["type"] == "RuntimeError"
    assert any("test_json_logs.py" in frame for frame in failed["exception"]["frames"])
    assert ("boom", "patient") in seen
    assert any(r["status"] == 500 for r in requests if r["endpoint"] == "boom")

    everything = captured.getvalue()
    for secret in (person.national_id, "Solveig", "Kvalheimsen", EMAIL, "912 34 567",
                   "91234567", PHRASE, "Kanarifuglen", token, f"{tp}/steps",
                   member.national_id):
        assert secret not in everything, secret


@pytest.mark.parametrize(("message", "expected"), [
    ("pid 12035812324 refused", "pid [identity number] refused"),
    ("pid 120358 12324 refused", "pid [identity number] refused"),
    ("mail kari.nordmann@example.no now", "mail [e-mail] now"),
    ("call +47 912 34 567 or 004791234567", "call [phone] or [phone]"),
    ("order 123456789012 is not an identity number", "order 123456789012 is not an identity "
                                                      "number"),
])
def test_the_redacting_filter_masks_identity_numbers_e_mails_and_phones(message, expected):
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s", (message,), None)
    assert logs.RedactingFilter().filter(record)
    assert record.getMessage() == expected


def test_text_format_stays_readable_in_development(settings):
    app = create_app(settings.with_overrides(log_format="text"))
    try:
        _readable_line(app)
    finally:
        session_factory(app).kw["bind"].dispose()


def _readable_line(app: Flask) -> None:
    client = PortalClient(app)
    handler = next(h for h in logging.getLogger().handlers if isinstance(h, logs._PortalHandler))
    stream = io.StringIO()
    handler.setStream(stream)
    client.raw.get("/contacts")
    line = stream.getvalue().splitlines()[-1]
    assert " INFO portal.request: GET public.contacts 200 request_id=" in line
    assert "rule=/contacts " in line
    with pytest.raises(json.JSONDecodeError):
        json.loads(line)
