"""parse(): a minimal valid definition, then one change per case that must be refused."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from portal.questionnaire.definition import CONCERN_VALUES, DefinitionError, parse

YES_NO = [{"value": "yes", "label": "Yes"}, {"value": "no", "label": "No"}]
DELETE = object()


def minimal() -> dict[str, Any]:
    """A fresh copy each time: cases mutate it, and it shares YES_NO."""
    return copy.deepcopy({
        "id": "mini",
        "version": 1,
        "title": "Mini",
        "minutes": [5, 10],
        "touchpoints": [1, 2],
        "topic_questions": {
            "concern_label": "How much?",
            "talk_label": "Talk about it",
            "note_label": "Anything else?",
            "concern_options": {v: v.replace("_", " ") for v in CONCERN_VALUES},
        },
        "pages": [
            {"id": "intro", "kind": "intro", "title": "Welcome", "body": ["Hello."]},
            {"id": "basics", "kind": "questions", "title": "Basics", "questions": [
                {"id": "strain", "type": "scale", "label": "Strain", "min": 0, "max": 10},
                {"id": "ok", "type": "yes_no", "label": "All right?", "options": YES_NO},
                {"id": "why", "type": "short_text", "label": "Why not?",
                 "show_when": {"question": "ok", "any_of": ["no"]}},
            ]},
            {"id": "family", "kind": "topic", "title": "Family", "official_area": 1,
             "follow_up": [
                 {"id": "family_safe", "type": "yes_no", "label": "Safe?", "safety": True,
                  "options": YES_NO},
             ]},
            {"id": "extra", "kind": "topic", "title": "Extra", "ours": True},
            {"id": "agenda", "kind": "agenda", "title": "Agenda", "label": "Choose"},
            {"id": "sharing", "kind": "sharing", "title": "Sharing", "label": "Keep"},
        ],
    })


def _mutated(path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    data = minimal()
    parent: Any = data
    for step in path[:-1]:
        parent = parent[step]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(value)
    return data


def test_minimal_definition_parses() -> None:
    d = parse(minimal())
    assert d.key == "mini-1"
    assert [p.id for p in d.pages] == ["intro", "basics", "family", "extra", "agenda", "sharing"]
    assert [q.id for q in d.pages[2].questions] == [
        "family_concern", "family_talk", "family_note", "family_safe",
    ]
    assert [o.value for o in d.pages[4].questions[0].options] == ["family", "extra"]
    assert d.pages[4].questions[0].max_choices == 3
    assert [o.value for o in d.pages[5].questions[0].options] == ["basics", "family", "extra"]
    assert d.safety_questions == (d.question("family_safe"),)
    why = d.question("why")
    assert why is not None
    assert why.max_length == 200
    assert why.show_when is not None
    assert why.show_when.is_met({"ok": "no"})
    assert not why.show_when.is_met({"ok": "yes"})


OK = ("pages", 1, "questions", 1)
WHY = ("pages", 1, "questions", 2)
STRAIN = ("pages", 1, "questions", 0)
SAFE = ("pages", 2, "follow_up", 0)
LATER = "earlier question on the same page"


@pytest.mark.parametrize(
    ("path", "value", "match"),
    [
        pytest.param((*STRAIN, "type"), "slider", "unknown type 'slider'", id="unknown-type"),
        pytest.param((*STRAIN, "type"), DELETE, "unknown type None", id="missing-type"),
        pytest.param((*OK, "id"), "strain", "'strain' is used twice", id="duplicate-id"),
        pytest.param((*SAFE, "id"), "ok", "'ok' is used twice", id="duplicate-id-across-pages"),
        pytest.param((*SAFE, "id"), "family_talk", "'family_talk' is used twice",
                     id="duplicate-of-generated-id"),
        pytest.param((*SAFE, "id"), "agenda", "'agenda' is used twice",
                     id="duplicate-of-agenda-id"),
        pytest.param((*STRAIN, "show_when"), {"question": "ok", "any_of": ["yes"]}, LATER,
                     id="show-when-later-question"),
        pytest.param((*WHY, "show_when", "question"), "why", LATER, id="show-when-itself"),
        pytest.param((*WHY, "show_when", "question"), "nope", LATER, id="show-when-unknown"),
        pytest.param((*SAFE, "show_when"), {"question": "ok", "any_of": ["yes"]}, LATER,
                     id="show-when-other-page"),
        pytest.param((*WHY, "show_when", "any_of"), ["maybe"], "must be options of ok",
                     id="show-when-not-an-option"),
        pytest.param((*WHY, "show_when", "any_of"), ["no", "maybe"], "must be options of ok",
                     id="show-when-one-not-an-option"),
        pytest.param((*SAFE, "show_when"), {"question": "family_concern", "any_of": ["lots"]},
                     "must be options of family_concern", id="show-when-not-a-concern-value"),
        pytest.param((*WHY, "show_when", "any_of"), [], "show_when needs",
                     id="show-when-empty-any-of"),
        pytest.param((*WHY, "show_when", "any_of"), "no", "show_when needs",
                     id="show-when-any-of-not-list"),
        pytest.param((*WHY, "show_when"), "ok", "show_when needs", id="show-when-not-table"),
        pytest.param((*WHY, "safety"), True, "only a yes/no question", id="safety-on-text"),
        pytest.param((*STRAIN, "safety"), True, "only a yes/no question", id="safety-on-scale"),
        pytest.param((*OK, "options"), DELETE, "lists its two labels", id="yes-no-no-options"),
        pytest.param((*OK, "options"), list(reversed(YES_NO)), "'yes' then 'no'",
                     id="yes-no-reversed"),
        pytest.param((*OK, "options"), [{"value": "ja", "label": "Ja"},
                                        {"value": "nei", "label": "Nei"}],
                     "'yes' then 'no'", id="yes-no-other-values"),
        pytest.param((*OK, "options"), YES_NO[:1], "'yes' then 'no'", id="yes-no-only-yes"),
        pytest.param((*STRAIN, "max"), 0, "min < max", id="scale-min-equals-max"),
        pytest.param((*STRAIN, "min"), 11, "min < max", id="scale-min-above-max"),
        pytest.param((*STRAIN, "max"), DELETE, "min < max", id="scale-without-max"),
        pytest.param((*STRAIN, "min"), 0.5, "min < max", id="scale-fractional-min"),
        pytest.param(("pages", 3, "ours"), DELETE, "either in the official list",
                     id="topic-neither-official-nor-ours"),
        pytest.param(("pages", 2, "ours"), True, "either in the official list",
                     id="topic-both-official-and-ours"),
        pytest.param((*STRAIN, "colour"), "red", r"unknown keys \['colour'\]",
                     id="unknown-question-key"),
        pytest.param((*SAFE, "saftey"), True, r"unknown keys \['saftey'\]",
                     id="misspelt-question-key"),
        pytest.param((*WHY, "type"), "single_choice", "'options' must be a non-empty list",
                     id="choice-without-options"),
        pytest.param((*OK, "options", 0, "value"), "Yes", "lower-case 'value'",
                     id="option-value-upper-case"),
        pytest.param((*OK, "options", 1, "label"), " ", "'label' must be non-empty",
                     id="option-blank-label"),
        pytest.param((*OK, "options"), YES_NO * 2, "must be unique", id="duplicate-options"),
        pytest.param((*STRAIN, "id"), "Strain", "needs an 'id'", id="question-id-upper-case"),
        pytest.param((*STRAIN, "label"), DELETE, "'label' is missing", id="question-no-label"),
        pytest.param(("pages", 1, "questions"), [], "needs questions", id="empty-questions"),
        pytest.param(("pages", 1, "kind"), "survey", "unknown kind 'survey'", id="unknown-kind"),
        pytest.param(("pages", 1, "id"), "1basics", "every page needs an 'id'", id="bad-page-id"),
        pytest.param(("pages", 1, "title"), DELETE, "'title' is missing", id="page-no-title"),
        pytest.param(("pages", 0, "body"), "Hello.", "'body' must be a list",
                     id="body-not-a-list"),
        pytest.param(("pages", 0, "body"), ["Hello.", ""], "'body' must be a list",
                     id="body-blank-paragraph"),
        pytest.param(("pages", 4, "label"), DELETE, "'label' is missing", id="agenda-no-label"),
        pytest.param(("pages", 5, "label"), DELETE, "'label' is missing",
                     id="sharing-no-label"),
        pytest.param(("pages", 4, "id"), "intro", "page ids must be unique",
                     id="duplicate-page-id"),
        pytest.param(("topic_questions",), DELETE, "concern_options", id="no-topic-questions"),
        pytest.param(("topic_questions", "concern_options", "rather_not"), DELETE,
                     "concern_options", id="concern-value-missing"),
        pytest.param(("topic_questions", "concern_label"), DELETE, "'concern_label' is missing",
                     id="concern-label-missing"),
        pytest.param(("id",), "Mini", "'id' \\(text\\) and 'version'", id="bad-id"),
        pytest.param(("version",), "1", "'id' \\(text\\) and 'version'", id="version-text"),
        pytest.param(("title",), DELETE, "'title' is missing", id="no-title"),
        pytest.param(("minutes",), [10, 5], "'minutes'", id="minutes-reversed"),
        pytest.param(("minutes",), [10], "'minutes'", id="minutes-one-number"),
        pytest.param(("touchpoints",), [4], "'touchpoints'", id="touchpoint-4"),
        pytest.param(("touchpoints",), [], "'touchpoints'", id="no-touchpoints"),
        pytest.param(("pages",), [], "'pages' is missing", id="no-pages"),
    ],
)
def test_parse_refuses(path: tuple[Any, ...], value: Any, match: str) -> None:
    with pytest.raises(DefinitionError, match=match):
        parse(_mutated(path, value))


@pytest.mark.parametrize(
    "index",
    [pytest.param(4, id="agenda"), pytest.param(5, id="sharing"), pytest.param(0, id="intro")],
)
def test_parse_refuses_a_missing_special_page(index: int) -> None:
    data = minimal()
    del data["pages"][index]
    with pytest.raises(DefinitionError, match="exactly one intro, one agenda and one sharing"):
        parse(data)


@pytest.mark.parametrize("index", [0, 4, 5])
def test_parse_refuses_a_second_special_page(index: int) -> None:
    data = minimal()
    twin = copy.deepcopy(data["pages"][index])
    twin["id"] = "twin"
    data["pages"].insert(1, twin)
    with pytest.raises(DefinitionError, match="exactly one intro, one agenda and one sharing"):
        parse(data)


@pytest.mark.parametrize(
    ("page_index", "key", "value"),
    [
        pytest.param(2, "follow_ups", [{"id": "x", "type": "checkbox", "label": "X"}],
                     id="misspelt-follow-up"),
        pytest.param(3, "questions", [{"id": "x", "type": "checkbox", "label": "X"}],
                     id="questions-on-a-topic"),
        pytest.param(1, "follow_up", [{"id": "x", "type": "checkbox", "label": "X"}],
                     id="follow-up-on-a-questions-page"),
        pytest.param(2, "official", 2, id="misspelt-official-area"),
    ],
)
def test_parse_refuses_unknown_page_keys(page_index: int, key: str, value: Any) -> None:
    with pytest.raises(DefinitionError, match=key):
        parse(_mutated(("pages", page_index, key), value))


@pytest.mark.parametrize(
    ("path", "target", "stored"),
    [
        pytest.param(SAFE, "family_talk", [True], id="checkbox"),
        pytest.param(OK, "strain", list(range(11)), id="scale"),
    ],
)
def test_show_when_accepted_by_parse_can_be_met(
    path: tuple[Any, ...], target: str, stored: list[Any]
) -> None:
    data = _mutated((*path, "show_when"), {"question": target, "any_of": ["yes"]})
    try:
        definition = parse(data)
    except DefinitionError:
        return  # refusing the condition is one correct outcome
    question = definition.question(data["pages"][path[1]][path[2]][path[3]]["id"])
    assert question is not None
    assert question.show_when is not None
    assert any(question.show_when.is_met({target: value}) for value in stored)


@pytest.mark.parametrize(
    ("answers", "met"),
    [
        ({"ok": "no"}, True),
        ({"ok": "yes"}, False),
        ({}, False),
        ({"ok": None}, False),
        ({"ok": ["yes", "no"]}, True),  # a multiple choice answer meets it with any value
        ({"ok": ["yes"]}, False),
    ],
)
def test_condition_is_met(answers: dict[str, Any], met: bool) -> None:
    question = parse(minimal()).question("why")
    assert question is not None
    assert question.show_when is not None
    assert question.show_when.is_met(answers) is met


# --- a relative's questionnaire (audience = "relative") ----------------------------------------


def relative_minimal() -> dict[str, Any]:
    """A relative's questionnaire: an intro and questions pages, no topics, agenda or sharing."""
    data = minimal()
    del data["topic_questions"]
    data["audience"] = "relative"
    data["pages"] = data["pages"][:2]
    return data


