"""The patient journey under load, with locust: 100 patients at once sign in through the
development OpenID provider, fill in every page of the questionnaire and send it, sign out, and
start again, for two minutes, against gunicorn on loopback, pausing 1–3 s between requests.
Then the throughput ratio: the same 100 patients, signed in, answering and sending with no pause
for 30 s, against the bare Flask page (``bare_app.py``) under the same gunicorn settings and
the same number of users with no pause, before and after.

    .venv/bin/python tests/bench/journey.py                       # about 5 minutes
    .venv/bin/python tests/bench/journey.py --users 20 --duration 20   # a quick look

Prints Markdown tables and writes ``tests/artifacts/bench/journey.json``. Exit code: 0 with zero
failed requests, 1 with any, 2 when the benchmark could not run. Locust is installed in its own
environment (``tests/.tools/locust``) on first use. See tests/bench/README.md.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parents[1]
sys.path[:0] = [str(BENCH), str(ROOT)]

import run as bench  # noqa: E402 (the sibling benchmark's servers and helpers)

LOCUST_VERSION = "2.47.0"
LOCUST_VENV = ROOT / "tests" / ".tools" / "locust"
ARTIFACTS = ROOT / "tests" / "artifacts" / "bench"
#: gthread workers with more threads in all than there are users. The portal calls its own
#: development provider's back channel (discovery, token, keys) while it handles a sign-in, and
#: that call needs a free thread of the same server: with fewer threads than users, every thread
#: can be a callback waiting for a token call that no thread is left to answer, until the
#: 10-second timeout (measured: 67 of 100 first sign-ins failed with 2 × 8 threads). ID-porten
#: is another service, so a production server never waits for itself. The bare page runs with
#: exactly the same settings.
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
THREADS = 64
KEEP_ALIVE = 10


def locust_bin() -> Path:
    binary = LOCUST_VENV / "bin" / "locust"
    if not binary.exists():
        subprocess.run([sys.executable, "-m", "venv", str(LOCUST_VENV)], check=True)
        subprocess.run([str(LOCUST_VENV / "bin" / "pip"), "install", "-q",
                        f"locust=={LOCUST_VERSION}"], check=True)
    return binary


def prepare(instance: Path, database_url: str, count: int) -> dict[str, Any]:
    """Migrate, load the demo data and make ``count`` patients whose touchpoint 2 is open
    (touchpoint 1 held 100 days after diagnosis), each answered by one simulated user."""
    from portal import create_app, demo, migrations
    from portal.db import session_factory, session_scope
    from portal.settings import Settings
    from tests import factories
    from tests.integration import journey

    url = database_url or f"sqlite:///{instance / 'portal.sqlite3'}"
    migrations.upgrade(url)
    app = create_app(Settings(instance_path=instance, database_url=url))
    with app.app_context():
        with session_scope(app) as session:
            demo.load(session)
        session = session_factory(app)()
        patients = []
        for _ in range(count):
            person = factories.patient(session, diagnosed_days_ago=100, held=(1,))
            patients.append((person.national_id, journey.touchpoint_id(person, 2)))
        session.close()
        steps = [journey.ANSWERS.get(page.id, {}) for page in journey.needs().pages]
    return {"patients": patients, "steps": steps}


def run_locust(user: str, host: str, users: int, seconds: int, plan: Path,
               prefix: Path) -> dict[str, Any]:
    """Run one headless locust test and read its statistics from the CSV it writes."""
    env = {**os.environ, "PORTAL_BENCH_PLAN": str(plan)}
    command = [str(locust_bin()), "-f", str(BENCH / "locustfile.py"), "--headless",
               "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s",
               "--host", host, "--csv", str(prefix), "--only-summary", "--stop-timeout", "30",
               user]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    rows = list(csv.DictReader((prefix.parent / f"{prefix.name}_stats.csv").open()))
    failures = list(csv.DictReader((prefix.parent / f"{prefix.name}_failures.csv").open()))
    if done.returncode not in (0, 1):
        raise bench.BenchError(f"locust exited with {done.returncode}:\n{done.stderr[-2000:]}")
    steps = {}
    for row in rows:
        steps[row["Name"]] = {
            "requests": int(row["Request Count"]), "failures": int(row["Failure Count"]),
            "p50_ms": float(row["50%"]), "p95_ms": float(row["95%"]),
            "max_ms": float(row["Max Response Time"]),
            "rps": float(row["Requests/s"]),
        }
    return {"steps": steps, "failures": failures, "seconds": seconds, "users": users}


def markdown(result: dict[str, Any]) -> str:
    journey = result["journey"]["steps"]
    lines = ["| Step | Requests | Failures | p50 (ms) | p95 (ms) | max (ms) |",
             "|---|---:|---:|---:|---:|---:|"]
    def order(name: str) -> int:
        return int(name.split()[0]) if name[0].isdigit() else 99

    for name, row in sorted(journey.items(), key=lambda item: order(item[0])):
        label = "**all requests**" if name == "Aggregated" else name
        lines.append(f"| {label} | {row['requests']:,} | {row['failures']} | {row['p50_ms']:.0f} "
                     f"| {row['p95_ms']:.0f} | {row['max_ms']:.0f} |")
    lines += ["", f"Journeys sent: {result['journeys']:,} in {result['journey']['seconds']} s "
              f"with {result['journey']['users']} users ({result['journey_rps']:.1f} req/s).",
              f"Throughput at full speed ({result['full_speed']['users']} patients signed in, "
              f"answering and sending with no pause, {result['full_speed']['seconds']} s, "
              f"{result['full_speed']['steps']['Aggregated']['failures']} failed): portal "
              f"{result['portal_rps']:.1f} req/s (p50 "
              f"{result['full_speed']['steps']['Aggregated']['p50_ms']:.0f} ms, p95 "
              f"{result['full_speed']['steps']['Aggregated']['p95_ms']:.0f} ms); bare page "
              f"{result['bare_rps_before']:.1f} before and {result['bare_rps_after']:.1f} after; "
              f"ratio {result['ratio']:.3f}."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--duration", type=int, default=120, help="seconds of the journey run")
    parser.add_argument("--bare-duration", type=int, default=30,
                        help="seconds of each run at full speed: the bare page before and "
                             "after, and the portal")
    args = parser.parse_args(argv)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    logs = ARTIFACTS / "logs"
    logs.mkdir(exist_ok=True)
    database_url = os.environ.get("PORTAL_BENCH_DATABASE_URL", "")
    servers: list[bench.Server] = []
    try:
        with tempfile.TemporaryDirectory(prefix="portal-journey-") as folder:
            instance = Path(folder)
            plan = prepare(instance, database_url, args.users)
            plan_file = instance / "plan.json"
            plan_file.write_text(json.dumps(plan))
            env = bench.portal_env(instance, database_url)
            # Connections stay open longer than a patient's pause (gunicorn's default is 2 s):
            # otherwise a request can meet a connection the server is just closing, as a browser
            # behind a proxy never does.
            extra = ("--threads", str(THREADS), "--keep-alive", str(KEEP_ALIVE))
            portal = bench.start_gunicorn("journey-portal", "portal:create_app()", env, ROOT,
                                          logs, workers=WORKERS, extra=extra)
            bare = bench.start_gunicorn("journey-bare", "bare_app:create_app()", env, ROOT,
                                        logs, workers=WORKERS,
                                        extra=(*extra, "--pythonpath", str(BENCH)))
            servers += [portal, bare]
            bench.wait_ready(portal, "/")
            bench.wait_ready(bare, "/")
            host = "http://127.0.0.1:{}"
            before = run_locust("Bare", host.format(bare.port), args.users, args.bare_duration,
                                plan_file, instance / "bare-before")
            journey = run_locust("Patient", host.format(portal.port), args.users, args.duration,
                                 plan_file, instance / "journey")
            full = run_locust("PatientAtFullSpeed", host.format(portal.port), args.users,
                              args.bare_duration, plan_file, instance / "full-speed")
            after = run_locust("Bare", host.format(bare.port), args.users, args.bare_duration,
                               plan_file, instance / "bare-after")
    except bench.BenchError as error:
        print(f"The benchmark could not run: {error}", file=sys.stderr)
        return 2
    finally:
        for server in servers:
            server.stop()
    total = journey["steps"]["Aggregated"]
    fast = full["steps"]["Aggregated"]
    bare_before = before["steps"]["Aggregated"]["rps"]
    bare_after = after["steps"]["Aggregated"]["rps"]
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql" if database_url.startswith("postgresql") else "sqlite",
        "gunicorn": f"-w {WORKERS} --threads {THREADS} --keep-alive {KEEP_ALIVE}",
        "journey": journey,
        "journeys": journey["steps"].get("9 send", {}).get("requests", 0),
        "journey_rps": total["rps"],
        "full_speed": full,
        "portal_rps": fast["rps"],
        "bare_rps_before": bare_before,
        "bare_rps_after": bare_after,
        "ratio": fast["rps"] / ((bare_before + bare_after) / 2),
        "bare_failures": before["steps"]["Aggregated"]["failures"]
                         + after["steps"]["Aggregated"]["failures"],
    }
    (ARTIFACTS / "journey.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))
    failed = total["failures"] + fast["failures"] + result["bare_failures"]
    if failed:
        print(f"\n{failed} requests failed:", file=sys.stderr)
        for row in [*journey["failures"], *full["failures"]][:20]:
            print(f"  {row}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    time.tzset()
    sys.exit(main())
