"""Babel extractor for questionnaire definitions (``translations/babel.cfg`` points here).

Yields every text of a definition file as a message of the ``questionnaire`` domain, whose source
language is bokmål.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from typing import IO, Any

TEXT_KEYS = {
    "title", "intro", "label", "hint", "min_label", "max_label",
    "concern_label", "concern_hint", "talk_label", "note_label", "note_hint",
}


def _texts(node: Any, key: str | None = None) -> Iterator[str]:
    if isinstance(node, dict):
        for child_key, value in node.items():
            if child_key == "concern_options" and isinstance(value, dict):
                yield from (v for v in value.values() if isinstance(v, str))
            else:
                yield from _texts(value, child_key)
    elif isinstance(node, list):
        for item in node:
            if key == "body" and isinstance(item, str):
                yield item.strip()
            else:
                yield from _texts(item, key)
    elif isinstance(node, str) and key in TEXT_KEYS:
        yield node.strip()


def extract_definition(
    fileobj: IO[bytes], keywords: Any, comment_tags: Any, options: Any
) -> Iterator[tuple[int, str | None, str, list[str]]]:
    data = tomllib.loads(fileobj.read().decode("utf-8"))
    for text in _texts(data):
        yield 0, None, text, []
