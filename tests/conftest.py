"""Fixtures: the local platform on loopback, a clock tests can move, and platforms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from rcsdk import RCSDK, Platform
from rcsdk.testing import LocalPlatform

from _support import CREDS, FakeClock, PlatformFactory


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def local(clock: FakeClock) -> Iterator[LocalPlatform]:
    # Strict single-use refresh tokens: a second refresh with the same token is an error, so
    # the single-flight tests see every extra refresh (the grace period would hide them).
    with LocalPlatform(clock=clock, strict_refresh=True) as platform:
        yield platform


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
