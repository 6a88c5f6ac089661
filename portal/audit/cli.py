"""``portal audit verify``: check the whole access log's hash chain."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from portal.audit import operations
from portal.db import session_scope

#: An AppGroup: its commands run inside the app's context under any runner.
audit_group = AppGroup("audit", help="The access log.")


@audit_group.command(
    "verify",
    help="Check that no entry of the access log has been changed, removed or moved. Exits with "
         "1 and lists the problems if any. Note the newest entry's hash printed on success: "
         "removing entries from the end can only be found by comparing it later.")
def verify_command() -> None:
    with session_scope(current_app._get_current_object()) as session:  # type: ignore[attr-defined]
        result = operations.check(session)
    if result.problems:
        for problem in result.problems:
            click.echo(problem, err=True)
        count = len(result.problems)
        click.echo(f"{result.entries} entries, chain broken: {count} "
                   f"{'problem' if count == 1 else 'problems'}.", err=True)
        raise SystemExit(1)
    newest = (f" (newest: entry {result.newest_seq}, hash {result.newest_hash})"
              if result.newest_seq is not None else "")
    click.echo(f"{result.entries} entries, chain intact{newest}.")
