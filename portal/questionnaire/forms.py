"""Question types as WTForms fields, and a form class built at run time for each page.

Form classes depend only on the definition, not on the language: labels, hints and options are
rendered by the templates (``templates/components/questions.html``) through the ``questionnaire``
translation domain, and every error message is one of ours, translated at request time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Optional, ValidationError

from portal.questionnaire.definition import Definition, Page, Question


class _Choice:
    def __init__(self, values: tuple[str, ...]) -> None:
        self.values = values

    def __call__(self, form: Any, field: Field) -> None:
        data = field.data if isinstance(field.data, list) else [field.data]
        if any(str(v) not in self.values for v in data if v is not None):
            raise ValidationError(_l("Choose one of the options shown."))


class _MaxChoices:
    def __init__(self, most: int) -> None:
        self.most = most

    def __call__(self, form: Any, field: Field) -> None:
        chosen = len(set(field.data or []))  # a choice sent twice is one choice
        if chosen > self.most:
            raise ValidationError(
                _l("Choose at most %(most)d. You chose %(chosen)d.",
                   most=self.most, chosen=chosen)
            )


class _MaxLength:
    def __init__(self, most: int) -> None:
        self.most = most

    def __call__(self, form: Any, field: Field) -> None:
        if field.data and len(field.data) > self.most:
            raise ValidationError(
                _l("Write at most %(most)d characters. You wrote %(written)d.",
                   most=self.most, written=len(field.data))
            )


class _IsoDate:
    def __call__(self, form: Any, field: Field) -> None:
        if not field.data:
            return
        try:
            date.fromisoformat(field.data.strip())
        except ValueError:
            raise ValidationError(
                _l("Enter a valid date as year-month-day, for example 2026-03-27.")
            ) from None


def _field(question: Question) -> Field:
    values = tuple(o.value for o in question.options)
    if question.type in ("single_choice", "yes_no"):
        return RadioField(choices=list(values), validate_choice=False,
                          validators=[Optional(), _Choice(values)])
    if question.type == "scale":
        low, high = question.min or 0, question.max or 10  # the loader requires both
        scale = tuple(str(n) for n in range(low, high + 1))
        return RadioField(choices=list(scale), validate_choice=False,
                          validators=[Optional(), _Choice(scale)])
    if question.type == "multiple_choice":
        validators: list[Callable[[Any, Field], None]] = [_Choice(values)]
        if question.max_choices:
            validators.append(_MaxChoices(question.max_choices))
        return SelectMultipleField(choices=list(values), validate_choice=False,
                                   validators=validators)
    if question.type == "checkbox":
        return BooleanField()
    if question.type == "date":
        return StringField(validators=[_IsoDate()])
    most = question.max_length or 2000
    cls = TextAreaField if question.type == "long_text" else StringField
    return cls(validators=[_MaxLength(most)])


_FORM_CLASSES: dict[tuple[str, str], type[FlaskForm]] = {}


def page_form_class(definition: Definition, page: Page) -> type[FlaskForm]:
    """Built once per definition version and page; definitions are immutable."""
    key = (definition.key, page.id)
    if key not in _FORM_CLASSES:
        attrs: dict[str, Any] = {q.id: _field(q) for q in page.questions}
        _FORM_CLASSES[key] = type(f"PageForm_{definition.key}_{page.id}", (FlaskForm,), attrs)
    return _FORM_CLASSES[key]


def page_form(definition: Definition, page: Page, answers: Mapping[str, Any],
              formdata: Any = None) -> FlaskForm:
    """A form for ``page``: from the posted data, else filled with the saved answers."""
    cls = page_form_class(definition, page)
    if formdata is not None:
        return cls(formdata=formdata)
    data = {}
    for question in page.questions:
        value = answers.get(question.id)
        if value is not None:
            data[question.id] = str(value) if question.type == "scale" else value
    return cls(formdata=None, data=data)


def cleaned_values(page: Page, form: FlaskForm) -> dict[str, Any]:
    """The page's answers as stored: empty answers and answers to hidden follow-ups become None."""
    raw = {q.id: form[q.id].data for q in page.questions}
    values: dict[str, Any] = {}
    for question in page.questions:
        value = raw[question.id]
        if question.show_when is not None and not question.show_when.is_met(values):
            value = None  # a follow-up whose condition is not met is not kept
        elif question.type == "scale":
            # WTForms' Optional() lets a blank value through unchecked, and Python's blanks
            # include control characters such as "\x1d": those mean "not answered".
            text = value.strip() if isinstance(value, str) else value
            value = int(text) if text not in (None, "") else None
        elif question.type == "checkbox":
            value = True if value else None
        elif question.type == "multiple_choice":
            value = list(dict.fromkeys(value)) if value else None  # each choice once
        elif isinstance(value, str):
            # NUL is never typed, and PostgreSQL cannot store it in text or JSON.
            value = value.replace("\x00", "").strip() or None
        values[question.id] = value
    return values
