"""Putting notices in the outbox: the hooks called where something happens (an appointment, an
invitation, an urgent questionnaire), and the planner of the notices that are due by date
(a questionnaire that has opened, a reminder before the appointment).

A notice is written in the same transaction as the change that causes it (a transactional
outbox): a change that is rolled back leaves no notice, and nothing is sent from a request. The
unique ``dedupe_key`` makes every hook and the planner safe to run twice, or at once in two
processes (``INSERT ... ON CONFLICT DO NOTHING``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, false, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.clinician import queries
from portal.contacts.models import ContactPoint
from portal.db import utcnow
from portal.notices.models import Channel, Choice, Notice, NoticeKind
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.models import Response
from portal.relatives import minors
from portal.relatives.models import Relative, RelativeInvitation, RelativeLink
from portal.settings import Settings

#: A questionnaire that opened (or a pathway enrolled) longer ago than this gets no notice:
#: switching notices on for the first time must not send everyone a stale message.
RECENT_DAYS = 7

#: The pages the links point at (checked against the routes in tests/unit and integration).
PATIENT_HOME = "/patient/"
PATIENT_PREFERENCES = "/patient/notices"
RELATIVE_HOME = "/relative/"
RELATIVE_PREFERENCES = "/relative/notices"
WORKLIST = "/staff/"


def questionnaire_path(touchpoint_id: int) -> str:
    return f"/patient/touchpoints/{touchpoint_id}/questionnaire"


def relative_questionnaire_path(patient_id: int) -> str:
    return f"/relative/patients/{patient_id}/questionnaire"


def invitation_path(token: str) -> str:
    return f"/invitations/{token}"


def channel_for(choice: str | None, email: str | None,
                mobile: str | None) -> tuple[Channel, str] | None:
    """Where a person's notices go: their choice if they gave the address for it; not chosen
    (None): e-mail when an address is known, else SMS when a mobile number is, else nowhere."""
    if choice == Choice.NONE:
        return None
    if email and choice in (None, Choice.EMAIL):
        return Channel.EMAIL, email
    if mobile and choice in (None, Choice.SMS):
        return Channel.SMS, mobile
    return None


def choose(session: Session, person: Patient | Relative, channel: str, mobile: str | None,
           email: str | None) -> None:
    """A patient's or relative's own choice of how to hear from the portal, and where (validated:
    ``NoticeForm``). The addresses are the person's own, the same the enrolment recorded."""
    person.notice_channel = channel
    person.mobile = mobile
    person.email = email
    session.flush()


def configured(settings: Settings, channel: str) -> bool:
    """Whether a sender for the channel is configured (else its notices are cancelled)."""
    return bool(settings.smtp_host if channel == Channel.EMAIL else settings.sms_gateway_url)


