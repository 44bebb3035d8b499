"""Fixtures: the local platform on loopback, a clock tests can move, platforms, and a real
redis-server (started once per session by the tests that ask for it, emptied for each test)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis

from rcsdk import RCSDK, Platform
from rcsdk.testing import LocalPlatform

from _redis import RedisServer
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


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The URL of an empty Redis database on the tests' own redis-server."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    return redis_server.url
