"""Clinician pages with 100 000 generated patients, timed at the server, on SQLite and PostgreSQL.

    .venv/bin/python tests/bench/clinician.py                      # both databases, 100 000
    .venv/bin/python tests/bench/clinician.py --patients 5000 --databases sqlite   # a quick look
    .venv/bin/python tests/bench/clinician.py --patients 10000,100000 --databases postgresql

For each database: a fresh database (a SQLite file in a temporary folder; for PostgreSQL
``createdb -h 127.0.0.1 -U postgres bench_portal``, dropped afterwards), migrated, the demo
personas, then ``--patients`` generated patients (``portal.demo.generator``, the code behind
``portal demo --patients N``). The portal runs in this process; a WSGI middleware times each
request from the moment the app is called until its body has been produced, so the figures are
the server's own work (no network, no client). Sign-in is the real OpenID flow through the
development provider, as in the tests.

Measured, each ``--requests`` times after ``--warm-up`` unmeasured requests (median and p95):
the worklist of the demo cancer nurse at Helse Bergen HF (the busiest trust in the generated
data), the summary page of a submitted touchpoint there, the first PDF render (its cache row is
deleted before each request, outside the timing), a cached PDF, and the trust's monitoring page
and its CSV for the trust's demo administrator. Then ``portal notices send`` for one day
(``notices.py``): what the planner finds due today and sending it through an SMTP server and an
SMS gateway stand-in on loopback. Several ``--patients`` sizes show how the times grow. Exit
code 0 when every target is met, 1 when one is missed, 2 when the benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

from flask import Flask, url_for  # noqa: E402
from sqlalchemy import delete, event, func, select  # noqa: E402

from portal import create_app, demo, migrations  # noqa: E402
from portal.db import session_factory, session_scope  # noqa: E402
from portal.demo import generator  # noqa: E402
from portal.pathway.models import Pathway, Patient, Touchpoint  # noqa: E402
from portal.questionnaire.models import Answer, Response  # noqa: E402
from portal.settings import Settings  # noqa: E402
from portal.summary.models import RenderedPdf  # noqa: E402
from tests.helpers import PortalClient  # noqa: E402

ARTIFACTS = ROOT / "tests" / "artifacts" / "bench"
NURSE = "15077910015"  # Hilde Vik, Helse Bergen HF
NURSE_PATIENT = "12035812324"  # Kari Nordmann, whose touchpoint 1 Helse Bergen HF held
ADMINISTRATOR = "11096510057"  # Trond Aas, administrator at Helse Bergen HF
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "bench_portal"
#: Targets at the server, in milliseconds, for the median and the 95th percentile alike.
TARGETS = {"worklist": 50.0, "summary page": 50.0, "first PDF": 1000.0, "cached PDF": 20.0,
           "monitoring page": 300.0, "monitoring CSV": 300.0}


class BenchError(RuntimeError):
    """The benchmark cannot run or would measure the wrong thing."""


@dataclass
class Timer:
    """WSGI middleware: the time inside the app, body included, for requests while ``on``."""

    app: Callable[..., Any]
    on: bool = False
    seconds: list[float] = field(default_factory=list)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        started = time.perf_counter()
        result = self.app(environ, start_response)
        try:
            body = list(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if self.on:
            self.seconds.append(time.perf_counter() - started)
        return body


@dataclass
class Statements:
    count: int = 0

    def __call__(self, *_args: object) -> None:
        self.count += 1


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def _psql(*command: str) -> None:
    done = subprocess.run([*command, "-h", "127.0.0.1", "-U", "postgres", PG_DATABASE],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0 and "does not exist" not in done.stderr:
        raise BenchError(f"{' '.join(command)} failed: {done.stderr.strip()}")


def _app(url: str, instance: Path) -> Flask:
    settings = Settings(env="development", secret_key="bench-secret-key-long-enough-for-anything",
                        instance_path=instance, database_url=url, dev_idp=True,
                        secure_cookies=False, rate_limit_sign_in="", rate_limit_posts="",
                        log_level="WARNING")
    return create_app(settings)


def _prepare(app: Flask, url: str, patients: int, seed: int) -> dict[str, Any]:
    migrations.upgrade(url)
    with session_scope(app) as session:
        demo.load(session)
    started = time.monotonic()
    with app.app_context(), session_scope(app) as session:
        result = generator.generate(session, patients, seed=seed,
                                    progress=lambda n: print(f"  {n} patients …",
                                                             file=sys.stderr, flush=True)
                                    if n % 20000 == 0 else None)
    return {"seconds": round(time.monotonic() - started, 1), "rows": result.rows,
            "added": result.added}


def _busy_touchpoint(app: Flask) -> tuple[int, dict[str, int]]:
    """A submitted touchpoint 1 at Helse Bergen with many answers, and the trust's size."""
    with session_scope(app) as session:
        hospital_id = session.scalar(select(Pathway.hospital_id).join(Pathway.patient)
                                     .where(Patient.national_id == NURSE_PATIENT))
        answers = (select(Answer.response_id, func.count().label("n"))
                   .group_by(Answer.response_id).subquery())
        touchpoint_id = session.scalar(
            select(Touchpoint.id).join(Response, Response.touchpoint_id == Touchpoint.id)
            .join(answers, answers.c.response_id == Response.id)
            .where(Touchpoint.organisation_id == hospital_id, Touchpoint.number == 1,
                   Response.submitted_revision.is_not(None))
            .order_by(answers.c.n.desc(), Touchpoint.id).limit(1))
        if touchpoint_id is None:
            raise BenchError("No submitted touchpoint at Helse Bergen HF in the generated data.")
        size = {
            "patients": session.scalar(select(func.count()).select_from(Pathway).where(
                Pathway.hospital_id == hospital_id)) or 0,
            "appointments ahead": session.scalar(select(func.count()).select_from(Touchpoint)
                                                 .where(Touchpoint.organisation_id == hospital_id,
                                                        Touchpoint.appointment_at
                                                        >= datetime.now(UTC))) or 0,
        }
    return touchpoint_id, size


