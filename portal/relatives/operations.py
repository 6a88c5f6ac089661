"""Invitations and the patient's permissions: make, withdraw, accept, change, remove.

An invitation's link holds a random token; only its SHA-256 is stored, so the database cannot
give a usable link away. Operations flush and never commit (the request commits once).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from portal.pathway.models import Patient
from portal.relatives.models import Relative, RelativeInvitation, RelativeLink

#: The three permissions, in the order they are shown.
PERMISSIONS = ("may_see_contacts", "may_answer_own", "may_see_answers")

#: The session key that holds the hash of the invitation being accepted (never the token: the
#: cookie is signed, not encrypted).
SESSION_KEY = "invitation"

#: A token is ``secrets.token_urlsafe(32)``: 43 characters. Anything much longer, or with other
#: characters, is not one of ours and is refused without asking the database.
TOKEN_MAX_LENGTH = 100
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


class InvitationState(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    USED = "used"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def plausible_token(token: str) -> bool:
    return 0 < len(token) <= TOKEN_MAX_LENGTH and set(token) <= _TOKEN_CHARACTERS


def state_of(invitation: RelativeInvitation, now: datetime) -> InvitationState:
    """Used first: an accepted invitation stays "already used" after it would have expired."""
    if invitation.accepted_at is not None:
        return InvitationState.USED
    if invitation.withdrawn_at is not None:
        return InvitationState.WITHDRAWN
    if invitation.expires_at <= now:
        return InvitationState.EXPIRED
    return InvitationState.VALID


def find_by_token(session: Session, token: str) -> RelativeInvitation | None:
    if not plausible_token(token):
        return None
    return find_by_hash(session, hash_token(token))


def find_by_hash(session: Session, token_hash: object) -> RelativeInvitation | None:
    if not isinstance(token_hash, str) or len(token_hash) != 64:
        return None
    found: RelativeInvitation | None = session.scalar(
        select(RelativeInvitation).where(RelativeInvitation.token_hash == token_hash)
        .options(joinedload(RelativeInvitation.patient)))
    return found


# --- the patient's side --------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    invitation: RelativeInvitation
    #: The token for the link. Shown to the patient once; never stored.
    token: str


def invite(session: Session, patient: Patient, *, name: str, relation: str,
           mobile: str | None, email: str | None, permissions: dict[str, bool],
           now: datetime, days: int) -> NewInvitation:
    token = secrets.token_urlsafe(32)
    invitation = RelativeInvitation(
        patient_id=patient.id, name=name, relation=relation, mobile=mobile, email=email,
        token_hash=hash_token(token), created_at=now, expires_at=now + timedelta(days=days),
        **{p: bool(permissions.get(p)) for p in PERMISSIONS})
    session.add(invitation)
    session.flush()
    return NewInvitation(invitation, token)


def withdraw_invitation(invitation: RelativeInvitation, now: datetime) -> bool:
    """False when it was already used, withdrawn or expired: nothing changes then."""
    if state_of(invitation, now) is not InvitationState.VALID:
        return False
    invitation.withdrawn_at = now
    return True


def set_permissions(link: RelativeLink, permissions: dict[str, bool]) -> None:
    for name in PERMISSIONS:
        setattr(link, name, bool(permissions.get(name)))


def remove(link: RelativeLink, now: datetime) -> None:
    """Withdraw the link: from the next request on, the relative sees nothing of the patient."""
    if link.withdrawn_at is None:
        link.withdrawn_at = now


@dataclass(frozen=True)
class RelativesOverview:
    links: list[RelativeLink]
    pending: list[RelativeInvitation]
    #: Invitations that expired or were withdrawn, and relatives removed: briefly, newest first.
    ended_invitations: list[RelativeInvitation]
    removed: list[RelativeLink]


#: How many ended invitations and removed relatives the patient's page lists.
ENDED_SHOWN = 5


def overview(session: Session, patient: Patient, now: datetime) -> RelativesOverview:
    """The patient's relatives and invitations. Guardian links are the hospital's (not the
    patient's to change) and are not listed here."""
    links = list(session.scalars(
        select(RelativeLink)
        .where(RelativeLink.patient_id == patient.id, RelativeLink.accepted_at.is_not(None),
               RelativeLink.guardian.is_(False))
        .options(joinedload(RelativeLink.relative))
        .order_by(RelativeLink.accepted_at)))
    invitations = list(session.scalars(
        select(RelativeInvitation)
        .where(RelativeInvitation.patient_id == patient.id,
               RelativeInvitation.accepted_at.is_(None))
        .order_by(RelativeInvitation.created_at.desc(), RelativeInvitation.id.desc())))
    pending = [i for i in invitations if state_of(i, now) is InvitationState.VALID]
    ended = [i for i in invitations if state_of(i, now) is not InvitationState.VALID]
    return RelativesOverview(
        links=[link for link in links if link.withdrawn_at is None],
        pending=sorted(pending, key=lambda i: i.expires_at),
        ended_invitations=ended[:ENDED_SHOWN],
        removed=sorted((link for link in links if link.withdrawn_at is not None),
                       key=lambda link: link.withdrawn_at or now, reverse=True)[:ENDED_SHOWN])


def patient_invitation(session: Session, patient: Patient,
                       invitation_id: int) -> RelativeInvitation | None:
    found: RelativeInvitation | None = session.scalar(
        select(RelativeInvitation).where(RelativeInvitation.id == invitation_id,
                                         RelativeInvitation.patient_id == patient.id))
    return found


def patient_link(session: Session, patient: Patient, link_id: int,
                 lock: bool = False) -> RelativeLink | None:
    """One of the patient's own (not guardian) accepted, not removed links."""
    query = (select(RelativeLink)
             .where(RelativeLink.id == link_id, RelativeLink.patient_id == patient.id,
                    RelativeLink.accepted_at.is_not(None), RelativeLink.withdrawn_at.is_(None),
                    RelativeLink.guardian.is_(False))
             .options(joinedload(RelativeLink.relative)))
    if lock:
        query = query.with_for_update(of=RelativeLink)
    found: RelativeLink | None = session.scalar(query)
    return found


# --- the relative's side -------------------------------------------------------------------


def split_name(name: str) -> tuple[str, str]:
    """Given and family name from the name the patient wrote: the last word is the family
    name. The relative can correct both before accepting."""
    words = name.split()
    if not words:
        return "", ""
    if len(words) == 1:
        return words[0][:100], ""
    return " ".join(words[:-1])[:100], words[-1][:100]


def relative_for_invitation(session: Session, national_id: str,
                            invitation: RelativeInvitation) -> Relative:
    """The relative with this identity number, created with the invitation's name if new."""
    found = session.scalar(select(Relative).where(Relative.national_id == national_id))
    if found is not None:
        return found
    given, family = split_name(invitation.name)
    relative = Relative(national_id=national_id, given_name=given, family_name=family)
    session.add(relative)
    session.flush()
    return relative


class NotAccepted(Exception):
    """The invitation was used, withdrawn or expired meanwhile (maybe by a request running at
    the same time)."""

    def __init__(self, state: InvitationState) -> None:
        super().__init__(state)
        self.state = state


def accept(session: Session, invitation: RelativeInvitation, relative: Relative,
           now: datetime) -> RelativeLink:
    """Link the relative to the patient with the invitation's permissions.

    The invitation is claimed by one conditional UPDATE first: of two requests accepting at
    the same time, the database lets exactly one change the row (PostgreSQL re-checks the
    condition after the first commits; SQLite runs writing requests one at a time).
    """
    claimed = session.execute(
        update(RelativeInvitation)
        .where(RelativeInvitation.id == invitation.id, RelativeInvitation.accepted_at.is_(None),
               RelativeInvitation.withdrawn_at.is_(None), RelativeInvitation.expires_at > now)
        .values(accepted_at=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]  # CursorResult of an UPDATE
        session.refresh(invitation)
        raise NotAccepted(state_of(invitation, now))
    link = _link_for(session, relative, invitation.patient_id)
    link.relation = invitation.relation
    link.accepted_at = now
    link.withdrawn_at = None
    set_permissions(link, {p: getattr(invitation, p) for p in PERMISSIONS})
    session.flush()
    session.execute(update(RelativeInvitation).where(RelativeInvitation.id == invitation.id)
                    .values(link_id=link.id).execution_options(synchronize_session=False))
    session.refresh(invitation)
    return link


def _link_for(session: Session, relative: Relative, patient_id: int) -> RelativeLink:
    """The pair's link (one per relative and patient), locked; a new one if there is none."""
    query = (select(RelativeLink)
             .where(RelativeLink.relative_id == relative.id,
                    RelativeLink.patient_id == patient_id)
             .with_for_update(of=RelativeLink))
    found = session.scalar(query)
    if found is not None:
        return found
    link = RelativeLink(relative_id=relative.id, patient_id=patient_id)
    try:
        with session.begin_nested():  # another invitation to the same pair, accepted just now
            session.add(link)
    except IntegrityError:
        found = session.scalar(query)
        if found is None:
            raise
        return found
    return link


def decline(session: Session, invitation: RelativeInvitation, now: datetime) -> bool:
    """"No thanks": the invitation ends and its link cannot be used again. Stored as withdrawn
    (the schema has no separate column for a refusal): the patient reads it as ended."""
    ended = session.execute(
        update(RelativeInvitation)
        .where(RelativeInvitation.id == invitation.id, RelativeInvitation.accepted_at.is_(None),
               RelativeInvitation.withdrawn_at.is_(None))
        .values(withdrawn_at=now)
        .execution_options(synchronize_session=False))
    session.refresh(invitation)
    return bool(ended.rowcount)  # type: ignore[attr-defined]  # CursorResult of an UPDATE
