"""``/healthz`` and ``/readyz`` for the load balancer.

- ``/healthz``: the process answers. It touches nothing: no database, no session lookup
  (``skip_for_probes`` keeps ``load_principal`` away), no rate limit, and the request log writes it
  at DEBUG only. Use it as the liveness check: a failing database must not get every instance
  restarted.
- ``/readyz``: the database answers ``SELECT 1`` and its Alembic version is the head of the
  migrations shipped with this code (read once per process). Use it to decide whether the
  instance gets traffic. 503 names the failed check with a short reason, never a connection
  string or an exception's text. It connects on its own (no pool) with short timeouts, so a
  hung database answers 503 in about ``READY_TIMEOUT_SECONDS`` rather than hanging the probe, and
  probes never wait behind the requests' pool.

During a rolling upgrade, instances of the old code answer 503 from the moment ``portal db
upgrade`` has run (the database is ahead of them): start the new instances right after it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from portal import access, migrations
from portal.settings import current as current_settings

bp = Blueprint("ops", __name__)

#: Endpoints that do no work beyond answering: no session lookup, no rate limit, DEBUG log.
PROBES = frozenset({"ops.healthz", "ops.readyz"})
#: Connecting and each statement of the readiness check give up after this long.
READY_TIMEOUT_SECONDS = 2

_engine_lock = threading.Lock()


@bp.get("/healthz")
@access.public
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@bp.get("/readyz")
@access.public
def readyz() -> ResponseReturnValue:
    checks = {"database": "ok", "migrations": "ok"}
    try:
        with _ready_engine().connect() as connection:
            connection.execute(text("SELECT 1"))
            try:
                version = connection.execute(
                    text("SELECT version_num FROM alembic_version")).scalar()
            except SQLAlchemyError:
                version = None
    except SQLAlchemyError:
        checks = {"database": "unreachable", "migrations": "unknown"}
    else:
        head = _head()
        if version is None:
            checks["migrations"] = "not migrated"
        elif version != head:
            checks["migrations"] = f"at {version}, code expects {head}"
    if all(value == "ok" for value in checks.values()):
        return jsonify(status="ok", checks=checks)
    return jsonify(status="unavailable", checks=checks), 503


@cache
def _head() -> str | None:
    """The newest migration shipped with this code (the URL only fills Alembic's config)."""
    return migrations.head_revision("sqlite://")


def _ready_engine() -> Engine:
    engine: Engine | None = current_app.extensions.get("portal.ops.ready_engine")
    if engine is None:
        with _engine_lock:
            engine = current_app.extensions.get("portal.ops.ready_engine")
            if engine is None:
                engine = _make_ready_engine(current_settings().resolved_database_url)
                current_app.extensions["portal.ops.ready_engine"] = engine
    return engine


def _make_ready_engine(url: str) -> Engine:
    # No pool: each probe connects afresh (a few milliseconds, every few seconds), so it tests
    # what a new worker would meet, and a hung database holds no pooled connection.
    kwargs: dict[str, Any] = {"poolclass": NullPool}
    if url.startswith("postgresql"):
        milliseconds = READY_TIMEOUT_SECONDS * 1000
        kwargs["connect_args"] = {"connect_timeout": READY_TIMEOUT_SECONDS,
                                  "options": f"-c statement_timeout={milliseconds}"}
    elif url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": READY_TIMEOUT_SECONDS}
    return create_engine(url, **kwargs)


def skip_for_probes(hook: Callable[[], Any]) -> Callable[[], Any]:
    """A before_request hook that leaves the probes alone (they must not touch the database)."""
    def wrapped() -> Any:
        if request.endpoint in PROBES:
            return None
        return hook()

    wrapped.__name__ = hook.__name__
    wrapped.__doc__ = hook.__doc__
    return wrapped


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    limiter = app.extensions.get("portal.limiter")
    if limiter is not None:
        limiter.exempt(healthz)
        limiter.exempt(readyz)
