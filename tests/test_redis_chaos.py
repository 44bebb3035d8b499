"""Chaos on one Redis key with a mixed fleet (issue #21): two Python, two Node and two PHP
worker processes (tests/_mixed.py) call the API through RedisTokenStore on 3 s access tokens
(the platform's default grace period). The platform SIGSTOPs the worker whose refresh it has just
granted, before that worker receives the answer, and keeps it stopped past its lease; later it
SIGKILLs another at the same point (the new pair dies with it); between, the test FLUSHALLs Redis
and restarts redis-server empty. No session is lost (no logout anywhere, and a new worker
afterwards uses the session), failed calls are few and typed (see below), and refresh requests
stay within rotations plus one per chaos event. Bounded: about 12 s."""

from __future__ import annotations

import re
import signal
import threading
from typing import Any

import redis

from _fleet import CountingPlatform
from _mixed import MixedFleet, login, session_kept
from _redis import RedisServer

DURATION = 12.0
LEASE = 2.0


class Chaos(CountingPlatform):
    """Signals the sender of the next refresh it grants, after granting it and before its
    answer leaves: ``arm(SIGSTOP)`` (continued after ``LEASE`` + 1 s) or ``arm(SIGKILL)``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.fleet: MixedFleet | None = None
        self.armed: signal.Signals | None = None
        self.fired: list[str] = []
        self._arm_lock = threading.Lock()

    def arm(self, sig: signal.Signals) -> None:
        with self._arm_lock:
            self.armed = sig

    def token(self, headers: Any, body: bytes) -> Any:
        result = super().token(headers, body)  # the rotation is done: the new pair exists
        sender = re.search(r"fleet-worker/(\d+)", headers.get("User-Agent", ""))
        if b"grant_type=refresh_token" in body and sender is not None and self.fleet is not None:
            with self._arm_lock:
                sig, self.armed = self.armed, None
            if sig is not None and self.fleet.signal_pid(int(sender.group(1)), sig):
                self.fired.append(sig.name)
                if sig == signal.SIGSTOP:
                    pid = int(sender.group(1))
                    threading.Timer(
                        LEASE + 1.0,
                        lambda: self.fleet and self.fleet.signal_pid(pid, signal.SIGCONT),
                    ).start()
        return result


def test_a_mixed_fleet_on_one_redis_key_survives_chaos() -> None:
    key = "rcsdk:chaos:user"
    local = Chaos(access_ttl=3, auth_rate_limit=None)
    with RedisServer() as server, local:
        login(local, server.url, key)
        counts = {"python": 2, "node": 2, "php": 2, "go": 2}
        fleet = MixedFleet(
            local, server.url, key, counts, callers=2, duration=DURATION, lease=LEASE
        )
        local.fleet = fleet
        try:
            fleet.go()
            local.arm(signal.SIGSTOP)  # at the next refresh: its sender, paused past its lease
            fleet.at(4.0)
            client = redis.Redis.from_url(server.url)
            client.flushall()  # the key is lost
            client.close()
            fleet.at(5.0)
            local.arm(signal.SIGKILL)  # at the next refresh: its sender, killed with the new pair
            fleet.at(8.0)
            server.restart()  # down and back, empty
            results = fleet.results()
        finally:
            fleet.close()
        events = 4
        figures = {
            "calls": sum(r["calls"] for r in results),
            "failed": sum(r["failed"] for r in results),
            "refresh_requests": local.grant_count("refresh_token"),
            "rotations": local.rotations,
            "fired": local.fired,
        }
        print("mixed redis chaos:", figures, [e[:90] for r in results for e in r["errors"]])
        assert local.fired == ["SIGSTOP", "SIGKILL"]  # each landed on a refresh in flight
        assert len(results) == sum(counts.values()) - 1 and all(r["calls"] > 0 for r in results)
        assert sum(r["violations"] for r in results) == 0  # no logout anywhere
        # Failed calls are typed (a worker that met anything else would exit non-zero), and are
        # those the test provokes: TokenStoreError while Redis restarts and the tokens in memory
        # died with a rotation; and TokenErrors (401, access token expired) around the restart,
        # not yet explained: 0-2 in a quiet run, 7 of 1097 calls once on a machine at load 10
        # (docs/FLEET.md; issue #21 asks for none, which this does not reach yet). All of them
        # together stay under 2% of calls. Each worker reports its first five.
        errors = [e.rsplit("\\", 1)[-1] for r in results for e in r["errors"]]
        assert all(e.startswith(("TokenStoreError", "TokenError")) for e in errors), errors[:5]
        assert figures["failed"] <= 0.02 * figures["calls"]
        assert local.rotations >= 3  # 3 s tokens for 12 s
        assert figures["refresh_requests"] <= local.rotations + events
        assert session_kept(local, server.url, key)
