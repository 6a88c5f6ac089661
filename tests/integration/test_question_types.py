"""Every question type the engine offers, as a WTForms field and as rendered HTML.

needs-1 does not use every type (no date question), so a small definition made here exercises
each one the way a later questionnaire version would."""

from __future__ import annotations

from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import render_template_string
from werkzeug.datastructures import MultiDict

from portal.questionnaire.definition import Definition, parse
from portal.questionnaire.forms import cleaned_values, page_form

TOPIC_QUESTIONS = {
    "concern_label": "Hvor mye?", "talk_label": "Snakke?", "note_label": "Notat",
    "concern_options": {v: v for v in ("not_at_all", "a_little", "quite_a_bit", "very_much",
                                       "not_relevant", "rather_not")},
}
YES_NO = [{"value": "yes", "label": "Ja"}, {"value": "no", "label": "Nei"}]
QUESTIONS = [
    {"id": "born", "type": "date", "label": "Når?"},
    {"id": "name", "type": "short_text", "label": "Navn", "max_length": 5},
    {"id": "story", "type": "long_text", "label": "Fortell"},
    {"id": "level", "type": "scale", "label": "Nivå", "min": 0, "max": 10,
     "min_label": "Lite", "max_label": "Mye"},
    {"id": "pick", "type": "single_choice", "label": "Velg",
     "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]},
    {"id": "many", "type": "multiple_choice", "label": "Flere", "max_choices": 2,
     "options": [{"value": "x", "label": "X"}, {"value": "y", "label": "Y"},
                 {"value": "z", "label": "Z"}]},
    {"id": "agree", "type": "yes_no", "label": "Enig?", "options": YES_NO},
    {"id": "why", "type": "short_text", "label": "Hvorfor?",
     "show_when": {"question": "agree", "any_of": ["yes"]}},
    {"id": "tick", "type": "checkbox", "label": "Kryss"},
]


@pytest.fixture(scope="module")
def definition() -> Definition:
    return parse({
        "id": "types", "version": 1, "title": "Typer", "minutes": [1, 2], "touchpoints": [1],
        "topic_questions": TOPIC_QUESTIONS,
        "pages": [
            {"id": "intro", "kind": "intro", "title": "Start"},
            {"id": "all", "kind": "questions", "title": "Alle", "questions": QUESTIONS},
            {"id": "agenda", "kind": "agenda", "title": "Agenda", "label": "Hva?"},
            {"id": "sharing", "kind": "sharing", "title": "Deling", "label": "Hva ikke?"},
        ],
    })


def _submit(app, definition: Definition, data: dict[str, Any]) -> tuple[bool, Any, dict]:
    page = definition.pages[1]
    with app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        form = page_form(definition, page, {}, MultiDict(data))
        valid = form.validate()
        return valid, form.errors, cleaned_values(page, form) if valid else {}


GOOD = {"born": "2026-02-28", "name": "Kari", "story": "  Litt tekst  ", "level": "7",
        "pick": "b", "many": ["x", "z"], "agree": "yes", "why": "Fordi", "tick": "y"}


def test_good_answers_are_stored_in_their_types(app, definition) -> None:
    valid, errors, values = _submit(app, definition, GOOD)
    assert valid, errors
    assert values == {"born": "2026-02-28", "name": "Kari", "story": "Litt tekst", "level": 7,
                      "pick": "b", "many": ["x", "z"], "agree": "yes", "why": "Fordi",
                      "tick": True}


def test_empty_answers_are_none(app, definition) -> None:
    valid, errors, values = _submit(app, definition, {})
    assert valid, errors
    assert set(values.values()) == {None}


@pytest.mark.parametrize(
    ("field", "bad"),
    [
        ("born", "2026-02-30"), ("born", "27.03.2026"), ("born", "i går"),
        ("name", "Kari Nordmann"), ("level", "11"), ("level", "-1"), ("pick", "c"),
        ("many", ["x", "q"]), ("many", ["x", "y", "z"]), ("agree", "kanskje"),
    ],
)
def test_bad_answers_are_refused_with_our_message(app, definition, field: str, bad: Any) -> None:
    valid, errors, _ = _submit(app, definition, {**GOOD, field: bad})
    assert not valid
    assert list(errors) == [field]
    assert errors[field][0].endswith(".")  # one of our whole sentences, not a WTForms default


def test_follow_up_is_dropped_when_its_condition_is_not_met(app, definition) -> None:
    valid, _, values = _submit(app, definition, {**GOOD, "agree": "no"})
    assert valid
    assert values["why"] is None


@pytest.mark.parametrize("qid", [q["id"] for q in QUESTIONS])
def test_every_type_renders_labelled_and_tied_to_its_error(app, definition, qid: str) -> None:
    page = definition.pages[1]
    question = page.question(qid)
    bad = {"born": "x", "name": "x" * 9, "level": "99", "pick": "q", "many": ["q"],
           "agree": "q", "why": "x" * 300, "story": "x" * 2001}.get(qid)
    with app.test_request_context(method="POST"):
        app.config["WTF_CSRF_ENABLED"] = False
        form = page_form(definition, page, {}, MultiDict({qid: bad} if bad else {}))
        form.validate()
        html = render_template_string(
            '{% import "components/questions.html" as q %}{{ q.question(field, question) }}',
            field=form[qid], question=question)
    soup = BeautifulSoup(html, "html.parser")
    inputs = soup.select("input, textarea")
    assert inputs
    for control in inputs:
        label = soup.select_one(f'label[for="{control["id"]}"]')
        assert label is not None, control
        assert label.get_text(strip=True), control
        if control.name == "input" and control["type"] not in ("radio", "checkbox"):
            assert control["type"] in ("text", "date")
    if bad:
        error = soup.select_one(f"#{qid}-error")
        assert error is not None
        described = soup.select_one(f'[aria-describedby~="{qid}-error"]')
        assert described is not None
        assert soup.select('[aria-invalid="true"]')