def take_write_lock(session: Session) -> None:
    """On SQLite, make the transaction a writer from its first statement (outside a request,
    where ``portal.db`` begins with a plain BEGIN). A transaction that reads first and writes
    later fails at once with "database is locked" when another process wrote in between; a
    write that changes nothing takes the lock (waiting for it) before anything is read.
    PostgreSQL needs nothing: its row locks and the unique key do the work."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Notice).where(false()).values(attempts=Notice.attempts))


def _insert(session: Session, rows: Sequence[dict[str, Any]]) -> int:
    """Insert the notices whose ``dedupe_key`` is new; returns how many were."""
    if not rows:
        return 0
    now = utcnow()
    values = [{"status": "pending", "attempts": 0, "next_attempt_at": now, "created_at": now,
               **row} for row in rows]
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (insert(Notice).on_conflict_do_nothing(index_elements=["dedupe_key"])
                 .returning(Notice.id))
    return len(session.execute(statement, values).all())


def _locale(preferred: str | None, settings: Settings) -> str:
    return preferred or settings.default_locale


# --- hooks ---------------------------------------------------------------------------------


def appointment_changed(session: Session, touchpoint: Touchpoint, settings: Settings,
                        today: date) -> int:
    """An appointment was booked or moved: tell the patient (not when, not where: the portal
    shows that), and the parents of a child patient while they may see appointments. The time
    is in the key, so each change makes one notice, a re-save none."""
    moment = touchpoint.appointment_at
    if moment is None or moment < utcnow():
        return 0
    patient = touchpoint.pathway.patient
    key = f"appointment:tp{touchpoint.id}:{_stamp(moment)}"
    person = (patient.id, patient.email, patient.mobile, patient.notice_channel,
              patient.preferred_locale)
    rows = [_row(NoticeKind.APPOINTMENT, settings, person, "patient", PATIENT_HOME,
                 f"{key}:patient{patient.id}", touchpoint_id=touchpoint.id)]
    parents = guardians(session, settings, today, [patient.id], minors.may_see_appointments)
    rows += _besides(rows, [
        _row(NoticeKind.APPOINTMENT, settings, parent, "relative", RELATIVE_HOME,
             f"{key}:guardian{parent[0]}", touchpoint_id=touchpoint.id)
        for parent in parents[patient.id]])
    return _insert(session, [row for row in rows if row])


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%MZ")


def invitation_made(session: Session, invitation: RelativeInvitation, token: str, locale: str,
                    settings: Settings) -> Channel | None:
    """Send a new invitation's link too, when a sender is configured for an address the patient
    gave (e-mail first). Returns the channel, or None when the portal does not send it (the
    patient sends the link themselves, as the page says).

    The link holds the raw token, whose hash alone is stored with the invitation: the notice
    keeps it only until it is sent or given up (``delivery`` blanks it then)."""
    for channel, recipient in ((Channel.EMAIL, invitation.email),
                               (Channel.SMS, invitation.mobile)):
        if recipient and configured(settings, channel):
            _insert(session, [{
                "kind": NoticeKind.INVITATION, "channel": channel, "recipient": recipient,
                "locale": locale, "link": invitation_path(token),
                "patient_id": invitation.patient_id, "invitation_id": invitation.id,
                "dedupe_key": f"invitation:{invitation.id}",
            }])
            return channel
    return None


def urgent_submitted(session: Session, response: Response, settings: Settings) -> int:
    """A questionnaire marked urgent was sent: with ``notice_urgent_to_team`` on, e-mail the
    responsible organisation's first contact point that has an e-mail address. Once per
    response, whatever the number of corrections sent after."""
    if not settings.notice_urgent_to_team or response.urgent_at is None:
        return 0
    touchpoint = session.get(Touchpoint, response.touchpoint_id)
    if touchpoint is None:
        return 0
    address = session.scalar(
        select(ContactPoint.email)
        .where(ContactPoint.organisation_id == touchpoint.organisation_id,
               ContactPoint.archived_at.is_(None), ContactPoint.email.is_not(None),
               ContactPoint.email != "")
        .order_by(ContactPoint.position, ContactPoint.id).limit(1))
    if not address:
        return 0
    return _insert(session, [{
        "kind": NoticeKind.URGENT_TO_TEAM, "channel": Channel.EMAIL, "recipient": address,
        "locale": settings.default_locale, "link": WORKLIST,
        "organisation_id": touchpoint.organisation_id, "touchpoint_id": touchpoint.id,
        "dedupe_key": f"urgent:response{response.id}",
    }])


# --- the planner ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    questionnaire_open: int
    reminders: int


def _recently_opened(settings: Settings, today: date) -> Any:
    """Touchpoints whose questionnaire is open today, not submitted, neither held nor declined,
    and that opened within the last ``RECENT_DAYS`` days or whose pathway was enrolled within
    them (a patient enrolled weeks after the diagnosis finds it open from the start). The same
    SQL conditions as the worklist's (``rules.opened_by_diagnosis`` thresholds)."""
    days = settings.questionnaire_opens_days_before
    zone = settings.display_timezone
    clock = queries.Clock(today, zone)
    earlier = queries.Clock(today - timedelta(days=RECENT_DAYS + 1), zone)
    return and_(queries.state_condition("open", clock, days),
                or_(queries.state_condition("upcoming", earlier, days),
                    Pathway.created_at >= clock.day_start(today - timedelta(days=RECENT_DAYS))))


def _touchpoints(*columns: Any) -> Any:
    return (select(Touchpoint.id, Touchpoint.number, *columns)
            .join(Touchpoint.pathway)
            .join(Response, Response.touchpoint_id == Touchpoint.id, isouter=True))


