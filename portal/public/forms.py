"""The public contact lookup's search, sent with GET: it changes nothing, so it carries no CSRF
token (and the page stays the same for everyone, so it may be cached)."""

from __future__ import annotations

from wtforms import Form, StringField

from portal.clinician.forms import SEARCH_LENGTH, MaxLength, strip_text


class SearchForm(Form):  # type: ignore[misc]  # WTForms ships no type hints
    q = StringField(filters=[strip_text], validators=[MaxLength(SEARCH_LENGTH)])
