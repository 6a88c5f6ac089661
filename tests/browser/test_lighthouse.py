"""Lighthouse 12 (mobile, its default: a mid-range phone on slow 4G, simulated) on the patient's
home, a questionnaire step and a municipality's public contact page, against the live server:
accessibility 1.0, best practices at least 0.95, performance at least 0.95.

The signed-in pages get the session cookie of a Playwright context that signed in through the
development provider, passed with Lighthouse's ``--extra-headers``; each report is checked to be
of the page asked for (not the sign-in page it would otherwise be sent to). One Lighthouse run
per page, about 14 s each (it cannot be shared: Lighthouse starts its own Chrome). The JSON
reports are kept in ``tests/artifacts/lighthouse/``. Skipped, with the reason, when Lighthouse or
Node is not installed (``bash tests/run.sh`` installs it with npm). Performance is measured on
this machine: a run beside other heavy work on the same cores scores lower.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser

from tests.browser.key_pages import (
    ARTIFACTS,
    CONTACT_PAGE,
    NODE,
    TOOLS,
    Arranged,
    arrange,
    cookie_header,
    same_path,
    signed_in,
)
from tests.browser.support import CHROMIUM

LIGHTHOUSE = TOOLS / "node_modules" / "lighthouse" / "cli" / "index.js"
REPORTS = ARTIFACTS / "lighthouse"
#: Lighthouse's own Chrome, headless, with the flags the other browser tests use.
CHROME_FLAGS = ("--headless=new --no-sandbox --disable-gpu --disable-background-networking "
                "--disable-component-update --disable-sync --no-first-run")
#: The lowest score each category may have.
LOWEST = {"accessibility": 1.0, "best-practices": 0.95, "performance": 0.95}

pytestmark = [
    pytest.mark.skipif(NODE is None, reason="Node.js is needed to run Lighthouse"),
    pytest.mark.skipif(not LIGHTHOUSE.exists(), reason=f"Lighthouse is not installed at "
                       f"{LIGHTHOUSE} (bash tests/run.sh installs it with npm)"),
    pytest.mark.slow,
]


@pytest.fixture(scope="module")
def patient(browser: Browser, live_server: str,
            live_app: Flask) -> Iterator[tuple[Arranged, str]]:
    """The arranged pages and the ``Cookie`` header of the patient, signed in."""
    arranged = arrange(live_app)
    context = signed_in(browser, live_server, arranged.patient)
    try:
        yield arranged, cookie_header(context, live_server)
    finally:
        context.close()


#: Lighthouse's own failures to record a page load, which say nothing about the page: run again,
#: once (seen: NO_NAVSTART, "Something went wrong with recording the trace", in one CI run).
TOOL_ERRORS = frozenset({"NO_NAVSTART", "NO_FCP", "NO_TRACING_STARTED", "PROTOCOL_TIMEOUT"})


def _lighthouse(url: str, headers: dict[str, str], report: Path, workdir: Path) -> dict[str, Any]:
    """Lighthouse on ``url``; a second run when the first could not record the page load."""
    found = _lighthouse_once(url, headers, report, workdir)
    if found.get("runtimeError", {}).get("code") in TOOL_ERRORS:
        found = _lighthouse_once(url, headers, report, workdir)
    assert not found.get("runtimeError"), found["runtimeError"]
    return found


def _lighthouse_once(url: str, headers: dict[str, str], report: Path,
                     workdir: Path) -> dict[str, Any]:
    """One Lighthouse run; its JSON report, also kept at ``report``."""
    extra = workdir / "headers.json"
    extra.write_text(json.dumps(headers), encoding="utf-8")
    report.parent.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(
        [str(NODE), str(LIGHTHOUSE), url, "--output=json", f"--output-path={report}",
         f"--only-categories={','.join(LOWEST)}", f"--chrome-flags={CHROME_FLAGS}",
         f"--extra-headers={extra}", "--quiet"],
        env={**os.environ, "CHROME_PATH": CHROMIUM}, cwd=workdir, capture_output=True,
        text=True, timeout=120, check=False)
    # Lighthouse exits 0 even when the page failed to load: the report says so.
    assert report.exists(), f"Lighthouse wrote no report:\n{run.stderr[-3000:]}"
    found: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    return found


def _shortfalls(report: dict[str, Any], category: str) -> list[str]:
    """The audits that cost a category points: weighted, scored below 1."""
    audits = report["audits"]
    lines = []
    for ref in report["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref["weight"] > 0 and audit.get("score") is not None and audit["score"] < 1:
            shown = f" ({audit['displayValue']})" if audit.get("displayValue") else ""
            lines.append(f"    {audit['id']}: {audit['score']}{shown}: {audit['title']}")
    return lines


@pytest.mark.parametrize("name", ["patient-home", "step", "contacts-municipality"])
def test_lighthouse_scores(patient: tuple[Arranged, str], live_server: str, name: str,
                           tmp_path: Path) -> None:
    arranged, cookie = patient
    path, headers = {
        "patient-home": ("/patient/", {"Cookie": cookie}),
        "step": (arranged.step(4), {"Cookie": cookie}),
        "contacts-municipality": (CONTACT_PAGE, {}),
    }[name]
    report = _lighthouse(live_server + path, {**headers, "Accept-Language": "nb-NO,nb;q=0.9"},
                         REPORTS / f"{name}.json", tmp_path)
    assert same_path(report["finalDisplayedUrl"], path), \
        f"Lighthouse judged {report['finalDisplayedUrl']} instead of {path}"
    scores = {category: report["categories"][category]["score"] for category in LOWEST}
    low = [f"{category} {scores[category]} (at least {lowest} wanted):\n"
           + "\n".join(_shortfalls(report, category))
           for category, lowest in LOWEST.items()
           if scores[category] is None or scores[category] < lowest]
    assert not low, f"Lighthouse on {name} ({path}), report in {REPORTS / name}.json:\n" + \
        "\n".join(low)
