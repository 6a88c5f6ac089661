"""Many realistic pathways for benchmarks and tests: ``portal demo --patients N [--seed S]``.

Patients live in all of Norway's municipalities (``municipalities-2024.csv``, SSB classification
131 as in force from 1 January 2024, from ``/work/shared/data``), weighted towards the cities;
each county's hospital trust holds touchpoint 1. Organisation numbers other than the demo's are
synthetic (valid check digit, ``stdnum.no.orgnr``), and so is every identity number.

Diagnosis dates are spread over the last two years and every touchpoint's state follows from the
dates (``portal.pathway.rules``): a touchpoint whose window has passed was mostly held (with its
appointment, the answers sent before it, and agreed actions), sometimes declined with a date to
offer again, sometimes overdue; a current one has an appointment ahead or not, and answers
started or sent once the questionnaire has opened; a later one is upcoming. A few answers are
urgent and a few were corrected after sending (two submissions). Most pathways are handed over to
the municipality after touchpoint 1.

The same seed gives the same patients: a second run adds only those not there yet, so the command
is safe to repeat. Rows go in with SQLAlchemy Core in batches, committed batch by batch.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_app_context
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from portal.clinician.models import ActionStatus
from portal.contacts.models import Organisation
from portal.demo import answers
from portal.demo.bulk import Generated, PatientPlan, ResponsePlan, TouchpointPlan, insert_batch
from portal.demo.reference import (
    ACTIONS,
    DAYS_IN_TWO_YEARS,
    FAMILY,
    FEMALE,
    MALE,
    OSLO,
    PLACES,
    RESPONSIBLE,
    Reference,
    identity_number,
    load_reference,
    mobile,
)
from portal.pathway import rules
from portal.pathway.models import Patient
from portal.questionnaire import definition as definitions
from portal.questionnaire.scoring import is_urgent
from portal.settings import current as current_settings
from portal.staff.models import StaffMember


def generate(session: Session, patients: int, seed: int = 1, now: datetime | None = None,
             days_before: int = 21, batch_size: int = 1000,
             progress: Callable[[int], None] | None = None) -> Generated:
    """Add ``patients`` generated patients (fewer when some are already there); commits.
    Dates are relative to ``now`` (the same seed and ``now`` give the same data).

    Refuses in production mode: generated people must never mix with real ones."""
    if has_app_context() and current_settings().is_production:
        raise RuntimeError("Generated demo patients are not allowed in production mode.")
    started = clock.monotonic()
    now = now or datetime.now(UTC)
    today = now.astimezone(OSLO).date()
    # Seeded, repeatable pseudo-randomness for invented data; nothing here is a secret.
    reference = load_reference(session, random.Random(f"{seed}:organisations"))  # noqa: S311
    session.commit()
    taken = set(session.scalars(select(Patient.national_id)))
    rng = random.Random(seed)  # noqa: S311
    maker = _Maker(rng, today, now, days_before, reference, definitions.latest("needs"))
    result = Generated()
    numbers: set[str] = set()
    batch: list[PatientPlan] = []
    for _ in range(patients):
        plan = maker.patient(numbers)
        if plan.patient["national_id"] in taken:
            result.skipped += 1
            continue
        batch.append(plan)
        if len(batch) >= batch_size:
            insert_batch(session, batch, result)
            if progress is not None:
                progress(result.added)
            batch = []
    if batch:
        insert_batch(session, batch, result)
    if result.added and session.connection().dialect.name == "postgresql":
        # Fresh planner statistics, as autovacuum would gather them a little later: without
        # them PostgreSQL plans the first queries over the new rows as if the tables were empty.
        session.execute(text("ANALYZE"))
        session.commit()
    result.seconds = clock.monotonic() - started
    return result


# --- one patient ---------------------------------------------------------------------------------

class _Maker:
    def __init__(self, rng: random.Random, today: date, now: datetime, days_before: int,
                 reference: Reference, definition: definitions.Definition) -> None:
        self.rng, self.today, self.now = rng, today, now
        self.days_before, self.reference, self.definition = days_before, reference, definition
        self.page_of = {q.id: p.id for p, q in definition.questions()}
        self.last_page = len(definition.pages)

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=OSLO).astimezone(UTC)

    def between(self, start: datetime, end: datetime) -> datetime:
        seconds = max(0.0, (end - start).total_seconds())
        return start + timedelta(seconds=self.rng.uniform(0, seconds))

    def patient(self, taken: set[str]) -> PatientPlan:
        rng = self.rng
        age_years = 8 if rng.random() < 0.02 else int(rng.triangular(25, 92, 68))
        number = identity_number(rng, self.today - timedelta(days=int(age_years * 365.25)),
                                  0.03, taken)
        female = int(number[8]) % 2 == 0
        given = rng.choice(FEMALE if female else MALE)
        family = rng.choice(FAMILY)
        municipality = rng.choices(self.reference.municipalities,
                                   cum_weights=self.reference.cumulative_weights)[0]
        trust = self.reference.trust_of[municipality.id]
        diagnosis = self.today - timedelta(days=rng.randint(0, DAYS_IN_TWO_YEARS))
        created = min(self.at(diagnosis + timedelta(days=rng.randint(0, 3)), 10), self.now)
        ascii_name = f"{given}.{family}".lower().translate(str.maketrans("æøå", "eoa"))
        patient = {
            "national_id": number, "given_name": given, "family_name": family,
            "preferred_locale": rng.choices(("nb", "nn", "en", None), (70, 10, 3, 17))[0],
            "mobile": mobile(rng),
            "email": f"{ascii_name}{rng.randint(1, 999)}@example.org"
            if rng.random() < 0.6 else None,
            "children_under_18": rng.random() < 0.2 if rng.random() < 0.9 else None,
            "created_at": created,
        }
        touchpoints = [self.touchpoint(n, diagnosis, trust if n == 1 else municipality)
                       for n in (1, 2, 3)]
        pathway: dict[str, Any] = {
            "diagnosis_date": diagnosis, "hospital_id": trust.id,
            "municipality_id": municipality.id, "created_at": created,
            "handed_over_at": None, "handed_over_by_id": None,
        }
        held_on = touchpoints[0].row["held_on"]
        if held_on is not None and rng.random() < 0.85:
            pathway["handed_over_at"] = min(
                self.at(held_on + timedelta(days=rng.randint(0, 3)), 14), self.now)
            pathway["handed_over_by_id"] = self.reference.clinician_of[trust.id].id
        return PatientPlan(patient, pathway, touchpoints)

    def touchpoint(self, number: int, diagnosis: date, organisation: Organisation
                   ) -> TouchpointPlan:
        rng, today = self.rng, self.today
        window = rules.window(number, diagnosis)
        row: dict[str, Any] = {
            "number": number, "organisation_id": organisation.id, "held_on": None,
            "held_by": None, "relative_present": None, "declined_on": None,
            "offer_again_on": None, "appointment_at": None, "appointment_place": None,
            "appointment_with": None,
        }
        plan = TouchpointPlan(row)
        staff = self.reference.clinician_of[organisation.id]
        held_from = max(diagnosis + timedelta(days=2), window.starts)
        held_to = min(window.ends + timedelta(days=20), today - timedelta(days=1))
        chance = rng.random()
        if window.ends < today:
            kind = "held" if chance < 0.84 else "declined" if chance < 0.92 else "open"
        elif window.starts <= today + timedelta(days=45):
            late = today > window.starts + timedelta(days=7)
            kind = ("held" if late and chance < 0.35 else "declined" if chance < 0.40
                    else "open")
        else:
            kind = "upcoming"
        if kind == "held" and held_from > held_to:
            kind = "open"
        if kind == "declined":
            declined_from = max(diagnosis, window.starts - timedelta(days=self.days_before))
            declined_to = min(window.ends, today - timedelta(days=1))
            if declined_from > declined_to:
                kind = "open"
            else:
                declined = declined_from + timedelta(
                    days=rng.randint(0, (declined_to - declined_from).days))
                row["declined_on"] = declined
                row["offer_again_on"] = declined + timedelta(days=rng.randint(30, 180))
                return plan
        place = f"{organisation.name}, {rng.choice(PLACES)}"
        with_whom = f"{staff.title.capitalize()} {staff.full_name}"
        if kind == "held":
            held = held_from + timedelta(days=rng.randint(0, (held_to - held_from).days))
            appointment = self.at(held, rng.randint(8, 14), rng.choice((0, 15, 30, 45)))
            row.update(held_on=held, held_by=with_whom, relative_present=rng.random() < 0.4,
                       appointment_at=appointment, appointment_place=place,
                       appointment_with=with_whom)
            opens = rules.questionnaire_opens_on(number, diagnosis, self.days_before, held)
            if rng.random() < 0.8:
                plan.response = self.submitted(opens, appointment - timedelta(hours=1),
                                               read_by=appointment)
                plan.actions = self.actions(plan.response.values, held, appointment, staff)
            return plan
        if kind == "upcoming":
            return plan
        appointment_on = None
        if rng.random() < 0.7 and window.ends >= today:
            first = max(today + timedelta(days=1), window.starts - timedelta(days=7))
            last = max(first, window.ends + timedelta(days=7))
            appointment_on = first + timedelta(days=rng.randint(0, min(30, (last - first).days)))
            row.update(appointment_at=self.at(appointment_on, rng.randint(8, 14),
                                              rng.choice((0, 30))),
                       appointment_place=place, appointment_with=with_whom)
        opens = rules.questionnaire_opens_on(number, diagnosis, self.days_before, appointment_on)
        if opens <= today:
            chance = rng.random()
            if chance < 0.45:
                plan.response = self.submitted(opens, self.now, read_by=None)
            elif chance < 0.75:
                plan.response = self.started(opens)
        return plan

    def submitted(self, opens: date, before: datetime, read_by: datetime | None
                  ) -> ResponsePlan:
        rng = self.rng
        latest = before - timedelta(minutes=1)
        earliest = min(max(self.at(opens, 0), before - timedelta(days=14)), latest)
        sent = self.between(earliest, latest)
        started = sent - timedelta(minutes=rng.randint(8, 60))
        values = answers.generate(self.definition, rng, self.today, urgent=rng.random() < 0.03)
        pages = len({self.page_of[k] for k in values})
        plan = ResponsePlan(values=values, started_at=started,
                             answered_at=dict.fromkeys(values, sent - timedelta(minutes=1)),
                             revision=pages, current_page=self.last_page)
        plan.submissions.append((sent, pages, dict(values)))
        if rng.random() < 0.1:  # corrected after sending
            corrected, changed = answers.changed(self.definition, values, rng)
            if changed:
                again = self.between(sent, min(sent + timedelta(days=2), before))
                plan.values = corrected
                plan.revision += 1
                plan.submissions.append((again, plan.revision, dict(corrected)))
                plan.answered_at.update(dict.fromkeys(changed, again))
        if is_urgent(self.definition, plan.values):
            plan.urgent_at = sent - timedelta(minutes=2)
        last_sent = plan.submissions[-1][0]
        if read_by is not None:
            plan.first_read_at = self.between(last_sent, read_by)
        elif rng.random() < 0.5:
            plan.first_read_at = self.between(last_sent, self.now)
        return plan

    def started(self, opens: date) -> ResponsePlan:
        rng = self.rng
        started = self.between(min(self.at(opens, 0), self.now), self.now)
        values = answers.generate(self.definition, rng, self.today)
        stop = rng.randint(2, self.last_page - 1)
        kept_pages = {p.id for p in self.definition.pages[: stop - 1]}
        values = {k: v for k, v in values.items() if self.page_of[k] in kept_pages}
        plan = ResponsePlan(values=values, started_at=started,
                             answered_at=dict.fromkeys(values, started),
                             revision=len({self.page_of[k] for k in values}), current_page=stop)
        if is_urgent(self.definition, values):
            plan.urgent_at = started
        return plan

    def actions(self, values: dict[str, Any], held: date, appointment: datetime,
                staff: StaffMember) -> list[dict[str, Any]]:
        rng = self.rng
        topics = [t.id for t in self.definition.topics
                  if values.get(f"{t.id}_concern") in ("quite_a_bit", "very_much")]
        rows = []
        for _ in range(rng.randint(0, min(3, len(topics)))):
            due = held + timedelta(days=rng.randint(7, 90))
            status, status_on = ActionStatus.PLANNED, None
            if due < self.today:
                chance = rng.random()
                if chance < 0.8:
                    status = ActionStatus.DONE if chance < 0.65 else ActionStatus.NOT_DONE
                    status_on = due - timedelta(days=rng.randint(0, 5))
            created = appointment + timedelta(minutes=rng.randint(30, 120))
            rows.append({
                "what": rng.choice(ACTIONS), "responsible": rng.choice(RESPONSIBLE),
                "contact": f"+47{rng.randint(22000000, 99999999)}", "due_on": due,
                "needs": rng.sample(topics, 1), "status": str(status), "status_on": status_on,
                "created_by_id": staff.id, "created_at": created,
                "updated_at": min(self.at(status_on, 12), self.now) if status_on else created,
            })
        return rows
