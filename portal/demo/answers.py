"""Plausible answers to a questionnaire definition, generated from the definition itself.

Every question type in ``QUESTION_TYPES`` has a generator, so a new definition version needs no
change here. Values are stored as the questionnaire's forms store them (``cleaned_values``): a
scale is an int, a checkbox is True, a multiple choice a list of distinct option values, a date an
ISO string; unanswered questions and follow-ups whose condition is not met are left out.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from portal.questionnaire.definition import CONCERN_VALUES, Definition, Page, Question

#: How often each concern level is chosen: mostly small worries, a few large ones.
CONCERN_WEIGHTS = (34, 26, 15, 8, 12, 5)
SHORT_TEXTS = ("4 og 9 år", "Fastlegen", "Kona mi", "12 år", "Naboen", "Sønnen min")
LONG_TEXTS = (
    "Å være sammen med familien og kjenne at hverdagen går som før.",
    "Jeg vil gjerne klare meg selv hjemme så lenge som mulig.",
    "Komme tilbake i jobb, i alle fall litt, før sommeren.",
    "Jeg sover dårlig og blir fort sliten. Det går ut over humøret.",
    "At barna har det bra, og at de vet hva som skjer.",
    "Jeg er usikker på økonomien nå som jeg er sykmeldt.",
    "Å komme meg ut på tur i skogen igjen.",
    "Det er vanskelig å snakke om dette, men jeg vil prøve.",
)


def _value(question: Question, rng: random.Random, today: date) -> Any:
    kind = question.type
    if kind in ("single_choice", "yes_no"):
        return rng.choice(question.options).value
    if kind == "scale":
        low, high = question.min or 0, question.max or 10
        return min(high, max(low, round(rng.triangular(low, high, low + (high - low) * 0.4))))
    if kind == "multiple_choice":
        most = min(len(question.options), question.max_choices or 3)
        chosen = rng.sample(question.options, rng.randint(1, most))
        return [o.value for o in question.options if o in chosen]  # in the definition's order
    if kind == "checkbox":
        return True
    if kind in ("short_text", "long_text"):
        text = rng.choice(SHORT_TEXTS if kind == "short_text" else LONG_TEXTS)
        return text[: question.max_length or 2000]
    if kind == "date":
        return (today - timedelta(days=rng.randint(0, 365))).isoformat()
    raise ValueError(f"No generator for question type {kind!r}.")


def generate(definition: Definition, rng: random.Random, today: date, *,
             urgent: bool = False, answered: float = 0.9) -> dict[str, Any]:
    """Answers to ``definition``. ``urgent`` answers every safety question yes (and others no);
    ``answered`` is the chance that a page is answered at all."""
    values: dict[str, Any] = {}
    answered_pages: list[Page] = []
    for page in definition.pages:
        if page.kind in ("questions", "topic"):
            forced = urgent and any(q.safety for q in page.questions)
            if not forced and rng.random() > answered:
                continue
            page_values = _page(page, rng, today, urgent)
            if page_values:
                values.update(page_values)
                answered_pages.append(page)
        elif page.kind == "agenda":
            _agenda(definition, page, values, rng)
        elif page.kind == "sharing" and answered_pages and rng.random() < 0.15:
            question = page.questions[0]
            allowed = {o.value for o in question.options}
            pages = [p.id for p in answered_pages if p.id in allowed]
            values[question.id] = rng.sample(pages, min(len(pages), rng.randint(1, 2)))
    return values


def _page(page: Page, rng: random.Random, today: date, urgent: bool) -> dict[str, Any]:
    values: dict[str, Any] = {}
    concern = ""
    for question in page.questions:
        if question.show_when is not None and not question.show_when.is_met(values):
            continue
        if question.safety:
            values[question.id] = "yes" if urgent else "no"
            continue
        value = ROLE_VALUES.get(question.role, _other)(question, rng, today, concern)
        if question.role == "concern":
            concern = value or ""
        if value is not None:
            values[question.id] = value
    return values


def _concern(question: Question, rng: random.Random, today: date, concern: str) -> str:
    return rng.choices(CONCERN_VALUES, weights=CONCERN_WEIGHTS)[0]


def _talk(question: Question, rng: random.Random, today: date, concern: str) -> bool | None:
    chance = {"very_much": 0.8, "quite_a_bit": 0.6, "a_little": 0.2}.get(concern, 0.0)
    return True if rng.random() < chance else None


def _note(question: Question, rng: random.Random, today: date, concern: str) -> str | None:
    if concern in ("quite_a_bit", "very_much") and rng.random() < 0.4:
        return str(_value(question, rng, today))
    return None


def _other(question: Question, rng: random.Random, today: date, concern: str) -> Any:
    return _value(question, rng, today) if rng.random() < 0.9 else None


ROLE_VALUES: dict[str, Callable[[Question, random.Random, date, str], Any]] = {
    "concern": _concern, "talk": _talk, "note": _note,
}


def _agenda(definition: Definition, page: Page, values: dict[str, Any],
            rng: random.Random) -> None:
    question = page.questions[0]
    topics = [t.id for t in definition.topics
              if values.get(f"{t.id}_concern") in ("quite_a_bit", "very_much")
              or values.get(f"{t.id}_talk") is True]
    if not topics or rng.random() < 0.2:
        return
    rng.shuffle(topics)
    values[question.id] = topics[: question.max_choices or 3]


def changed(definition: Definition, values: dict[str, Any], rng: random.Random
            ) -> tuple[dict[str, Any], set[str]]:
    """A correction after submitting: the strain or one concern answered differently.
    Returns the corrected answers and the ids of the questions that changed."""
    corrected = dict(values)
    if isinstance(values.get("strain"), int):
        question = definition.question("strain")
        high = question.max if question is not None and question.max is not None else 10
        corrected["strain"] = min(high, values["strain"] + rng.randint(1, 3))
        if corrected["strain"] != values["strain"]:
            return corrected, {"strain"}
    concerns = [k for k in values if k.endswith("_concern")]
    if concerns:
        key = rng.choice(concerns)
        corrected[key] = "very_much" if values[key] != "very_much" else "quite_a_bit"
        return corrected, {key}
    return corrected, set()
