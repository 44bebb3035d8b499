"""A fleet of worker processes in four languages on one Redis key, for the chaos test
(tests/test_redis_chaos.py) and `make bench`: Python (the script below), Node
(tests/js/redis_worker.mjs), PHP (tests/php/redis_worker.php) and Go (tests/go/redisworker,
built by ``build_go_worker``) workers, each its own process group, started together, each
printing one JSON line of figures (calls, failed calls, errors, refreshes, refresh errors,
logouts) and ``failures``: every failed call as ``[when, error]``, ``when`` in seconds since the
epoch (the chaos test places each in or out of its chaos windows). The packages are the ones
`make` built in build/."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

from rcsdk import RCSDK, RCSDKError
from rcsdk.redis import RedisTokenStore

from _fleet import CountingPlatform
from _support import CREDS, ROOT

PYTHON_WORKER = """
import json, os, sys, threading, time
from rcsdk import RCSDK, Event, RCSDKError
from rcsdk.redis import RedisTokenStore
env = os.environ
store = RedisTokenStore(env["RC_KEY"], url=env["RC_REDIS"], lease=float(env["RC_LEASE"]))
p = RCSDK(env["RC_APP_KEY"], env["RC_APP_SECRET"], env["RC_SERVER"], store=store,
          refresh_margin=0.5, user_agent=f"fleet-worker/{os.getpid()}").get_platform()
seen = {"refreshes": 0, "refreshErrors": 0, "violations": 0}
p.on(Event.REFRESH_SUCCESS, lambda _: seen.update(refreshes=seen["refreshes"] + 1))
p.on(Event.REFRESH_ERROR, lambda _: seen.update(refreshErrors=seen["refreshErrors"] + 1))
p.on(Event.ACCESS_VIOLATION, lambda _: seen.update(violations=seen["violations"] + 1))
print("ready", flush=True)
sys.stdin.readline()
out = {"calls": 0, "failed": 0, "errors": [], "failures": []}
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
                out["failures"].append([time.time(), f"{type(exc).__name__}: {exc}"])
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
    "go": [str(ROOT / "build" / "go-workers" / "redisworker")],
}


def build_go_worker(program: str = "redisworker") -> str:
    """Build tests/go/<program> into build/go-workers (Go's build cache makes it quick after
    the first time) and return its path. The binary itself is the worker process, not `go
    run`'s child: the chaos test signals the process whose pid sent a refresh."""
    out = ROOT / "build" / "go-workers"
    out.mkdir(parents=True, exist_ok=True)
    building = out / f".{program}.{os.getpid()}"  # suites side by side never share a file
    subprocess.run(
        ["go", "build", "-o", str(building), f"./{program}"],
        cwd=ROOT / "tests" / "go",
        check=True,
        timeout=600,
    )
    os.replace(building, out / program)
    return str(out / program)


class MixedFleet:
    """``counts`` workers per language on ``key``, each with ``callers`` callers (PHP: one)."""

    def __init__(
        self,
        local: CountingPlatform,
        redis_url: str,
        key: str,
        counts: dict[str, int],
        *,
        callers: int,
        duration: float,
        lease: float = 1.0,
    ) -> None:
        env = {
            **os.environ,
            **local.env(),
            "RC_REDIS": redis_url,
            "RC_KEY": key,
            "RC_DURATION": str(duration),
            "RC_CALLERS": str(callers),
            "RC_LEASE": str(lease),
            "RCSDK_PHP_AUTOLOAD": str(ROOT / "build" / "php" / "vendor" / "autoload.php"),
        }
        self.duration = duration
        if counts.get("go"):
            build_go_worker()
        self.workers = [
            (language, subprocess.Popen(
                COMMANDS[language], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, start_new_session=True,
            ))
            for language, count in counts.items()
            for _ in range(count)
        ]  # fmt: skip
        self.killed: set[int] = set()
        for language, process in self.workers:
            assert process.stdout is not None
            line = process.stdout.readline()
            if line != "ready\n":
                self.close()
                raise RuntimeError(f"a {language} worker did not start: {line!r}")
        self.started = 0.0

    def go(self) -> None:
        self.started = time.monotonic()
        for _, process in self.workers:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()

    def at(self, moment: float) -> None:
        """Wait until ``moment`` seconds after ``go()`` (a scheduled moment)."""
        time.sleep(max(0.0, self.started + moment - time.monotonic()))

    def send_signal(self, index: int, sig: signal.Signals) -> None:
        os.killpg(self.workers[index][1].pid, sig)
        if sig == signal.SIGKILL:
            self.killed.add(index)

    def signal_pid(self, pid: int, sig: signal.Signals) -> bool:
        """Signal the worker whose process is ``pid``; False if it is none of ours."""
        for index, (_, process) in enumerate(self.workers):
            if process.pid == pid:
                self.send_signal(index, sig)
                return True
        return False

    def results(self) -> list[dict[str, Any]]:
        """The figures of every worker not killed (one that failed to report raises)."""
        out = []
        for index, (language, process) in enumerate(self.workers):
            stdout, stderr = process.communicate(timeout=self.duration + 60)
            if index in self.killed:
                continue
            if process.returncode != 0:
                raise RuntimeError(f"a {language} worker exited {process.returncode}: {stderr}")
            out.append(json.loads(stdout.strip().splitlines()[-1]))
        return out

    def close(self) -> None:
        for _, process in self.workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def login(local: CountingPlatform, redis_url: str, key: str) -> None:
    """The fleet's one login, by a Python platform."""
    RCSDK(
        CREDS["RC_APP_KEY"],
        CREDS["RC_APP_SECRET"],
        local.url,
        store=RedisTokenStore(key, url=redis_url),
    ).get_platform().login_jwt(CREDS["RC_JWT"])


def session_kept(local: CountingPlatform, redis_url: str, key: str) -> bool:
    """Whether a new worker can call with what the store holds."""
    after = RCSDK(
        CREDS["RC_APP_KEY"],
        CREDS["RC_APP_SECRET"],
        local.url,
        store=RedisTokenStore(key, url=redis_url),
    ).get_platform()
    try:
        return after.read_extension().id == 1234567890
    except RCSDKError:
        return False


def steady(redis_url: str, counts: dict[str, int], callers: int, duration: float) -> dict[str, Any]:
    """The bench row: a mixed fleet on 2 s access tokens, strict single-use refresh."""
    key = f"rcsdk:mixed:{os.getpid()}:{time.monotonic_ns()}"
    with CountingPlatform(access_ttl=2, auth_rate_limit=None, strict_refresh=True) as local:
        login(local, redis_url, key)
        # PHP does not renew its lease: 5 s leaves room for a slow refresh on a loaded machine.
        fleet = MixedFleet(
            local, redis_url, key, counts, callers=callers, duration=duration, lease=5.0
        )
        try:
            fleet.go()
            results = fleet.results()
        finally:
            fleet.close()
        calls = sum(r["calls"] for r in results)
        return {
            "workers": counts,
            "callers": callers,
            "seconds": duration,
            "calls": calls,
            "calls_per_second": calls / duration,
            "failed": sum(r["failed"] for r in results),
            "logouts": sum(r["violations"] for r in results),
            "refresh_requests": local.grant_count("refresh_token"),
            "rotations": local.rotations,
            "session_kept": session_kept(local, redis_url, key),
        }
