"""The two ways out: e-mail over SMTP (``Mailer``) and text messages through an HTTP gateway
(``SmsGateway``; ``HttpSmsGateway`` is the one real implementation). Nothing is sent when
neither is configured: ``mailer_for`` and ``gateway_for`` return None.

Each raises ``SendError`` saying whether trying again may help (``temporary``): a refused
connection, a timeout, SMTP 4xx or HTTP 429/5xx may; SMTP 5xx for the recipient or HTTP 4xx
will not. An error's text never holds an address or the message.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from typing import Protocol

import requests

from portal.settings import Settings

#: Seconds to wait for the SMTP server or the gateway before calling it a temporary failure.
TIMEOUT = 30


class SendError(Exception):
    def __init__(self, reason: str, temporary: bool) -> None:
        super().__init__(reason)
        self.reason = reason[:200]
        self.temporary = temporary


class Mailer:
    """Sends one message per connection: a notice run sends few, and a broken connection then
    concerns one message only."""

    def __init__(self, settings: Settings) -> None:
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.username = settings.smtp_username
        self.password = settings.smtp_password

    def send(self, message: EmailMessage) -> None:
        try:
            self._send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            temporary = all(400 <= code < 500 for code in codes)
            raise SendError(f"SMTP recipient refused ({', '.join(map(str, codes))})",
                            temporary) from None
        except smtplib.SMTPResponseException as exc:
            # A refused login is a configuration to fix: keep trying until the last attempt.
            temporary = exc.smtp_code < 500 or isinstance(exc, smtplib.SMTPAuthenticationError)
            raise SendError(f"SMTP {type(exc).__name__} {exc.smtp_code}", temporary) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(f"SMTP {type(exc).__name__}", temporary=True) from None

    def _send(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if self.security == "tls":
            smtp = smtplib.SMTP_SSL(self.host, self.port, timeout=TIMEOUT, context=context)
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=TIMEOUT)
        with smtp:
            if self.security == "starttls":
                smtp.starttls(context=context)
            if self.username:
                smtp.login(self.username, self.password)
            smtp.send_message(message)


class SmsGateway(Protocol):
    def send(self, *, to: str, text: str, reference: str) -> None:
        """Send one text message. ``reference`` is the same for every attempt at one notice:
        the gateway must deliver a reference only once (its idempotency key)."""


class HttpSmsGateway:
    """POSTs JSON ``{"to", "from", "text", "reference"}`` with a bearer token and the reference
    as ``Idempotency-Key`` too. 2xx is sent; 429 and 5xx are worth trying again; any other 4xx
    is not."""

    def __init__(self, settings: Settings, session: requests.Session | None = None) -> None:
        self.url = settings.sms_gateway_url
        self.token = settings.sms_gateway_token
        self.sender = settings.sms_sender
        self.http = session or requests.Session()

    def send(self, *, to: str, text: str, reference: str) -> None:
        headers = {"Idempotency-Key": reference}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        try:
            answer = self.http.post(self.url, json={"to": to, "from": self.sender, "text": text,
                                                    "reference": reference},
                                    headers=headers, timeout=(5, TIMEOUT))
        except requests.RequestException as exc:
            raise SendError(f"SMS gateway {type(exc).__name__}", temporary=True) from None
        if 200 <= answer.status_code < 300:
            return
        temporary = answer.status_code == 429 or answer.status_code >= 500
        raise SendError(f"SMS gateway HTTP {answer.status_code}", temporary)


def mailer_for(settings: Settings) -> Mailer | None:
    return Mailer(settings) if settings.smtp_host else None


def gateway_for(settings: Settings) -> SmsGateway | None:
    return HttpSmsGateway(settings) if settings.sms_gateway_url else None
