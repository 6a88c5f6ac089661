"""Database engine, the session of a request, and the one commit at its end.

Views and operations use ``db_session()``; operations flush but never commit. The request's work is
committed once, after the view returned a response below 400 (``commit_request``); anything else
rolls back. Command-line code uses ``session_scope``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores UTC; always returns an aware UTC datetime (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are not stored: use an aware UTC datetime.")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str, echo: bool = False) -> Engine:
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if url.startswith("postgresql"):
        # psycopg prepares a statement after five runs, and PostgreSQL then soon switches to a
        # generic plan that ignores the values. The worklist's dates and organisation are very
        # skewed: its generic plan read a busy trust's every pathway (22 ms instead of 4 ms at
        # 100 000 patients). Plan each statement for its own values instead.
        # A database that cannot be reached fails a request in seconds, not the TCP timeout.
        kwargs["connect_args"] = {"options": "-c plan_cache_mode=force_custom_plan",
                                  "connect_timeout": 5}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # Take over transaction control from the sqlite3 module (SQLAlchemy's recipe), so
            # that writing requests can begin with BEGIN IMMEDIATE below.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # A POST takes SQLite's write lock up front, so two concurrent writes to the same
            # response wait for each other instead of failing with "database is locked".
            # PostgreSQL gets the same guarantee from SELECT ... FOR UPDATE (access.py).
            connection.exec_driver_sql("BEGIN IMMEDIATE" if _request_writes() else "BEGIN")
    return engine


F = TypeVar("F", bound=Callable[..., Any])


def writes(view: F) -> F:
    """Marks a GET view that writes (the sign-in callback stores the session): on SQLite its
    transaction takes the write lock from the start, like a POST's. A transaction that read
    first and then writes fails at once with "database is locked" when another connection
    wrote in between (SQLite cannot wait for that case)."""
    view.writes = True  # type: ignore[attr-defined]
    return view


def _request_writes() -> bool:
    if not has_request_context():
        return False
    if request.method == "POST" or g.get("write_lock"):
        return True
    view = current_app.view_functions.get(request.endpoint or "")
    return bool(getattr(view, "writes", False))


def init_app(app: Flask, url: str, echo: bool) -> None:
    engine = make_engine(url, echo)
    app.extensions["portal.db"] = sessionmaker(bind=engine, expire_on_commit=False)
    app.after_request(commit_request)
    app.teardown_appcontext(close_session)


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = (app or current_app).extensions["portal.db"]
    return factory


def db_session() -> Session:
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


def commit_request(response: Response) -> Response:
    session: Session | None = g.pop("db_session", None)
    if session is None:
        return response
    try:
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
    return response


def close_session(_exc: BaseException | None) -> None:
    session: Session | None = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()


@contextmanager
def session_scope(app: Flask) -> Iterator[Session]:
    """A session for command-line work: commits at the end, rolls back on error."""
    session = session_factory(app)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
