"""``portal contacts add-organisation``: how an operator adds a hospital trust or a
municipality. The organisation number is checked, a municipality's number must be in force in the
loaded list, and a duplicate is refused with nothing added."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.contacts.models import Organisation
from portal.contacts.reference import (
    SHIPPED_CSV,
    SHIPPED_VALID_FROM,
    Municipality,
    load_municipalities,
    read_csv,
)
from tests.integration.journey import fresh

HELSE_BERGEN = "983974724"
ASKOY = "964338442"


@pytest.fixture
def municipalities(db):
    load_municipalities(db, read_csv(SHIPPED_CSV), SHIPPED_VALID_FROM)
    db.commit()


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["contacts", "add-organisation", *args])


def organisations(db) -> list[tuple[str, str, str, str | None]]:
    return [(o.kind, o.name, o.org_number, o.municipality_number)
            for o in fresh(db).scalars(select(Organisation).order_by(Organisation.id))]


def test_a_hospital_trust_is_added(app, db, municipalities):
    result = run(app, "--kind", "hospital_trust", "--name", "  Helse  Bergen HF ",
                 "--org-number", "983 974 724")
    assert result.exit_code == 0, result.output
    assert "Helse Bergen HF" in result.output
    assert "/staff/organisation/contacts" in result.output
    assert organisations(db) == [("hospital_trust", "Helse Bergen HF", HELSE_BERGEN, None)]


def test_a_municipality_is_added_with_its_number(app, db, municipalities):
    result = run(app, "--kind", "municipality", "--name", "Askøy kommune", "--org-number", ASKOY,
                 "--municipality-number", "4627")
    assert result.exit_code == 0, result.output
    assert organisations(db) == [("municipality", "Askøy kommune", ASKOY, "4627")]


@pytest.mark.parametrize(("args", "says"), [
    (["--kind", "hospital_trust", "--name", "Helse Bergen HF", "--org-number", "983974725"],
     "not a valid organisation number"),
    (["--kind", "hospital_trust", "--name", "Helse Bergen HF", "--org-number", "98397472"],
     "not a valid organisation number"),
    (["--kind", "hospital_trust", "--name", " ", "--org-number", HELSE_BERGEN], "--name"),
    (["--kind", "hospital_trust", "--name", "x" * 201, "--org-number", HELSE_BERGEN], "--name"),
    (["--kind", "hospital_trust", "--name", "Helse Bergen HF", "--org-number", HELSE_BERGEN,
      "--municipality-number", "4601"], "has no municipality number"),
    (["--kind", "municipality", "--name", "Askøy kommune", "--org-number", ASKOY],
     "needs --municipality-number"),
    (["--kind", "municipality", "--name", "Askøy kommune", "--org-number", ASKOY,
      "--municipality-number", "9999"], "not a municipality number in force"),
    (["--kind", "municipality", "--name", "Askøy kommune", "--org-number", ASKOY,
      "--municipality-number", "462"], "four-digit"),
    (["--kind", "municipality", "--name", "Tysfjord kommune", "--org-number", ASKOY,
      "--municipality-number", "1850"], "not a municipality number in force"),  # ended 2019
    (["--kind", "helseforetak", "--name", "Helse Bergen HF", "--org-number", HELSE_BERGEN],
     "--kind"),
])
def test_bad_input_is_refused_with_a_message_and_adds_nothing(app, db, municipalities, args,
                                                               says):
    db.add(Municipality(number="1850", name="Tysfjord", county_number="18",
                        county_name="Nordland", valid_from=date(2000, 1, 1),
                        valid_to=date(2019, 12, 31), search_key="tysfjord"))
    db.commit()
    result = run(app, *args)
    assert result.exit_code != 0
    assert says in result.output
    assert organisations(db) == []


def test_duplicates_are_refused_and_nothing_is_added(app, db, municipalities):
    assert run(app, "--kind", "hospital_trust", "--name", "Helse Bergen HF", "--org-number",
               HELSE_BERGEN).exit_code == 0
    assert run(app, "--kind", "municipality", "--name", "Askøy kommune", "--org-number", ASKOY,
               "--municipality-number", "4627").exit_code == 0
    before = organisations(db)
    again = run(app, "--kind", "hospital_trust", "--name", "Haukeland", "--org-number",
                HELSE_BERGEN)
    assert again.exit_code == 1
    assert "registered already, to Helse Bergen HF" in again.output
    same_municipality = run(app, "--kind", "municipality", "--name", "Askøy", "--org-number",
                            "964338531", "--municipality-number", "4627")
    assert same_municipality.exit_code == 1
    assert "registered already, to Askøy kommune" in same_municipality.output
    assert organisations(db) == before


def test_a_municipality_cannot_be_added_before_the_municipalities_are_loaded(app, db):
    result = run(app, "--kind", "municipality", "--name", "Askøy kommune", "--org-number",
                 ASKOY, "--municipality-number", "4627")
    assert result.exit_code == 1
    assert "portal contacts load-municipalities" in result.output
    assert organisations(db) == []
