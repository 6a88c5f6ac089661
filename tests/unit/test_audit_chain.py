"""The access log's hash chain: what is hashed, canonical times, and what verification finds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from portal.audit.chain import (
    GENESIS,
    HASHED_FIELDS,
    canonical,
    canonical_time,
    compute_hash,
    fields_of,
    problems,
)
from portal.audit.models import AccessAction, AccessEvent

START = datetime(2026, 11, 23, 8, 5, 0, 123456, tzinfo=UTC)


@dataclasses.dataclass
class Row:
    """An entry as read from the database (plain attributes, so tests can tamper)."""

    seq: int
    at: datetime
    actor_kind: str
    actor_id: int
    actor_name: str
    actor_hpr_number: str | None
    actor_role: str
    actor_title: str
    actor_org_number: str | None
    actor_org_name: str | None
    patient_id: int
    action: str
    touchpoint_number: int | None
    context: str
    prev_hash: str
    hash: str = ""


def _row(seq: int, prev_hash: str, **changes: object) -> Row:
    row = Row(seq=seq, at=START + timedelta(minutes=seq), actor_kind="staff", actor_id=7,
              actor_name="Kari Nordmann", actor_hpr_number="123456789",
              actor_role="hospital_clinician", actor_title="kreftsykepleier",
              actor_org_number="983974899", actor_org_name="Helse Bergen HF",
              patient_id=40 + seq % 3, action="read_answers", touchpoint_number=1,
              context="clinician.summary", prev_hash=prev_hash)
    row = dataclasses.replace(row, **changes)
    row.hash = compute_hash(fields_of(row))
    return row


def chain(length: int = 5) -> list[Row]:
    rows: list[Row] = []
    for seq in range(1, length + 1):
        rows.append(_row(seq, rows[-1].hash if rows else GENESIS))
    return rows


# --- the hash -----------------------------------------------------------------------------------


def test_the_hash_is_deterministic():
    assert compute_hash(fields_of(_row(1, GENESIS))) == compute_hash(fields_of(_row(1, GENESIS)))
    assert [r.hash for r in chain()] == [r.hash for r in chain()]


def test_the_canonical_form_is_fixed():
    """Pinned: changing the canonical form would break every entry already written."""
    row = _row(1, GENESIS, actor_name="Åse Bø", touchpoint_number=None, actor_hpr_number=None)
    assert canonical(fields_of(row)).decode("utf-8") == (
        '{"action":"read_answers","actor_hpr_number":null,"actor_id":7,'
        '"actor_kind":"staff","actor_name":"Åse Bø","actor_org_name":"Helse Bergen HF",'
        '"actor_org_number":"983974899","actor_role":"hospital_clinician",'
        '"actor_title":"kreftsykepleier","at":"2026-11-23T08:06:00.123456+00:00",'
        '"context":"clinician.summary","patient_id":41,'
        f'"prev_hash":"{GENESIS}","seq":1,"touchpoint_number":null}}'
    )
    assert row.hash == "d444aa7088afc992068fd552366de9bd9a72682e1ed528d7b2429e945f682da7"


@pytest.mark.parametrize("name", HASHED_FIELDS)
def test_every_hashed_field_changes_the_hash(name):
    row = _row(2, "a" * 64)
    value = getattr(row, name)
    if isinstance(value, datetime):
        changed: object = value + timedelta(microseconds=1)
    elif isinstance(value, int):
        changed = value + 1
    elif value is None:
        changed = "x"
    else:
        changed = value + "x"
    assert compute_hash({**fields_of(row), name: changed}) != row.hash


def test_the_hashed_fields_are_every_column_but_id_and_hash():
    columns = {column.name for column in AccessEvent.__table__.columns}
    assert set(HASHED_FIELDS) == columns - {"id", "hash"}
    assert len(HASHED_FIELDS) == len(set(HASHED_FIELDS))


def test_an_access_event_hashes_like_its_fields():
    row = _row(3, "b" * 64)
    event = AccessEvent(**{name: getattr(row, name) for name in HASHED_FIELDS})
    event.action = AccessAction.READ_ANSWERS  # a StrEnum member hashes as its text
    assert compute_hash(fields_of(event)) == row.hash


# --- canonical times ----------------------------------------------------------------------------


def test_the_same_moment_in_any_time_zone_hashes_the_same():
    oslo = START.astimezone(ZoneInfo("Europe/Oslo"))
    plus_five = START.astimezone(timezone(timedelta(hours=5)))
    assert canonical_time(oslo) == canonical_time(plus_five) == canonical_time(START)
    assert canonical_time(START) == "2026-11-23T08:05:00.123456+00:00"


def test_a_whole_second_keeps_its_microseconds():
    assert canonical_time(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == (
        "2026-03-29T01:00:00.000000+00:00")


def test_a_microsecond_changes_the_hash():
    row = _row(1, GENESIS)
    later = {**fields_of(row), "at": row.at + timedelta(microseconds=1)}
    assert compute_hash(later) != row.hash


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        canonical_time(datetime(2026, 11, 23, 8, 5))  # noqa: DTZ001 (the point of the test)


def test_values_that_are_not_text_numbers_or_times_are_refused():
    with pytest.raises(TypeError):
        canonical({**fields_of(_row(1, GENESIS)), "context": 1.5})


# --- verification -------------------------------------------------------------------------------


def test_an_untouched_chain_is_intact():
    assert problems(chain()) == []
    assert problems([]) == []


def test_an_edited_field_is_found():
    rows = chain()
    rows[2].patient_id = 99
    assert problems(rows) == ["Entry 3 does not match its hash: it has been changed."]


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link():
    rows = chain()
    rows[1].actor_name = "Someone Else"
    rows[1].hash = compute_hash(fields_of(rows[1]))
    assert problems(rows) == [
        "Entry 3 does not link to entry 2: an entry before it has been changed or replaced."]


def test_a_removed_middle_entry_is_found():
    rows = chain()
    del rows[2]
    assert problems(rows) == ["Entry 3 is missing: removed from the log."]


def test_several_removed_entries_are_found():
    rows = chain(6)
    del rows[1:4]
    assert problems(rows) == ["Entries 2 to 4 are missing: removed from the log."]


def test_a_removed_first_entry_is_found():
    assert problems(chain()[1:]) == ["Entry 1 is missing: removed from the log."]


def test_a_removed_entry_with_the_rest_renumbered_is_found():
    rows = chain()
    del rows[2]
    for row in rows[2:]:
        row.seq -= 1
    found = problems(rows)
    assert "Entry 3 does not match its hash: it has been changed." in found
    assert ("Entry 3 does not link to entry 2: an entry before it has been changed or replaced."
            in found)


def test_two_swapped_entries_are_found():
    """Swapping the numbers of two rows (the database returns them in seq order)."""
    rows = chain()
    rows[1].seq, rows[2].seq = rows[2].seq, rows[1].seq
    rows.sort(key=lambda r: r.seq)
    found = problems(rows)
    assert "Entry 2 does not match its hash: it has been changed." in found
    assert "Entry 3 does not match its hash: it has been changed." in found


def test_entries_read_out_of_order_are_found():
    rows = chain()
    rows[1], rows[2] = rows[2], rows[1]
    assert "Entry 2 comes after entry 3: the order has been changed." in problems(rows)


def test_a_changed_last_entry_is_found():
    rows = chain()
    rows[-1].action = "exported"
    assert problems(rows) == ["Entry 5 does not match its hash: it has been changed."]


def test_a_first_entry_that_does_not_start_the_chain_is_found():
    rows = [_row(1, "c" * 64)]
    assert problems(rows) == [
        "Entry 1 does not link to the start of the log: an entry before it has been changed or "
        "replaced."]
