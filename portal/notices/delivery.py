"""Sending what is in the outbox, each notice once, with several senders running at once.

One run (``send_due``):

1. Notices left in ``sending`` longer than ``LEASE`` by a sender that stopped are settled. A
   text message goes back to ``pending``: every attempt carries the same reference, which the
   gateway delivers once, so sending it again cannot make a second message. An e-mail becomes
   ``uncertain`` and is never resent automatically: SMTP has no such reference, and the sender
   may have stopped after the server accepted it. ``portal notices status`` lists them.
2. Pending notices of a channel with no sender configured are ``cancelled`` with that reason.
3. A batch of due notices is claimed in one short transaction: one UPDATE sets ``sending``, the
   claim's own ``claimed_by`` and ``claimed_at`` and counts the attempt, on rows chosen by
   ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL: two senders never wait for, nor take,
   each other's rows) or under SQLite's write lock (one writer at a time, and the UPDATE re-checks
   ``status = 'pending'``). Then COMMIT, and only then is anything sent.
4. Each notice is sent, and the result recorded in a transaction of its own: ``sent``; or, after
   a temporary failure, ``pending`` again after ``notice_retry_seconds * 2 ** (attempts - 1)``;
   or ``failed`` when refused for good or after ``notice_max_attempts``.

The one honest limit: an e-mail accepted by the server in the instant before its ``sent`` is
committed is recorded as ``uncertain`` (step 1), rather than risking a duplicate.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime

from flask import Flask
from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, sessionmaker

from portal.db import session_factory, utcnow
from portal.notices import outbox, wording
from portal.notices.models import Channel, Notice, NoticeKind, NoticeStatus
from portal.notices.senders import Mailer, SendError, SmsGateway, gateway_for, mailer_for
from portal.settings import Settings

log = logging.getLogger(__name__)

#: A notice in ``sending`` this long belongs to a sender that stopped (a send takes seconds).
LEASE = timedelta(minutes=10)
#: Notices claimed at once: small, so a stopped sender leaves few in ``sending``.
BATCH = 20

Clock = Callable[[], datetime]


@dataclass
class Outcome:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    uncertain: int = 0
    #: Text messages of a stopped sender, put back to be sent again (same reference).
    resumed: int = 0

    def summary(self) -> str:
        return (f"{self.sent} sent, {self.retried} to try again, {self.failed} failed, "
                f"{self.uncertain} uncertain, {self.cancelled} cancelled, {self.resumed} resumed.")


def claimant() -> str:
    """Who claims: host, process and a random part unique to one claim."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex}"


def reference(notice: Notice) -> str:
    """The gateway's idempotency key: the same for every attempt at one notice."""
    digest = hashlib.sha256(notice.dedupe_key.encode()).hexdigest()[:16]
    return f"notice-{notice.id}-{digest}"


def absolute(settings: Settings, link: str) -> str:
    return link if link.startswith(("https://", "http://")) else settings.base_url + link


def _blank_invitation_link() -> object:
    # The link of an invitation holds its raw token: kept only while the notice may be sent.
    return case((Notice.kind == NoticeKind.INVITATION, None), else_=Notice.link)


