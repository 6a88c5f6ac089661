"""The data generator behind ``portal demo --patients N``: valid people and organisations,
answers the questionnaire's own forms accept, touchpoint states that follow from the dates, and
safe to repeat; never in production."""

from __future__ import annotations

import csv
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from email_validator import validate_email
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from stdnum.no import orgnr
from werkzeug.datastructures import MultiDict

from portal import demo
from portal.clinician.models import ActionStatus, AgreedAction
from portal.contacts.models import Organisation, OrganisationKind, ServedMunicipality
from portal.demo import answers, generator, reference
from portal.pathway import identity, rules
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire import definition as definitions
from portal.questionnaire.definition import QUESTION_TYPES, Definition
from portal.questionnaire.forms import cleaned_values, page_form_class
from portal.questionnaire.models import Response
from portal.questionnaire.scoring import is_urgent

OSLO = ZoneInfo("Europe/Oslo")
#: A fixed moment, so the same seed gives the same data whatever day the tests run.
NOW = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
TODAY = NOW.astimezone(OSLO).date()
N = 150


@pytest.fixture
def generated(app, db):
    demo.load(db)
    db.commit()
    with app.app_context():
        result = generator.generate(db, N, seed=7, now=NOW, batch_size=40)
    db.expire_all()
    return result


def _pathways(db) -> list[Pathway]:
    demo_ids = {p.national_id for p in demo.PERSONAS}
    return [p for p in db.scalars(select(Pathway).options(
        selectinload(Pathway.patient),
        selectinload(Pathway.touchpoints)))
        if p.patient.national_id not in demo_ids]


def _responses(db) -> dict[int, Response]:
    return {r.touchpoint_id: r for r in db.scalars(select(Response).options(
        selectinload(Response.answers), selectinload(Response.submissions)))}


def test_it_adds_the_patients_with_three_touchpoints_each(generated, db):
    assert generated.added == N
    assert generated.skipped == 0
    pathways = _pathways(db)
    assert len(pathways) == N
    assert all([t.number for t in p.touchpoints] == [1, 2, 3] for p in pathways)
    assert db.scalar(select(func.count()).select_from(Touchpoint)) == 3 * (N + len(demo.PERSONAS))
    assert generated.rows["patient"] == N
    assert generated.rows["touchpoint"] == 3 * N
    diagnosed = [p.diagnosis_date for p in pathways]
    assert TODAY - timedelta(days=730) <= min(diagnosed) < TODAY - timedelta(days=500)
    assert TODAY - timedelta(days=200) < max(diagnosed) <= TODAY


def test_people_have_valid_unique_identity_numbers_and_contact_details(generated, db):
    patients = [p.patient for p in _pathways(db)]
    numbers = [p.national_id for p in patients]
    assert len(set(numbers)) == len(numbers)
    assert all(identity.normalise(n) == n for n in numbers)
    assert any(identity.is_d_number(n) for n in numbers) or len(numbers) < 100
    for person in patients:
        assert person.given_name
        assert person.family_name
        parsed = phonenumbers.parse(person.mobile)
        assert phonenumbers.is_valid_number(parsed), person.mobile
        if person.email:
            validate_email(person.email, check_deliverability=False)


def test_organisations_are_the_real_municipalities_and_several_trusts(generated, db):
    with reference.MUNICIPALITIES_CSV.open(encoding="utf-8") as handle:
        listed = {row["municipality_number"]: row["name"] for row in csv.DictReader(handle)}
    municipalities = list(db.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.MUNICIPALITY)))
    assert {m.municipality_number for m in municipalities} == set(listed)
    assert len(listed) == 357
    trusts = list(db.scalars(select(Organisation).where(
        Organisation.kind == OrganisationKind.HOSPITAL_TRUST)))
    assert len(trusts) == len(reference.TRUSTS)
    numbers = [o.org_number for o in [*municipalities, *trusts]]
    assert len(set(numbers)) == len(numbers)
    assert all(orgnr.is_valid(n) for n in numbers)
    # The demo's own organisations are reused, not duplicated.
    bergen = next(m for m in municipalities if m.municipality_number == demo.BERGEN)
    assert bergen.org_number == demo.BERGEN_ORG_NUMBER
    assert bergen.name == "Bergen kommune"
    assert {t.name: t.org_number for t in trusts}["Helse Bergen HF"] == demo.HOSPITAL_ORG_NUMBER
    spread = Counter(p.municipality_id for p in _pathways(db))
    assert len(spread) > 50  # many municipalities, not a handful
    # Every municipality is served by a hospital trust (the public contact page shows it).
    served = {row.municipality_number: row.hospital_id
              for row in db.scalars(select(ServedMunicipality))}
    assert set(served) == set(listed)
    assert served[demo.ASKOY] == next(t.id for t in trusts if t.name == "Helse Bergen HF")


