"""The ``portal`` command: demo, db, i18n, plus Flask's own (run, routes, shell)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup, FlaskGroup
from werkzeug.serving import run_simple

from portal.settings import SUPPORTED_LOCALES
from portal.settings import current as current_settings


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(i18n_group)
    app.cli.add_command(demo_command)
    from portal.audit.cli import audit_group

    app.cli.add_command(audit_group)
    from portal.contacts.cli import contacts_group
    app.cli.add_command(contacts_group)
    from portal.staff.cli import staff_group
    app.cli.add_command(staff_group)
    from portal.notices.cli import notices_group
    app.cli.add_command(notices_group)


#: An AppGroup: its commands run inside the app's context under any runner (tests too).
@click.group("db", cls=AppGroup, help="Database migrations, backup and restore.")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Migrate the database to the newest version (or REVISION).")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    from portal import migrations

    migrations.upgrade(current_settings().resolved_database_url, revision)
    click.echo(f"Database is at {revision}.")


@db_group.command("downgrade", help="Migrate the database back to REVISION.")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    from portal import migrations

    migrations.downgrade(current_settings().resolved_database_url, revision)


@db_group.command("current", help="Show the database's migration and the newest this code has.")
def db_current() -> None:
    from sqlalchemy import create_engine

    from portal import migrations

    url = current_settings().resolved_database_url
    engine = create_engine(url)
    try:
        revision = migrations.current_revision(engine)
    finally:
        engine.dispose()
    head = migrations.head_revision(url)
    state = "up to date" if revision == head else "run portal db upgrade"
    click.echo(f"Database is at {revision or 'no migration'}; the newest is {head} ({state}).")


@db_group.command(
    "backup",
    help="Copy the whole database to PATH, a new file, while the portal runs: SQLite's online "
         "backup, or pg_dump's custom format for PostgreSQL.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def db_backup(path: Path) -> None:
    from portal.ops import backup

    try:
        outcome = backup.backup(current_settings().resolved_database_url, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {outcome.path} ({outcome.bytes} bytes, migration "
               f"{outcome.revision}).")


@db_group.command(
    "restore",
    help="Replace the database with the backup at PATH (made by portal db backup). Stop the "
         "portal first. Checks that PATH is a portal database; refuses to replace a database "
         "with data unless --yes.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the database's contents.")
def db_restore(path: Path, yes: bool) -> None:
    from portal import migrations
    from portal.ops import backup

    url = current_settings().resolved_database_url
    try:
        outcome = backup.restore(url, path, overwrite=yes)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    head = migrations.head_revision(url)
    after = "" if outcome.revision == head else " Run portal db upgrade before starting."
    click.echo(f"Restored {path} (migration {outcome.revision}).{after} Then check the access "
               "log: portal audit verify.")


@click.command("demo", help="Migrate, load the demo personas and serve the portal for trying out.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--reset", is_flag=True, help="Recreate the demo personas from scratch.")
@click.option("--no-serve", is_flag=True, help="Only migrate and load the demo data.")
@click.option("--patients", default=0, show_default=True, type=click.IntRange(min=0),
              help="Also generate this many patients with realistic pathways (benchmarks).")
@click.option("--seed", default=1, show_default=True, type=int,
              help="The same seed gives the same generated patients; a repeat adds none.")
def demo_command(host: str, port: int, reset: bool, no_serve: bool, patients: int,
                 seed: int) -> None:
    from portal import demo, migrations
    from portal.db import session_scope

    settings = current_settings()
    if settings.is_production:
        raise click.ClickException("The demo is not available in production mode.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    migrations.upgrade(settings.resolved_database_url)
    with session_scope(app) as session:
        people = demo.load(session, reset=reset)
        names = ", ".join(p.full_name for p in people)
    click.echo(f"Demo data loaded into {settings.resolved_database_url} ({names}).")
    if patients:
        from portal.demo import generator

        with session_scope(app) as session:
            result = generator.generate(
                session, patients, seed=seed,
                days_before=settings.questionnaire_opens_days_before,
                progress=lambda done: click.echo(f"  {done} patients …"))
        rows = ", ".join(f"{count} {name}" for name, count in result.rows.items())
        click.echo(f"Generated {result.added} patients in {result.seconds:.1f} s ({rows}); "
                   f"{result.skipped} were there already.")
    if no_serve:
        return
    click.echo(f"Open http://{host}:{port}/ and choose 'Logg inn' to pick a demo person.")
    # Werkzeug's development server: fine for trying out; production uses gunicorn (README).
    from portal.summary.pdf import warm_up

    warm_up()  # the first PDF then takes a fraction of a second, not one and a half
    run_simple(host, port, app, threaded=True)


# --- translations ------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
#: Each domain's catalogs: every supported language except the domain's source language.
DOMAINS = {
    "messages": ("translations/babel.cfg", tuple(c for c in SUPPORTED_LOCALES if c != "en")),
    "questionnaire": ("translations/babel-questionnaire.cfg",
                      tuple(c for c in SUPPORTED_LOCALES if c != "nb")),
}


def _pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True,  # noqa: S603
                   cwd=ROOT)


@click.group("i18n", help="Translation catalogs (run from a checkout).")
def i18n_group() -> None:
    pass


@i18n_group.command("extract", help="Write deterministic .pot files and update every catalog.")
def i18n_extract() -> None:
    for domain, (config, locales) in DOMAINS.items():
        pot = f"translations/{domain}.pot"
        _pybabel("extract", "-F", config, "--no-location", "--omit-header", "--sort-output",
                 "--no-wrap", "-k", "_l", "-o", pot, ".")
        for locale in locales:
            po = ROOT / "translations" / locale / "LC_MESSAGES" / f"{domain}.po"
            action = "update" if po.exists() else "init"
            extra = ["--no-wrap"]
            if action == "update":
                extra += ["--no-fuzzy-matching", "--ignore-obsolete"]
            _pybabel(action, "-D", domain, "-i", pot, "-d", "translations", "-l", locale, *extra)


@i18n_group.command("compile", help="Compile every catalog to .mo.")
def i18n_compile() -> None:
    for domain in DOMAINS:
        _pybabel("compile", "-D", domain, "-d", "translations", "--statistics")


def main() -> None:
    from portal import create_app

    FlaskGroup(create_app=lambda: create_app(), help=__doc__)(prog_name="portal")
