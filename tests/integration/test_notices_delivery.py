"""``portal notices send`` against a real SMTP server (aiosmtpd) and a stand-in SMS gateway,
both on loopback: delivery in every language, no health information, retries with back-off,
refusals, a sender that stops between sending and recording, and senders running in parallel
(threads and processes) delivering each notice exactly once."""

from __future__ import annotations

import email
import email.policy
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from flask_babel import get_babel
from sqlalchemy import select

from portal.db import utcnow
from portal.notices import delivery
from portal.notices.delivery import Sender
from portal.notices.models import Notice, NoticeKind, NoticeStatus
from portal.settings import SUPPORTED_LOCALES
from tests import factories
from tests.integration.journey import fresh

BASE = "https://pasientportal.example.no"
FROM = "varsel@pasientportal.example.no"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler: keeps every message; can answer 451 a number of times first, or
    refuse every recipient for good (550)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.temporary_refusals = 0
        self.refuse_for_good = False
        self.port = 0

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        if self.refuse_for_good:
            return "550 5.1.1 No such mailbox"
        if self.temporary_refusals > 0:
            self.temporary_refusals -= 1
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 Message accepted for delivery"


class Gateway(ThreadingHTTPServer):
    """Stands in for the SMS gateway: records every request; delivers each reference once
    (its idempotency key); can answer 503 a number of times first, or one status for good."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.requests: list[dict[str, Any]] = []
        self.delivered: dict[str, dict[str, Any]] = {}
        self.unavailable = 0
        self.answer_for_good: int | None = None
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}/messages"


class GatewayHandler(BaseHTTPRequestHandler):
    server: Gateway

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        gateway = self.server
        with gateway.lock:
            gateway.requests.append({"body": body, "headers": dict(self.headers)})
            if gateway.answer_for_good is not None:
                status = gateway.answer_for_good
            elif gateway.unavailable > 0:
                gateway.unavailable -= 1
                status = 503
            else:
                gateway.delivered.setdefault(body["reference"], body)
                status = 202
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    handler.port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    server = Gateway()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def settings(settings, inbox, gateway):
    return replace(settings, base_url=BASE, smtp_host="127.0.0.1", smtp_port=inbox.port,
                   smtp_security="none", mail_from=FROM, sms_gateway_url=gateway.url,
                   sms_gateway_token="gateway-token", sms_sender="Portal",
                   notice_retry_seconds=60, notice_max_attempts=4)


_serial = iter(range(1, 10**6))


def add_notice(db, *, channel: str = "email", kind: str = NoticeKind.QUESTIONNAIRE_OPEN,
               recipient: str | None = None, locale: str = "nb", link: str = "/patient/",
               **owners: Any) -> Notice:
    found = Notice(kind=kind, channel=channel, locale=locale, link=link,
                   recipient=recipient or ("kari@example.no" if channel == "email"
                                           else "+4791234567"),
                   dedupe_key=f"test:{next(_serial)}", **owners)
    db.add(found)
    db.commit()
    return found


def statuses(db) -> list[str]:
    return [n.status for n in fresh(db).scalars(select(Notice).order_by(Notice.id))]


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now


# --- delivery ------------------------------------------------------------------------------


@pytest.fixture
def marked_catalogs(app, tmp_path, monkeypatch):
    """Catalogs in which every notice text reads «<locale>» followed by the English: proves
    each message is written in the recipient's language before the real translations exist
    (the real catalogs are checked for completeness in test_i18n.py)."""
    source = ROOT / "portal" / "notices" / "wording.py"
    texts = [message for _line, message, _comments, _context
             in extract_from_file("python", str(source))]
    assert len(texts) >= 10
    for locale in SUPPORTED_LOCALES:
        catalog = Catalog(locale=locale)
        for text in texts:
            catalog.add(text, f"«{locale}» {text}")
        folder = tmp_path / "catalogs" / locale / "LC_MESSAGES"
        folder.mkdir(parents=True)
        with (folder / "messages.mo").open("wb") as handle:
            write_mo(handle, catalog)
    config = get_babel(app)
    monkeypatch.setattr(config, "translation_directories", [str(tmp_path / "catalogs")])
    with app.app_context():
        domain = config.instance.domain_instance
    monkeypatch.setattr(domain, "cache", {})


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_an_email_is_delivered_once_in_the_recipients_language(app, db, inbox, locale,
                                                               marked_catalogs):
    notice = add_notice(db, locale=locale, link="/patient/touchpoints/7/questionnaire")
    outcome = Sender(app).run()
    assert (outcome.sent, outcome.failed) == (1, 0)
    [message] = inbox.messages
    assert message["To"] == "kari@example.no"
    assert message["From"] == FROM
    assert message["Content-Language"] == locale
    assert message["Subject"].startswith(f"«{locale}» ")
    body = message.get_content()
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    assert paragraphs
    assert all(p.startswith(f"«{locale}» ") for p in paragraphs)
    assert f"{BASE}/patient/touchpoints/7/questionnaire" in body
    assert f"{BASE}/patient/notices" in body  # how to stop them
    assert message["Message-ID"].startswith(f"<notice-{notice.id}-")
    assert message["Message-ID"].endswith("@pasientportal.example.no>")
    stored = fresh(db).get(Notice, notice.id)
    assert stored.status == NoticeStatus.SENT
    assert (stored.attempts, stored.sent_at is not None, stored.last_error) == (1, True, None)
    assert Sender(app).run().sent == 0  # sent once: a second run finds nothing
    assert len(inbox.messages) == 1


def test_a_text_message_carries_its_reference_and_a_short_text(app, db, gateway):
    notice = add_notice(db, channel="sms", locale="en")
    assert Sender(app).run().sent == 1
    [request] = gateway.requests
    body = request["body"]
    assert body["to"] == "+4791234567"
    assert body["from"] == "Portal"
    assert body["reference"] == delivery.reference(notice)
    assert request["headers"]["Idempotency-Key"] == body["reference"]
    assert request["headers"]["Authorization"] == "Bearer gateway-token"
    assert f"{BASE}/patient/" in body["text"]
    assert len(body["text"]) <= 306  # two GSM segments


def test_no_message_holds_a_name_an_identity_number_an_answer_or_a_time(app, db, inbox,
                                                                         gateway):
    patient = factories.patient(db, diagnosed_days_ago=10)
    patient.given_name, patient.family_name = "Solveig", "Brekkestø"
    touchpoint = patient.current_pathway.touchpoints[0]
    touchpoint.appointment_at = utcnow() + timedelta(days=2)
    db.commit()
    answered = factories.response(db, touchpoint, urgent=True)
    answered.submissions[0].answers = {"what_matters": "Hagen min og barnebarna"}
    db.commit()
    for kind in NoticeKind:
        for channel in ("email", "sms"):
            add_notice(db, kind=kind, channel=channel, patient_id=patient.id,
                       touchpoint_id=touchpoint.id, locale="nb")
    assert Sender(app).run().sent == 2 * len(NoticeKind)
    local = touchpoint.appointment_at.astimezone()
    forbidden = [patient.given_name, patient.family_name, patient.national_id,
                 patient.national_id[:6], "Hagen min", local.strftime("%H:%M"),
                 touchpoint.organisation.name, "kreft", "cancer"]
    texts = [m["Subject"] + "\n" + m.get_content() for m in inbox.messages]
    texts += [r["body"]["text"] for r in gateway.requests]
    assert len(texts) == 2 * len(NoticeKind)
    for text in texts:
        for word in forbidden:
            assert word.lower() not in text.lower(), (word, text)


def test_an_invitations_link_is_blanked_once_sent(app, db, inbox):
    patient = factories.patient(db, diagnosed_days_ago=10)
    notice = add_notice(db, kind=NoticeKind.INVITATION, link="/invitations/secret-token",
                        patient_id=patient.id)
    other = add_notice(db, link="/patient/")
    assert Sender(app).run().sent == 2
    assert f"{BASE}/invitations/secret-token" in inbox.messages[0].get_content()
    assert fresh(db).get(Notice, notice.id).link is None
    assert fresh(db).get(Notice, other.id).link == "/patient/"


# --- failures and retries ------------------------------------------------------------------


def test_temporary_smtp_failures_are_tried_again_later_each_wait_twice_the_last(app, db,
                                                                                 inbox):
    inbox.temporary_refusals = 2
    notice = add_notice(db)
    clock = Clock()
    start = clock.now
    assert Sender(app, clock=clock).run().retried == 1
    stored = fresh(db).get(Notice, notice.id)
    assert stored.status == NoticeStatus.PENDING
    assert stored.next_attempt_at == start + timedelta(seconds=60)
    assert "451" in stored.last_error
    assert Sender(app, clock=clock).run().retried == 0  # not due yet
    clock.now = start + timedelta(seconds=60)
    assert Sender(app, clock=clock).run().retried == 1
    assert fresh(db).get(Notice, notice.id).next_attempt_at == clock.now + timedelta(
        seconds=120)
    clock.now += timedelta(seconds=120)
    assert Sender(app, clock=clock).run().sent == 1
    stored = fresh(db).get(Notice, notice.id)
    assert (stored.status, stored.attempts) == (NoticeStatus.SENT, 3)
    assert len(inbox.messages) == 1


def test_a_notice_that_keeps_failing_is_given_up_after_the_last_attempt(app, db, gateway):
    gateway.answer_for_good = 503
    notice = add_notice(db, channel="sms")
    clock = Clock()
    for _attempt in range(4):
        Sender(app, clock=clock).run()
        clock.now += timedelta(days=1)
    stored = fresh(db).get(Notice, notice.id)
    assert (stored.status, stored.attempts) == (NoticeStatus.FAILED, 4)
    assert stored.last_error == "SMS gateway HTTP 503"
    Sender(app, clock=clock).run()
    assert len(gateway.requests) == 4


def test_a_refused_recipient_fails_at_once_with_the_reason_and_no_address(app, db, inbox):
    inbox.refuse_for_good = True
    notice = add_notice(db)
    assert Sender(app).run().failed == 1
    stored = fresh(db).get(Notice, notice.id)
    assert (stored.status, stored.attempts) == (NoticeStatus.FAILED, 1)
    assert "550" in stored.last_error
    assert "kari" not in stored.last_error


@pytest.mark.parametrize(("status", "expected"), [(400, NoticeStatus.FAILED),
                                                  (429, NoticeStatus.PENDING),
                                                  (500, NoticeStatus.PENDING)])
def test_the_gateways_answer_decides_whether_to_try_again(app, db, gateway, status, expected):
    gateway.answer_for_good = status
    notice = add_notice(db, channel="sms")
    Sender(app).run()
    assert fresh(db).get(Notice, notice.id).status == expected


def test_an_unreachable_smtp_server_is_a_temporary_failure(app, db, settings):
    app.extensions["portal.settings"] = replace(settings, smtp_port=free_port())
    notice = add_notice(db)
    assert Sender(app).run().retried == 1
    stored = fresh(db).get(Notice, notice.id)
    assert stored.status == NoticeStatus.PENDING
    assert "ConnectionRefused" in stored.last_error


def test_without_a_sender_nothing_is_sent_and_the_record_says_why(app, db, settings, inbox,
                                                                  gateway):
    app.extensions["portal.settings"] = replace(settings, smtp_host="", sms_gateway_url="")
    mail = add_notice(db, kind=NoticeKind.INVITATION, link="/invitations/token")
    text = add_notice(db, channel="sms")
    outcome = Sender(app).run()
    assert (outcome.sent, outcome.cancelled) == (0, 2)
    for notice, channel in ((mail, "email"), (text, "sms")):
        stored = fresh(db).get(Notice, notice.id)
        assert stored.status == NoticeStatus.CANCELLED
        assert stored.last_error == f"No sender is configured for {channel}."
    assert fresh(db).get(Notice, mail.id).link is None
    assert inbox.messages == []
    assert gateway.requests == []


# --- a sender that stops between sending and recording -------------------------------------


class Stopped(BaseException):
    """The process dies: nothing after the send runs."""


def _stop_after_sending(monkeypatch: pytest.MonkeyPatch) -> None:
    def stop(*_args: object) -> None:
        raise Stopped

    monkeypatch.setattr(Sender, "record_sent", stop)


def test_an_email_sent_just_before_a_crash_is_never_sent_twice(app, db, inbox, monkeypatch):
    notice = add_notice(db)
    clock = Clock()
    _stop_after_sending(monkeypatch)
    with pytest.raises(Stopped):
        Sender(app, clock=clock).run()
    monkeypatch.undo()
    assert len(inbox.messages) == 1
    assert statuses(db) == [NoticeStatus.SENDING]
    assert Sender(app, clock=clock).run().sent == 0  # restarted at once: still claimed
    clock.now += delivery.LEASE + timedelta(seconds=1)
    outcome = Sender(app, clock=clock).run()
    assert (outcome.sent, outcome.uncertain) == (0, 1)
    stored = fresh(db).get(Notice, notice.id)
    assert stored.status == NoticeStatus.UNCERTAIN
    assert "may have arrived" in stored.last_error
    assert len(inbox.messages) == 1
    result = app.test_cli_runner().invoke(args=["notices", "status"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert "uncertain=1" in lines[0].split()
    assert lines[1].split()[:4] == [str(notice.id), "uncertain", "questionnaire_open", "email"]
    assert "kari" not in result.output


def test_a_text_message_sent_just_before_a_crash_is_resent_and_deduplicated(app, db, gateway,
                                                                            monkeypatch):
    add_notice(db, channel="sms")
    clock = Clock()
    _stop_after_sending(monkeypatch)
    with pytest.raises(Stopped):
        Sender(app, clock=clock).run()
    monkeypatch.undo()
    clock.now += delivery.LEASE + timedelta(seconds=1)
    outcome = Sender(app, clock=clock).run()
    assert (outcome.resumed, outcome.sent) == (1, 1)
    assert statuses(db) == [NoticeStatus.SENT]
    assert len(gateway.requests) == 2
    assert len({r["body"]["reference"] for r in gateway.requests}) == 1
    assert len(gateway.delivered) == 1


# --- several senders at once ---------------------------------------------------------------

MANY = 30


def _many(db) -> None:
    for number in range(MANY):
        add_notice(db, channel="email" if number % 2 else "sms",
                   recipient=f"person{number}@example.no" if number % 2 else None)


def _check_each_once(db, inbox: Inbox, gateway: Gateway) -> None:
    assert statuses(db) == [NoticeStatus.SENT] * MANY
    recipients = [m["To"] for m in inbox.messages]
    assert sorted(recipients) == sorted(set(recipients))
    assert len(recipients) == MANY // 2
    assert len(gateway.requests) == len(gateway.delivered) == MANY // 2


def test_two_senders_in_threads_deliver_each_notice_once(app, db, inbox, gateway):
    _many(db)
    outcomes: list[delivery.Outcome] = []
    barrier = threading.Barrier(2)

    def run() -> None:
        barrier.wait()
        outcomes.append(Sender(app).run(batch=3))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sum(o.sent for o in outcomes) == MANY
    _check_each_once(db, inbox, gateway)


def test_two_send_commands_in_parallel_deliver_each_notice_once(app, db, inbox, gateway,
                                                                 settings, tmp_path):
    _many(db)
    env = {**os.environ, "PORTAL_DATABASE_URL": settings.database_url,
           "PORTAL_INSTANCE_PATH": str(tmp_path), "PORTAL_BASE_URL": BASE,
           "PORTAL_SMTP_HOST": "127.0.0.1", "PORTAL_SMTP_PORT": str(inbox.port),
           "PORTAL_SMTP_SECURITY": "none", "PORTAL_MAIL_FROM": FROM,
           "PORTAL_SMS_GATEWAY_URL": gateway.url, "PORTAL_LOG_LEVEL": "warning"}
    portal = Path(sys.executable).parent / "portal"
    runs = [subprocess.Popen([str(portal), "notices", "send"], env=env, cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs, strict=True):
        assert run.returncode == 0, (out, err)
    sent = [int(out.split("; ")[1].split()[0]) for out, _err in outputs]
    assert sum(sent) == MANY
    _check_each_once(db, inbox, gateway)
