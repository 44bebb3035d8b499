"""A Python, a Node, a PHP and a Go worker on one Redis key share one session (docs/FLEET.md):
one login (Python's), rotations every few seconds under strictly single-use refresh tokens, one
refresh request per rotation whoever sends it, no failed call, no logout. The Node, PHP and Go
workers never log in: they use what the store holds (tests/js/redis_worker.mjs,
tests/php/redis_worker.php, tests/go/redisworker; the packages built in build/ by `make`)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from rcsdk import RCSDK, Event, Platform, RCSDKError
from rcsdk.redis import RedisTokenStore

from _fleet import CountingPlatform
from _mixed import COMMANDS as FLEET_COMMANDS
from _mixed import build_go_worker
from _support import CREDS, ROOT

DURATION = 6.0
JWT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
COMMANDS = {
    "node": ["node", str(ROOT / "tests" / "js" / "redis_worker.mjs")],
    "php": ["php", str(ROOT / "tests" / "php" / "redis_worker.php")],
    "go": FLEET_COMMANDS["go"],
}


@contextmanager
def worker(language: str, env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        COMMANDS[language],
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line == "ready\n", (
            f"{language} worker: {line!r} {process.stderr.read() if process.stderr else ''}"
        )
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def python_worker(platform: Platform, callers: int, duration: float) -> dict[str, Any]:
    seen = {"refreshes": 0, "refreshErrors": 0, "violations": 0}
    platform.on(Event.REFRESH_SUCCESS, lambda _: seen.update(refreshes=seen["refreshes"] + 1))
    platform.on(Event.REFRESH_ERROR, lambda _: seen.update(refreshErrors=seen["refreshErrors"] + 1))
    platform.on(Event.ACCESS_VIOLATION, lambda _: seen.update(violations=seen["violations"] + 1))
    outcome: dict[str, Any] = {"language": "python", "calls": 0, "failed": 0, "errors": []}
    lock = threading.Lock()
    deadline = time.monotonic() + duration

    def call() -> None:
        while time.monotonic() < deadline:
            try:
                platform.read_extension()
                with lock:
                    outcome["calls"] += 1
            except RCSDKError as exc:
                with lock:
                    outcome["failed"] += 1
                    outcome["errors"].append(repr(exc))
            time.sleep(0.05)  # pacing of the load

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {**outcome, **seen}


def test_a_python_a_node_a_php_and_a_go_worker_share_one_session(redis_url: str) -> None:
    key = "rcsdk:mixed:user"
    build_go_worker()
    with CountingPlatform(access_ttl=3, auth_rate_limit=None, strict_refresh=True) as local:
        python = RCSDK(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_url, lease=5.0),
            refresh_margin=0.5,
        ).get_platform()
        python.login_jwt(CREDS["RC_JWT"])
        env = {
            **local.env(),
            "RC_REDIS": redis_url,
            "RC_KEY": key,
            "RC_DURATION": str(DURATION),
            "RC_CALLERS": "2",
            "RC_LEASE": "5",  # PHP does not renew its lease: room for a slow refresh under load
            "RCSDK_PHP_AUTOLOAD": str(ROOT / "build" / "php" / "vendor" / "autoload.php"),
        }
        with ExitStack() as stack:
            others = [stack.enter_context(worker(language, env)) for language in COMMANDS]
            for process in others:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            results = [python_worker(python, 2, DURATION)]
            for process in others:
                stdout, stderr = process.communicate(timeout=60)
                assert process.returncode == 0, stderr
                results.append(json.loads(stdout.strip().splitlines()[-1]))
        figures = {
            r["language"]: {k: r[k] for k in ("calls", "failed", "refreshes")} for r in results
        }
        print("mixed fleet:", figures, "rotations:", local.rotations)
        assert local.grant_count(JWT) == 1  # Python's login; the others used the store's
        assert [r["errors"] for r in results] == [[]] * (1 + len(COMMANDS))
        assert all(r["calls"] > 0 and r["failed"] == 0 for r in results), figures
        assert sum(r["violations"] + r["refreshErrors"] for r in results) == 0
        assert local.rotations >= 2  # 3 s tokens for 6 s
        # One refresh request per rotation, whichever worker sent it (a second one with the same
        # single-use token would have been refused).
        assert local.grant_count("refresh_token") == local.rotations
        assert sum(r["refreshes"] for r in results) == local.rotations
        assert RedisTokenStore(key, url=redis_url).load() is not None
        after = RCSDK(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_url),
        ).get_platform()
        assert after.read_extension().id == 1234567890
