"""The summary's pure parts for issue 5: the children notice and the order of a relative's
answers."""

from __future__ import annotations

import pytest

from portal.questionnaire import definition as definitions
from portal.summary.model import children_notice, relative_items

RELATIVE = definitions.latest("relative")


@pytest.mark.parametrize(("registered", "answers", "expected"), [
    (None, {}, (False, "")),
    (False, {}, (False, "")),
    (True, {}, (True, "")),
    (None, {"children_under_18": "yes", "children_ages": " 4 og 9 år "}, (True, "4 og 9 år")),
    (None, {"children_under_18": "yes"}, (True, "")),
    (False, {"children_under_18": "yes", "children_ages": "7"}, (True, "7")),
    # Ages left from an earlier "yes" are not shown once the answer is "no".
    (None, {"children_under_18": "no", "children_ages": "7"}, (False, "")),
    (True, {"children_under_18": "no", "children_ages": "7"}, (True, "")),
])
def test_children_notice(registered, answers, expected):
    assert children_notice(registered, answers) == expected


def test_a_relatives_answers_lead_with_strain_own_conversation_and_children():
    answers = {"how_you_are": "Sliten", "strain": 6, "own_conversation": "not_sure",
               "children_under_18": "yes", "children_ages": "5", "anything_else": "Nei",
               "information_needs": ["rights"]}
    ids = [q.id for q, _ in relative_items(RELATIVE, answers)]
    assert ids == ["strain", "own_conversation", "children_under_18", "children_ages",
                   "how_you_are", "information_needs", "anything_else"]


def test_unanswered_and_hidden_follow_ups_are_left_out():
    answers = {"children_under_18": "no", "children_ages": "5", "how_you_are": "",
               "information_needs": [], "strain": 0}
    assert [(q.id, v) for q, v in relative_items(RELATIVE, answers)] == [
        ("strain", 0), ("children_under_18", "no")]
