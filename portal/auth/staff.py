"""Who a staff member is in the portal, from what HelseID vouched for.

HelseID gives the person (``pid``), their HPR number and the organisation they sign in for. The
portal's own record (``StaffMember``, kept by the organisation's administrators) gives the role.
Somebody HelseID knows but the portal does not gets a page saying whom to ask (views.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.auth.session import STAFF, Principal, restore_locale, sign_in
from portal.contacts.models import Organisation
from portal.db import db_session
from portal.settings import OidcSettings
from portal.staff.models import StaffMember


def sign_in_staff(national_id: str, claims: dict[str, Any], oidc: OidcSettings,
                  id_token: str | None = None) -> StaffMember | None:
    query = (select(StaffMember).join(Organisation)
             .where(StaffMember.national_id == national_id, StaffMember.active.is_(True))
             .options(joinedload(StaffMember.organisation)))
    org_number = _text(claims.get(oidc.org_claim)) if oidc.org_claim else ""
    if org_number:
        query = query.where(Organisation.org_number == org_number)
    memberships = list(db_session().scalars(query))
    if len(memberships) != 1:
        # None, or several and the provider did not say for which organisation.
        return None
    member = memberships[0]
    hpr = _text(claims.get(oidc.hpr_claim)) if oidc.hpr_claim else ""
    if hpr:
        member.hpr_number = hpr
    member.last_signed_in_at = datetime.now(UTC)
    sign_in(Principal(kind=STAFF, subject_id=member.id), "staff", id_token)
    restore_locale(member.preferred_locale)
    return member


def _text(value: object) -> str:
    """Claims may come as a string or a list with one string (HelseID's organisation claims)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value.strip() if isinstance(value, str) else ""
