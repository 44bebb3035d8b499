"""The chaos run of issue #16: processes and threads on one FileTokenStore against the local
platform (with RingCentral's refresh grace period), short-lived tokens and forced expiry, kill -9
of random workers and of the refresher between the platform's rotation and the save, then a store
that fails writes for a while. No session is lost, every failed call is typed, refresh requests
stay within rotations + kills, and a new process afterwards works with what the store holds.

Workers are forked (cheap) and paced by conditions: each action waits until the workers have
made more calls, polling with a deadline. The figures are printed (``-s``) for the README."""

from __future__ import annotations

import collections
import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from rcsdk import FileTokenStore, Platform, RCSDKError
from rcsdk.testing import LocalPlatform

from _parity import CLIENTS
from _support import CREDS, ROOT

PROCESSES = 4
THREADS = 4
ACCESS_TTL = 3
SEED = 16
RUN: dict[str, Any] = {"capture_output": True, "text": True, "timeout": 60, "check": False}


class CountingPlatform(LocalPlatform):
    """The local platform, counting refreshes that rotated and those answered from the grace
    period (the same new pair again)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.rotations = 0
        self.reuses = 0
        self._count_lock = threading.Lock()

    def _rotate(self, app: Any, refresh_token: str, form: dict[str, str]) -> dict[str, Any]:
        fresh = refresh_token in self._refresh
        issued: dict[str, Any] = super()._rotate(app, refresh_token, form)
        with self._count_lock:
            if fresh:
                self.rotations += 1
            else:
                self.reuses += 1
        return issued


class ChaosStore(FileTokenStore):
    """A file store the test steers through files in ``control``: ``fail-writes`` makes writes
    fail; ``die-at-save`` kills (SIGKILL) the first process about to save refreshed tokens."""

    def __init__(self, path: Path, control: Path) -> None:
        super().__init__(path)
        self.control = control

    def save(self, data: dict[str, Any] | None) -> None:
        if (self.control / "fail-writes").exists():
            raise OSError(errno.EROFS, "Read-only file system", str(self.path))
        try:
            os.unlink(self.control / "die-at-save")
        except FileNotFoundError:
            pass
        else:  # the platform has rotated the tokens; they die with this process
            os.kill(os.getpid(), signal.SIGKILL)
        super().save(data)


def work(server: str, path: Path, control: Path, results: Path) -> None:
    """A worker process: THREADS threads calling the API until ``control/stop`` exists."""
    store = ChaosStore(path, control)
    platform = Platform(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server, store=store)
    out = os.open(results, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    stop = control / "stop"

    def loop() -> None:
        while not stop.exists():
            try:
                platform.read_extension()
                line = "ok"
            except Exception as exc:  # recorded: the test asserts every failure is typed
                line = f"error {type(exc).__name__} {int(isinstance(exc, RCSDKError))}"
            os.write(out, (line + "\n").encode())

    threads = [threading.Thread(target=loop) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


class Fleet:
    """The workers: Python processes forked from the test (THREADS threads each) and, with a
    PHP build, PHP processes (tests/php/chaos_worker.php), with a Go worker, Go processes of 4
    goroutines (tests/go/chaos), all on one store."""

    def __init__(
        self,
        local: CountingPlatform,
        tmp: Path,
        php_build: Path | None = None,
        go_worker: Path | None = None,
    ) -> None:
        self.local = local
        self.php_build = php_build
        self.go_worker = go_worker
        self.path = tmp / "tokens.json"
        self.control = tmp / "control"
        self.control.mkdir()
        self.results = tmp / "results"
        self.results.mkdir()
        self.pids: list[int] = []
        self.kinds: dict[int, str] = {}
        self.files: dict[int, Path] = {}
        self.kills = 0
        self.spawned = 0

    def spawn(self, kind: str = "python") -> None:
        results = self.results / f"{self.spawned}.txt"
        results.touch()
        self.spawned += 1
        php = [shutil.which("php") or "", str(ROOT / "tests" / "php" / "chaos_worker.php")]
        assert kind != "php" or php[0], "php is not installed (make php)"
        env = (
            {
                **os.environ,
                **self.local.env(),
                "RCSDK_PHP_AUTOLOAD": str(self.php_build or "") + "/vendor/autoload.php",
                "RC_STORE": str(self.path),
                "RC_CONTROL": str(self.control),
                "RC_RESULTS": str(results),
            }
            if self.php_build or self.go_worker
            else {}
        )
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 0
            try:
                if kind == "php":
                    os.execve(php[0], php, env)
                if kind == "go" and self.go_worker:
                    os.execve(self.go_worker, [str(self.go_worker)], env)
                work(self.local.url, self.path, self.control, results)
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        self.pids.append(pid)
        self.kinds[pid] = kind
        self.files[pid] = results

    def lines(self, since: dict[Path, int] | None = None, only: Path | None = None) -> list[str]:
        """Every recorded outcome (a killed worker's cut last line left out); with ``since``,
        only those after the given line counts; with ``only``, one worker's."""
        return [
            line
            for file in ([only] if only else self.results.iterdir())
            for line in file.read_text().splitlines()[(since or {}).get(file, 0) :]
            if line == "ok" or line.startswith("error ")
        ]

    def counts(self) -> dict[Path, int]:
        return {file: len(file.read_text().splitlines()) for file in self.results.iterdir()}

    def calls(self) -> int:
        return sum(file.stat().st_size for file in self.results.iterdir()) // 3

    def progress(self, more: int = 40, within: float = 20.0) -> None:
        """Wait until the workers have made about ``more`` calls more (polling, deadline)."""
        target, deadline = self.calls() + more, time.monotonic() + within
        while self.calls() < target:
            self.reap()
            assert time.monotonic() < deadline, "the workers stopped making calls"
            time.sleep(0.02)

    def working(self, within: float = 20.0) -> None:
        """Wait until every live worker has made a few successful calls from now on."""
        since, deadline = self.counts(), time.monotonic() + within
        while True:
            self.reap()
            live = [self.files[pid] for pid in self.pids]
            if all(self.lines({f: since.get(f, 0)}, f).count("ok") >= 5 for f in live):
                return
            assert time.monotonic() < deadline, "a worker made no successful call"
            time.sleep(0.02)

    def reap(self) -> None:
        """Replace workers that died (killed at save); count them as kills."""
        for pid in list(self.pids):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                self.pids.remove(pid)
                assert os.WIFSIGNALED(status), f"worker {pid} exited with {status}"
                self.kills += 1
                self.spawn(self.kinds[pid])

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        self.pids.remove(pid)
        self.kills += 1
        self.spawn(self.kinds[pid])

    def die_at_save(self, within: float = 20.0) -> None:
        flag = self.control / "die-at-save"
        flag.touch()
        deadline = time.monotonic() + within
        kills = self.kills
        while flag.exists() or self.kills == kills:
            self.reap()
            assert time.monotonic() < deadline, "no refresher reached the save"
            time.sleep(0.02)

    def stop(self, within: float = 20.0) -> None:
        (self.control / "stop").touch()
        deadline = time.monotonic() + within
        while self.pids:
            for pid in list(self.pids):
                done, status = os.waitpid(pid, os.WNOHANG)
                if done:
                    self.pids.remove(pid)
                    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
            assert time.monotonic() < deadline, "workers did not stop"
            time.sleep(0.02)


AFTER = """
import sys
from rcsdk import FileTokenStore, Platform
platform = Platform(sys.argv[1], sys.argv[2], sys.argv[3], store=FileTokenStore(sys.argv[4]))
print(platform.read_extension().id)
"""

AFTER_PHP = """
require getenv('RCSDK_PHP_AUTOLOAD');
$store = new Rcsdk\\FileTokenStore($argv[4]);
echo (new Rcsdk\\RCSDK($argv[1], $argv[2], $argv[3], store: $store))
    ->getPlatform()->readExtension()->id, PHP_EOL;
"""

# The workers of each run: Python alone, then Python and PHP on one store.
FLEETS = {
    "python": ["python"] * PROCESSES,
    "python+php": ["python"] * 2 + ["php"] * PROCESSES,
    "python+go": ["python"] * 2 + ["go"] * PROCESSES,
}


@pytest.fixture(scope="module")
def php_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PHP package built from generated/."""
    return CLIENTS["php"].build(ROOT / "generated", tmp_path_factory.mktemp("php"))


@pytest.fixture(scope="module")
def go_worker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/go/chaos built against generated/go."""
    out = tmp_path_factory.mktemp("go") / "chaos"
    subprocess.run(
        ["go", "build", "-o", str(out), "./chaos"], cwd=ROOT / "tests" / "go", check=True
    )
    return out


@pytest.mark.parametrize("kinds", sorted(FLEETS))
def test_chaos_loses_no_session(kinds: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    php_build: Path | None = request.getfixturevalue("php_build") if "php" in kinds else None
    go_worker: Path | None = request.getfixturevalue("go_worker") if "go" in kinds else None
    rng = random.Random(SEED)
    started = time.monotonic()
    local = CountingPlatform(access_ttl=ACCESS_TTL, auth_rate_limit=None)
    with local:
        first = Platform(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=FileTokenStore(tmp_path / "tokens.json"),
        )
        first.login_jwt(CREDS["RC_JWT"])
        fleet = Fleet(local, tmp_path, php_build, go_worker)
        try:
            for kind in FLEETS[kinds]:
                fleet.spawn(kind)
            fleet.progress()
            # Phase 1: kills and forced expiry.
            for action in ["kill", "die", "expire", "kill", "die", "expire", "kill", "die"]:
                if action == "kill":
                    fleet.kill(rng.choice(fleet.pids))
                elif action == "die":
                    fleet.die_at_save()
                else:
                    local.expire_access_tokens()
                fleet.progress()
            phase1 = (local.grant_count("refresh_token"), local.rotations, fleet.kills)

            def tally(before: tuple[int, int, int]) -> tuple[int, int, int]:
                """Refresh requests, rotations and kills since the counts ``before``."""
                now = (local.grant_count("refresh_token"), local.rotations, fleet.kills)
                return (now[0] - before[0], now[1] - before[1], now[2] - before[2])

            phase1_failures = [line for line in fleet.lines() if line != "ok"]
            # Phase 2: the store fails writes for a while (tokens keep rotating meanwhile).
            (fleet.control / "fail-writes").touch()
            for _ in range(2):
                local.expire_access_tokens()
                fleet.progress()
            (fleet.control / "fail-writes").unlink()
            fleet.working()
            phase2 = tally(phase1)
            # Phase 3: the store takes writes again; the fleet shares one rotation again.
            local.expire_access_tokens()
            fleet.working()
            phase3 = tally((phase1[0] + phase2[0], phase1[1] + phase2[1], phase1[2] + phase2[2]))
            # Settled: from here every worker's every call works again.
            settled = fleet.counts()
            live = [fleet.files[pid] for pid in fleet.pids]
            fleet.progress(80)
            deadline = time.monotonic() + 20
            while not all(fleet.counts()[f] >= settled.get(f, 0) + 5 for f in live):
                assert time.monotonic() < deadline, (
                    "a worker made no calls after the store came back"
                )
                time.sleep(0.02)
            after_settling = fleet.lines(settled)
        finally:
            fleet.stop()
        results = fleet.lines()
        failures = [line for line in results if line != "ok"]
        store = str(tmp_path / "tokens.json")
        creds = [CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store]
        afterwards = [subprocess.run([sys.executable, "-c", AFTER, *creds], **RUN)]
        if php_build:
            env = {**os.environ, "RCSDK_PHP_AUTOLOAD": str(php_build / "vendor" / "autoload.php")}
            afterwards.append(
                subprocess.run(["php", "-r", AFTER_PHP, "--", *creds], env=env, **RUN)
            )
        if go_worker:
            env = {**os.environ, **local.env(), "RC_STORE": store}
            afterwards.append(subprocess.run([str(go_worker), "after"], env=env, **RUN))
        figures = {
            "workers": " + ".join(
                f"{n} {kind}" for kind, n in collections.Counter(FLEETS[kinds]).items()
            ),
            "python threads": THREADS,
            "calls": len(results),
            "failed calls": len(failures),
            "failures by type": dict(collections.Counter(f.split()[1] for f in failures)),
            "kills": fleet.kills,
            "refresh requests": local.grant_count("refresh_token"),
            "rotations": local.rotations,
            "grace reuses": local.reuses,
            "phase 1 (requests, rotations, kills)": phase1,
            "phase 1 failed calls": len(phase1_failures),
            "store refusing writes (requests, rotations, kills)": phase2,
            "store back (requests, rotations, kills)": phase3,
            "seconds": round(time.monotonic() - started, 1),
        }
        print("chaos:", json.dumps(figures))
        # Every failed call is typed.
        assert all(line.endswith(" 1") for line in failures), failures
        # Kills end no session, and cost at most one extra refresh each (a grace reuse).
        lost = [f for f in phase1_failures if "LoginRequired" in f or "InvalidGrant" in f]
        assert not lost, phase1_failures
        requests, rotations, kills = phase1
        assert requests <= rotations + kills, figures
        assert fleet.kills >= 6
        # While the store refuses writes it cannot carry a rotation from one process to the
        # others: each process gets the new pair from the platform itself, as a grace-period
        # reuse of the refresh token it last read: one request per process and rotation, and
        # one more per process when a grace answer carries an access token the forced expiry
        # had killed. Threads that did not share their process's refresh would send 4 each.
        # Once the store takes writes again, rotations are shared again.
        requests, rotations, kills = phase2
        assert requests <= (rotations + 1) * len(FLEETS[kinds]) + kills, figures
        requests, rotations, kills = phase3
        assert rotations >= 1 and requests <= rotations + kills, figures
        # Once the store takes writes again, every worker works: no session was lost.
        assert after_settling and set(after_settling) == {"ok"}, after_settling
        # A new process (of each language) works with what the store holds, without a login.
        for after in afterwards:
            assert after.returncode == 0 and after.stdout.strip() == "1234567890", after.stderr
