"""Step pages under concurrent saves: does a GET that moves the patient's place fail?

    .venv/bin/python tests/bench/concurrent_steps.py     # about 15 s; exit 1 on any 5xx

While wrk POSTs answers for one demo patient (as in run.py), a second patient moves between two
questionnaire steps with plain GETs. Each of those GETs saves the patient's place
(``response.current_page``), so it is a write that begins as a read. Every GET must answer 200.
Uses the same start-up as run.py (fresh instance, default SQLite unless
``PORTAL_BENCH_DATABASE_URL`` is set, rate limits off): both patients sign in through the
built-in OpenID provider on run.py's sign-in server (one worker, threads), which is then stopped;
their cookies are used on the server under test (2 sync workers, as in run.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench  # this folder is not a package: imported by path

SECOND_PERSONA = "03047145790"
SECONDS = 8


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="portal-bench-race-"))
    bench_db = os.environ.get("PORTAL_BENCH_DATABASE_URL", "").strip()
    env = bench.portal_env(tmp, bench_db)
    log_dir = bench.ARTIFACTS / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    server = signer = None
    try:
        subprocess.run([bench.venv_bin("portal"), "demo", "--no-serve",
                        *(["--reset"] if bench_db else [])],
                       env=env, cwd=tmp, check=True, capture_output=True, timeout=120)
        server = bench.start_gunicorn("concurrent-steps", "portal:create_app()", env, tmp, log_dir)
        signer = bench.start_sign_in_server(env, tmp, log_dir)
        bench.wait_ready(server, "/sign-in")
        bench.wait_ready(signer, "/sign-in")

        def signed_in(national_id: str) -> bench.Client:
            browser = bench.Client("127.0.0.1", signer.port)
            bench.sign_in(browser, national_id)
            return bench.Client("127.0.0.1", server.port, dict(browser.cookies))

        writer = signed_in(bench.PERSONA)
        mover = signed_in(SECOND_PERSONA)
        signer.stop()
        tp = bench.open_touchpoint(writer)
        page = bench.load_step(writer, tp, bench.STEP_TOPIC)
        first, second = bench.answers_for(page)
        form = {"csrf_token": page.csrf_token, "action": "next", **first}

        tp2 = bench.open_touchpoint(mover)
        own = bench.load_step(mover, tp2, bench.STEP_TOPIC)
        answer = bench.answers_for(own)[0]
        saved = mover.post(own.path, {"csrf_token": own.csrf_token, "action": "next", **answer})
        bench.expect(saved.status == 303, f"Second patient's first save answered {saved.status}.")

        wrk_env = {**os.environ, "BENCH_METHOD": "POST", "BENCH_BODY": urlencode(form),
                   "BENCH_BODY_ALT": urlencode({**form, **second}), "BENCH_EXPECT": "3"}
        load = subprocess.Popen(
            [shutil.which("wrk") or "wrk", "-t2", "-c8", f"-d{SECONDS}s", "-s",
             str(bench.WRK_SCRIPT), "-H", f"Cookie: {bench.SESSION_COOKIE}="
             f"{writer.cookies[bench.SESSION_COOKIE]}", f"http://127.0.0.1:{server.port}{page.path}"],
            env=wrk_env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        statuses: dict[int, int] = {}
        time.sleep(0.5)
        stop = time.monotonic() + SECONDS - 1
        number = 2
        while time.monotonic() < stop:
            number = 3 if number == 2 else 2
            status = mover.get(bench.step_path(tp2, number)).status
            statuses[status] = statuses.get(status, 0) + 1
        out, _ = load.communicate(timeout=60)
    except bench.BenchError as exc:
        print(f"COULD NOT RUN: {exc}", file=sys.stderr)
        return 2
    finally:
        for started in (signer, server):
            if started is not None:
                started.stop()
        shutil.rmtree(tmp, ignore_errors=True)

    posts = next((ln for ln in out.splitlines() if ln.startswith("BENCH_JSON ")), "")
    failed = sum(n for s, n in statuses.items() if s >= 500)
    print(f"Second patient's step GETs during the other patient's saves: {statuses}")
    print(f"The saves (wrk): {posts.removeprefix('BENCH_JSON ')}")
    if failed:
        text = server.log.read_text(errors="replace") if server else ""
        locked = text.count("OperationalError: (sqlite3.OperationalError) database is locked")
        print(f"FAIL: {failed} GETs answered 5xx (SQLite 'database is locked': {locked}; "
              f"log: {server.log if server else '-'})")
        return 1
    print("OK: every GET answered 200.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
