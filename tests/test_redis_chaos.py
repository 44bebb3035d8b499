"""Chaos on one Redis key with a mixed fleet (issue #21): two Python, two Node and two PHP
worker processes (tests/_mixed.py) call the API through RedisTokenStore on 3 s access tokens
(the platform's default grace period), while the test SIGSTOPs a worker past its lease, FLUSHALLs
Redis, SIGKILLs a worker and restarts redis-server empty, at fixed moments. No session is lost
(no logout anywhere, and a new worker afterwards uses the session), every failed call is a
TokenStoreError (from the seconds Redis was empty or down), and refresh requests stay within
rotations plus one per chaos event. Bounded: about 12 s."""

from __future__ import annotations

import signal

import redis

from _fleet import CountingPlatform
from _mixed import MixedFleet, login, session_kept
from _redis import RedisServer

DURATION = 12.0


def test_a_mixed_fleet_on_one_redis_key_survives_chaos() -> None:
    key = "rcsdk:chaos:user"
    with RedisServer() as server, CountingPlatform(access_ttl=3, auth_rate_limit=None) as local:
        login(local, server.url, key)
        counts = {"python": 2, "node": 2, "php": 2}
        fleet = MixedFleet(local, server.url, key, counts, callers=2, duration=DURATION, lease=2.0)
        try:
            fleet.go()
            fleet.at(2.0)
            fleet.signal(2, signal.SIGSTOP)  # a Node worker, paused past its lease (2 s)
            fleet.at(5.0)
            fleet.signal(2, signal.SIGCONT)
            client = redis.Redis.from_url(server.url)
            client.flushall()  # the key is lost
            client.close()
            fleet.at(6.5)
            fleet.signal(5, signal.SIGKILL)  # a PHP worker
            fleet.at(8.0)
            server.restart()  # down and back, empty
            events = 4
            results = fleet.results()
        finally:
            fleet.close()
        figures = {
            "calls": sum(r["calls"] for r in results),
            "failed": sum(r["failed"] for r in results),
            "refresh_requests": local.grant_count("refresh_token"),
            "rotations": local.rotations,
        }
        print("mixed redis chaos:", figures)
        assert len(results) == 5 and all(r["calls"] > 0 for r in results)
        assert sum(r["violations"] for r in results) == 0  # no logout anywhere
        errors = [e for r in results for e in r["errors"]]
        assert all(e.startswith("TokenStoreError") for e in errors), errors[:5]
        assert local.rotations >= 3  # 3 s tokens for 12 s
        assert figures["refresh_requests"] <= local.rotations + events
        assert session_kept(local, server.url, key)
