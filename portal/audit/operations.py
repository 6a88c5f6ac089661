"""Writing the access log and checking it. Operations flush; the request commits.

``record`` is called by every view that shows or changes a patient's information to a staff
member or a relative, *in the same transaction* as the request's work: if the request fails, no
entry is written, and if the entry cannot be written, the request fails.

Appending is serialised, so two requests can never read the same newest entry and fork the chain
(``seq`` is unique as well: a fork would fail to commit, never be stored):

- PostgreSQL: ``pg_advisory_xact_lock(CHAIN_LOCK)`` before reading the newest entry (under READ
  COMMITTED, the default, that read sees every append committed before the lock was granted).
  The lock is held until the request commits or rolls back, so other requests that log wait
  meanwhile: call ``record`` after any slow work (a PDF), just before returning the response.
- SQLite: only one connection can hold the write lock. A request of a signed-in staff member, and
  every POST, already began with ``BEGIN IMMEDIATE`` (``portal/db.py``, ``auth/session.py``);
  any other caller (a relative's GET, a command) takes it here with a write that changes nothing,
  before reading. If another connection wrote after this transaction first read, SQLite refuses
  that write ("database is locked") instead of letting the chain fork: the request fails with a
  500 and nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from flask import has_request_context, request
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from portal import access
from portal.audit import chain
from portal.audit.models import AccessAction, AccessEvent, ActorKind
from portal.auth.session import RELATIVE, STAFF, current_principal
from portal.db import db_session, utcnow
from portal.relatives.models import Relative, RelativeLink
from portal.staff.models import CLINICIANS, StaffMember, StaffRole

#: The key of the PostgreSQL advisory lock that serialises appends ("acce" in ASCII).
CHAIN_LOCK = 0x61636365

CONTEXT_LENGTH = 200


@dataclass(frozen=True)
class Actor:
    """Who, as copied into the entry."""

    kind: ActorKind
    id: int
    name: str
    role: str
    title: str = ""
    hpr_number: str | None = None
    org_number: str | None = None
    org_name: str | None = None


def staff_actor(member: StaffMember, role: StaffRole) -> Actor:
    return Actor(kind=ActorKind.STAFF, id=member.id, name=member.full_name, role=role,
                 title=member.title, hpr_number=member.hpr_number,
                 org_number=member.organisation.org_number,
                 org_name=member.organisation.name)


def relative_actor(relative: Relative, relation: str = "") -> Actor:
    return Actor(kind=ActorKind.RELATIVE, id=relative.id, name=relative.full_name,
                 role="relative", title=relation)


def record(patient_id: int, action: AccessAction, *, touchpoint_number: int | None = None,
           context: str = "") -> AccessEvent:
    """Log that the signed-in staff member or relative did ``action`` to a patient's information.

    A patient's own use, and a request with nobody signed in, are not logged: calling this for
    them is a programming error and raises ``RuntimeError``.
    """
    principal = current_principal()
    if principal is None or principal.kind not in (STAFF, RELATIVE):
        raise RuntimeError("The access log records staff members and relatives only.")
    session = db_session()
    if principal.kind == STAFF:
        member = access.current_staff()
        actor = staff_actor(member, _acting_role(member))
    else:
        relative = access.current_relative()
        relation = session.scalar(
            select(RelativeLink.relation).where(RelativeLink.relative_id == relative.id,
                                                RelativeLink.patient_id == patient_id))
        actor = relative_actor(relative, relation or "")
    if not context and has_request_context():
        context = request.endpoint or ""
    return append(session, actor, patient_id, action, touchpoint_number=touchpoint_number,
                  context=context)


def _acting_role(member: StaffMember) -> StaffRole:
    """The role under which the current endpoint let the staff member in (a clinician role
    before the administrator's, when both would)."""
    rule = access.access_rule(request.endpoint) if has_request_context() else None
    roles = member.roles & rule.roles if rule is not None and rule.roles else member.roles
    for role in (*CLINICIANS, StaffRole.ADMINISTRATOR):
        if role in roles:
            return role
    raise RuntimeError("A staff member without a role cannot be in the access log.")


def append(session: Session, actor: Actor, patient_id: int, action: AccessAction, *,
           touchpoint_number: int | None = None, context: str = "") -> AccessEvent:
    """Add the next entry of the chain and flush it; never commits."""
    action = AccessAction(action)
    _lock_chain(session)
    newest = session.execute(
        select(AccessEvent.seq, AccessEvent.hash).order_by(AccessEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (newest.seq + 1, newest.hash) if newest is not None else (1, chain.GENESIS)
    # The time is taken after the lock, so times follow the chain's order.
    event = AccessEvent(
        seq=seq, at=utcnow(), actor_kind=actor.kind, actor_id=actor.id, actor_name=actor.name,
        actor_hpr_number=actor.hpr_number, actor_role=str(actor.role), actor_title=actor.title,
        actor_org_number=actor.org_number, actor_org_name=actor.org_name, patient_id=patient_id,
        action=action, touchpoint_number=touchpoint_number,
        context=context[:CONTEXT_LENGTH], prev_hash=prev_hash,
    )
    event.hash = chain.compute_hash(chain.fields_of(event))
    session.add(event)
    session.flush()
    return event


def record_many(patients: Sequence[tuple[int, int | None]], action: AccessAction, *,
                context: str) -> int:
    """Log one ``action`` by the signed-in staff member on many patients at once (an export):
    ``patients`` holds (patient id, touchpoint number or None) pairs, one entry each. Returns
    how many entries were written."""
    principal = current_principal()
    if principal is None or principal.kind != STAFF:
        raise RuntimeError("Only a staff member's export is logged in one batch.")
    member = access.current_staff()
    return append_many(db_session(), staff_actor(member, _acting_role(member)), patients,
                       action, context=context)


def append_many(session: Session, actor: Actor, patients: Sequence[tuple[int, int | None]],
                action: AccessAction, *, context: str = "") -> int:
    """Add one entry per (patient id, touchpoint number) to the chain, in that order, under one
    lock and one read of the newest entry, with one executemany INSERT (PostgreSQL receives it
    as multi-row INSERTs of up to a thousand rows). Never commits."""
    action = AccessAction(action)
    if not patients:
        return 0
    _lock_chain(session)
    newest = session.execute(
        select(AccessEvent.seq, AccessEvent.hash).order_by(AccessEvent.seq.desc()).limit(1)
    ).first()
    seq, prev_hash = (newest.seq + 1, newest.hash) if newest is not None else (1, chain.GENESIS)
    at = utcnow()
    rows: list[dict[str, object]] = []
    for patient_id, touchpoint_number in patients:
        row: dict[str, object] = {
            "seq": seq, "at": at, "actor_kind": str(actor.kind), "actor_id": actor.id,
            "actor_name": actor.name, "actor_hpr_number": actor.hpr_number,
            "actor_role": str(actor.role), "actor_title": actor.title,
            "actor_org_number": actor.org_number, "actor_org_name": actor.org_name,
            "patient_id": patient_id, "action": str(action),
            "touchpoint_number": touchpoint_number, "context": context[:CONTEXT_LENGTH],
            "prev_hash": prev_hash}
        row["hash"] = chain.compute_hash(row)
        rows.append(row)
        seq, prev_hash = seq + 1, str(row["hash"])
    session.execute(insert(AccessEvent), rows)
    return len(rows)


def _lock_chain(session: Session) -> None:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(CHAIN_LOCK)))
    elif dialect == "sqlite":
        # Takes SQLite's write lock now (or fails), before the newest entry is read. Matches no
        # row, so the append-only trigger does not fire.
        session.execute(text("UPDATE access_event SET seq = seq WHERE 0"))
    else:
        raise RuntimeError(f"Appending to the access log is not made safe on {dialect}.")


@dataclass
class ChainCheck:
    entries: int = 0
    newest_seq: int | None = None
    newest_hash: str | None = None
    problems: list[str] = field(default_factory=list)


def check(session: Session) -> ChainCheck:
    """Walk the whole log in ``seq`` order, in one statement (one snapshot of the table)."""
    result = ChainCheck()

    def counted(entries: Iterable[AccessEvent]) -> Iterator[AccessEvent]:
        for entry in entries:
            result.entries += 1
            result.newest_seq, result.newest_hash = entry.seq, entry.hash
            yield entry

    entries = session.scalars(
        select(AccessEvent).order_by(AccessEvent.seq).execution_options(yield_per=1000))
    result.problems = chain.problems(counted(entries))
    return result


def verify(session: Session) -> list[str]:
    """Every problem in the whole log (an empty list: intact)."""
    return check(session).problems
