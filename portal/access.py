"""Who may call what. Every endpoint declares it; anything undeclared is refused.

``@public`` pages need nobody signed in; ``@patient`` a signed-in patient; ``@relative`` a
signed-in relative; ``@staff(role, ...)`` a signed-in staff member with one of the roles (any
staff role when none is named); ``@administrator`` an organisation's administrator. A principal
of another kind, or without the role, gets a 404, as does anything else they may not know
exists. Loaders below answer 404 for objects outside the caller's reach.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Flask, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager, joinedload
from werkzeug.wrappers import Response as WerkzeugResponse

from portal.auth.session import (
    PATIENT,
    RELATIVE,
    STAFF,
    current_principal,
    safe_next,
    stop_acting,
)
from portal.contacts import lookup
from portal.contacts.models import ContactPoint, Organisation
from portal.db import db_session
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.relatives import minors
from portal.relatives.models import Relative, RelativeLink
from portal.settings import current as current_settings
from portal.staff.models import StaffMember, StaffRole

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

PUBLIC = "public"
#: Every kind of rule an endpoint may declare (a test checks each endpoint uses one of these).
ACCESS_KINDS = (PUBLIC, PATIENT, RELATIVE, STAFF)

#: The largest id an INTEGER primary key holds (PostgreSQL int4; SQLite refuses larger binds).
MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Rule:
    kind: str
    #: For staff: any one of these roles lets them in.
    roles: frozenset[StaffRole] = frozenset()

    def __str__(self) -> str:
        if self.roles:
            return f"{self.kind}({', '.join(sorted(self.roles))})"
        return self.kind


def _declare(rule: Rule) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorator


public = _declare(Rule(PUBLIC))
patient = _declare(Rule(PATIENT))
relative = _declare(Rule(RELATIVE))


def staff(*roles: StaffRole) -> Callable[[F], F]:
    return _declare(Rule(STAFF, frozenset(roles or StaffRole)))


administrator = staff(StaffRole.ADMINISTRATOR)


def access_rule(endpoint: str | None, app: Flask | None = None) -> Rule | None:
    app = app or current_app
    if endpoint is None:
        return None
    if endpoint == "static":
        return Rule(PUBLIC)
    view = app.view_functions.get(endpoint)
    rule = getattr(view, "access_rule", None)
    return rule if isinstance(rule, Rule) else None


def enforce() -> WerkzeugResponse | None:
    """before_request: deny by default."""
    if request.endpoint is None:
        return None  # no route matched: Flask answers 404/405 itself
    rule = access_rule(request.endpoint)
    if rule is None:
        current_app.logger.error("Endpoint %s declares no access rule: refused.",
                                 request.endpoint)
        abort(404)
    if rule.kind == PUBLIC:
        return None
    principal = current_principal()
    if principal is None:
        return _to_sign_in(rule)
    if principal.guardian_id is not None and guardian_link(
            principal.guardian_id, principal.subject_id, acting=True) is None:
        # The child has grown past the age limit, or the hospital removed the guardian.
        stop_acting()
        flash(_("You can no longer act on behalf of this person. Contact the hospital if you "
                "think this is wrong."))
        return redirect(url_for("relative.home"))
    if principal.kind != rule.kind:
        abort(404)
    if rule.kind == STAFF and not (current_staff().roles & rule.roles):
        abort(404)
    return None


def _to_sign_in(rule: Rule) -> WerkzeugResponse:
    target = request.full_path if request.method == "GET" else request.referrer
    sender = g.get("expired_sender")
    if sender is not None and sender.kind in (PATIENT, RELATIVE) and rule.kind == sender.kind:
        # Keep what was typed; the same page shows it after signing in again.
        from portal import drafts

        drafts.keep(sender.kind, sender.subject_id, request.path, request.form)
        target = request.path
    expired = 1 if g.get("session_expired") else None
    return redirect(url_for("auth.sign_in", next=safe_next(target), expired=expired,
                            staff=1 if rule.kind == STAFF else None))


def _signed_in(kind: str, load: Callable[[int], T | None]) -> T:
    """The signed-in person of this kind, loaded once per request and kept on ``g`` (the
    session's identity map holds objects only while something references them); else 404."""
    cached: T | None = g.get(f"person_{kind}")
    if cached is not None:
        return cached
    principal = current_principal()
    if principal is None or principal.kind != kind:
        abort(404)
    found = load(principal.subject_id)
    if found is None:
        abort(404)
    setattr(g, f"person_{kind}", found)
    return found


def current_patient() -> Patient:
    return _signed_in(PATIENT, lambda id_: db_session().get(Patient, id_))


def current_relative() -> Relative:
    return _signed_in(RELATIVE, lambda id_: db_session().get(Relative, id_))


def current_staff() -> StaffMember:
    """The signed-in staff member with their organisation; 404 if switched off."""
    def load(id_: int) -> StaffMember | None:
        return db_session().scalar(
            select(StaffMember)
            .where(StaffMember.id == id_, StaffMember.active.is_(True))
            .options(joinedload(StaffMember.organisation)))

    return _signed_in(STAFF, load)


def current_person() -> Patient | Relative | StaffMember:
    """Whoever is signed in, of any kind (404 when nobody is)."""
    principal = current_principal()
    if principal is None:
        abort(404)
    loaders: dict[str, Callable[[], Patient | Relative | StaffMember]] = {
        PATIENT: current_patient, RELATIVE: current_relative, STAFF: current_staff}
    return loaders[principal.kind]()


def load_own_touchpoint(touchpoint_id: int, lock: bool = False,
                        cards: bool = False) -> Touchpoint:
    """The signed-in patient's touchpoint, or 404 (another patient's touchpoint is a 404 too).

    ``lock`` takes a row lock (PostgreSQL) so concurrent writes to one response are serialised.
    The organisation's current contact points come with it; with ``cards``, also their opening
    hours and exceptions, for a page that shows contact cards (steps show names and numbers).
    """
    patient_ = current_patient()
    _valid_id(touchpoint_id)  # larger than any id the database holds: the query would fail
    query = (
        select(Touchpoint)
        .join(Pathway)
        .where(Touchpoint.id == touchpoint_id, Pathway.patient_id == patient_.id)
        .options(
            contains_eager(Touchpoint.pathway),
            *(lookup.contact_loading(lookup.today(), via=joinedload(Touchpoint.organisation))
              if cards else [joinedload(Touchpoint.organisation).selectinload(
                  Organisation.contact_points.and_(ContactPoint.archived_at.is_(None)))]),
        )
    )
    if lock:
        query = query.with_for_update(of=Touchpoint)
    found = db_session().scalar(query)
    if found is None:
        abort(404)
    return found


def _valid_id(value: int) -> int:
    if not 0 < value <= MAX_ID:
        abort(404)
    return value


def load_staff_patient(patient_id: int) -> Patient:
    """A patient whose pathway the staff member's organisation takes part in, or 404."""
    organisation_id = current_staff().organisation_id
    found = db_session().scalar(
        select(Patient).join(Pathway)
        .where(Patient.id == _valid_id(patient_id),
               or_(Pathway.hospital_id == organisation_id,
                   Pathway.municipality_id == organisation_id))
        .limit(1)
    )
    if found is None:
        abort(404)
    return found


@dataclass(frozen=True)
class StaffTouchpoint:
    """A touchpoint a staff member may read, and on which terms."""

    touchpoint: Touchpoint
    #: The staff member's organisation holds this conversation: it sees every answer and may
    #: change the appointment, the record and the actions. Otherwise it is the municipality
    #: reading the hospital's touchpoint 1 after the hand-over, within the patient's sharing
    #: choices, and may change nothing.
    responsible: bool


def load_staff_touchpoint(touchpoint_id: int, responsible: bool = False,
                          lock: bool = False) -> StaffTouchpoint:
    """A touchpoint the signed-in staff member's organisation holds, or touchpoint 1 handed
    over to it; else 404. With ``responsible``, only the organisation holding it."""
    organisation_id = current_staff().organisation_id
    query = (
        select(Touchpoint).join(Pathway)
        .where(Touchpoint.id == _valid_id(touchpoint_id))
        .options(contains_eager(Touchpoint.pathway).joinedload(Pathway.patient),
                 joinedload(Touchpoint.organisation))
    )
    if lock:
        query = query.with_for_update(of=Touchpoint)
    found = db_session().scalar(query)
    if found is None:
        abort(404)
    if found.organisation_id == organisation_id:
        return StaffTouchpoint(found, responsible=True)
    handed_over = (found.number == 1 and found.pathway.handed_over_at is not None
                   and found.pathway.municipality_id == organisation_id)
    if responsible or not handed_over:
        abort(404)
    return StaffTouchpoint(found, responsible=False)


class RelativePermission:
    """The permissions a patient gives a relative (``relatives.models.Permissions``)."""

    CONTACTS = minors.CONTACTS
    OWN_QUESTIONNAIRE = minors.OWN_QUESTIONNAIRE
    ANSWERS = minors.ANSWERS


def local_today() -> date:
    return datetime.now(ZoneInfo(current_settings().display_timezone)).date()


def relative_permissions(link: RelativeLink) -> frozenset[str]:
    """What the link allows today: the patient's choices, or the age rules for a guardian."""
    settings = current_settings()
    return minors.link_permissions(link, local_today(),
                                   settings.guardian_full_access_below_age,
                                   settings.guardian_limited_access_below_age)


def load_relative_link(patient_id: int, permission: str | None = None) -> RelativeLink:
    """The signed-in relative's active link to this patient, with the patient loaded, or 404.

    With ``permission`` (a ``RelativePermission``), the link must also grant it. Checked on every
    request, so a permission the patient withdraws stops the next request, mid-session.
    """
    query = (
        select(RelativeLink)
        .where(RelativeLink.patient_id == _valid_id(patient_id),
               RelativeLink.relative_id == current_relative().id,
               RelativeLink.accepted_at.is_not(None), RelativeLink.withdrawn_at.is_(None))
        .options(joinedload(RelativeLink.patient))
    )
    found = db_session().scalar(query)
    if found is None or (permission is not None
                         and permission not in relative_permissions(found)):
        abort(404)
    return found


def guardian_link(relative_id: int, patient_id: int,
                  acting: bool = False) -> RelativeLink | None:
    """The active guardian link between them; with ``acting``, only while the child's age lets
    the guardian act on the child's behalf."""
    found = db_session().scalar(
        select(RelativeLink)
        .where(RelativeLink.relative_id == relative_id,
               RelativeLink.patient_id == _valid_id(patient_id),
               RelativeLink.guardian.is_(True), RelativeLink.accepted_at.is_not(None),
               RelativeLink.withdrawn_at.is_(None))
        .options(joinedload(RelativeLink.patient)))
    if found is None:
        return None
    if acting:
        settings = current_settings()
        level = minors.guardian_access(found.patient.national_id, local_today(),
                                       settings.guardian_full_access_below_age,
                                       settings.guardian_limited_access_below_age)
        if not minors.may_act_for(level):
            return None
    return found


def load_relative_patient(patient_id: int, permission: str | None = None) -> Patient:
    """A patient who has let the signed-in relative in (accepted, not withdrawn), or 404."""
    return load_relative_link(patient_id, permission).patient
