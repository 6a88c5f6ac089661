"""An answer as the patient reads it on the review page, in the current language."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _

from portal.i18n import q_
from portal.questionnaire.definition import Page, Question


def display_answer(question: Question, value: Any) -> str:
    if value is None or value == [] or value == "":
        return ""
    if question.type in ("single_choice", "yes_no"):
        return q_(question.option_label(str(value)) or str(value))
    if question.type == "multiple_choice":
        return ", ".join(q_(question.option_label(v) or v) for v in value)
    if question.type == "scale":
        return str(_("%(value)s of %(most)s", value=value, most=question.max))
    if question.type == "checkbox":
        return str(_("Yes")) if value else ""
    if question.type == "date":
        try:
            return str(format_date(date.fromisoformat(str(value)), format="long"))
        except ValueError:
            return str(value)
    return str(value)


def option_pairs(question: Question) -> list[tuple[str, str]]:
    return [(o.value, q_(o.label)) for o in question.options]


def conditional_css(page: Page) -> str:
    """CSS that shows a follow-up question only while its condition is chosen, without script.

    Follow-ups are siblings after the question they depend on (the loader checks this), so
    ``#wrap-A:has(input[value=x]:checked) ~ #wrap-B`` reveals B. Browsers without ``:has`` show
    every follow-up; the server ignores answers to follow-ups whose condition is not met.
    """
    rules = []
    for question in page.questions:
        if question.show_when is None:
            continue
        selectors = ", ".join(
            f'#wrap-{question.show_when.question}:has(input[value="{value}"]:checked) '
            f"~ #wrap-{question.id}"
            for value in question.show_when.any_of
        )
        rules.append(f"{selectors} {{ display: block; }}")
    for question in page.questions:
        if question.safety:
            rules.append(
                f'#wrap-{question.id}:has(input[value="yes"]:checked) ~ #help-{question.id} '
                "{ display: block; }"
            )
    if not rules:
        return ""
    return "@supports selector(:has(*)) {\n.conditional { display: none; }\n" + "\n".join(
        rules
    ) + "\n}"


def error_labels(page: Page) -> dict[str, str]:
    """Question labels by field name, for the error summary."""
    return {q.id: q_(q.label) for q in page.questions}
