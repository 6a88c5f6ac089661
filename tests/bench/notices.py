"""``portal notices send`` for one day at scale, for ``clinician.py``.

The planner announces questionnaires that opened within the last seven days (and reminds before
appointments), so a first run on freshly generated data would send a week's notices at once. To
measure one ordinary day, yesterday's run is replayed first, unmeasured, and everything it
queued is set aside (cancelled). Then today's run is timed: planning (its SQL statements
counted) and sending every due notice through a real SMTP server (aiosmtpd) and an SMS gateway
stand-in (a small HTTP server), both on loopback. The run fails (BenchError) unless each notice
arrived exactly once.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import event, func, select, update

from portal.db import session_factory, session_scope
from portal.notices import delivery, outbox
from portal.notices.models import Channel, Notice, NoticeStatus
from portal.settings import Settings


class BenchError(RuntimeError):
    pass


class _Mailbox:
    def __init__(self) -> None:
        self.ids: list[str] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.ids.append(line.split(":", 1)[1].strip())
        return "250 OK"


class _Gateway(BaseHTTPRequestHandler):
    references: list[str] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.references.append(body["reference"])
        self.send_response(202)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *_args: object) -> None:
        pass


def one_day(app: Flask) -> dict[str, Any]:
    settings: Settings = app.extensions["portal.settings"]
    today = datetime.now(ZoneInfo(settings.display_timezone)).date()
    with session_scope(app) as session:
        outbox.plan(session, settings, today - timedelta(days=1))
    with session_scope(app) as session:
        session.execute(update(Notice).values(status=NoticeStatus.CANCELLED,
                                              last_error="Yesterday's run (the benchmark)."))

    mailbox = _Mailbox()
    with socket.socket() as probe:  # a free port (aiosmtpd cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    _Gateway.references = []
    gateway = ThreadingHTTPServer(("127.0.0.1", 0), _Gateway)
    threading.Thread(target=gateway.serve_forever, daemon=True).start()
    app.extensions["portal.settings"] = settings.with_overrides(
        smtp_host="127.0.0.1", smtp_port=port,
        smtp_security="none", mail_from="ikke-svar@bench.example.no",
        sms_gateway_url=f"http://127.0.0.1:{gateway.server_address[1]}/send")
    engine = session_factory(app).kw["bind"]
    statements = 0

    def count(*_args: object) -> None:
        nonlocal statements
        statements += 1

    try:
        event.listen(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        with session_scope(app) as session:
            planned = outbox.plan(session, app.extensions["portal.settings"], today)
        plan_seconds = time.perf_counter() - started
        event.remove(engine, "before_cursor_execute", count)
        started = time.perf_counter()
        outcome = delivery.send_due(app)
        send_seconds = time.perf_counter() - started
    finally:
        app.extensions["portal.settings"] = settings
        smtp.stop()
        gateway.shutdown()
    with session_scope(app) as session:
        by_channel = dict(session.execute(
            select(Notice.channel, func.count()).where(Notice.sent_at.is_not(None))
            .group_by(Notice.channel)).tuples().all())
    emails, texts = by_channel.get(Channel.EMAIL, 0), by_channel.get(Channel.SMS, 0)
    due = planned.questionnaire_open + planned.reminders
    if (outcome.sent != due or len(mailbox.ids) != emails or len(set(mailbox.ids)) != emails
            or len(_Gateway.references) != texts or len(set(_Gateway.references)) != texts):
        raise BenchError(f"Notices: {due} due, {outcome.summary()} The SMTP server got "
                         f"{len(mailbox.ids)} ({len(set(mailbox.ids))} different), the gateway "
                         f"{len(_Gateway.references)}; the outbox says {emails} e-mails and "
                         f"{texts} text messages sent.")
    return {"questionnaire_open": planned.questionnaire_open, "reminders": planned.reminders,
            "plan_ms": round(plan_seconds * 1000, 1), "plan_statements": statements,
            "send_s": round(send_seconds, 2), "emails": emails, "texts": texts,
            "per_notice_ms": round(send_seconds * 1000 / max(due, 1), 1)}


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| Database | Patients | Due today (opened + reminders) | Plan (ms) | Plan SQL | "
             "Send (s) | Per notice (ms) | E-mails / SMS |",
             "|---|---:|---:|---:|---:|---:|---:|---|"]
    for result in results:
        n = result["notices"]
        lines.append(f"| {result['database']} | {result['patients']:,} | "
                     f"{n['questionnaire_open']} + {n['reminders']} | {n['plan_ms']} | "
                     f"{n['plan_statements']} | {n['send_s']} | {n['per_notice_ms']} | "
                     f"{n['emails']} / {n['texts']} |")
    return "\n".join(lines)
