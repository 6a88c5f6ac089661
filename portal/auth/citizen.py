"""Who a citizen is in the portal, from the identity number the citizen login vouched for.

The identity number comes from the provider's ``pid`` claim, never from a form. A person may be a
patient or a relative a patient has let in; someone who is neither gets a kind page (views.py).
"""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.session import PATIENT, RELATIVE, Principal, restore_locale, sign_in
from portal.db import db_session
from portal.pathway.models import Patient
from portal.relatives.models import Relative, RelativeLink


def sign_in_citizen(national_id: str, id_token: str | None = None) -> str | None:
    """Sign in by identity number; the kind of principal, or None when the portal has nobody
    with this number to show anything to."""
    patient = db_session().scalar(select(Patient).where(Patient.national_id == national_id))
    if patient is not None:
        sign_in(Principal(kind=PATIENT, subject_id=patient.id), "citizen", id_token)
        restore_locale(patient.preferred_locale)
        return PATIENT
    relative = db_session().scalar(
        select(Relative).join(RelativeLink)
        .where(Relative.national_id == national_id, RelativeLink.accepted_at.is_not(None),
               RelativeLink.withdrawn_at.is_(None))
        .limit(1)
    )
    if relative is not None:
        sign_in(Principal(kind=RELATIVE, subject_id=relative.id), "citizen", id_token)
        restore_locale(relative.preferred_locale)
        return RELATIVE
    return None


