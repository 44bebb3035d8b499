"""Shared fixtures: the local platform on loopback, a clock tests can move, and platforms."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import load, model
from rcsdk import RCSDK, Platform
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform

ROOT = Path(__file__).resolve().parent.parent
CREDS = LOCAL_CREDENTIALS
SPEC = model.build(load.load(ROOT / "spec" / "ringcentral-auth.yaml", "spec/ringcentral-auth.yaml"))


class FakeClock:
    """A clock shared by the client and the local platform, moved by the test, not by time."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Stands in for time.sleep: records the wait and moves the clock."""
        self.sleeps.append(seconds)
        self.advance(seconds)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def local(clock: FakeClock) -> Iterator[LocalPlatform]:
    with LocalPlatform(clock=clock) as platform:
        yield platform


PlatformFactory = Callable[..., Platform]


@pytest.fixture
def make_platform(local: LocalPlatform, clock: FakeClock) -> PlatformFactory:
    def make(**options: Any) -> Platform:
        options.setdefault("clock", clock)
        options.setdefault("sleep", clock.sleep)
        key = options.pop("app_key", CREDS["RC_APP_KEY"])
        secret = options.pop("app_secret", CREDS["RC_APP_SECRET"])
        return RCSDK(key, secret, local.url, **options).get_platform()

    return make


@pytest.fixture
def platform(make_platform: PlatformFactory) -> Platform:
    return make_platform()