def _measure(app: Flask, timer: Timer, client: PortalClient, name: str, url: str,
             requests: int, warm_up: int, before: Callable[[], None] | None = None
             ) -> dict[str, Any]:
    engine = session_factory(app).kw["bind"]
    statements = Statements()

    def one(measured: bool) -> None:
        if before is not None:
            before()
        timer.on = measured
        response = client.raw.get(url)
        timer.on = False
        if response.status_code != 200:
            raise BenchError(f"GET {url} answered {response.status_code}, not 200.")
        body = response.get_data()
        expected = (b"%PDF-" if url.endswith(".pdf") else b"\xef\xbb\xbf" if ".csv" in url
                    else b"<h1")
        if (body[:5] if url.endswith(".pdf") else body).find(expected) < 0:
            raise BenchError(f"GET {url} did not answer with the page ({body[:200]!r}).")

    for _ in range(warm_up):
        one(False)
    timer.seconds.clear()
    event.listen(engine, "before_cursor_execute", statements)
    try:
        one(True)
    finally:
        event.remove(engine, "before_cursor_execute", statements)
    for _ in range(requests - 1):
        one(True)
    ms = [s * 1000 for s in timer.seconds]
    target = TARGETS[name]
    median, p95 = statistics.median(ms), percentile(ms, 0.95)
    return {"page": name, "url": url, "requests": len(ms), "median_ms": round(median, 1),
            "p95_ms": round(p95, 1), "max_ms": round(max(ms), 1), "target_ms": target,
            "statements": statements.count, "met": p95 < target}


def run_database(kind: str, patients: int, seed: int, requests: int, warm_up: int,
                 keep: bool) -> dict[str, Any]:
    import notices  # the sibling module: portal notices send for one day


    instance = Path(tempfile.mkdtemp(prefix=f"portal-bench-{kind}-"))
    if kind == "sqlite":
        url = f"sqlite:///{instance / 'bench.sqlite3'}"
    else:
        _psql("dropdb", "--if-exists")
        _psql("createdb")
        url = f"{PG_SERVER}/{PG_DATABASE}"
    try:
        app = _app(url, instance)
        print(f"{kind}: generating {patients} patients …", file=sys.stderr, flush=True)
        generated = _prepare(app, url, patients, seed)
        timer = Timer(app.wsgi_app)
        app.wsgi_app = timer  # type: ignore[method-assign]
        touchpoint_id, size = _busy_touchpoint(app)
        client = PortalClient(app)
        client.sign_in_staff(NURSE)
        if client.raw.get("/staff/").status_code != 200:
            raise BenchError("The nurse is not signed in.")
        with app.test_request_context():
            urls = {"worklist": url_for("clinician.worklist"),
                    "summary page": url_for("summary.page", touchpoint_id=touchpoint_id),
                    "pdf": url_for("summary.pdf", touchpoint_id=touchpoint_id)}

        def clear_cache() -> None:
            with session_scope(app) as session:
                session.execute(delete(RenderedPdf).where(
                    RenderedPdf.touchpoint_id == touchpoint_id))

        administrator = PortalClient(app)
        administrator.sign_in_staff(ADMINISTRATOR)
        rows = [
            _measure(app, timer, client, "worklist", urls["worklist"], requests, warm_up),
            _measure(app, timer, client, "summary page", urls["summary page"], requests,
                     warm_up),
            _measure(app, timer, client, "first PDF", urls["pdf"], requests, min(warm_up, 2),
                     before=clear_cache),
            _measure(app, timer, client, "cached PDF", urls["pdf"], requests, warm_up),
            _measure(app, timer, administrator, "monitoring page", "/staff/monitoring",
                     requests, warm_up),
            _measure(app, timer, administrator, "monitoring CSV",
                     "/staff/monitoring.csv?period=quarter", requests, warm_up),
        ]
        try:
            sent = notices.one_day(app)
        except notices.BenchError as exc:
            raise BenchError(str(exc)) from None
        session_factory(app).kw["bind"].dispose()
        return {"database": kind, "patients": patients, "generated": generated,
                "busy_trust": size, "pages": rows, "notices": sent}
    finally:
        if not keep:
            shutil.rmtree(instance, ignore_errors=True)
            if kind == "postgresql":
                _psql("dropdb", "--if-exists")


