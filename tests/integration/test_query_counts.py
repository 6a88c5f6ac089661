"""The number of SQL statements a clinician page sends does not grow with the data.

Each page is requested with a small generated data set and again after the data has grown five
times; the statements are counted on the app's engine (``before_cursor_execute``) and must be the
same number. A lazy load per row (N+1) would make the larger count grow with the worklist's rows.
Each page is viewed once before counting: the first view of a submitted questionnaire marks it
read and the first PDF is rendered and cached, which are one-off writes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pytest
from flask import url_for
from sqlalchemy import event, select

from portal import demo
from portal.db import session_factory
from portal.demo import generator
from portal.pathway.models import Patient
from tests.helpers import PortalClient

SMALL = 40
NURSE = "15077910015"  # Hilde Vik, Helse Bergen HF: the busiest trust in generated data
NOW = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)


@dataclass
class Statements:
    recorded: list[str] = field(default_factory=list)

    def __call__(self, _conn: object, _cursor: object, statement: str, *_args: object) -> None:
        self.recorded.append(statement)


@pytest.fixture
def statements(app) -> Iterator[Statements]:
    engine = session_factory(app).kw["bind"]
    counter = Statements()
    event.listen(engine, "before_cursor_execute", counter)
    yield counter
    event.remove(engine, "before_cursor_execute", counter)


def _grow(app, db, patients: int, seed: int) -> None:
    with app.app_context():
        result = generator.generate(db, patients, seed=seed, now=NOW)
    assert result.added == patients


def _urls(app, db) -> dict[str, str]:
    kari = db.scalar(select(Patient).where(Patient.national_id == "12035812324"))
    ola = db.scalar(select(Patient).where(Patient.national_id == "03047145790"))
    ola_first = ola.current_pathway.touchpoints[0]
    with app.test_request_context():
        return {
            "worklist": url_for("clinician.worklist"),
            "patient": url_for("clinician.patient", patient_id=kari.id),
            "summary": url_for("summary.page", touchpoint_id=ola_first.id),
            "cached pdf": url_for("summary.pdf", touchpoint_id=ola_first.id),
        }


def _count(client: PortalClient, statements: Statements, url: str) -> list[str]:
    statements.recorded.clear()
    response = client.raw.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if url.endswith(".pdf"):
        assert response.data.startswith(b"%PDF-")
    else:
        assert "<h1" in response.get_data(as_text=True)
    return list(statements.recorded)


def test_clinician_pages_send_as_many_statements_with_five_times_the_data(app, db,
                                                                          statements):
    demo.load(db)
    db.commit()
    _grow(app, db, SMALL, seed=11)
    client = PortalClient(app)
    client.sign_in_staff(NURSE)
    urls = _urls(app, db)
    for url in urls.values():  # one-off work: marking answers read, rendering the PDF
        client.raw.get(url)
    small = {name: _count(client, statements, url) for name, url in urls.items()}
    worklist_before = client.get(urls["worklist"]).text()

    _grow(app, db, 4 * SMALL, seed=12)
    large = {name: _count(client, statements, url) for name, url in urls.items()}

    assert client.get(urls["worklist"]).text() != worklist_before  # the list did grow
    for name in urls:
        assert len(large[name]) == len(small[name]), (
            name, len(small[name]), len(large[name]),
            list((Counter(large[name]) - Counter(small[name])).items())[:3])
    # The cached PDF is served from its cache row, not rendered and stored again.
    assert not [s for s in large["cached pdf"] if s.startswith("INSERT INTO rendered_pdf")]
    assert [s for s in small["cached pdf"] if "FROM rendered_pdf" in s]
