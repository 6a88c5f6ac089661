"""The hash chain, as pure functions: what is hashed, and how a chain is checked.

Each entry's ``hash`` is the SHA-256 of a canonical JSON object holding every column except
``id`` (assigned by the database) and ``hash`` itself, so ``seq`` and ``prev_hash`` are inside:
an entry cannot be edited, moved or dropped without breaking its own hash or the next entry's
link. The first entry links to ``GENESIS``.

Canonical JSON: keys sorted, no spaces, UTF-8 (not ASCII-escaped); integers as integers, missing
values as ``null``; the time in UTC, ISO 8601 with microseconds
(``2026-11-23T09:05:00.000000+00:00``), which is exactly what both PostgreSQL (``timestamptz``)
and SQLite keep, so a hash computed before the insert equals one computed after reading the row
back from either database.

The chain finds edits, removals and reordering anywhere but at the end: removing the newest
entries leaves a shorter chain that is still intact. ``portal audit verify`` prints the newest
entry's number and hash so that it can be noted elsewhere and compared later.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Protocol

GENESIS = "0" * 64

#: The hashed columns. Deliberately a fixed list, not "every column of the table": a column added
#: later would change the hash of every existing entry. A test compares it with the table.
HASHED_FIELDS = (
    "seq", "at", "actor_kind", "actor_id", "actor_name", "actor_hpr_number", "actor_role",
    "actor_title", "actor_org_number", "actor_org_name", "patient_id", "action",
    "touchpoint_number", "context", "prev_hash",
)


class Entry(Protocol):
    """What the chain needs of an entry (``AccessEvent`` has it)."""

    @property
    def seq(self) -> int: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


def canonical_time(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("The access log hashes aware times only.")
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def _canonical_value(value: object) -> object:
    if isinstance(value, datetime):
        return canonical_time(value)
    if value is None or isinstance(value, (str, int)):
        return str(value) if isinstance(value, str) else value  # StrEnum members as plain text
    raise TypeError(f"Cannot hash a {type(value).__name__} in the access log.")


def canonical(fields: Mapping[str, object]) -> bytes:
    missing = set(HASHED_FIELDS) - set(fields)
    if missing:
        raise ValueError(f"Missing fields for the hash: {sorted(missing)}")
    data = {name: _canonical_value(fields[name]) for name in HASHED_FIELDS}
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def compute_hash(fields: Mapping[str, object]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


def fields_of(entry: object) -> dict[str, object]:
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


def problems(entries: Iterable[Entry]) -> list[str]:
    """Every problem found walking ``entries`` in the order given (an empty list: intact).

    Each entry is checked against its own hash and against the stored hash of the entry before
    it, so one edited entry gives one problem, and problems do not cascade.
    """
    found: list[str] = []
    previous: Entry | None = None
    highest = 0
    for entry in entries:
        expected_seq = highest + 1
        out_of_place = entry.seq != expected_seq
        if entry.seq < expected_seq:
            found.append(f"Entry {entry.seq} comes after entry {highest}: "
                         "the order has been changed.")
        elif entry.seq == expected_seq + 1:
            found.append(f"Entry {expected_seq} is missing: removed from the log.")
        elif entry.seq > expected_seq:
            found.append(f"Entries {expected_seq} to {entry.seq - 1} are missing: removed from "
                         "the log.")
        if compute_hash(fields_of(entry)) != entry.hash:
            found.append(f"Entry {entry.seq} does not match its hash: it has been changed.")
        link = previous.hash if previous is not None else GENESIS
        if not out_of_place and entry.prev_hash != link:
            before = f"entry {previous.seq}" if previous is not None else "the start of the log"
            found.append(f"Entry {entry.seq} does not link to {before}: an entry before it has "
                         "been changed or replaced.")
        previous = entry
        highest = max(highest, entry.seq)
    return found
