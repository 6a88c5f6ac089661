"""``portal staff add``: an operator gives a new organisation its first administrator, who can
then sign in with HelseID and keep the organisation's contact points."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.staff.models import StaffMember, StaffRole
from tests import factories
from tests.helpers import PortalClient
from tests.integration.journey import fresh


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["staff", "add", *args])


def test_the_first_administrator_is_added_and_can_sign_in(app, db):
    hospital, _municipality = factories.organisations(db)
    db.commit()
    number = factories.national_id("150779")
    result = run(app, "--org-number", hospital.org_number, "--national-id", number,
                 "--given-name", " Trine ", "--family-name", "Admin", "--title",
                 "systemansvarlig", "--administrator", "--no-clinician")
    assert result.exit_code == 0, result.output
    assert "Added Trine Admin" in result.output
    member = fresh(db).scalar(select(StaffMember).where(StaffMember.national_id == number))
    assert member is not None
    assert member.roles == {StaffRole.ADMINISTRATOR}
    client = PortalClient(app)
    client.sign_in_staff(number)
    client.get("/staff/organisation/contacts")


def test_running_it_again_changes_the_roles_of_the_same_person(app, db):
    hospital, _municipality = factories.organisations(db)
    db.commit()
    number = factories.national_id("150779")
    base = ["--org-number", hospital.org_number, "--national-id", number, "--given-name", "A",
            "--family-name", "B"]
    assert run(app, *base, "--administrator").exit_code == 0
    result = run(app, *base, "--no-administrator")
    assert result.exit_code == 0, result.output
    assert "Updated" in result.output
    members = fresh(db).scalars(select(StaffMember).where(StaffMember.national_id == number))
    assert [m.roles for m in members] == [{StaffRole.HOSPITAL_CLINICIAN}]


@pytest.mark.parametrize(("change", "says"), [
    ({"--national-id": "12345678901"}, "not a valid"),
    ({"--org-number": "999999999"}, "No organisation"),
    ({"--hpr-number": "12ab"}, "not an HPR number"),
    ({"--given-name": "  "}, "given and family names"),
])
def test_bad_input_adds_nobody(app, db, change, says):
    hospital, _municipality = factories.organisations(db)
    db.commit()
    args = {"--org-number": hospital.org_number, "--national-id": factories.national_id("150779"),
            "--given-name": "A", "--family-name": "B", **change}
    result = run(app, *[part for pair in args.items() for part in pair])
    assert result.exit_code != 0
    assert says in result.output
    assert fresh(db).scalars(select(StaffMember)).all() == []


def test_someone_without_a_role_is_refused(app, db):
    hospital, _municipality = factories.organisations(db)
    db.commit()
    result = run(app, "--org-number", hospital.org_number, "--national-id",
                 factories.national_id("150779"), "--given-name", "A", "--family-name", "B",
                 "--no-clinician")
    assert result.exit_code != 0
    assert "Give them a role" in result.output