def plan(session: Session, settings: Settings, today: date) -> Planned:
    """Enqueue the questionnaire-open notices and reminders due on ``today`` (in the display
    time zone), for the patient and, for a child patient, the parents who act on the child's
    behalf. Four queries and at most two inserts, whatever the number of patients; a second run
    the same day adds nothing."""
    take_write_lock(session)
    person = (Patient.id, Patient.email, Patient.mobile, Patient.notice_channel,
              Patient.preferred_locale)
    opened = session.execute(
        _touchpoints(*person).join(Pathway.patient)
        .where(_recently_opened(settings, today))).all()
    rows = [_row(NoticeKind.QUESTIONNAIRE_OPEN, settings, found[2:], "patient",
                 questionnaire_path(found.id), f"open:tp{found.id}:patient{found[2]}",
                 touchpoint_id=found.id)
            for found in opened]
    relative_numbers = definitions.latest("relative").touchpoints
    relatives = session.execute(
        _touchpoints(Pathway.patient_id, Relative.id, Relative.email, Relative.mobile,
                     Relative.notice_channel, Relative.preferred_locale)
        .join(RelativeLink, RelativeLink.patient_id == Pathway.patient_id)
        .join(Relative, Relative.id == RelativeLink.relative_id)
        .where(_recently_opened(settings, today), Touchpoint.number.in_(relative_numbers),
               RelativeLink.accepted_at.is_not(None), RelativeLink.withdrawn_at.is_(None),
               RelativeLink.may_answer_own.is_(True), RelativeLink.guardian.is_(False))).all()
    rows += [_row(NoticeKind.QUESTIONNAIRE_OPEN, settings, found[3:], "relative",
                  relative_questionnaire_path(found.patient_id),
                  f"open:tp{found.id}:relative{found[3]}", touchpoint_id=found.id)
             for found in relatives]
    clock = queries.Clock(today, settings.display_timezone)
    due = session.execute(
        _touchpoints(Touchpoint.appointment_at, *person).join(Pathway.patient)
        .where(Touchpoint.held_on.is_(None), Touchpoint.declined_on.is_(None),
               Response.submitted_revision.is_(None),
               Touchpoint.appointment_at >= clock.day_start(today),
               Touchpoint.appointment_at < clock.day_start(
                   today + timedelta(days=settings.notice_reminder_days + 1)))).all()
    reminders = [_row(NoticeKind.REMINDER, settings, found[3:], "patient",
                      questionnaire_path(found.id),
                      f"reminder:tp{found.id}:{_stamp(found.appointment_at)}:patient{found[3]}",
                      touchpoint_id=found.id)
                 for found in due]
    # A child's questionnaire is answered by a parent acting for the child: the parent hears of
    # it too, with a link to their own page, where they choose to act for the child.
    parents = guardians(session, settings, today, {found[2] for found in opened}
                        | {found[3] for found in due}, minors.may_act_for)
    rows += _besides(rows, [
        _row(NoticeKind.QUESTIONNAIRE_OPEN, settings, parent, "relative", RELATIVE_HOME,
             f"open:tp{found.id}:guardian{parent[0]}", touchpoint_id=found.id)
        for found in opened for parent in parents[found[2]]])
    reminders += _besides(reminders, [
        _row(NoticeKind.REMINDER, settings, parent, "relative", RELATIVE_HOME,
             f"reminder:tp{found.id}:{_stamp(found.appointment_at)}:guardian{parent[0]}",
             touchpoint_id=found.id)
        for found in due for parent in parents[found[3]]])
    return Planned(_insert(session, [r for r in rows if r]),
                   _insert(session, [r for r in reminders if r]))


def _besides(rows: Sequence[dict[str, Any]],
             parents: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The parents' rows that do not repeat news already going to the same address: a child's
    own address is often a parent's, and two parents may share one, and nobody should get the
    same message twice."""
    def news(row: dict[str, Any]) -> tuple[Any, ...]:
        return row["kind"], row["touchpoint_id"], row["channel"], row["recipient"]

    seen = {news(row) for row in rows if row}
    kept = []
    for row in parents:
        if row and news(row) not in seen:
            seen.add(news(row))
            kept.append(row)
    return kept


def guardians(session: Session, settings: Settings, today: date, patient_ids: Collection[int],
              allowed: Callable[[minors.GuardianAccess], bool],
              ) -> defaultdict[int, list[tuple[Any, ...]]]:
    """The parents registered for these patients (accepted, not withdrawn) whose access today,
    by the child's age, is ``allowed`` (``minors.may_act_for``, ``minors.may_see_appointments``),
    each as (id, email, mobile, choice, locale), by patient id. One query; the age rule is
    ``minors.guardian_access``, as everywhere."""
    found = session.execute(
        select(RelativeLink.patient_id, Patient.national_id, Relative.id, Relative.email,
               Relative.mobile, Relative.notice_channel, Relative.preferred_locale)
        .join(Relative, Relative.id == RelativeLink.relative_id)
        .join(Patient, Patient.id == RelativeLink.patient_id)
        .where(RelativeLink.patient_id.in_(sorted(patient_ids)),
               RelativeLink.guardian.is_(True), RelativeLink.accepted_at.is_not(None),
               RelativeLink.withdrawn_at.is_(None))
        .order_by(RelativeLink.patient_id, Relative.id)).all()
    by_patient: defaultdict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for patient_id, national_id, *parent in found:
        access = minors.guardian_access(national_id, today,
                                        settings.guardian_full_access_below_age,
                                        settings.guardian_limited_access_below_age)
        if allowed(access):
            by_patient[patient_id].append(tuple(parent))
    return by_patient


def _row(kind: NoticeKind, settings: Settings, person: Sequence[Any], owner: str, link: str,
         key: str, **owners: Any) -> dict[str, Any]:
    """A notice for a person given as (id, email, mobile, choice, locale); empty when they
    chose none or gave no address."""
    person_id, email, mobile, choice, locale = person
    target = channel_for(choice, email, mobile)
    if target is None:
        return {}
    return {"kind": kind, "channel": target[0], "recipient": target[1],
            "locale": _locale(locale, settings), "link": link, f"{owner}_id": person_id,
            "dedupe_key": key, **owners}


def counts(session: Session) -> dict[str, int]:
    """How many notices are in each status."""
    return {status: n for status, n in session.execute(
        select(Notice.status, func.count()).group_by(Notice.status))}
