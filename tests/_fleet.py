"""A fleet of workers sharing one session through Redis, for the fleet test and `make bench`.

Each worker is a "machine": its own process (and process group, so that it can be SIGKILLed
whole), its own ``RCSDK`` and ``RedisTokenStore``. ``python tests/_fleet.py WORKER CONFIG``
runs one worker: it prints ``ready``, waits for ``go`` on stdin, works, and prints one JSON line
(calls made, calls failed, logouts, refreshes it did). ``Fleet`` starts them and kills some.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rcsdk import RCSDK, Event, Platform, RCSDKError
from rcsdk.redis import RedisTokenStore
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform

HERE = Path(__file__).resolve()
REFRESH_GRANT = "refresh_token"


class CountingPlatform(LocalPlatform):
    """The local platform, counting rotations it granted and the 429s it sent (with when)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.rotations = 0
        self.denied_at: list[float] = []
        self._count_lock = threading.Lock()

    def __enter__(self) -> CountingPlatform:
        self.start()
        return self

    def token(self, headers: Any, body: bytes) -> Any:
        try:
            result = super().token(headers, body)
        except Exception as exc:
            if getattr(exc, "status", None) == 429:
                with self._count_lock:
                    self.denied_at.append(time.time())
            raise
        if b"grant_type=refresh_token" in body:
            with self._count_lock:
                self.rotations += 1
        return result


def worker(config: dict[str, Any]) -> dict[str, Any]:
    store = RedisTokenStore(config["key"], url=config["redis"], lease=config.get("lease", 10.0))
    sdk = RCSDK(
        LOCAL_CREDENTIALS["RC_APP_KEY"],
        LOCAL_CREDENTIALS["RC_APP_SECRET"],
        config["server"],
        store=store,
        refresh_margin=config.get("refresh_margin", 0.5),
        max_retry_wait=config.get("max_retry_wait", 60.0),
    )
    platform = sdk.get_platform()
    events: Counter[str] = Counter()

    def counter(name: str) -> Callable[[object], None]:
        return lambda _payload: events.update([name])

    for event in (Event.REFRESH_SUCCESS, Event.REFRESH_ERROR, Event.ACCESS_VIOLATION):
        platform.on(event, counter(event.value))
    print("ready", flush=True)
    sys.stdin.readline()  # "go"
    outcome: Counter[str] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def note(kind: str, error: Exception | None = None) -> None:
        with lock:
            outcome[kind] += 1
            if error is not None and len(errors) < 5:
                errors.append(f"{type(error).__name__}: {error}")

    if config["mode"] == "login":
        try:
            platform.login_jwt(LOCAL_CREDENTIALS["RC_JWT"])
            platform.read_extension()
            note("calls")
        except RCSDKError as exc:
            note("failed", exc)
    else:
        deadline = time.monotonic() + config["duration"]
        pace = config.get("pace", 0.05)

        def work() -> None:
            while time.monotonic() < deadline:
                try:
                    platform.read_extension()
                    note("calls")
                except RCSDKError as exc:
                    note("failed", exc)
                time.sleep(pace)  # pacing of the load, not a wait for a condition

        threads = [threading.Thread(target=work) for _ in range(config["threads"])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return {
        "calls": outcome["calls"],
        "failed": outcome["failed"],
        "errors": errors,
        "refreshes": events[Event.REFRESH_SUCCESS.value],
        "refresh_errors": events[Event.REFRESH_ERROR.value],
        "logouts": events[Event.ACCESS_VIOLATION.value],
        "authorized": platform.is_authorized(),
    }


class Fleet:
    """``workers`` processes, each in its own process group, started together by ``go()``."""

    def __init__(self, count: int, config: dict[str, Any]) -> None:
        self.config = config
        self.processes = [
            subprocess.Popen(
                [sys.executable, str(HERE), "worker", json.dumps(config)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                start_new_session=True,
            )
            for _ in range(count)
        ]
        for process in self.processes:
            assert process.stdout is not None
            line = process.stdout.readline()
            if line != "ready\n":
                raise RuntimeError(f"a worker did not start: {line!r} {process.stderr}")
        self.killed: set[int] = set()

    def go(self) -> None:
        for process in self.processes:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()

    def kill(self, index: int) -> None:
        """SIGKILL the worker's whole process group, wherever it is."""
        os.killpg(self.processes[index].pid, signal.SIGKILL)
        self.killed.add(index)

    def kill_at_random(self, count: int, within: float, rng: random.Random) -> threading.Thread:
        """Kill ``count`` workers at random moments in the next ``within`` seconds."""
        victims = rng.sample(range(len(self.processes)), count)
        moments = sorted(rng.uniform(0.1 * within, 0.9 * within) for _ in victims)
        start = time.monotonic()

        def run() -> None:
            for victim, moment in zip(victims, moments, strict=True):
                time.sleep(max(0.0, start + moment - time.monotonic()))  # a scheduled moment
                self.kill(victim)

        thread = threading.Thread(target=run)
        thread.start()
        return thread

    def results(self, timeout: float) -> list[dict[str, Any]]:
        """The JSON line of every surviving worker (a worker that failed to report raises)."""
        out: list[dict[str, Any]] = []
        for index, process in enumerate(self.processes):
            stdout, stderr = process.communicate(timeout=timeout)
            if index in self.killed:
                continue
            if process.returncode != 0:
                raise RuntimeError(f"worker {index} exited {process.returncode}: {stderr}")
            out.append(json.loads(stdout.strip().splitlines()[-1]))
        return out

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def fleet(count: int, config: dict[str, Any]) -> Iterator[Fleet]:
    started = Fleet(count, config)
    try:
        yield started
    finally:
        started.close()


def rotations(
    redis_url: str,
    *,
    workers: int,
    threads: int,
    duration: float,
    kills: int = 0,
    strict: bool = True,
    seed: int = 13,
) -> dict[str, Any]:
    """Workers calling the API on one session of 2 s access tokens for ``duration`` seconds,
    ``kills`` of them SIGKILLed at random moments. Survivors' figures, the platform's counts,
    and whether the session still works afterwards."""
    with CountingPlatform(access_ttl=2, auth_rate_limit=None, strict_refresh=strict) as local:
        key = f"rcsdk:fleet:{random.Random().getrandbits(32):08x}"
        first = Platform(
            LOCAL_CREDENTIALS["RC_APP_KEY"],
            LOCAL_CREDENTIALS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_url),
            refresh_margin=0.5,
        )
        first.login_jwt(LOCAL_CREDENTIALS["RC_JWT"])
        config = {
            "mode": "calls",
            "server": local.url,
            "redis": redis_url,
            "key": key,
            "threads": threads,
            "duration": duration,
            "lease": 2.0,
        }
        with fleet(workers, config) as started:
            started.go()
            killer = started.kill_at_random(kills, duration, random.Random(seed)) if kills else None
            results = started.results(timeout=duration + 120)
            if killer is not None:
                killer.join()
        refresh_requests, rotated = local.grant_count(REFRESH_GRANT), local.rotations
        after = Platform(
            LOCAL_CREDENTIALS["RC_APP_KEY"],
            LOCAL_CREDENTIALS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_url),
            refresh_margin=0.5,
        )
        try:
            session_kept = after.read_extension().id is not None
        except RCSDKError:
            session_kept = False
        return {
            **summary(results),
            "killed": kills,
            "duration": duration,
            "threads": threads,
            "refresh_requests": refresh_requests,
            "rotations": rotated,
            "session_kept": session_kept,
        }


