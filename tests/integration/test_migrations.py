"""Migrations go up and down on a fresh database, and the models equal the newest migration.

SQLite always; PostgreSQL too when PORTAL_TEST_DATABASE_URL is set, in a database of its own
(created and dropped here) so the test run's database is never touched.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import portal.models  # noqa: F401 (registers every table on the metadata)
from portal import migrations
from portal.db import Base

PG_URL = os.environ.get("PORTAL_TEST_DATABASE_URL", "")
MIGRATION_DB = "portal_migration_test"


def _postgresql_database() -> Iterator[str]:
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{MIGRATION_DB}"'))
            connection.execute(text(f'CREATE DATABASE "{MIGRATION_DB}"'))
        yield make_url(PG_URL).set(database=MIGRATION_DB).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{MIGRATION_DB}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.skipif(
            not PG_URL.startswith("postgresql"), reason="PORTAL_TEST_DATABASE_URL is not set")),
    ]
)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
    else:
        yield from _postgresql_database()


def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _differences(url: str) -> list[object]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_downgrade_and_upgrade_again(empty_database):
    model_tables = set(Base.metadata.tables)
    migrations.upgrade(empty_database)
    assert _tables(empty_database) == model_tables
    migrations.downgrade(empty_database, "base")
    assert _tables(empty_database) == set()
    migrations.upgrade(empty_database)
    assert _tables(empty_database) == model_tables


def test_the_database_is_at_head_after_upgrade(empty_database):
    migrations.upgrade(empty_database)
    engine = create_engine(empty_database)
    try:
        assert migrations.current_revision(engine) == migrations.head_revision(empty_database)
    finally:
        engine.dispose()


def test_models_equal_the_newest_migration(empty_database):
    migrations.upgrade(empty_database)
    assert _differences(empty_database) == []
