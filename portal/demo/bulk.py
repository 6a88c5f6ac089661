"""Generated patients into the database in batches: SQLAlchemy Core, ids assigned here, and on
PostgreSQL with psycopg, COPY for the rows (several times faster than multi-row INSERTs)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.orm import Session

from portal.clinician.models import AgreedAction
from portal.pathway.models import Pathway, Patient, Touchpoint
from portal.questionnaire.models import Answer, Response, Submission


@dataclass
class Generated:
    added: int = 0
    skipped: int = 0
    seconds: float = 0.0
    rows: dict[str, int] = field(default_factory=dict)



@dataclass
class ResponsePlan:
    values: dict[str, Any]
    started_at: datetime
    answered_at: dict[str, datetime]
    submissions: list[tuple[datetime, int, dict[str, Any]]] = field(default_factory=list)
    revision: int = 0
    current_page: int = 1
    urgent_at: datetime | None = None
    first_read_at: datetime | None = None


@dataclass
class TouchpointPlan:
    row: dict[str, Any]
    response: ResponsePlan | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class PatientPlan:
    patient: dict[str, Any]
    pathway: dict[str, Any]
    touchpoints: list[TouchpointPlan]


def _with_ids(session: Session, table: Table, rows: list[dict[str, Any]]) -> list[int]:
    """Insert ``rows`` with ids assigned here, following the table's highest id, so that the
    rows of the next table can point at them without a RETURNING round trip. The generator is
    not meant to run while the portal takes writes: it would race for the same ids."""
    if not rows:
        return []
    first = (session.scalar(select(func.max(table.c.id))) or 0) + 1
    ids = list(range(first, first + len(rows)))
    for row, row_id in zip(rows, ids, strict=True):
        row["id"] = row_id
    _plain(session, table, rows)
    if session.connection().dialect.name == "postgresql":  # the sequence must move on too
        session.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                        {"table": table.name, "last": ids[-1]})
    return ids


def _plain(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql" or connection.dialect.driver != "psycopg":
        session.execute(insert(table), rows)
        return
    # PostgreSQL takes many rows several times faster by COPY than by multi-row INSERTs;
    # JSON columns go in as their text, which the server parses.
    columns = list(rows[0])
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    raw = connection.connection.driver_connection
    copy = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    with raw.cursor() as cursor, cursor.copy(copy) as writer:  # type: ignore[union-attr]
        for row in rows:
            writer.write_row([json.dumps(row[name]) if name in json_columns else row[name]
                              for name in columns])


def _table(model: Any) -> Table:
    table: Table = model.__table__
    return table


def insert_batch(session: Session, batch: list[PatientPlan], result: Generated) -> None:
    patient_ids = _with_ids(session, _table(Patient), [p.patient for p in batch])
    for plan, patient_id in zip(batch, patient_ids, strict=True):
        plan.pathway["patient_id"] = patient_id
    pathway_ids = _with_ids(session, _table(Pathway), [p.pathway for p in batch])
    touchpoints = [(pathway_id, t) for plan, pathway_id in zip(batch, pathway_ids, strict=True)
                   for t in plan.touchpoints]
    for pathway_id, touchpoint in touchpoints:
        touchpoint.row["pathway_id"] = pathway_id
    touchpoint_ids = _with_ids(session, _table(Touchpoint), [t.row for _, t in touchpoints])
    responses: list[tuple[int, ResponsePlan]] = []
    actions: list[dict[str, Any]] = []
    for (_, touchpoint), touchpoint_id in zip(touchpoints, touchpoint_ids, strict=True):
        if touchpoint.response is not None:
            responses.append((touchpoint_id, touchpoint.response))
        actions += [{**action, "touchpoint_id": touchpoint_id} for action in touchpoint.actions]
    response_rows = []
    for touchpoint_id, response in responses:
        sent = response.submissions[-1] if response.submissions else None
        response_rows.append({
            "touchpoint_id": touchpoint_id, "questionnaire_id": "needs",
            "questionnaire_version": 1, "current_page": response.current_page,
            "revision": response.revision,
            "submitted_revision": sent[1] if sent else None,
            "urgent_at": response.urgent_at, "first_read_at": response.first_read_at,
            "started_at": response.started_at,
            "updated_at": max([response.started_at, *response.answered_at.values()]),
        })
    response_ids = _with_ids(session, _table(Response), response_rows)
    answer_rows, submission_rows = [], []
    for response_id, (_, response) in zip(response_ids, responses, strict=True):
        answer_rows += [{"response_id": response_id, "question_id": key, "value": value,
                         "answered_at": response.answered_at[key]}
                        for key, value in response.values.items()]
        submission_rows += [{"response_id": response_id, "number": index, "revision": revision,
                             "submitted_at": sent_at, "answers": values}
                            for index, (sent_at, revision, values)
                            in enumerate(response.submissions, start=1)]
    _plain(session, _table(Answer), answer_rows)
    _plain(session, _table(Submission), submission_rows)
    _plain(session, _table(AgreedAction), actions)
    session.commit()
    result.added += len(batch)
    for name, count in (("patient", len(batch)), ("touchpoint", len(touchpoints)),
                        ("response", len(responses)), ("answer", len(answer_rows)),
                        ("submission", len(submission_rows)), ("agreed_action", len(actions))):
        result.rows[name] = result.rows.get(name, 0) + count
