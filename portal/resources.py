"""Finds the top-level ``templates/``, ``static/`` and ``translations/`` folders.

In a checkout (and an editable install) they sit beside the ``portal`` package; in a wheel they
are shipped inside it as ``portal/_resources/`` (see ``pyproject.toml``).
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def resource_dir(name: str) -> Path:
    for candidate in (PACKAGE_DIR / "_resources" / name, PACKAGE_DIR.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"The {name}/ folder was found neither in the package nor beside it.")