def test_the_audience_is_the_patient_unless_said() -> None:
    assert parse(minimal()).audience == "patient"
    data = minimal()
    data["audience"] = "patient"
    assert parse(data).audience == "patient"


def test_a_relative_questionnaire_needs_no_topics_agenda_or_sharing() -> None:
    d = parse(relative_minimal())
    assert d.audience == "relative"
    assert [p.id for p in d.pages] == ["intro", "basics"]
    assert [q.id for q in d.pages[1].questions] == ["strain", "ok", "why"]
    assert d.topics == ()
    assert d.question("agenda") is None


def test_without_the_audience_the_same_pages_are_refused() -> None:
    data = relative_minimal()
    del data["audience"]
    with pytest.raises(DefinitionError, match="exactly one intro, one agenda and one sharing"):
        parse(data)


@pytest.mark.parametrize("index", [2, 3, 4, 5], ids=["topic", "ours", "agenda", "sharing"])
def test_a_relative_questionnaire_refuses_the_patients_pages(index: int) -> None:
    data = relative_minimal()
    data["topic_questions"] = minimal()["topic_questions"]
    data["pages"].append(minimal()["pages"][index])
    with pytest.raises(DefinitionError, match="a relative's questionnaire has only"):
        parse(data)


def test_a_relative_questionnaire_has_exactly_one_intro() -> None:
    data = relative_minimal()
    data["pages"] = data["pages"][1:]
    with pytest.raises(DefinitionError, match="exactly one intro page"):
        parse(data)
    data = relative_minimal()
    twin = {**data["pages"][0], "id": "twin"}
    data["pages"].append(twin)
    with pytest.raises(DefinitionError, match="exactly one intro page"):
        parse(data)


def test_a_relative_questionnaire_has_no_safety_question() -> None:
    data = relative_minimal()
    data["pages"][1]["questions"][1]["safety"] = True
    with pytest.raises(DefinitionError, match="no safety questions"):
        parse(data)


def test_an_unknown_audience_is_refused() -> None:
    data = minimal()
    data["audience"] = "clinician"
    with pytest.raises(DefinitionError, match="'audience' must be one of"):
        parse(data)