def login_storm(redis_url: str, *, workers: int, limit: int, window: float) -> dict[str, Any]:
    """Workers logging in at once with the Auth group at ``limit`` per ``window`` seconds."""
    with CountingPlatform(auth_rate_limit=(limit, window)) as local:
        key = f"rcsdk:storm:{random.Random().getrandbits(32):08x}"
        config = {
            "mode": "login",
            "server": local.url,
            "redis": redis_url,
            "key": key,
            "max_retry_wait": window + 5,
        }
        started_at = time.monotonic()
        with fleet(workers, config) as started:
            began = time.monotonic()
            started.go()
            results = started.results(timeout=window * (workers / limit + 2) + 60)
        ended = time.monotonic()
        denied = sorted(local.denied_at)
        worst = max((sum(1 for t in denied if d <= t < d + window) for d in denied), default=0)
        return {
            **summary(results),
            "limit": limit,
            "window": window,
            "logins": local.grant_count("urn:ietf:params:oauth:grant-type:jwt-bearer"),
            "rate_limited": len(denied),
            "most_429_in_a_window": worst,
            "seconds": round(ended - began, 2),
            "startup_seconds": round(began - started_at, 2),
        }


def summary(results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "workers": len(results),
        "calls": sum(r["calls"] for r in results),
        "failed": sum(r["failed"] for r in results),
        "logouts": sum(r["logouts"] for r in results),
        "refresh_errors": sum(r["refresh_errors"] for r in results),
        "refreshes": sum(r["refreshes"] for r in results),
        "all_authorized": all(r["authorized"] for r in results),
        "errors": [e for r in results for e in r["errors"]][:5],
    }


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    print(json.dumps(worker(json.loads(sys.argv[2]))), flush=True)
