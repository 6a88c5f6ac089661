"""Parents and guardians of a patient who is a child: what they may do follows from the child's
age, not from an invitation.

The national portal (helsenorge) lets a parent act fully on behalf of a child under 12, see a
limited part from 12 until 16, and nothing from 16 without the young person's own consent. The
ages are configuration (``PORTAL_GUARDIAN_FULL_ACCESS_BELOW_AGE``,
``PORTAL_GUARDIAN_LIMITED_ACCESS_BELOW_AGE``); these functions are pure and take them as
arguments. From the upper age on, the patient can invite a parent like any other relative.

Guardian links are registered by the hospital (``portal/clinician/guardians.py``). In a real
deployment they would come from the population register (Folkeregisteret); the portal has no
connection to it yet.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from portal.pathway import identity
from portal.relatives.models import RelativeLink

#: The permission names of ``relatives.models.Permissions`` (kept as strings, as in access.py).
CONTACTS = "may_see_contacts"
OWN_QUESTIONNAIRE = "may_answer_own"
ANSWERS = "may_see_answers"
ALL_PERMISSIONS = frozenset({CONTACTS, OWN_QUESTIONNAIRE, ANSWERS})


class GuardianAccess(StrEnum):
    #: Acts on the child's behalf: sees and answers what the child would.
    FULL = "full"
    #: Sees contact points and appointments only.
    LIMITED = "limited"
    #: Nothing without the young person's own invitation.
    NONE = "none"


def guardian_access(patient_national_id: str, today: date, full_below: int,
                    limited_below: int) -> GuardianAccess:
    age = identity.age_on(patient_national_id, today)
    if age < full_below:
        return GuardianAccess.FULL
    if age < limited_below:
        return GuardianAccess.LIMITED
    return GuardianAccess.NONE


def guardian_permissions(access: GuardianAccess) -> frozenset[str]:
    """What a guardian link allows at this level. With full access the guardian acts as the
    child (``may_act_for``) rather than through the relative's pages; seeing contact points
    stays allowed so the relative's pages are useful too."""
    if access == GuardianAccess.FULL:
        return frozenset({CONTACTS})
    if access == GuardianAccess.LIMITED:
        return frozenset({CONTACTS})
    return frozenset()


def may_act_for(access: GuardianAccess) -> bool:
    return access == GuardianAccess.FULL


def may_see_appointments(access: GuardianAccess) -> bool:
    """The relative's page of contact points shows the appointments too."""
    return CONTACTS in guardian_permissions(access)


def link_permissions(link: RelativeLink, today: date, full_below: int,
                     limited_below: int) -> frozenset[str]:
    """What an accepted link allows today: the patient's choices, or for a guardian link the
    age rules."""
    if link.guardian:
        return guardian_permissions(
            guardian_access(link.patient.national_id, today, full_below, limited_below))
    return frozenset(name for name in sorted(ALL_PERMISSIONS) if getattr(link, name))
