"""``portal contacts load-municipalities``: load Statistics Norway's list of municipalities."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.contacts import reference
from portal.db import session_scope

#: An AppGroup: its commands run inside the app's context under any runner.
contacts_group = AppGroup("contacts", help="Organisations, contact points and reference data.")


@contacts_group.command(
    "load-municipalities",
    help="Load the municipalities and counties in CSV (default: the shipped 2024 list, valid "
         "from 2024-01-01). A newer list from Statistics Norway is loaded with its own "
         "--valid-from: unchanged municipalities keep their rows, renamed or moved ones get a new "
         "row and the old one ends the day before, and ones no longer listed are ended, never "
         "deleted. Loading the same list again changes nothing. One bad row refuses the file.")
@click.argument("csv_path", metavar="[CSV]", required=False,
                type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--valid-from", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The day the list comes into force (YYYY-MM-DD). Required with a CSV of "
                   "your own.")
def load_municipalities_command(csv_path: Path | None, valid_from: datetime | None) -> None:
    if csv_path is None:
        csv_path = reference.SHIPPED_CSV
        day: date = valid_from.date() if valid_from else reference.SHIPPED_VALID_FROM
    elif valid_from is None:
        raise click.UsageError("Give --valid-from YYYY-MM-DD: the day this list comes into force.")
    else:
        day = valid_from.date()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        rows = reference.read_csv(csv_path)
        with session_scope(app) as session:
            result = reference.load_municipalities(session, rows, day)
    except reference.ReferenceDataError as error:
        raise click.ClickException(f"{csv_path}: {error}") from None
    counties = len({row["county_number"].strip() for row in rows})
    click.echo(f"{len(rows)} municipalities in {counties} counties, valid from "
               f"{day.isoformat()}: {result.added} added, {result.changed} changed, "
               f"{result.unchanged} unchanged, {result.ended} ended.")
