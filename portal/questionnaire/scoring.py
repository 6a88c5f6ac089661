"""Scoring and flags as pure functions over a definition and a response's answers.

They feed the clinician summary: urgent (a safety answer of yes), high strain (at or above a
configurable threshold, 4 of 10 by default), topics of high concern, topics the patient wants to
talk about, and the agenda.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from portal.questionnaire.definition import CONCERN_LEVEL, Definition, Question

HIGH_CONCERN = ("quite_a_bit", "very_much")


@dataclass(frozen=True)
class Assessment:
    urgent: bool
    strain: int | None
    high_strain: bool
    #: Topic page ids answered "quite a bit" or "very much", most concerning first.
    high_concern: tuple[str, ...]
    #: Topic page ids where the patient ticked "I would like to talk about this".
    talk_about: tuple[str, ...]
    #: The topics the patient chose as most important for the conversation, in their order.
    agenda: tuple[str, ...]
    #: Page ids the patient wants kept for the conversation, not passed on in writing.
    keep_private: tuple[str, ...]


def acute_risk(questions: Iterable[Question], answers: Mapping[str, Any]) -> bool:
    """A yes to any safety question among ``questions``: the one rule for "urgent"."""
    return any(q.safety and answers.get(q.id) == "yes" for q in questions)


def is_urgent(definition: Definition, answers: Mapping[str, Any]) -> bool:
    return acute_risk(definition.safety_questions, answers)


def concern_level(definition: Definition, answers: Mapping[str, Any], topic_id: str) -> int | None:
    """0–3 for an answered concern; None for unanswered, not relevant or rather not answer."""
    return CONCERN_LEVEL.get(answers.get(f"{topic_id}_concern", ""))


def assess(definition: Definition, answers: Mapping[str, Any], strain_threshold: int) -> Assessment:
    strain = answers.get("strain")
    strain = strain if isinstance(strain, int) and not isinstance(strain, bool) else None
    topic_ids = [t.id for t in definition.topics]
    levels = {t: concern_level(definition, answers, t) for t in topic_ids}
    high = [t for t in topic_ids if answers.get(f"{t}_concern") in HIGH_CONCERN]
    high.sort(key=lambda t: -(levels[t] or 0))  # stable: definition order within a level
    agenda = answers.get("agenda") or []
    keep_private = answers.get("keep_private") or []
    return Assessment(
        urgent=is_urgent(definition, answers),
        strain=strain,
        high_strain=strain is not None and strain >= strain_threshold,
        high_concern=tuple(high),
        talk_about=tuple(t for t in topic_ids if answers.get(f"{t}_talk") is True),
        agenda=tuple(t for t in agenda if t in topic_ids),
        keep_private=tuple(p for p in keep_private if definition.page_number(p) is not None),
    )
