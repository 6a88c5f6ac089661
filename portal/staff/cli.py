"""``portal staff add``: give an organisation a staff member, such as its first administrator.

HelseID says who a person is; what they may do in the portal is kept here. Administrators then
keep their organisation's contact points; clinicians follow its patients. There is no page for
this yet: the operator who adds an organisation (``portal contacts add-organisation``) adds its
first administrator with this command.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from portal.contacts.models import Organisation
from portal.db import session_scope
from portal.pathway import identity
from portal.staff.models import StaffMember

staff_group = AppGroup("staff", help="Staff members and their roles.")


@staff_group.command(
    "add",
    help="Add a staff member to an organisation, or change the roles of one already there. "
         "They sign in with HelseID; the identity number must be valid.")
@click.option("--org-number", required=True, help="The organisation's number, e.g. 983974724.")
@click.option("--national-id", required=True, help="Fødselsnummer or D-nummer (11 digits).")
@click.option("--given-name", required=True)
@click.option("--family-name", required=True)
@click.option("--title", default="", help='Shown to patients in their access log, e.g. '
              '"kreftsykepleier".')
@click.option("--hpr-number", help="Helsepersonellregisteret number, if they have one.")
@click.option("--administrator/--no-administrator", default=False,
              help="Keeps the organisation's contact points and reads the access log.")
@click.option("--clinician/--no-clinician", default=True,
              help="Follows the organisation's patients.")
def add_staff_command(org_number: str, national_id: str, given_name: str, family_name: str,
                      title: str, hpr_number: str | None, administrator: bool,
                      clinician: bool) -> None:
    try:
        number = identity.normalise(national_id)
    except identity.InvalidIdentityNumber:
        raise click.UsageError(f"{national_id} is not a valid fødselsnummer or D-nummer.") from None
    given_name, family_name = " ".join(given_name.split()), " ".join(family_name.split())
    if not given_name or not family_name or max(len(given_name), len(family_name)) > 100:
        raise click.UsageError("Give the given and family names, at most 100 characters each.")
    if hpr_number is not None and not (hpr_number.isdigit() and len(hpr_number) <= 9):
        raise click.UsageError(f"{hpr_number} is not an HPR number (up to nine digits).")
    if not (administrator or clinician):
        raise click.UsageError("Give them a role: --administrator, --clinician or both.")
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    with session_scope(app) as session:
        organisation = session.scalar(
            select(Organisation).where(Organisation.org_number == org_number.strip()))
        if organisation is None:
            raise click.ClickException(
                f"No organisation has the number {org_number}: add it first with "
                f"'portal contacts add-organisation'.")
        member = session.scalar(select(StaffMember).where(
            StaffMember.national_id == number, StaffMember.organisation_id == organisation.id))
        added = member is None
        if member is None:
            member = StaffMember(national_id=number, organisation=organisation)
            session.add(member)
        member.given_name, member.family_name, member.title = given_name, family_name, title
        member.hpr_number = hpr_number
        member.is_administrator, member.is_clinician, member.active = administrator, clinician, True
        organisation_name = organisation.name
    roles = " and ".join(role for role, on in (("administrator", administrator),
                                               ("clinician", clinician)) if on)
    click.echo(f"{'Added' if added else 'Updated'} {given_name} {family_name} at "
               f"{organisation_name} as {roles}.")
