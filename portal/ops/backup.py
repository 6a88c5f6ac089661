"""``portal db backup PATH`` and ``portal db restore PATH``: one file, either database.

- **SQLite**: the online backup API (``sqlite3.Connection.backup``) in one step. The portal runs
  SQLite in WAL mode, where a reader never blocks a writer: the copy is one consistent snapshot,
  taken while the portal keeps answering and writing. It goes to a temporary file, is checked
  (``PRAGMA integrity_check``, a known migration) and then renamed into place, so a failed
  backup never leaves a half file under the name asked for.
- **PostgreSQL**: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --no-owner
  --single-transaction``. The URL's parts become libpq environment variables of the child
  (``PGPASSWORD`` among them), never arguments, so no password shows in ``ps``. The tools must be
  installed (Debian: ``postgresql-client``, the server's major version or newer).

A restore checks first that the file is a portal database at a migration this code knows (an
older one is fine: ``portal db upgrade`` then brings it to the head), and refuses to replace a
database that has tables unless told ``overwrite``. Stop the portal while restoring.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import URL, make_url

from portal import migrations


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Outcome:
    path: Path
    revision: str | None
    bytes: int


def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(migrations.alembic_config("sqlite://"))


def known_revision(revision: str | None) -> bool:
    if not revision:
        return False
    try:
        return _script().get_revision(revision) is not None
    except CommandError:
        return False


def _checked_revision(revision: str | None, source: Path) -> str:
    if revision is None or not known_revision(revision):
        raise BackupError(f"{source} is not a portal database at a migration this version "
                          f"knows (found revision {revision!r}).")
    return revision


def backup(database_url: str, destination: Path) -> Outcome:
    if destination.exists():
        raise BackupError(f"{destination} exists already: choose a new file name.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_backup(_sqlite_path(url), destination)
    if url.get_backend_name() == "postgresql":
        return _pg_backup(url, destination)
    raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")


def restore(database_url: str, source: Path, overwrite: bool = False) -> Outcome:
    if not source.is_file():
        raise BackupError(f"{source} is not a file.")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_restore(source, _sqlite_path(url), overwrite)
    if url.get_backend_name() == "postgresql":
        return _pg_restore(url, source, overwrite)
    raise BackupError(f"Restoring {url.get_backend_name()} databases is not supported.")


# --- SQLite ------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _sqlite_revision(path: Path) -> str | None:
    """The file's migration, after an integrity check; None when it is not a portal database."""
    connection = sqlite3.connect(path)
    try:
        if connection.execute("PRAGMA integrity_check").fetchone() != ("ok",):
            raise BackupError(f"{path} fails SQLite's integrity check.")
        found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    finally:
        connection.close()
    return str(found[0]) if found else None


def _sqlite_copy(source: Path, target: Path) -> None:
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target)
    try:
        # All pages in one step: one read transaction, so one consistent snapshot. (Step by step,
        # each write to the source in between would start the copy again.)
        reader.backup(writer)
    finally:
        writer.close()
        reader.close()


def _sqlite_backup(source: Path, destination: Path) -> Outcome:
    if not source.is_file():
        raise BackupError(f"There is no database file at {source}.")
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _sqlite_copy(source, partial)
        revision = _checked_revision(_sqlite_revision(partial), source)
        partial.rename(destination)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(destination, revision, destination.stat().st_size)


def _sqlite_restore(source: Path, target: Path, overwrite: bool) -> Outcome:
    revision = _checked_revision(_sqlite_revision(source), source)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists: restoring replaces everything in it. Stop the "
                          "portal and run the command again with --yes.")
    target.parent.mkdir(parents=True, exist_ok=True)
    # Through the backup API, not a file copy: it replaces the pages under SQLite's own locks,
    # and a WAL file left beside the target cannot be replayed over the restored database.
    _sqlite_copy(source, target)
    return Outcome(target, revision, target.stat().st_size)


# --- PostgreSQL --------------------------------------------------------------------------------

#: URL query parameters passed on to libpq as environment variables.
_LIBPQ_QUERY = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "sslcert": "PGSSLCERT",
                "sslkey": "PGSSLKEY", "connect_timeout": "PGCONNECT_TIMEOUT",
                "application_name": "PGAPPNAME", "options": "PGOPTIONS"}


def libpq_environment(url: URL) -> dict[str, str]:
    """The URL as libpq environment variables (for pg_dump and pg_restore)."""
    env: dict[str, str] = {}
    parts: tuple[tuple[str, str | int | None], ...] = (
        ("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
        ("PGPASSWORD", url.password), ("PGDATABASE", url.database))
    for name, part in parts:
        if part not in (None, ""):
            env[name] = str(part)
    for key, name in _LIBPQ_QUERY.items():
        value = url.query.get(key)
        if isinstance(value, str):
            env[name] = value
    return env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} was not found. Install the PostgreSQL client tools (Debian: "
                          "apt-get install postgresql-client) of the server's major version or "
                          "newer.")
    return found


def _run(arguments: list[str], url: URL) -> subprocess.CompletedProcess[str]:
    # Only libpq's variables from the URL are added; PATH and the rest stay the caller's. A
    # password set in the environment, not on the command line, is invisible to other users.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(libpq_environment(url))
    result = subprocess.run(arguments, env=env, capture_output=True, text=True,  # noqa: S603
                            check=False)
    if result.returncode != 0:
        tool = Path(arguments[0]).name
        raise BackupError(f"{tool} failed (exit code {result.returncode}): "
                          f"{result.stderr.strip()[-800:]}")
    return result


_COPY_VERSION = re.compile(r"COPY [\w.\"]*alembic_version \(version_num\) FROM stdin;\n([^\n]+)\n")


def _dump_revision(source: Path, url: URL) -> str | None:
    listing = _run([_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-",
                    str(source)], url)
    found = _COPY_VERSION.search(listing.stdout)
    return found.group(1).strip() if found else None


def _pg_revision(url: URL) -> str | None:
    engine = create_engine(url)
    try:
        return migrations.current_revision(engine)
    finally:
        engine.dispose()


def _pg_backup(url: URL, destination: Path) -> Outcome:
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={partial}"], url)
        revision = _checked_revision(_dump_revision(partial, url), destination)
        partial.rename(destination)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(destination, revision, destination.stat().st_size)


def _pg_restore(url: URL, source: Path, overwrite: bool) -> Outcome:
    revision = _checked_revision(_dump_revision(source, url), source)
    engine = create_engine(url)
    try:
        tables = inspect(engine).get_table_names()
    finally:
        engine.dispose()
    if tables and not overwrite:
        raise BackupError(f"The database {url.database} has tables: restoring replaces "
                          "everything in it. Stop the portal and run the command again with "
                          "--yes.")
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--exit-on-error", "--no-password", f"--dbname={url.database}", str(source)], url)
    return Outcome(source, _pg_revision(url) or revision, source.stat().st_size)
