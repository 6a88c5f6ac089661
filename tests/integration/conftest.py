"""Fixtures shared by the integration tests."""

from __future__ import annotations

import time

import pytest


class Clock:
    """Moves the sign-in's clock forward (idle limits, absolute lifetime)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = 0.0
        real = time.time
        monkeypatch.setattr("portal.auth.session.time.time", lambda: real() + self.offset)

    def advance(self, minutes: float) -> None:
        self.offset += minutes * 60


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)
