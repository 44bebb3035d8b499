"""The shared rate-limit budget through the client: the X-Rate-Limit-* headers of every response
are read; a used-up group is waited out (or, failing fast, refused) without spending a request,
across the threads of one process without Redis, and across workers with Redis."""

from __future__ import annotations

import itertools
import threading

import pytest

from rcsdk import Platform, RateLimitError
from rcsdk.redis import RedisTokenStore

from _fleet import CountingPlatform, login_storm
from _support import CREDS

EXTENSION = "GET /restapi/v1.0/account/~/extension/~"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def new_platform(url: str, **options: object) -> Platform:
    return Platform(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], url, **options)  # type: ignore[arg-type]


def test_threads_of_one_process_meet_at_most_one_429_per_window() -> None:
    with CountingPlatform(auth_rate_limit=(2, 1.0)) as local:
        platform = new_platform(local.url)
        start = threading.Barrier(6)
        failures: list[Exception] = []

        def login() -> None:
            start.wait()
            try:
                platform.login_jwt(CREDS["RC_JWT"])
            except Exception as exc:  # counted, and shown by the assertion below
                failures.append(exc)

        threads = [threading.Thread(target=login) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert failures == []
        assert local.grant_count(JWT_GRANT) - len(local.denied_at) == 6
        denied = sorted(local.denied_at)
        assert all(b - a >= 1.0 for a, b in itertools.pairwise(denied))
        assert platform.read_extension().id == 1234567890


def test_a_used_up_group_is_not_spent_by_other_workers(redis_url: str) -> None:
    with CountingPlatform(auth_rate_limit=None, api_rate_limits=True) as local:
        key = "rcsdk:test:api-budget"
        first = new_platform(local.url, store=RedisTokenStore(key, url=redis_url))
        first.login_jwt(CREDS["RC_JWT"])
        for _ in range(50):  # the Light group: 50 a minute
            first.read_extension()
        other = new_platform(local.url, store=RedisTokenStore(key, url=redis_url), max_retries=0)
        with pytest.raises(RateLimitError, match="not sent") as caught:
            other.read_extension()
        assert caught.value.retry_after is not None and 55 <= caught.value.retry_after <= 60.5
        patient = new_platform(
            local.url, store=RedisTokenStore(key, url=redis_url), max_retry_wait=1.0
        )
        with pytest.raises(RateLimitError, match="'Light' group"):
            patient.read_extension()  # a minute is more than it may wait
        assert local.counts[EXTENSION] == 50  # no request went out to learn it


def test_a_login_storm_meets_at_most_one_429_per_window(redis_url: str) -> None:
    run = login_storm(redis_url, workers=6, limit=2, window=1.0)
    assert run["workers"] == 6 and run["failed"] == 0, run["errors"]
    assert run["all_authorized"]
    assert run["most_429_in_a_window"] <= 1
    assert run["logins"] - run["rate_limited"] == 6  # each worker logged in once
    assert run["seconds"] >= 2.0  # 6 logins at 2 a second take three windows
