"""Municipalities as reference data: the shipped list loads, loads again without changes, a newer
list keeps history, a bad row refuses the file, and search finds every official name form (on
SQLite and on PostgreSQL, whichever the run's database is)."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from portal.contacts.reference import (
    COLUMNS,
    SHIPPED_CSV,
    LoadResult,
    Municipality,
    ReferenceDataError,
    load_municipalities,
    read_csv,
    search,
)

Y2024 = date(2024, 1, 1)
Y2026 = date(2026, 1, 1)
IN_2025 = date(2025, 6, 1)
IN_2026 = date(2026, 6, 1)


def shipped() -> list[dict[str, str]]:
    return read_csv(SHIPPED_CSV)


@pytest.fixture
def loaded(db):
    result = load_municipalities(db, shipped(), Y2024)
    db.commit()
    return result


def rows(db) -> list[Municipality]:
    return list(db.scalars(select(Municipality).order_by(Municipality.number,
                                                         Municipality.valid_from)))


def snapshot(db) -> list[tuple[object, ...]]:
    return [(m.id, m.number, m.name, m.also_known_as, m.county_number, m.county_name,
             m.valid_from, m.valid_to, m.search_key) for m in rows(db)]


def names(found: list[Municipality]) -> list[str]:
    return [m.name for m in found]


# --- loading ------------------------------------------------------------------------------------


def test_the_shipped_list_loads_357_municipalities_in_15_counties(db, loaded):
    assert loaded == LoadResult(added=357)
    assert db.scalar(select(func.count()).select_from(Municipality)) == 357
    assert db.scalar(select(func.count(func.distinct(Municipality.county_number)))) == 15
    oslo = db.scalars(select(Municipality).where(Municipality.number == "0301")).one()
    assert (oslo.name, oslo.county_name, oslo.valid_from, oslo.valid_to) == (
        "Oslo", "Oslo", Y2024, None)
    karasjok = db.scalars(select(Municipality).where(Municipality.number == "5610")).one()
    assert karasjok.also_known_as == "Karasjok"
    assert karasjok.search_key == "karasjohka karasjok"
    assert karasjok.display_name == "Kárášjohka – Karasjok"


def test_loading_the_same_list_twice_changes_nothing(db, loaded):
    before = snapshot(db)
    assert load_municipalities(db, shipped(), Y2024) == LoadResult(unchanged=357)
    db.commit()
    assert snapshot(db) == before


def newer_list() -> list[dict[str, str]]:
    """2026: Bergen renamed, Lund gone, a new municipality 4699."""
    listed = [dict(row) for row in shipped() if row["municipality_number"] != "1112"]
    for row in listed:
        if row["municipality_number"] == "4601":
            row["name"] = "Bjørgvin"
    listed.append({"municipality_number": "4699", "name": "Nykommune", "also_known_as": "",
                   "county_number": "46", "county_name": "Vestland"})
    return listed


def test_a_newer_list_keeps_history_and_ends_instead_of_deleting(db, loaded):
    ids_before = {m.number: m.id for m in rows(db)}
    assert load_municipalities(db, newer_list(), Y2026) == LoadResult(
        added=1, changed=1, unchanged=355, ended=1)
    db.commit()

    bergen = [(m.name, m.valid_from, m.valid_to) for m in rows(db) if m.number == "4601"]
    assert bergen == [("Bergen", Y2024, date(2025, 12, 31)), ("Bjørgvin", Y2026, None)]
    lund = [(m.id, m.name, m.valid_to) for m in rows(db) if m.number == "1112"]
    assert lund == [(ids_before["1112"], "Lund", date(2025, 12, 31))]
    new = [(m.name, m.valid_from, m.valid_to) for m in rows(db) if m.number == "4699"]
    assert new == [("Nykommune", Y2026, None)]
    unchanged = {m.number: m.id for m in rows(db)
                 if m.valid_from == Y2024 and m.valid_to is None}
    assert len(unchanged) == 355
    assert all(ids_before[number] == id_ for number, id_ in unchanged.items())

    # Each day sees the list then in force.
    assert names(search(db, "4601", on=IN_2025)) == ["Bergen"]
    assert names(search(db, "4601", on=IN_2026)) == ["Bjørgvin"]
    assert names(search(db, "lund", on=IN_2025)) == ["Lund"]
    assert names(search(db, "lund", on=IN_2026)) == []
    assert names(search(db, "nykommune", on=IN_2025)) == []
    assert names(search(db, "nykommune", on=IN_2026)) == ["Nykommune"]

    # And loading the newer list again changes nothing.
    before = snapshot(db)
    assert load_municipalities(db, newer_list(), Y2026) == LoadResult(unchanged=357)
    assert snapshot(db) == before


def test_a_new_name_form_or_county_is_a_change(db, loaded):
    listed = shipped()
    for row in listed:
        if row["municipality_number"] == "5628":  # Deatnu – Tana
            row["also_known_as"] = "Tana"
        if row["municipality_number"] == "0301":
            row["county_name"] = "Oslo fylke"
    assert load_municipalities(db, listed, Y2026) == LoadResult(changed=1, unchanged=356)


def test_a_list_of_the_same_date_corrects_in_place(db, loaded):
    listed = shipped()
    listed[0]["name"] = "Oslo by"
    assert load_municipalities(db, listed, Y2024) == LoadResult(changed=1, unchanged=356)
    assert [(m.name, m.valid_from) for m in rows(db) if m.number == "0301"] == [
        ("Oslo by", Y2024)]


def test_an_older_list_than_the_loaded_one_is_refused(db, loaded):
    before = snapshot(db)
    with pytest.raises(ReferenceDataError, match="lists are loaded in date order"):
        load_municipalities(db, shipped(), date(2020, 1, 1))
    assert snapshot(db) == before


def test_a_same_date_list_cannot_end_a_municipality(db, loaded):
    with pytest.raises(ReferenceDataError, match=r"Municipality 1112 \(Lund\) came with the list"):
        load_municipalities(
            db, [row for row in shipped() if row["municipality_number"] != "1112"], Y2024)


@pytest.mark.parametrize(("column", "value", "message"), [
    ("municipality_number", "301", "Line 4: '301' is not a four-digit municipality number."),
    ("municipality_number", "03O1", "Line 4: '03O1' is not a four-digit municipality number."),
    ("municipality_number", "1101", "Line 4: municipality 1101 is on line 3 too."),
    ("name", " ", "Line 4: municipality 1103 has no name."),
    ("county_number", "1", "Line 4: '1' is not a two-digit county number."),
    ("county_name", "", "Line 4: county 11 has no name."),
])
def test_a_bad_row_refuses_the_whole_file_and_names_the_line(db, column, value, message):
    listed = shipped()
    listed[2][column] = value  # the third row is on line 4: the header is line 1
    with pytest.raises(ReferenceDataError) as raised:
        load_municipalities(db, listed, Y2024)
    assert str(raised.value) == f"{message} Nothing was loaded."
    assert rows(db) == []


# --- the command --------------------------------------------------------------------------------


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=["contacts", "load-municipalities", *args])


def write_csv(path: Path, listed: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(listed)
    return path


def test_the_command_loads_the_shipped_list_and_prints_the_counts(app, db):
    result = run(app)
    assert result.exit_code == 0, result.output
    assert result.output == ("357 municipalities in 15 counties, valid from 2024-01-01: "
                             "357 added, 0 changed, 0 unchanged, 0 ended.\n")
    again = run(app)
    assert again.output == ("357 municipalities in 15 counties, valid from 2024-01-01: "
                            "0 added, 0 changed, 357 unchanged, 0 ended.\n")
    assert len(rows(db)) == 357


def test_the_command_loads_a_newer_list(app, db, tmp_path):
    assert run(app).exit_code == 0
    result = run(app, str(write_csv(tmp_path / "2026.csv", newer_list())),
                 "--valid-from", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert result.output == ("357 municipalities in 15 counties, valid from 2026-01-01: "
                             "1 added, 1 changed, 355 unchanged, 1 ended.\n")


def test_the_command_refuses_a_bad_file_and_loads_nothing(app, db, tmp_path):
    listed = shipped()
    listed[9]["municipality_number"] = "12345"
    path = write_csv(tmp_path / "bad.csv", listed)
    result = run(app, str(path), "--valid-from", "2024-01-01")
    assert result.exit_code == 1
    assert result.output == (f"Error: {path}: Line 11: '12345' is not a four-digit municipality "
                             "number. Nothing was loaded.\n")
    assert rows(db) == []


def test_the_command_refuses_a_file_without_the_columns(app, db, tmp_path):
    path = tmp_path / "wrong.csv"
    path.write_text("kommunenummer,navn\n0301,Oslo\n", encoding="utf-8")
    result = run(app, str(path), "--valid-from", "2024-01-01")
    assert result.exit_code == 1
    assert "Line 1: the header lacks the column(s) municipality_number, name" in result.output


def test_the_command_wants_a_date_with_a_file_of_ones_own(app, tmp_path):
    result = run(app, str(write_csv(tmp_path / "list.csv", shipped())))
    assert result.exit_code == 2
    assert "Give --valid-from YYYY-MM-DD" in result.output


# --- search -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "number"), [
    ("bergen", "4601"),
    ("Bergen", "4601"),
    ("4601", "4601"),
    ("karasjok", "5610"),
    ("Kárášjohka", "5610"),
    ("karasj", "5610"),
    ("tromso", "5501"),
    ("Tromsø", "5501"),
    ("TROMSØ", "5501"),
    ("Tromso\u0338", "5501"),
    ("0301", "0301"),
    ("oslo", "0301"),
    ("kautokeino", "5612"),
    ("guovda", "5612"),
    ("hattfjelldal", "1826"),
    ("aarborte", "1826"),
])
def test_search_finds_every_official_name_form(db, loaded, query, number):
    found = search(db, query, on=IN_2025)
    assert found, query
    assert found[0].number == number


def test_search_matches_word_prefixes_only(db, loaded):
    assert names(search(db, "fron", on=IN_2025)) == ["Nord-Fron", "Sør-Fron"]
    assert search(db, "ergen", on=IN_2025) == []


def test_search_ranks_the_number_then_name_prefixes_then_the_rest(db, loaded):
    assert names(search(db, "nord", on=IN_2025, limit=50)) == [
        "Nord-Aurdal", "Nord-Fron", "Nord-Odal", "Nordkapp", "Nordre Follo", "Nordre Land",
        "Nordreisa", "Herøy (Nordland)"]
    assert names(search(db, "nord", on=IN_2025, limit=3)) == [
        "Nord-Aurdal", "Nord-Fron", "Nord-Odal"]


def test_search_sees_nothing_before_the_list_is_in_force_or_for_an_empty_query(db, loaded):
    assert search(db, "bergen", on=date(2023, 12, 31)) == []
    assert search(db, "  ", on=IN_2025) == []
    assert search(db, "()", on=IN_2025) == []
