"""The planner (``portal notices plan``, run first by ``send``): questionnaire-open notices for
touchpoints that opened lately (and for relatives answering their own questionnaire), reminders
before an appointment with nothing sent, both for the parents acting for a child patient too, and
the appointment hook's notices to those parents; idempotent, and a fixed number of statements
however many patients there are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from portal.db import session_factory
from portal.demo import generator
from portal.notices.models import Notice, NoticeKind
from portal.notices.outbox import RECENT_DAYS, Planned, appointment_changed, plan
from portal.relatives.models import RelativeLink
from tests import factories
from tests.integration.journey import fresh
from tests.integration.test_guardians import child

OSLO = ZoneInfo("Europe/Oslo")


def _today():
    return datetime.now(OSLO).date()


def _planned(app, db, settings, today=None):
    with app.app_context():
        found = plan(db, settings, today or _today())
    db.commit()
    return found


def _notices(db) -> list[Notice]:
    return list(fresh(db).scalars(select(Notice).order_by(Notice.id)))


def _patient(db, diagnosed_days_ago: int, enrolled_days_ago: int | None = None, **contact):
    person = factories.patient(db, diagnosed_days_ago=diagnosed_days_ago)
    for key, value in {"email": "kari@example.no", **contact}.items():
        setattr(person, key, value)
    enrolled = diagnosed_days_ago if enrolled_days_ago is None else enrolled_days_ago
    person.current_pathway.created_at = datetime.now(UTC) - timedelta(days=enrolled)
    db.commit()
    return person


def test_a_questionnaire_that_just_opened_gets_one_notice_however_often_planned(app, db,
                                                                                settings):
    person = _patient(db, diagnosed_days_ago=0, preferred_locale="nn")
    first = _planned(app, db, settings)
    assert (first.questionnaire_open, first.reminders) == (1, 0)
    assert _planned(app, db, settings).questionnaire_open == 0
    [notice] = _notices(db)
    tp = person.current_pathway.touchpoints[0]
    assert (notice.kind, notice.channel, notice.recipient, notice.locale, notice.link) == (
        "questionnaire_open", "email", "kari@example.no", "nn",
        f"/patient/touchpoints/{tp.id}/questionnaire")
    assert notice.dedupe_key == f"open:tp{tp.id}:patient{person.id}"


def test_old_openings_are_not_announced_when_notices_are_switched_on(app, db, settings):
    _patient(db, diagnosed_days_ago=RECENT_DAYS + 2)
    assert _planned(app, db, settings).questionnaire_open == 0


def test_a_patient_enrolled_late_hears_of_the_open_questionnaire(app, db, settings):
    _patient(db, diagnosed_days_ago=20, enrolled_days_ago=1)
    assert _planned(app, db, settings).questionnaire_open == 1


@pytest.mark.parametrize(("contact", "expected"), [
    ({"email": None, "mobile": "+4791234567"}, ("sms", "+4791234567")),
    ({"email": None, "mobile": None}, None),
    ({"notice_channel": "none"}, None),
    ({"notice_channel": "sms", "mobile": None}, None),
    ({"notice_channel": "sms", "mobile": "+4791234567"}, ("sms", "+4791234567")),
])
def test_the_channel_follows_the_choice_and_the_addresses_known(app, db, settings, contact,
                                                                expected):
    _patient(db, diagnosed_days_ago=0, **contact)
    _planned(app, db, settings)
    found = [(n.channel, n.recipient) for n in _notices(db)]
    assert found == ([expected] if expected else [])


def test_a_relative_answering_their_own_questionnaire_is_told_too(app, db, settings):
    person = _patient(db, diagnosed_days_ago=0)
    allowed = factories.relative(db, person)
    allowed.email = "liv@example.no"
    refused = factories.relative(db, person, own=False)
    refused.email = "per@example.no"
    db.commit()
    assert _planned(app, db, settings).questionnaire_open == 2
    relatives = [n for n in _notices(db) if n.relative_id is not None]
    assert [(n.relative_id, n.recipient, n.link) for n in relatives] == [
        (allowed.id, "liv@example.no", f"/relative/patients/{person.id}/questionnaire")]


def test_a_reminder_goes_before_an_appointment_when_nothing_is_sent(app, db, settings):
    waiting = _patient(db, diagnosed_days_ago=100)
    sent = _patient(db, diagnosed_days_ago=100)
    later = _patient(db, diagnosed_days_ago=100)
    soon = datetime.now(UTC) + timedelta(days=settings.notice_reminder_days - 1)
    for person, when in ((waiting, soon), (sent, soon),
                         (later, soon + timedelta(days=settings.notice_reminder_days + 2))):
        person.current_pathway.touchpoints[1].appointment_at = when
    db.commit()
    factories.response(db, sent.current_pathway.touchpoints[1])
    assert _planned(app, db, settings).reminders == 1
    [reminder] = [n for n in _notices(db) if n.kind == NoticeKind.REMINDER]
    assert reminder.patient_id == waiting.id
    assert _planned(app, db, settings).reminders == 0
    waiting.current_pathway.touchpoints[1].appointment_at = soon + timedelta(hours=2)
    db.commit()
    assert _planned(app, db, settings).reminders == 1  # a moved appointment: a new reminder


def test_the_planner_sends_the_same_statements_for_40_and_200_patients(app, db, settings):
    now = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
    engine = session_factory(app).kw["bind"]
    counts = []
    for patients, seed in ((40, 1), (160, 2)):
        with app.app_context():
            generator.generate(db, patients, seed=seed, now=now)
        recorded: list[str] = []

        def count(*args: object, recorded: list[str] = recorded) -> None:
            recorded.append(str(args[2]))

        event.listen(engine, "before_cursor_execute", count)
        try:
            _planned(app, db, settings, now.astimezone(OSLO).date())
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(recorded)
    reads = [[s for s in run if not s.startswith("INSERT")] for run in counts]
    assert len(reads[0]) == len(reads[1]) <= 5  # SQLite's write lock, then four queries
    assert all(len([s for s in run if s.startswith("INSERT")]) <= 2 for run in counts)
    assert _notices(db)  # the generated data has openings to announce


def _parent(db, of, email: str, withdrawn: bool = False):
    """A parent registered for the child patient ``of`` (a guardian link), with an e-mail."""
    parent = factories.relative(db, of, own=False, withdrawn=withdrawn)
    parent.email = email
    db.scalars(select(RelativeLink).where(RelativeLink.relative_id == parent.id)).one() \
        .guardian = True
    db.commit()
    return parent


def _for_relatives(db) -> list[tuple[str, int | None, str, str | None]]:
    return [(n.kind, n.relative_id, n.recipient, n.link) for n in _notices(db)
            if n.relative_id is not None]


def test_the_parents_acting_for_a_child_hear_of_the_questionnaire_and_the_reminder(app, db,
                                                                                    settings):
    young = child(db, 9, days=0)
    parent = _parent(db, young, "mor@example.no")
    _parent(db, young, "far@example.no", withdrawn=True)
    older = child(db, 14, days=0)  # the parents see appointments only: no questionnaire
    _parent(db, older, "mor2@example.no")
    assert _planned(app, db, settings).questionnaire_open == 1
    tp = young.current_pathway.touchpoints[0]
    assert _for_relatives(db) == [("questionnaire_open", parent.id, "mor@example.no", "/relative/")]
    assert _notices(db)[0].dedupe_key == f"open:tp{tp.id}:guardian{parent.id}"

    waiting = child(db, 10)
    other = _parent(db, waiting, "far3@example.no")
    waiting.current_pathway.created_at = datetime.now(UTC) - timedelta(days=100)
    waiting.current_pathway.touchpoints[1].appointment_at = datetime.now(UTC) + timedelta(days=1)
    db.commit()
    assert _planned(app, db, settings).reminders == 1
    assert _for_relatives(db)[1:] == [("reminder", other.id, "far3@example.no", "/relative/")]
    assert _planned(app, db, settings) == Planned(0, 0)


def test_an_appointment_is_told_to_the_parents_who_may_see_it(app, db, settings):
    when = datetime.now(UTC) + timedelta(days=20)
    told, parents = {}, {}
    for age in (9, 14, 17):  # full access, appointments only, nothing from 16
        person = child(db, age)
        parent = parents[age] = _parent(db, person, f"forelder{age}@example.no")
        touchpoint = person.current_pathway.touchpoints[1]
        touchpoint.appointment_at = when
        with app.app_context():
            appointment_changed(db, touchpoint, settings, _today())
            appointment_changed(db, touchpoint, settings, _today())  # a re-save: nothing new
        db.commit()
        told[age] = [r for r in _for_relatives(db) if r[1] == parent.id]
    assert told == {
        9: [("appointment", parents[9].id, "forelder9@example.no", "/relative/")],
        14: [("appointment", parents[14].id, "forelder14@example.no", "/relative/")],
        17: [],
    }


def test_an_address_shared_by_a_child_and_the_parents_gets_each_message_once(app, db, settings):
    young = child(db, 8, days=0)
    young.email = "familien@example.no"  # enrolment took the family's address
    db.commit()
    _parent(db, young, "familien@example.no")
    _parent(db, young, "familien@example.no")
    own = _parent(db, young, "far@example.no")
    assert _planned(app, db, settings).questionnaire_open == 2
    assert [(n.patient_id, n.relative_id, n.recipient) for n in _notices(db)] == [
        (young.id, None, "familien@example.no"), (None, own.id, "far@example.no")]
    touchpoint = young.current_pathway.touchpoints[1]
    touchpoint.appointment_at = datetime.now(UTC) + timedelta(days=20)
    with app.app_context():
        assert appointment_changed(db, touchpoint, settings, _today()) == 2
