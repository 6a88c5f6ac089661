"""Signing in a citizen by national identity number.

This is the one function both the development sign-in and (in the sign-in issue) the ID-porten
OpenID Connect callback end in: the identity number comes from a trusted source, never from a form
a citizen fills in.
"""

from __future__ import annotations

from flask import session
from sqlalchemy import select

from portal.access import PATIENT
from portal.auth.session import Principal, sign_in
from portal.db import db_session
from portal.pathway.models import Patient


def sign_in_citizen(national_id: str) -> Patient | None:
    """Sign in the patient with this identity number; None when the portal does not know them."""
    found = db_session().scalar(select(Patient).where(Patient.national_id == national_id))
    if found is None:
        return None
    sign_in(Principal(kind=PATIENT, subject_id=found.id))
    if found.preferred_locale and "locale" not in session:
        session["locale"] = found.preferred_locale
    return found
