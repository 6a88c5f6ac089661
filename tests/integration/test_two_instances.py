"""Two real portal instances (gunicorn, two sync workers each) on one database and one Redis,
as behind a load balancer: a sign-in on A works on B, an answer saved through B is shown by A,
the posts limit counts across both, signing out on A ends the session on B, and /readyz is 200
on both. Nothing is shared but the secret key, the database and Redis (each instance has its
own instance folder). Runs against PostgreSQL when PORTAL_TEST_DATABASE_URL is set, else
against one SQLite file (a legitimate small deployment on one machine)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from urllib.parse import urljoin

import pytest
import redis
import requests
from bs4 import BeautifulSoup

from tests.conftest import TEST_SECRET
from tests.integration.journey import number_of

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/5"  # this test's own Redis database, flushed before and after
POSTS_PER_MINUTE = 12
#: The demo persona with an open questionnaire (portal/demo).
PERSONA = "12035812324"
PHRASE = "Hagen min i Fana trenger meg i vår"
VENV_BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _environment(database_url: str, instance: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
    env.update(PORTAL_ENV="development", PORTAL_DEV_IDP="true", PORTAL_SECRET_KEY=TEST_SECRET,
               PORTAL_DATABASE_URL=database_url, PORTAL_INSTANCE_PATH=str(instance),
               PORTAL_REDIS_URL=REDIS_URL, PORTAL_RATE_LIMIT_SIGN_IN="",
               PORTAL_RATE_LIMIT_POSTS=f"{POSTS_PER_MINUTE} per minute",
               PORTAL_LOG_FORMAT="json", PYTHONUNBUFFERED="1")
    return env


class Instance:
    def __init__(self, name: str, database_url: str, folder: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = folder / f"{name}.log"
        instance = folder / name
        instance.mkdir()
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{self.port}",
                 "--no-control-socket", "--timeout", "60", "portal:create_app()"],
                env=_environment(database_url, instance), stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True)

    def url(self, path: str) -> str:
        return urljoin(self.base, path)

    def wait(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            with suppress(requests.ConnectionError, requests.Timeout):
                if requests.get(self.url("/healthz"), timeout=5).status_code == 200:
                    return
            time.sleep(0.2)
        pytest.fail(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)  # its own group: gunicorn only
                self.proc.wait(timeout=5)


def _redis() -> redis.Redis:
    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (start it with: redis-server "
                    "--daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no)")
    return connection


@pytest.fixture
def instances(app, database_url: str, tmp_path: Path) -> Iterator[tuple[Instance, Instance]]:
    """``app`` only for its clean-up: every table is emptied afterwards."""
    store = _redis()
    store.flushdb()
    loaded = subprocess.run(
        [str(VENV_BIN / "portal"), "demo", "--no-serve"], capture_output=True, text=True,
        env=_environment(database_url, tmp_path / "demo"), check=False)
    assert loaded.returncode == 0, loaded.stderr[-3000:]
    started = [Instance("a", database_url, tmp_path), Instance("b", database_url, tmp_path)]
    try:
        for instance in started:
            instance.wait()
        yield started[0], started[1]
    finally:
        for instance in started:
            instance.stop()
        store.flushdb()
        store.close()


def _page(response: requests.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


def _form(soup: BeautifulSoup) -> dict[str, str]:
    form = soup.select_one("form#main-form")
    assert form is not None
    data = {}
    for field in form.select("input, textarea"):
        name = field.get("name")
        if not name or field.get("type") in ("submit", "radio", "checkbox"):
            continue
        data[name] = field.get_text() if field.name == "textarea" else field.get("value", "")
    return data


def _sign_in(browser: requests.Session, instance: Instance) -> None:
    start = browser.get(instance.url("/sign-in/citizen/start"), allow_redirects=False)
    assert start.status_code == 303, start.text[:500]
    provider = start.headers["Location"]
    page = _page(browser.get(provider))
    token = page.select_one('input[name="csrf_token"]')["value"]
    answer = browser.post(provider, data={"csrf_token": token, "national_id": PERSONA,
                                          "acr": "idporten-loa-high"}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:500]
    done = browser.get(answer.headers["Location"], allow_redirects=False)
    assert done.status_code == 303, done.text[:1000]
    assert done.headers["Location"].endswith("/patient/")


def _open_step(browser: requests.Session, instance: Instance) -> str:
    home = _page(browser.get(instance.url("/patient/"), allow_redirects=False))
    ids = [m.group(1) for a in home.select("a[href]")
           if (m := re.fullmatch(r"/patient/touchpoints/(\d+)/questionnaire", a["href"]))]
    assert ids, "no open questionnaire on the demo persona's home page"
    return f"/patient/touchpoints/{ids[0]}/steps/{number_of('what_matters')}"


def test_two_instances_share_sessions_answers_limits_and_sign_out(instances):
    a, b = instances
    assert [requests.get(i.url("/readyz"), timeout=5).status_code for i in (a, b)] == [200, 200]
    browser = requests.Session()
    _sign_in(browser, a)  # one POST: the provider's form (the token request is not counted)
    posts = 1

    # The session made on A works on B (the cookie is sent to both: same host).
    on_b = browser.get(b.url("/patient/"), allow_redirects=False)
    assert on_b.status_code == 200
    step = _open_step(browser, b)

    # Saved through B, shown by A.
    form = _form(_page(browser.get(b.url(step))))
    saved = browser.post(b.url(step), data={**form, "what_matters": PHRASE, "action": "next"},
                         allow_redirects=False)
    posts += 1
    assert saved.status_code == 303, saved.text[:500]
    shown = _page(browser.get(a.url(step), allow_redirects=False))
    assert shown.select_one("textarea[name=what_matters]").get_text() == PHRASE

    # The posts limit counts across both instances (and every worker of each).
    form = _form(shown)
    statuses = []
    while posts < POSTS_PER_MINUTE:
        target = (a, b)[posts % 2]
        statuses.append(browser.post(target.url(step), data={**form, "action": "next"},
                                     allow_redirects=False).status_code)
        posts += 1
    assert set(statuses) == {303}
    refused = [browser.post(target.url(step), data={**form, "action": "next"},
                            allow_redirects=False) for target in (a, b)]
    assert [r.status_code for r in refused] == [429, 429]
    assert all(1 <= int(r.headers["Retry-After"]) <= 60 for r in refused)

    # A new minute (this test's Redis database only): signing out on A ends the session on B.
    _redis().flushdb()
    home = _page(browser.get(a.url("/patient/")))
    token = home.select_one("form.header__sign-out input[name=csrf_token]")["value"]
    out = browser.post(a.url("/sign-out"), data={"csrf_token": token}, allow_redirects=False)
    assert out.status_code == 303
    after = browser.get(b.url("/patient/"), allow_redirects=False)
    assert after.status_code == 302
    assert "/sign-in" in after.headers["Location"]
    assert [requests.get(i.url("/readyz"), timeout=5).status_code for i in (a, b)] == [200, 200]

    # Every line either instance logged is JSON, and none names the persona or the answer.
    for instance in (a, b):
        text = instance.log.read_text()
        assert PERSONA not in text
        assert PHRASE not in text
        assert '"logger": "portal.request"' in text


def test_a_sign_in_works_whichever_worker_answers_the_token_request(instances):
    """Ten sign-ins on each instance: with two workers each, the portal's token request goes to
    the other worker or the same one, in whatever order gunicorn hands them out."""
    store = _redis()
    for instance in instances:
        for _ in range(10):
            store.flushdb()  # each sign-in posts the provider's form: keep under the limit
            browser = requests.Session()
            _sign_in(browser, instance)
            assert browser.get(instance.url("/patient/"), allow_redirects=False).status_code == 200