def _check_against_forms(definition: Definition, values: dict) -> None:
    """The answers are exactly what the questionnaire's forms would store when posted."""
    seen = set()
    for page in definition.pages:
        if not page.questions:
            continue
        formdata = MultiDict()
        for question in page.questions:
            value = values.get(question.id)
            if value is None:
                continue
            for item in value if isinstance(value, list) else [value]:
                formdata.add(question.id, "y" if item is True else str(item))
        form = page_form_class(definition, page)(formdata=formdata, meta={"csrf": False})
        assert form.validate(), (page.id, form.errors)
        stored = {k: v for k, v in cleaned_values(page, form).items() if v is not None}
        expected = {q.id: values[q.id] for q in page.questions if q.id in values}
        assert stored == expected, page.id
        seen |= expected.keys()
    assert seen == set(values), set(values) - seen


def test_answers_are_valid_against_the_definition(generated, app, db):
    definition = definitions.latest("needs")
    responses = _responses(db)
    assert len(responses) > N  # about two responses per patient
    with app.test_request_context():
        for response in responses.values():
            assert (response.questionnaire_id, response.questionnaire_version) == (
                definition.id, definition.version)
            _check_against_forms(definition, response.answer_values())
            for submission in response.submissions:
                _check_against_forms(definition, submission.answers)


def test_every_question_type_has_a_generator_whose_answers_the_forms_accept(app):
    questions = [{"id": f"q_{kind}", "type": kind, "label": kind} for kind in QUESTION_TYPES]
    for question in questions:
        if question["type"] in ("single_choice", "multiple_choice"):
            question["options"] = [{"value": v, "label": v} for v in ("one", "two", "three")]
        if question["type"] == "yes_no":
            question["options"] = [{"value": "yes", "label": "Ja"}, {"value": "no", "label": "Nei"}]
        if question["type"] == "scale":
            question.update(min=1, max=5)
    definition = definitions.parse({
        "id": "every_type", "version": 1, "title": "All", "minutes": [1, 2], "touchpoints": [1],
        "pages": [{"id": "intro", "kind": "intro", "title": "Intro"},
                  {"id": "all", "kind": "questions", "title": "All", "questions": questions},
                  {"id": "agenda", "kind": "agenda", "title": "Agenda", "label": "Agenda"},
                  {"id": "sharing", "kind": "sharing", "title": "Sharing", "label": "Keep"}]})
    seen: Counter[str] = Counter()
    with app.test_request_context():
        for seed in range(40):
            rng = random.Random(seed)  # noqa: S311 (repeatable invented answers)
            values = answers.generate(definition, rng, TODAY, answered=1.0)
            _check_against_forms(definition, values)
            seen.update(definition.question(k).type for k in values if k.startswith("q_"))
    assert set(seen) == set(QUESTION_TYPES)


def _local_day(moment: datetime):
    return moment.astimezone(OSLO).date()


def test_touchpoint_states_follow_the_dates(generated, db):
    definition = definitions.latest("needs")
    responses = _responses(db)
    actions = Counter(a.touchpoint_id for a in db.scalars(select(AgreedAction)))
    states: Counter[str] = Counter()
    for pathway in _pathways(db):
        diagnosis = pathway.diagnosis_date
        first = pathway.touchpoints[0]
        if pathway.handed_over_at is not None:
            assert first.held_on is not None
            assert pathway.handed_over_by_id is not None
            assert _local_day(pathway.handed_over_at) >= first.held_on
            assert pathway.handed_over_at <= NOW
        for touchpoint in pathway.touchpoints:
            response = responses.get(touchpoint.id)
            appointment_on = (_local_day(touchpoint.appointment_at)
                              if touchpoint.appointment_at else None)
            state = rules.state(number=touchpoint.number, diagnosis_date=diagnosis, today=TODAY,
                                days_before=21, appointment_on=appointment_on,
                                submitted=bool(response and response.submissions),
                                held=touchpoint.held_on is not None,
                                declined=touchpoint.declined_on is not None)
            overdue = rules.is_overdue(number=touchpoint.number, diagnosis_date=diagnosis,
                                       today=TODAY, appointment_on=appointment_on,
                                       held=touchpoint.held_on is not None,
                                       declined=touchpoint.declined_on is not None)
            states[state] += 1
            states["overdue"] += overdue
            window = rules.window(touchpoint.number, diagnosis)
            if touchpoint.held_on is not None:
                assert diagnosis <= touchpoint.held_on < TODAY
                assert window.starts <= touchpoint.held_on
                assert appointment_on == touchpoint.held_on
                assert touchpoint.held_by
            else:
                assert actions[touchpoint.id] == 0  # agreed actions only where it was held
                # An appointment not yet held lies ahead.
                assert appointment_on is None or appointment_on > TODAY
            if touchpoint.declined_on is not None:
                assert diagnosis <= touchpoint.declined_on < TODAY
                assert touchpoint.offer_again_on > touchpoint.declined_on
                assert touchpoint.appointment_at is None
                assert response is None
            if response is None:
                continue
            opens = rules.questionnaire_opens_on(touchpoint.number, diagnosis, 21, appointment_on)
            assert _local_day(response.started_at) >= opens
            submitted = [s.submitted_at for s in response.submissions]
            assert submitted == sorted(submitted)
            assert all(s <= NOW for s in submitted)
            if submitted:
                assert _local_day(submitted[0]) >= opens
                assert response.submissions[-1].answers == response.answer_values()
                assert response.submitted_revision == response.revision
                assert response.submissions[-1].revision == response.revision
                if touchpoint.held_on is not None:
                    assert submitted[-1] < touchpoint.appointment_at
                    assert response.first_read_at is not None
                if response.first_read_at is not None:
                    assert submitted[-1] <= response.first_read_at <= NOW
            else:
                assert response.first_read_at is None
                assert response.submitted_revision is None
            urgent = any(is_urgent(definition, s.answers) for s in response.submissions)
            urgent = urgent or is_urgent(definition, response.answer_values())
            assert (response.urgent_at is not None) == urgent
    # A realistic mix: every state, and the worklist's cases.
    assert states[rules.TouchpointState.HELD] > states[rules.TouchpointState.DECLINED] > 0
    for state in rules.TouchpointState:
        assert states[state] > 0, state
    assert states["overdue"] > 0
    all_responses = list(responses.values())
    assert any(len(r.submissions) == 2 for r in all_responses)  # corrected after sending
    assert any(r.urgent_at is not None for r in all_responses)
    assert any(r.submissions and r.first_read_at is None for r in all_responses)
    statuses = Counter(a.status for a in db.scalars(select(AgreedAction)))
    assert set(statuses) == {str(s) for s in ActionStatus}
    assert sum(p.handed_over_at is not None for p in _pathways(db)) > N // 3


