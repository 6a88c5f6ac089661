"""Logs: readable text in development, one JSON object per line in production, never health data.

Every line has ``time`` (UTC, ISO 8601), ``level``, ``logger`` and ``message``. The request log
(one line per request, logger ``portal.request``) adds ``request_id``, ``method``, ``endpoint``
(``patient.step``), ``rule`` (``/patient/touchpoints/<int:touchpoint_id>/steps/<int:step>``),
``status``, ``duration_ms`` and ``principal`` (patient, relative, staff or none). Never the path
or query string: paths carry ids and invitation tokens, queries carry search text; never who
the principal is.

The request id is a trusted proxy's ``X-Request-ID`` when ``PORTAL_TRUSTED_PROXIES`` is above 0
and the value looks like an id, else a new one; it is returned in the ``X-Request-ID`` header.

As defence in depth, ``RedactingFilter`` masks 11-digit runs (identity numbers), e-mail
addresses and Norwegian phone numbers in every message, whoever logged it. An exception is
logged by its type and its traceback's frames (file, line, function), not its message, which
could hold data, nor any local values. Health checks are logged at DEBUG only.

gunicorn: leave its access log off (no ``--access-logfile``): it prints whole URLs, with
invitation tokens. The request log above replaces it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import traceback
import uuid
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from flask import Flask, Response, g, request

from portal.settings import Settings

#: A request id from a trusted proxy is used only if it looks like one.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")

_REDACTIONS = (
    # Identity numbers: eleven digits, possibly written 6+5 with a space.
    (re.compile(r"(?<!\d)\d{6} ?\d{5}(?!\d)"), "[identity number]"),
    (re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"),
     "[e-mail]"),
    # +47 or 0047 and eight digits, with or without spaces.
    (re.compile(r"(?:\+|\b00)47[ -]?(?:\d[ -]?){7}\d(?!\d)"), "[phone]"),
)

#: The attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message",
                                                                             "asctime"}
#: Request log fields, in the order a text line shows them.
REQUEST_FIELDS = ("request_id", "method", "endpoint", "rule", "status", "duration_ms",
                  "principal")


def redact(text: str) -> str:
    for pattern, replacement in _REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks identity numbers, e-mail addresses and phone numbers in the record's message."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: log what we can, not the arguments
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


def _frames(tb: TracebackType | None) -> list[str]:
    return [f"{frame.filename}:{frame.lineno} in {frame.name}"
            for frame in traceback.extract_tb(tb)]


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                data[key] = value if isinstance(value, (int, float, bool)) or value is None \
                    else redact(str(value))
        if record.exc_info and record.exc_info[0] is not None:
            data["exception"] = {"type": record.exc_info[0].__name__,
                                 "frames": _frames(record.exc_info[2])}
        return json.dumps(data, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """Readable lines for development; tracebacks are shown (redacted), request fields follow
    the message."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = [f"{key}={getattr(record, key)}" for key in REQUEST_FIELDS
                 if hasattr(record, key)]
        if extra:
            first, _, rest = line.partition("\n")
            line = f"{first} {' '.join(extra)}" + (f"\n{rest}" if rest else "")
        return line

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


class _PortalHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so a second app replaces it, not adds one."""


def configure(settings: Settings) -> None:
    """One handler on the root logger (to stderr), in the configured format and level."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _PortalHandler)]:
        root.removeHandler(handler)
    handler = _PortalHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level)
    # Werkzeug's development server logs every request with its whole URL (invitation tokens,
    # search text): the request log below says what is needed.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    # Authlib logs whole tokens at DEBUG (an ID token carries the identity number, encoded):
    # never below INFO, whatever PORTAL_LOG_LEVEL says.
    logging.getLogger("authlib").setLevel(max(logging.INFO, logging.getLevelName(
        settings.log_level)))


def _request_id(trusted_proxies: int) -> str:
    offered = request.headers.get("X-Request-ID", "")
    if trusted_proxies > 0 and _REQUEST_ID.fullmatch(offered):
        return offered
    return uuid.uuid4().hex


def init_app(app: Flask, settings: Settings) -> None:
    configure(settings)
    logger = logging.getLogger("portal.request")

    @app.before_request
    def _start() -> None:
        g.request_started = time.perf_counter()
        g.request_id = _request_id(settings.trusted_proxies)

    @app.after_request
    def _log(response: Response) -> Response:
        from portal.ops.health import PROBES

        started = g.get("request_started")
        request_id = g.get("request_id") or uuid.uuid4().hex
        response.headers["X-Request-ID"] = request_id
        principal = g.get("principal")
        endpoint = request.endpoint
        logger.log(
            logging.DEBUG if endpoint in PROBES else logging.INFO,
            "%s %s %s", request.method, endpoint or "-", response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "endpoint": endpoint,
                "rule": request.url_rule.rule if request.url_rule else None,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started is not None else None,
                "principal": principal.kind if principal is not None else "none",
            })
        return response
