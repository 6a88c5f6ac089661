"""The wheel carries everything the portal needs outside the Python code."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [
        "portal/_resources/templates/layout.html",
        "portal/_resources/templates/components/forms.html",
        "portal/_resources/static/portal.css",
        "portal/_resources/static/portal.js",
        "portal/_resources/translations/nb/LC_MESSAGES/messages.mo",
        "portal/_resources/translations/nn/LC_MESSAGES/questionnaire.mo",
        "portal/_resources/translations/en/LC_MESSAGES/questionnaire.mo",
        "portal/questionnaire/definitions/needs-1.toml",
        "portal/questionnaire/definitions/published.toml",
        "portal/migrations/env.py",
        "portal/migrations/script.py.mako",
        "portal/migrations/versions/0001_initial_schema.py",
    ],
)
def test_wheel_contains(wheel: zipfile.ZipFile, path: str) -> None:
    assert path in wheel.namelist()


def test_resources_are_found_inside_an_installed_package(tmp_path: Path, monkeypatch) -> None:
    from portal import resources

    installed = tmp_path / "portal"
    (installed / "_resources" / "templates").mkdir(parents=True)
    monkeypatch.setattr(resources, "PACKAGE_DIR", installed)
    assert resources.resource_dir("templates") == installed / "_resources" / "templates"
    with pytest.raises(FileNotFoundError, match="static"):
        resources.resource_dir("static")


def test_resources_are_found_in_a_checkout() -> None:
    from portal.resources import resource_dir

    assert resource_dir("templates") == ROOT / "templates"
