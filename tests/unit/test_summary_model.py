"""The summary model's pure parts: changes across questionnaire versions, the order of topics,
and which answers were changed after submitting."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from portal.questionnaire.definition import DEFINITIONS_DIR, Definition, parse
from portal.questionnaire.models import Submission
from portal.summary.model import (
    Changes,
    changed_after_submitting,
    compare,
    ordered_topics,
    topic_views,
)


def _version(version: int, without: tuple[str, ...] = ()) -> Definition:
    """needs-1 as another version, with some topics left out."""
    data = tomllib.loads((DEFINITIONS_DIR / "needs-1.toml").read_text(encoding="utf-8"))
    data["version"] = version
    data["pages"] = [p for p in data["pages"] if p["id"] not in without]
    return parse(data, f"needs-{version}")


@pytest.fixture(scope="module")
def old() -> Definition:
    """Version 1 had no "children" topic."""
    return _version(1, without=("children",))


@pytest.fixture(scope="module")
def new() -> Definition:
    """Version 2 dropped "oral_health" and added "children"."""
    return _version(2, without=("oral_health",))


def concerns(**levels: str) -> dict[str, Any]:
    return {f"{topic}_concern": level for topic, level in levels.items()}


def test_the_two_versions_differ_as_the_tests_assume(old: Definition, new: Definition) -> None:
    old_ids, new_ids = {t.id for t in old.topics}, {t.id for t in new.topics}
    assert "children" in new_ids - old_ids
    assert "oral_health" in old_ids - new_ids


def test_new_resolved_and_lasting_on_topics_both_versions_ask(old: Definition,
                                                              new: Definition) -> None:
    before = concerns(work="very_much", nutrition="quite_a_bit", family="a_little",
                      leisure="not_at_all")
    after = concerns(work="quite_a_bit", nutrition="a_little", family="very_much",
                     leisure="not_at_all")
    result = compare(old, before, new, after, previous_number=1)
    assert result == Changes(previous_number=1, new=("family",), resolved=("nutrition",),
                             lasting=("work",))


def test_a_topic_missing_from_the_earlier_version_is_not_asked_then(old: Definition,
                                                                    new: Definition) -> None:
    result = compare(old, {}, new, concerns(children="very_much"))
    assert result.not_asked_then == ("children",)
    assert result.new == ()
    assert result.resolved == ()


def test_a_topic_missing_from_the_later_version_is_never_resolved(old: Definition,
                                                                  new: Definition) -> None:
    result = compare(old, concerns(oral_health="very_much"), new, {})
    assert result.resolved == ()
    assert result.not_asked_now == ("oral_health",)


def test_a_concern_left_unanswered_now_is_not_resolved(old: Definition, new: Definition) -> None:
    before = concerns(work="very_much", family="quite_a_bit")
    after = concerns(work="rather_not")
    result = compare(old, before, new, after)
    assert result.resolved == ()
    assert result.no_answer_now == ("family", "work")  # in the questionnaire's order


def test_a_concern_arising_where_nothing_was_said_before_is_new(old: Definition,
                                                                new: Definition) -> None:
    assert compare(old, {}, new, concerns(work="very_much")).new == ("work",)


def test_topics_kept_private_are_left_out_entirely(old: Definition, new: Definition) -> None:
    before = concerns(work="very_much", sexual_health="very_much")
    after = concerns(work="very_much")  # sexual_health hidden from this reader now
    result = compare(old, before, new, after, hidden={"sexual_health"})
    assert result.lasting == ("work",)
    assert "sexual_health" not in (result.resolved + result.no_answer_now + result.new)


def test_no_changes_says_so(old: Definition, new: Definition) -> None:
    same = concerns(work="a_little")
    assert not compare(old, same, new, same).any


def test_topics_most_concerning_first_set_aside_and_unanswered_at_the_end(
        new: Definition) -> None:
    answers = {**concerns(family="a_little", work="quite_a_bit", nutrition="very_much",
                          mental_health="quite_a_bit", rehabilitation="not_relevant",
                          sexual_health="rather_not"),
               "mental_health_talk": True, "leisure_note": "Bare en merknad."}
    topics, set_aside, unanswered = ordered_topics(topic_views(new, answers, {}))
    ids = [t.page.id for t in topics]
    # very much; quite a bit (the one to talk about first); a little; a note without a level
    assert ids == ["nutrition", "mental_health", "work", "family", "leisure"]
    assert [t.page.id for t in set_aside] == ["rehabilitation", "sexual_health"]
    assert "oral_health" not in [t.page.id for t in unanswered]  # not in version 2
    assert "own_health" in [t.page.id for t in unanswered]


def test_follow_ups_are_shown_only_when_their_condition_is_met(new: Definition) -> None:
    answers = {"work_concern": "not_at_all", "work_sick_leave": "yes"}  # stale follow-up
    (work,) = [v for v in topic_views(new, answers, {}) if v.page.id == "work"]
    assert work.follow_ups == ()
    answers["work_concern"] = "very_much"
    (work,) = [v for v in topic_views(new, answers, {}) if v.page.id == "work"]
    assert [q.id for q, _ in work.follow_ups] == ["work_sick_leave"]


def test_answers_changed_after_submitting_carry_the_time_of_the_change() -> None:
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)

    def sent(number: int, answers: dict[str, Any]) -> Submission:
        return Submission(number=number, revision=number, answers=answers,
                          submitted_at=start + timedelta(days=number))

    history = [
        sent(1, {"strain": 5, "work_note": "a", "family_concern": "a_little"}),
        sent(2, {"strain": 6, "work_note": "a", "family_concern": "a_little"}),
        sent(3, {"strain": 6, "work_note": "b", "leisure_concern": "very_much"}),
    ]
    changed = changed_after_submitting(history, ["strain", "work_note", "family_concern",
                                                 "leisure_concern"])
    assert changed == {"strain": start + timedelta(days=2),
                       "work_note": start + timedelta(days=3),
                       "family_concern": start + timedelta(days=3),  # removed
                       "leisure_concern": start + timedelta(days=3)}  # added
    assert changed_after_submitting(history[:1], ["strain"]) == {}
    assert "work_note" not in changed_after_submitting(history, ["strain"])  # not visible
