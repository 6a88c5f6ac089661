"""assess() over the shipped needs-1 definition."""

from __future__ import annotations

from typing import Any

import pytest

from portal.questionnaire.definition import DEFINITIONS_DIR, Definition, load_file
from portal.questionnaire.scoring import assess, concern_level, is_urgent

SAFETY = "mental_health_self_harm"


@pytest.fixture(scope="module")
def needs() -> Definition:
    return load_file(DEFINITIONS_DIR / "needs-1.toml")


def test_nothing_answered(needs: Definition) -> None:
    result = assess(needs, {}, 4)
    assert not result.urgent
    assert result.strain is None
    assert not result.high_strain
    assert result.high_concern == ()
    assert result.talk_about == ()
    assert result.agenda == ()
    assert result.keep_private == ()


@pytest.mark.parametrize(
    ("answers", "urgent"),
    [
        ({SAFETY: "yes"}, True),
        ({SAFETY: "no"}, False),
        ({SAFETY: None}, False),
        ({SAFETY: True}, False),
        ({SAFETY: ["yes"]}, False),
        ({}, False),
        # Other yes/no questions are not safety questions.
        ({"family_bring_someone": "yes", "work_nav_contact": "yes"}, False),
        ({"mental_health_concern": "very_much", "strain": 10}, False),
    ],
)
def test_urgent_comes_from_the_safety_answer(
    needs: Definition, answers: dict[str, Any], urgent: bool
) -> None:
    assert is_urgent(needs, answers) is urgent
    assert assess(needs, answers, 4).urgent is urgent


@pytest.mark.parametrize(
    ("strain", "threshold", "high"),
    [
        (3, 4, False),
        (4, 4, True),
        (10, 4, True),
        (0, 4, False),
        (0, 0, True),
        (9, 10, False),
        (10, 10, True),
        (5, 6, False),
        (6, 6, True),
    ],
)
def test_strain_threshold(needs: Definition, strain: int, threshold: int, high: bool) -> None:
    result = assess(needs, {"strain": strain}, threshold)
    assert result.strain == strain
    assert result.high_strain is high


@pytest.mark.parametrize(
    "strain",
    [
        pytest.param(None, id="none"),
        pytest.param(True, id="bool-true"),
        pytest.param(False, id="bool-false"),
        pytest.param("7", id="text"),
        pytest.param(7.0, id="float"),
    ],
)
def test_strain_that_is_not_a_whole_number_is_none(needs: Definition, strain: Any) -> None:
    result = assess(needs, {"strain": strain}, 0)  # threshold 0 would flag any number
    assert result.strain is None
    assert result.high_strain is False


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("not_at_all", 0),
        ("a_little", 1),
        ("quite_a_bit", 2),
        ("very_much", 3),
        ("not_relevant", None),
        ("rather_not", None),
        (None, None),
        ("", None),
    ],
)
def test_concern_level(needs: Definition, value: str | None, level: int | None) -> None:
    assert concern_level(needs, {"family_concern": value}, "family") == level


def test_high_concern_most_concerning_first_then_definition_order(needs: Definition) -> None:
    answers = {
        "children_concern": "quite_a_bit",
        "nutrition_concern": "very_much",
        "family_concern": "quite_a_bit",
        "mental_health_concern": "a_little",
        "work_concern": "very_much",
        "leisure_concern": "not_relevant",
        "oral_health_concern": "rather_not",
        "rehabilitation_concern": "not_at_all",
    }
    assert assess(needs, answers, 4).high_concern == (
        "work", "nutrition", "family", "children",
    )


@pytest.mark.parametrize("value", ["not_relevant", "rather_not", "not_at_all", "a_little"])
def test_answers_that_are_never_high_concern(needs: Definition, value: str) -> None:
    answers = {f"{t.id}_concern": value for t in needs.topics}
    assert assess(needs, answers, 4).high_concern == ()


@pytest.mark.parametrize("value", ["quite_a_bit", "very_much"])
def test_every_topic_can_be_high_concern(needs: Definition, value: str) -> None:
    answers = {f"{t.id}_concern": value for t in needs.topics}
    assert assess(needs, answers, 4).high_concern == tuple(t.id for t in needs.topics)


def test_only_topic_concern_answers_count(needs: Definition) -> None:
    answers = {"strain_concern": "very_much", "what_matters_concern": "very_much"}
    assert assess(needs, answers, 4).high_concern == ()


def test_talk_about_in_definition_order(needs: Definition) -> None:
    answers = {
        "leisure_talk": True,
        "family_talk": True,
        "work_talk": None,
        "existential_talk": "yes",  # stored checkboxes are True; nothing else counts
        "nutrition_talk": 1,
        "children_talk": True,
    }
    assert assess(needs, answers, 4).talk_about == ("family", "leisure", "children")


@pytest.mark.parametrize(
    ("agenda", "expected"),
    [
        (["sexual_health", "family", "work"], ("sexual_health", "family", "work")),
        (["work", "family"], ("work", "family")),
        (["sexual_health", "nope", "family"], ("sexual_health", "family")),
        (["strain", "intro", "agenda"], ()),  # pages, but not topics
        (["children"], ("children",)),
        ([], ()),
        (None, ()),
    ],
)
def test_agenda_keeps_known_topics_in_the_patients_order(
    needs: Definition, agenda: list[str] | None, expected: tuple[str, ...]
) -> None:
    assert assess(needs, {"agenda": agenda}, 4).agenda == expected


@pytest.mark.parametrize(
    ("keep_private", "expected"),
    [
        (["mental_health", "strain"], ("mental_health", "strain")),
        (["strain", "mental_health"], ("strain", "mental_health")),
        (["mental_health", "nope", "sexual_health"], ("mental_health", "sexual_health")),
        (["nope"], ()),
        ([], ()),
        (None, ()),
    ],
)
def test_keep_private(
    needs: Definition, keep_private: list[str] | None, expected: tuple[str, ...]
) -> None:
    assert assess(needs, {"keep_private": keep_private}, 4).keep_private == expected


def test_a_full_response(needs: Definition) -> None:
    answers = {
        "strain": 6,
        SAFETY: "no",
        "mental_health_concern": "very_much",
        "mental_health_talk": True,
        "family_concern": "quite_a_bit",
        "agenda": ["mental_health", "family"],
        "keep_private": ["mental_health"],
    }
    result = assess(needs, answers, 7)
    assert not result.urgent
    assert (result.strain, result.high_strain) == (6, False)
    assert result.high_concern == ("mental_health", "family")
    assert result.talk_about == ("mental_health",)
    assert result.agenda == ("mental_health", "family")
    assert result.keep_private == ("mental_health",)