class Sender:
    """One ``portal notices send`` run (or one thread of one)."""

    def __init__(self, app: Flask, *, clock: Clock = utcnow, mailer: Mailer | None = None,
                 gateway: SmsGateway | None = None) -> None:
        self.app = app
        self.settings: Settings = app.extensions["portal.settings"]
        self.factory: sessionmaker[Session] = session_factory(app)
        self.clock = clock
        self.mailer = mailer if mailer is not None else mailer_for(self.settings)
        self.gateway = gateway if gateway is not None else gateway_for(self.settings)
        self.outcome = Outcome()

    def run(self, batch: int = BATCH) -> Outcome:
        with self.app.app_context():  # the catalogs, for the texts
            self.recover()
            self.cancel_unsendable()
            while True:
                claim, notices = self.claim(batch)
                if not notices:
                    break
                for notice in notices:
                    self.deliver(notice, claim)
        return self.outcome

    # --- steps -------------------------------------------------------------------------

    def recover(self) -> None:
        now = self.clock()
        stale = (Notice.status == NoticeStatus.SENDING, Notice.claimed_at < now - LEASE)
        with self.factory() as session:
            resumed = session.execute(
                update(Notice)
                .where(*stale, Notice.channel == Channel.SMS,
                       Notice.attempts < self.settings.notice_max_attempts)
                .values(status=NoticeStatus.PENDING, next_attempt_at=now, claimed_by=None,
                        claimed_at=None,
                        last_error="The sender stopped while sending: sent again with the "
                                   "same reference.")
                .execution_options(synchronize_session=False))
            uncertain = session.execute(
                update(Notice).where(*stale)
                .values(status=NoticeStatus.UNCERTAIN, link=_blank_invitation_link(),
                        last_error="The sender stopped while sending: it may have arrived. "
                                   "Not sent again.")
                .execution_options(synchronize_session=False))
            session.commit()
        self.outcome.resumed += resumed.rowcount  # type: ignore[attr-defined]
        self.outcome.uncertain += uncertain.rowcount  # type: ignore[attr-defined]
        if uncertain.rowcount:  # type: ignore[attr-defined]
            log.warning("%d notices were being sent by a sender that stopped: recorded as "
                        "uncertain, not resent.", uncertain.rowcount)  # type: ignore[attr-defined]

    def cancel_unsendable(self) -> None:
        missing = [channel for channel, sender in ((Channel.EMAIL, self.mailer),
                                                   (Channel.SMS, self.gateway))
                   if sender is None]
        if not missing:
            return
        with self.factory() as session:
            for channel in missing:
                cancelled = session.execute(
                    update(Notice)
                    .where(Notice.status == NoticeStatus.PENDING, Notice.channel == channel)
                    .values(status=NoticeStatus.CANCELLED, link=_blank_invitation_link(),
                            last_error=f"No sender is configured for {channel}.")
                    .execution_options(synchronize_session=False))
                self.outcome.cancelled += cancelled.rowcount  # type: ignore[attr-defined]
            session.commit()

    def claim(self, batch: int) -> tuple[str, list[Notice]]:
        """Claim up to ``batch`` due notices for this sender alone, and commit the claim."""
        now, token = self.clock(), claimant()
        with self.factory() as session:
            due = (select(Notice.id)
                   .where(Notice.status == NoticeStatus.PENDING, Notice.next_attempt_at <= now)
                   .order_by(Notice.next_attempt_at, Notice.id).limit(batch))
            if session.get_bind().dialect.name == "postgresql":
                due = due.with_for_update(skip_locked=True)
            session.execute(
                update(Notice)
                .where(Notice.id.in_(due), Notice.status == NoticeStatus.PENDING)
                .values(status=NoticeStatus.SENDING, claimed_by=token, claimed_at=now,
                        attempts=Notice.attempts + 1)
                .execution_options(synchronize_session=False))
            claimed = list(session.scalars(
                select(Notice).where(Notice.claimed_by == token,
                                     Notice.status == NoticeStatus.SENDING)
                .order_by(Notice.id)))
            session.commit()
        return token, claimed

    def deliver(self, notice: Notice, claim: str) -> None:
        try:
            self.send(notice)
        except SendError as exc:
            self.record_failure(notice, claim, exc.reason, exc.temporary)
            return
        except Exception as exc:  # a bug of ours: keep the record, try again later
            log.exception("Notice %d could not be sent.", notice.id)
            self.record_failure(notice, claim, f"Internal error: {type(exc).__name__}", True)
            return
        self.record_sent(notice, claim)

    def send(self, notice: Notice) -> None:
        if notice.link is None:
            raise SendError("The link is no longer available.", temporary=False)
        preferences = (outbox.RELATIVE_PREFERENCES if notice.relative_id is not None
                       else outbox.PATIENT_PREFERENCES)
        text = wording.render(notice.kind, notice.locale, absolute(self.settings, notice.link),
                              absolute(self.settings, preferences))
        if notice.channel == Channel.EMAIL:
            if self.mailer is None:
                raise SendError("No sender is configured for email.", temporary=False)
            self.mailer.send(email_message(notice, text, self.settings, self.clock()))
        else:
            if self.gateway is None:
                raise SendError("No sender is configured for sms.", temporary=False)
            self.gateway.send(to=notice.recipient, text=text.sms, reference=reference(notice))

    def record_sent(self, notice: Notice, claim: str) -> None:
        self._record(notice, claim, status=NoticeStatus.SENT, sent_at=self.clock(),
                     last_error=None, link=_blank_invitation_link())
        self.outcome.sent += 1

    def record_failure(self, notice: Notice, claim: str, reason: str, temporary: bool) -> None:
        settings = self.settings
        if temporary and notice.attempts < settings.notice_max_attempts:
            wait = timedelta(seconds=settings.notice_retry_seconds
                             * 2 ** max(notice.attempts - 1, 0))
            self._record(notice, claim, status=NoticeStatus.PENDING, last_error=reason,
                         next_attempt_at=self.clock() + wait, claimed_by=None, claimed_at=None)
            self.outcome.retried += 1
        else:
            self._record(notice, claim, status=NoticeStatus.FAILED, last_error=reason,
                         link=_blank_invitation_link())
            self.outcome.failed += 1
            log.warning("Notice %d failed after %d attempts: %s", notice.id, notice.attempts,
                        reason)

    def _record(self, notice: Notice, claim: str, **values: object) -> None:
        with self.factory() as session:
            done = session.execute(
                update(Notice)
                .where(Notice.id == notice.id, Notice.claimed_by == claim,
                       Notice.status == NoticeStatus.SENDING)
                .values(**values).execution_options(synchronize_session=False))
            session.commit()
        if not done.rowcount:  # type: ignore[attr-defined]
            log.warning("Notice %d was no longer claimed by this sender when its result "
                        "came.", notice.id)


def email_message(notice: Notice, text: wording.Text, settings: Settings,
                  now: datetime) -> EmailMessage:
    """The e-mail, plain text. Its Message-ID follows from the notice, so a receiving system
    that deduplicates by it sees every attempt as the same message."""
    domain = settings.mail_from.rpartition("@")[2] or "localhost"
    digest = hashlib.sha256(notice.dedupe_key.encode()).hexdigest()[:16]
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = notice.recipient
    message["Subject"] = text.subject
    message["Date"] = format_datetime(now)
    message["Message-ID"] = f"<notice-{notice.id}-{digest}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text.body)
    message["Content-Language"] = notice.locale  # after set_content, which clears Content-*
    return message


def send_due(app: Flask, **kwargs: object) -> Outcome:
    """One run: settle stopped sends, cancel what cannot be sent, send what is due."""
    return Sender(app, **kwargs).run()  # type: ignore[arg-type]
