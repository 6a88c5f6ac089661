"""The key pages that pa11y, Lighthouse and the zoom and motion checks judge, and the data behind
them (shared by ``test_pa11y.py``, ``test_lighthouse.py`` and ``test_zoom_and_motion.py``).

One patient part way through touchpoint 2's questionnaire (step 2 empty, the rest of Ola's demo
answers saved, "yes" to the self-harm question so step 14 shows the safety help), a nurse with an
urgent sent questionnaire to read, and Bergen's public contact page. The tools that run outside
Playwright (pa11y, Lighthouse) get the session cookie of a Playwright context that signed in
through the development provider, so they see exactly what the patient or nurse sees.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Browser, BrowserContext

from portal.db import session_factory
from portal.demo.scenarios import INGRID_ANSWERS, OLA_ANSWERS, answered
from portal.questionnaire import definition as definitions
from tests import factories
from tests.browser.support import PHONE, sign_in, staff_sign_in
from tests.browser.test_contacts_browser import _arrange as arrange_contacts

ROOT = Path(__file__).resolve().parents[2]
#: npm tools installed by tests/run.sh (``npm install --prefix tests/.tools``).
TOOLS = ROOT / "tests" / ".tools"
ARTIFACTS = ROOT / "tests" / "artifacts"
NODE = shutil.which("node")
#: What the patient has saved so far: Ola's demo answers without step 2 (left empty), and "yes"
#: to the self-harm question, so step 14 opens with the safety help shown.
PATIENT_ANSWERS: dict[str, Any] = {
    **{k: v for k, v in OLA_ANSWERS.items() if k != "what_matters"},
    "mental_health_self_harm": "yes",
}
CONTACT_PAGE = "/contacts/4601-bergen"


@dataclass(frozen=True)
class Arranged:
    patient: str  # the patient's national identity number, to sign in with
    touchpoint: int  # the patient's open touchpoint (2), part answered
    nurse: str  # a hospital nurse's national identity number
    summary: str  # the nurse's summary page of an urgent sent questionnaire

    @property
    def base(self) -> str:
        return f"/patient/touchpoints/{self.touchpoint}"

    def step(self, number: int) -> str:
        return f"{self.base}/steps/{number}"

    @property
    def review(self) -> str:
        return f"{self.base}/review"


def arrange(app: Flask) -> Arranged:
    """Municipalities and Bergen's contact points (as ``test_contacts_browser`` makes them),
    the part-answered patient, and the nurse with an urgent questionnaire to read."""
    arrange_contacts(app)
    session = session_factory(app)()
    try:
        needs = definitions.latest("needs")
        patient = factories.patient(session, diagnosed_days_ago=100, held=(1,))
        second = next(t for t in patient.pathways[0].touchpoints if t.number == 2)
        answered(session, second, needs, PATIENT_ANSWERS)
        sender = factories.patient(session, diagnosed_days_ago=8)
        first = next(t for t in sender.pathways[0].touchpoints if t.number == 1)
        sent = datetime.now(UTC) - timedelta(hours=12)
        urgent = answered(session, first, needs, INGRID_ANSWERS, submitted=sent)
        urgent.urgent_at = sent
        session.commit()
        nurse = factories.staff_member(session, sender.pathways[0].hospital)
        return Arranged(patient=patient.national_id, touchpoint=second.id,
                        nurse=nurse.national_id, summary=f"/staff/touchpoints/{first.id}/summary")
    finally:
        session.close()


def signed_in(browser: Browser, live_server: str, national_id: str,
              staff: bool = False) -> BrowserContext:
    """A phone-sized context signed in as the patient (or, with ``staff``, the nurse)."""
    context = browser.new_context(**PHONE, base_url=live_server)
    page = context.new_page()
    if staff:
        staff_sign_in(page, national_id)
    else:
        sign_in(page, national_id)
    page.close()
    return context


def cookie_header(context: BrowserContext, url: str) -> str:
    """The ``Cookie`` header the context would send to ``url``."""
    return "; ".join(f"{c['name']}={c['value']}" for c in context.cookies(url))


def same_path(url: str, path: str) -> bool:
    """Whether ``url`` shows ``path`` (not, say, the sign-in page it was sent to instead)."""
    return re.sub(r"/+$", "/", urlsplit(url).path) == path
