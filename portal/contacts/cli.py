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


@contacts_group.command(
    "add-organisation",
    help="Add a hospital trust or a municipality, so that its administrators can keep its "
         "contact points up to date. The organisation number (Enhetsregisteret, nine digits) "
         "must be valid; a municipality's four-digit number must be in force in the loaded list "
         "of municipalities. An organisation or municipality number that is registered already "
         "is refused.")
@click.option("--kind", required=True, type=click.Choice(["hospital_trust", "municipality"]),
              help="A hospital trust (helseforetak) or a municipality (kommune).")
@click.option("--name", required=True, help='The name patients know, e.g. "Helse Bergen HF".')
@click.option("--org-number", required=True, help="The organisation number, e.g. 983974724.")
@click.option("--municipality-number",
              help="For a municipality: its four-digit number, e.g. 4627 (leading zero kept).")
def add_organisation_command(kind: str, name: str, org_number: str,
                             municipality_number: str | None) -> None:
    from stdnum.exceptions import ValidationError
    from stdnum.no import orgnr

    from portal.contacts import operations

    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise click.UsageError("Give --name: the organisation's name, at most 200 characters.")
    try:
        number: str = orgnr.validate(org_number)
    except ValidationError:
        raise click.UsageError(
            f"{org_number} is not a valid organisation number: it has nine digits, the last a "
            f"check digit. Check it in Enhetsregisteret.") from None
    if municipality_number is not None:
        municipality_number = municipality_number.strip()
        if not (len(municipality_number) == 4 and municipality_number.isdigit()
                and municipality_number.isascii()):
            raise click.UsageError(f"{municipality_number} is not a four-digit municipality "
                                   f"number (write 0301 for Oslo, with the leading zero).")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        with session_scope(app) as session:
            added = operations.add_organisation(session, kind, name, number, municipality_number)
            summary = f"{added.name} (organisation number {added.org_number}"
            if added.municipality_number:
                summary += f", municipality {added.municipality_number}"
    except operations.OrganisationError as error:
        raise click.ClickException(str(error)) from None
    what = "hospital trust" if kind == "hospital_trust" else "municipality"
    click.echo(f"Added the {what} {summary}). Its administrators keep its contact points up "
               f"to date under /staff/organisation/contacts.")