def markdown(results: list[dict[str, Any]]) -> str:
    import notices

    lines = ["| Database | Patients | Page | Median (ms) | p95 (ms) | Max (ms) | Target (ms) | "
             "SQL statements | Met |", "|---|---:|---|---:|---:|---:|---:|---:|---|"]
    notes = []
    for result in results:
        for row in result["pages"]:
            lines.append(f"| {result['database']} | {result['patients']:,} | {row['page']} | "
                         f"{row['median_ms']} | {row['p95_ms']} | {row['max_ms']} | "
                         f"< {row['target_ms']:.0f} | {row['statements']} | "
                         f"{'yes' if row['met'] else '**no**'} |")
        generated = result["generated"]
        notes.append(f"- {result['database']}: {generated['added']} patients generated in "
                     f"{generated['seconds']} s ({generated['rows']}); Helse Bergen HF holds "
                     f"{result['busy_trust']['patients']} pathways, "
                     f"{result['busy_trust']['appointments ahead']} appointments ahead.")
    return "\n".join([*lines, "", notices.markdown(results), "", *growth(results), "", *notes])


def growth(results: list[dict[str, Any]]) -> list[str]:
    """Median at the largest size over the median at the smallest, per database and page."""
    lines = ["| Database | Page | Median, fewest patients (ms) | Median, most (ms) | Growth |",
             "|---|---|---:|---:|---:|"]
    for kind in sorted({r["database"] for r in results}):
        runs = sorted((r for r in results if r["database"] == kind), key=lambda r: r["patients"])
        if len(runs) < 2:
            continue
        first, last = runs[0], runs[-1]
        for before, after in zip(first["pages"], last["pages"], strict=True):
            lines.append(f"| {kind} | {before['page']} | {before['median_ms']} "
                         f"({first['patients']:,}) | {after['median_ms']} "
                         f"({last['patients']:,}) | "
                         f"{after['median_ms'] / before['median_ms']:.2f} × |")
    return lines if len(lines) > 2 else []


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patients", default="100000",
                        help="one size, or several separated by commas (10000,100000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page")
    parser.add_argument("--warm-up", type=int, default=5)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--keep", action="store_true",
                        help="keep the databases (and the SQLite file) for a look afterwards")
    parser.add_argument("--output", type=Path, default=ARTIFACTS / "clinician.json")
    args = parser.parse_args(argv)
    if args.requests < 30:
        parser.error("Measure at least 30 requests per page.")
    results: list[dict[str, Any]] = []
    sizes = [int(size) for size in str(args.patients).split(",")]
    report: dict[str, Any] = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                              "patients": sizes, "cpus": os.cpu_count(),
                              "results": results}
    code = 0
    try:
        for kind in args.databases.split(","):
            if kind not in ("sqlite", "postgresql"):
                raise BenchError(f"Unknown database {kind!r}: sqlite or postgresql.")
            for size in sizes:
                results.append(run_database(kind, size, args.seed, args.requests,
                                            args.warm_up, args.keep))
        code = 0 if all(row["met"] for r in results for row in r["pages"]) else 1
    except BenchError as exc:
        report["error"] = str(exc)
        code = 2
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(markdown(results))
    if "error" in report:
        print(f"BENCHMARK COULD NOT RUN: {report['error']}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
