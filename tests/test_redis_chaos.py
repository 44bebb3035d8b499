"""Chaos on one Redis key with a mixed fleet (issue #21): two Python, two Node and two PHP
worker processes (tests/_mixed.py) call the API through RedisTokenStore on 3 s access tokens
(the platform's default grace period). The platform SIGSTOPs the worker whose refresh it has just
granted, before that worker receives the answer, and keeps it stopped past its lease; later it
SIGKILLs another at the same point (the new pair dies with it); between, the test FLUSHALLs Redis
and restarts redis-server empty. No session is lost (no logout anywhere, and a new worker
afterwards uses the session), no call fails outside the second after the FLUSHALL and the restart
(those that fail in it are typed: TokenStoreError; a 401 reaching a caller fails the test
anywhere), and refresh requests stay within rotations plus one per signal.
Bounded: about 12 s.

The stopped worker reads its answer 3 s late, and its tokens' lifetime counts from its request,
not from that answer (AuthState.issued, generated/cases.json): when the FLUSHALL has lost the key
meanwhile, it writes its pair back, and an expiry counted from the late answer had the whole
fleet send an expired access token (OAU-128), then send it again on the 401's retry.
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections import Counter
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
        self.grants: list[tuple[float, str, int]] = []
        """Each refresh granted: when, to whose process, the access token's announced lifetime
        (a grace-period answer announces what is left of it), for a failure's context."""
        self._arm_lock = threading.Lock()

    def arm(self, sig: signal.Signals) -> None:
        with self._arm_lock:
            self.armed = sig

    def token(self, headers: Any, body: bytes) -> Any:
        result = super().token(headers, body)  # the rotation is done: the new pair exists
        sender = re.search(r"fleet-worker/(\d+)", headers.get("User-Agent", ""))
        if b"grant_type=refresh_token" in body:
            who = sender.group(1) if sender is not None else "?"
            self.grants.append((time.time(), who, result[0]["expires_in"]))
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
            start = time.time()
            fleet.go()
            local.arm(signal.SIGSTOP)  # at the next refresh: its sender, paused past its lease
            fleet.at(4.0)
            client = redis.Redis.from_url(server.url)
            flushed = time.time()
            client.flushall()  # the key is lost
            client.close()
            fleet.at(5.0)
            local.arm(signal.SIGKILL)  # at the next refresh: its sender, killed with the new pair
            fleet.at(8.0)
            down = time.time()
            server.restart()  # down and back, empty
            up = time.time()
            results = fleet.results()
        finally:
            fleet.close()
        signals = len(local.fired)  # kills + stops
        figures = {
            "calls": sum(r["calls"] for r in results),
            "failed": sum(r["failed"] for r in results),
            "refresh_requests": local.grant_count("refresh_token"),
            "rotations": local.rotations,
            "fired": local.fired,
        }
        # Every failed call, with when it failed (seconds after go), who, what; the chaos windows
        # are the second after the FLUSHALL and from the restart to a second after it.
        windows = [(flushed, flushed + 1.0), (down, up + 1.0)]
        failures = [(at, r["language"], error) for r in results for at, error in r["failures"]]
        outside = [f for f in failures if not any(lo <= f[0] <= hi for lo, hi in windows)]
        context = {
            "windows": [(round(lo - start, 3), round(hi - start, 3)) for lo, hi in windows],
            "refreshes granted (s, pid, expires_in)": [
                (round(at - start, 3), pid, lifetime) for at, pid, lifetime in local.grants
            ],
            "pids": {process.pid: language for language, process in fleet.workers},
        }
        shown = [(round(at - start, 3), who, error[:110]) for at, who, error in failures]
        kinds = Counter(
            f"{who} {error.rsplit(chr(92), 1)[-1].split(':')[0]}" for _, who, error in failures
        )
        print("mixed redis chaos:", figures, dict(kinds), context, shown[:3])
        assert local.fired == ["SIGSTOP", "SIGKILL"]  # each landed on a refresh in flight
        assert len(results) == sum(counts.values()) - 1 and all(r["calls"] > 0 for r in results)
        assert all(len(r["failures"]) == r["failed"] for r in results)  # each failure is placed
        assert sum(r["violations"] for r in results) == 0  # no logout anywhere
        assert outside == [], (shown, context)
        # In the windows, a failed call is typed (a worker that met anything else exits
        # non-zero), and a store's: TokenStoreError while Redis is down and the access token in
        # memory died with a rotation (docs/FLEET.md, "Redis down"). A TokenError (401) that
        # reaches a caller means its retry sent a dead access token again: never, in or out of
        # the windows (it was the SIGSTOPped worker's late pair, written back after the FLUSHALL).
        assert all(e.rsplit("\\", 1)[-1].startswith("TokenStoreError") for _, _, e in failures), (
            shown
        )
        assert local.rotations >= 3  # 3 s tokens for 12 s
        assert figures["refresh_requests"] <= local.rotations + signals
        assert session_kept(local, server.url, key)
