"""Real-browser fixtures: system Chromium at phone size, and the portal served on a loopback port.

The portal runs in a daemon thread (werkzeug's threaded server) against the same migrated test
database as the rest of the suite (``database_url`` from ``tests/conftest.py``). Each test makes
its own patient, so tests do not share answers; the tables are emptied when the session ends.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from werkzeug.serving import WSGIRequestHandler, make_server

from portal import create_app
from portal.db import session_factory
from portal.settings import Settings
from tests import factories
from tests.browser.support import CHROMIUM, NO_CHROMIUM, PHONE, PHONE_SIZES
from tests.conftest import TEST_SECRET, _empty_all_tables

# An expectation waits up to 15 s (Playwright's default is 5): a CI machine busy with PostgreSQL,
# Java and Node can take longer than 5 s to serve a page. A check that passes does not wait.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser``, and skip it (with the reason) when the system
    Chromium is not installed."""
    here = Path(__file__).parent
    missing = not Path(CHROMIUM).exists()
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason=NO_CHROMIUM))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(NO_CHROMIUM)
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"],
    }


@pytest.fixture
def phone_width(request: pytest.FixtureRequest) -> int:
    """The phone's width in CSS px: 390 unless a test runs at both sizes (``both_phone_sizes``)."""
    width: int = getattr(request, "param", 390)
    return width


@pytest.fixture
def browser_context_args(browser_context_args: dict[str, Any], live_server: str,
                         phone_width: int) -> dict[str, Any]:
    return {**browser_context_args, **PHONE, "viewport": PHONE_SIZES[phone_width],
            "base_url": live_server}


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """One line per request would only bury the test output."""


@pytest.fixture(scope="session")
def live_app(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    # No rate limits: the whole browser suite is one client address signing in and posting far
    # faster than any person (a CI run hit the 20 sign-ins per minute and got a 429 page). The
    # limits themselves are tested in tests/integration/test_rate_limits.py.
    settings = Settings(env="development", secret_key=TEST_SECRET,
                        instance_path=tmp_path_factory.mktemp("browser-instance"),
                        database_url=database_url, dev_idp=True, secure_cookies=False,
                        rate_limit_sign_in="", rate_limit_posts="")
    app = create_app(settings)
    yield app
    _empty_all_tables(app)


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    """The portal on 127.0.0.1 and a free port; yields the base URL."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-portal", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def make_patient(live_app: Flask) -> Callable[[], str]:
    """Make a patient whose touchpoint 2 is open (diagnosed 100 days ago, touchpoint 1 held);
    returns the national identity number to sign in with."""

    def make() -> str:
        session = session_factory(live_app)()
        try:
            return factories.patient(session, diagnosed_days_ago=100, held=(1,)).national_id
        finally:
            session.close()

    return make
