"""What of a patient's answers may be passed on in writing to another service.

On the sharing page the patient can keep topics for the conversation only. Staff of the
organisation holding that conversation see everything; staff elsewhere (the municipality reading
the hospital's touchpoint, say) see the rest and are told that something was kept back, not what.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.questionnaire.definition import Definition

KEEP_PRIVATE = "keep_private"


def shareable(definition: Definition, answers: Mapping[str, Any],
              same_organisation: bool) -> tuple[dict[str, Any], bool]:
    """The answers this reader may see, and whether any were kept back."""
    if same_organisation:
        return dict(answers), False
    kept_pages = set(answers.get(KEEP_PRIVATE) or ())
    if not kept_pages:
        return {k: v for k, v in answers.items() if k != KEEP_PRIVATE}, False
    hidden = {question.id for page, question in definition.questions()
              if page.id in kept_pages}
    # The agenda names topics; a topic kept private is not named to another service either.
    visible = {k: v for k, v in answers.items() if k not in hidden and k != KEEP_PRIVATE}
    if "agenda" in visible:
        visible["agenda"] = [t for t in visible["agenda"] if t not in kept_pages]
    return visible, True
