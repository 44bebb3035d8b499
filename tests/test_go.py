"""The Go client against the Python one: parity by execution on the cassettes, with a mutation
that must fail. go test (tests/go/, ``make test-go``) covers the rest of the Go client: the
shared case and security tables and the Go-only behaviour."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rcsdk import RCSDK, FileTokenStore
from rcsdk.testing import LocalPlatform

from _parity import CLIENTS
from _php import PYTHON_WORKER, Counting
from _support import CREDS, ROOT

GENERATED = ROOT / "generated"
MODULE = "rcsdk.local/rcsdk"


@pytest.fixture(scope="module")
def go_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go scenario program built against generated/go (once for this module)."""
    return CLIENTS["go"].build(GENERATED, tmp_path_factory.mktemp("go"))


def build_worker(workdir: Path) -> Path:
    """tests/go/worker (one process of a storm) built against generated/go."""
    subprocess.run(
        ["go", "build", "-o", str(workdir / "worker"), "./worker"],
        cwd=ROOT / "tests" / "go",
        check=True,
        timeout=300,
    )
    return workdir / "worker"


def go_storm(
    worker: Path, path: Path, go: int, python: int, goroutines: int
) -> tuple[int, list[dict[str, object]]]:
    """Log in, make the stored token due, release Go and Python processes on that store at
    once; return the rotations the platform granted and each worker's report."""
    local = Counting(auth_rate_limit=None, strict_refresh=True)
    with local:
        first = RCSDK(
            CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(path)
        ).get_platform()
        first.login_jwt(CREDS["RC_JWT"])
        data = json.loads(path.read_text())
        data["expires_at"] = time.time() - 1  # due for every process that reads the store
        FileTokenStore(path).save(data)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("RC_")},
            **local.env(),
            "RC_STORE": str(path),
            "RC_GOROUTINES": str(goroutines),
        }
        commands = [[str(worker)]] * go + [[sys.executable, "-c", PYTHON_WORKER]] * python
        workers = [
            subprocess.Popen(c, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for c in commands
        ]
        try:
            for process in workers:
                assert process.stdout is not None
                assert process.stdout.readline().strip() == "ready"
            for process in workers:
                assert process.stdin is not None
                process.stdin.write("go\n")
                process.stdin.flush()
            reports = []
            for process in workers:
                out, _ = process.communicate(timeout=60)
                assert process.returncode == 0
                reports.append(json.loads(out.strip().splitlines()[-1]))
        finally:
            for process in workers:
                if process.poll() is None:
                    process.kill()
        return local.rotations, reports


def test_go_and_python_processes_on_one_store_refresh_once(tmp_path: Path) -> None:
    """8 Go processes of 4 goroutines each and 4 Python processes, one FileTokenStore, a due
    token: one refresh in all (the file's flock is every language's), and no failed call."""
    worker = build_worker(tmp_path)
    rotations, reports = go_storm(worker, tmp_path / "tokens.json", go=8, python=4, goroutines=4)
    assert rotations == 1, reports
    assert sum(int(str(r["refreshes"])) for r in reports) == 1, reports
    assert all(r["failed"] == 0 for r in reports), reports
    assert sum(int(str(r["calls"])) for r in reports) == 8 * 4 + 4


def test_auth_data_round_trips_python_to_go_and_back(go_build: Path) -> None:
    """GetAuthData / SetAuthData hold the JSON every language uses: Go takes what Python wrote,
    calls, rotates and gives it back, and Python calls with what Go wrote (the old tokens are
    dead by then)."""
    with LocalPlatform(auth_rate_limit=None) as local:
        python = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
        python.login_jwt(CREDS["RC_JWT"])
        extension_id = python.read_extension().id
        data = python.get_auth_data()
        result = subprocess.run(
            [str(go_build / "scenario"), "auth-data"],
            input=json.dumps(data),
            env={**os.environ, **local.env()},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr[-800:]
        from_go = json.loads(result.stdout)
        assert from_go.keys() == data.keys()
        assert from_go["token"]["refresh_token"] != data["token"]["refresh_token"]  # Go rotated
        again = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
        again.set_auth_data(from_go)
        assert again.read_extension().id == extension_id
        assert again.get_auth_data() == from_go
