"""Who a citizen is in the portal, from the identity number the citizen login vouched for.

The identity number comes from the provider's ``pid`` claim, never from a form. A person may be a
patient, a relative a patient has let in, or someone holding a patient's invitation (opened in
this browser, kept in the session as its hash): they are signed in as a relative so that they can
accept it. Someone who is none of these gets a kind page (views.py).

A person who is a patient is always signed in as the patient, even with an invitation: being a
patient and a relative at the same time is not supported yet (``invitation.after_sign_in`` says
so to them).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import session
from sqlalchemy import select

from portal.auth.session import PATIENT, RELATIVE, Principal, restore_locale, sign_in
from portal.db import db_session
from portal.pathway.models import Patient
from portal.relatives import operations as relatives
from portal.relatives.models import Relative, RelativeLink


def sign_in_citizen(national_id: str, id_token: str | None = None) -> str | None:
    """Sign in by identity number; the kind of principal, or None when the portal has nobody
    with this number to show anything to."""
    invitation_hash = session.get(relatives.SESSION_KEY)
    patient = db_session().scalar(select(Patient).where(Patient.national_id == national_id))
    if patient is not None:
        sign_in(Principal(kind=PATIENT, subject_id=patient.id), "citizen", id_token)
        _keep_invitation(invitation_hash)
        restore_locale(patient.preferred_locale)
        return PATIENT
    relative = db_session().scalar(
        select(Relative).join(RelativeLink)
        .where(Relative.national_id == national_id, RelativeLink.accepted_at.is_not(None),
               RelativeLink.withdrawn_at.is_(None))
        .limit(1)
    )
    if relative is None:
        relative = _invited(national_id, invitation_hash)
    if relative is not None:
        sign_in(Principal(kind=RELATIVE, subject_id=relative.id), "citizen", id_token)
        _keep_invitation(invitation_hash)
        restore_locale(relative.preferred_locale)
        return RELATIVE
    return None


def _invited(national_id: str, invitation_hash: object) -> Relative | None:
    """The relative to sign in for a valid invitation held in the session (created with the
    name the patient wrote, which they can correct before accepting), else None."""
    invitation = relatives.find_by_hash(db_session(), invitation_hash)
    if invitation is None or relatives.state_of(invitation, datetime.now(UTC)) \
            is not relatives.InvitationState.VALID:
        return None
    return relatives.relative_for_invitation(db_session(), national_id, invitation)


def _keep_invitation(invitation_hash: object) -> None:
    """Signing in starts a new session; the invitation being accepted comes along."""
    if isinstance(invitation_hash, str):
        session[relatives.SESSION_KEY] = invitation_hash