def test_a_repeat_with_the_same_seed_adds_nothing_and_another_seed_adds_more(generated, app,
                                                                                 db):
    with app.app_context():
        again = generator.generate(db, N, seed=7, now=NOW)
        assert (again.added, again.skipped) == (0, N)
        other = generator.generate(db, 20, seed=8, now=NOW)
    assert other.added == 20
    demo_ids = {p.national_id for p in demo.PERSONAS}
    assert db.scalar(select(func.count()).select_from(Patient)) == N + 20 + len(demo_ids)
    assert db.scalar(select(func.count()).select_from(Organisation)) == 357 + len(reference.TRUSTS)
    # The personas are untouched, with what the clinician pages show for them.
    kari = db.scalar(select(Patient).where(Patient.national_id == "12035812324"))
    first = kari.current_pathway.touchpoints[0]
    assert db.scalar(select(func.count()).where(AgreedAction.touchpoint_id == first.id)) == 3


def _portal(app, *args: str):
    """``portal <args>`` as the console script runs it (FlaskGroup pushes an app context)."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=list(args))


def test_the_demo_command_generates_patients(app, db):
    result = _portal(app, "demo", "--no-serve", "--patients", "12", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "Generated 12 patients" in result.output
    assert db.scalar(select(func.count()).select_from(Patient)) == 12 + len(demo.PERSONAS)
    again = _portal(app, "demo", "--no-serve", "--patients", "12", "--seed", "3")
    assert "Generated 0 patients" in again.output
    assert "12 were there already" in again.output


def test_production_refuses_to_generate(app, db, settings):
    app.extensions["portal.settings"] = settings.with_overrides(env="production")
    result = _portal(app, "demo", "--no-serve", "--patients", "5")
    assert result.exit_code != 0
    assert "not available in production" in result.output
    with app.app_context(), pytest.raises(RuntimeError, match="production"):
        generator.generate(db, 5)
    assert db.scalar(select(func.count()).select_from(Patient)) == 0


def test_the_personas_load_once_and_reset_recreates_them(app, db):
    demo.load(db)
    db.commit()
    first_ids = {p.national_id: p.id for p in demo.load(db)}
    db.commit()
    assert db.scalar(select(func.count()).select_from(Patient)) == len(demo.PERSONAS)
    recreated = {p.national_id: p.id for p in demo.load(db, reset=True)}
    db.commit()
    assert set(recreated) == set(first_ids)
    assert all(recreated[n] != first_ids[n] for n in first_ids)
    assert db.scalar(select(func.count()).select_from(AgreedAction)) == 3  # Kari's, once
    kari = db.scalar(select(Patient).where(Patient.national_id == "12035812324"))
    pathway = kari.current_pathway
    assert pathway.handed_over_at is not None
    assert pathway.municipality.name == "Bergen kommune"
    first, second = pathway.touchpoints[0], pathway.touchpoints[1]
    assert first.held_on is not None
    assert _local_day(second.appointment_at) == datetime.now(OSLO).date() + timedelta(days=10)
    kept = db.scalar(select(Response).where(Response.touchpoint_id == first.id))
    assert kept.submissions[-1].answers["keep_private"] == ["mental_health"]
    needs = {tuple(a.needs): a.status for a in db.scalars(
        select(AgreedAction).where(AgreedAction.touchpoint_id == first.id))}
    assert needs[("mental_health",)] == ActionStatus.PLANNED
    assert ActionStatus.DONE in needs.values()
