"""Chaos on one Redis key with a mixed fleet (issue #21): two Python, two Node and two PHP
worker processes call the API through RedisTokenStore on 3 s access tokens (the platform's
default grace period), while the test SIGSTOPs a worker past its lease, FLUSHALLs Redis,
SIGKILLs a worker and restarts redis-server empty. No session is lost (no logout anywhere, and a
new worker afterwards uses the session), every failed call is a TokenStoreError from the
seconds Redis was empty or down, and refresh requests stay within rotations plus one per chaos
event. Bounded: about 12 s."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import redis

from rcsdk import RCSDK
from rcsdk.redis import RedisTokenStore

from _fleet import CountingPlatform
from _redis import RedisServer
from _support import CREDS, ROOT

DURATION = 12.0
PYTHON_WORKER = """
import json, os, sys, threading, time
from rcsdk import RCSDK, Event, RCSDKError
from rcsdk.redis import RedisTokenStore
env = os.environ
store = RedisTokenStore(env["RC_KEY"], url=env["RC_REDIS"], lease=float(env["RC_LEASE"]))
p = RCSDK(env["RC_APP_KEY"], env["RC_APP_SECRET"], env["RC_SERVER"], store=store,
          refresh_margin=0.5).get_platform()
seen = {"refreshes": 0, "refreshErrors": 0, "violations": 0}
p.on(Event.REFRESH_SUCCESS, lambda _: seen.update(refreshes=seen["refreshes"] + 1))
p.on(Event.REFRESH_ERROR, lambda _: seen.update(refreshErrors=seen["refreshErrors"] + 1))
p.on(Event.ACCESS_VIOLATION, lambda _: seen.update(violations=seen["violations"] + 1))
print("ready", flush=True)
sys.stdin.readline()
out = {"calls": 0, "failed": 0, "errors": []}
lock = threading.Lock()
deadline = time.monotonic() + float(env["RC_DURATION"])
def call():
    while time.monotonic() < deadline:
        try:
            p.read_extension()
            with lock:
                out["calls"] += 1
        except RCSDKError as exc:
            with lock:
                out["failed"] += 1
                out["errors"].append(f"{type(exc).__name__}: {exc}")
        time.sleep(0.05)  # pacing of the load
threads = [threading.Thread(target=call) for _ in range(int(env["RC_CALLERS"]))]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps({"language": "python", **out, **seen}), flush=True)
"""
COMMANDS = {
    "python": [sys.executable, "-c", PYTHON_WORKER],
    "node": ["node", str(ROOT / "tests" / "js" / "redis_worker.mjs")],
    "php": ["php", str(ROOT / "tests" / "php" / "redis_worker.php")],
}


def test_a_mixed_fleet_on_one_redis_key_survives_chaos() -> None:
    key = "rcsdk:chaos:user"
    with (
        RedisServer() as redis_server,
        CountingPlatform(access_ttl=3, auth_rate_limit=None) as local,
    ):
        RCSDK(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_server.url),
        ).get_platform().login_jwt(CREDS["RC_JWT"])
        env = {
            **os.environ,
            **local.env(),
            "RC_REDIS": redis_server.url,
            "RC_KEY": key,
            "RC_DURATION": str(DURATION),
            "RC_CALLERS": "2",
            "RC_LEASE": "1",
            "RCSDK_PHP_AUTOLOAD": str(ROOT / "build" / "php" / "vendor" / "autoload.php"),
        }
        workers = [
            (language, subprocess.Popen(
                command, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, start_new_session=True,
            ))
            for language, command in COMMANDS.items()
            for _ in range(2)
        ]  # fmt: skip
        events = 0
        try:
            for language, process in workers:
                assert process.stdout is not None
                assert process.stdout.readline() == "ready\n", language
            started = time.monotonic()
            for _, process in workers:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()

            def at(moment: float) -> None:
                time.sleep(max(0.0, started + moment - time.monotonic()))  # a scheduled moment

            stopped, killed = workers[2][1], workers[5][1]  # a Node worker, a PHP worker
            at(2.0)
            os.killpg(stopped.pid, signal.SIGSTOP)  # paused past its lease (1 s)
            at(4.0)
            os.killpg(stopped.pid, signal.SIGCONT)
            flush = redis.Redis.from_url(redis_server.url)
            flush.flushall()  # the key is lost
            flush.close()
            at(6.0)
            os.killpg(killed.pid, signal.SIGKILL)
            at(7.5)
            redis_server.restart()  # down and back, empty
            events = 4
            results: list[dict[str, Any]] = []
            for _, process in workers:
                stdout, stderr = process.communicate(timeout=DURATION + 60)
                if process is killed:
                    continue
                assert process.returncode == 0, stderr
                results.append(json.loads(stdout.strip().splitlines()[-1]))
        finally:
            for _, process in workers:
                if process.poll() is None:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()
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
        assert local.rotations >= 3
        assert figures["refresh_requests"] <= local.rotations + events
        after = RCSDK(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_server.url),
        ).get_platform()
        assert after.read_extension().id == 1234567890  # the session survived
