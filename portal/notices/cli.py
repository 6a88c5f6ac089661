"""``portal notices``: plan and send what is due (for cron or a systemd timer), and show what
happened. Several ``send`` runs at once are safe: each notice is delivered once
(``delivery.py``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.db import session_scope
from portal.notices import delivery, outbox
from portal.notices.models import Notice, NoticeStatus
from portal.settings import current as current_settings

#: How many failed and uncertain notices ``status`` lists, newest first.
LISTED = 50


#: An AppGroup: each command runs inside the app context (settings, database, catalogs).
notices_group = AppGroup("notices", help="E-mail and text-message notices.")


def _plan() -> outbox.Planned:
    settings = current_settings()
    today = datetime.now(ZoneInfo(settings.display_timezone)).date()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope(app) as session:
        return outbox.plan(session, settings, today)


@notices_group.command("plan", help="Put the notices due today in the outbox; send nothing.")
def plan_command() -> None:
    planned = _plan()
    click.echo(f"Planned {planned.questionnaire_open} questionnaire notices and "
               f"{planned.reminders} reminders.")


@notices_group.command("send", help="Plan, then send every notice that is due. Exits 1 when "
                                    "a notice failed for good or became uncertain in this run.")
def send_command() -> None:
    planned = _plan()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    outcome = delivery.send_due(app)
    click.echo(f"Planned {planned.questionnaire_open + planned.reminders}; "
               f"{outcome.summary()}")
    if outcome.failed or outcome.uncertain:
        raise SystemExit(1)


@notices_group.command("status", help="Count the notices per status and list those that "
                                      "failed or are uncertain (no addresses).")
def status_command() -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope(app) as session:
        found = outbox.counts(session)
        click.echo(" ".join(f"{status}={found.get(status, 0)}" for status in NoticeStatus))
        problems = session.execute(
            select(Notice.id, Notice.kind, Notice.channel, Notice.status, Notice.attempts,
                   Notice.last_error)
            .where(Notice.status.in_((NoticeStatus.FAILED, NoticeStatus.UNCERTAIN)))
            .order_by(Notice.id.desc()).limit(LISTED)).all()
    for row in problems:
        click.echo(f"{row.id} {row.status} {row.kind} {row.channel} attempts={row.attempts} "
                   f"{row.last_error or ''}".rstrip())
