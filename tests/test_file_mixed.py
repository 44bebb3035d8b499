"""The mixed file-store race (issue #21): one long-lived Python, Node, PHP and Go process on one
FileTokenStore, strictly single-use refresh tokens, all four calling at the same instant once
the access token has expired, trial after trial. The owner file (rcsdk._owner, owner.ts,
Owner.php, owner.go) is the lock all four honour: no failed call, one refresh request per trial,
and the session still works at the end. Time moves by a clock offset each trial (workers and
platform alike) instead of waiting for tokens to expire."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest

from rcsdk import RCSDK, FileTokenStore
from rcsdk.testing import LocalPlatform

from _mixed import build_go_worker
from _support import CREDS, ROOT

TRIALS = 100
PYTHON_WORKER = """
import json, os, sys, time
from rcsdk import RCSDK, Event, FileTokenStore, RCSDKError
offset = [0.0]
p = RCSDK(os.environ["RC_APP_KEY"], os.environ["RC_APP_SECRET"], os.environ["RC_SERVER"],
          store=FileTokenStore(os.environ["RC_STORE"]),
          clock=lambda: time.time() + offset[0]).get_platform()
refreshes = []
p.on(Event.REFRESH_SUCCESS, refreshes.append)
print("ready", flush=True)
for line in sys.stdin:
    offset[0] = float(line.split()[1])
    error = None
    try:
        p.read_extension()
    except RCSDKError as exc:
        error = repr(exc)
    print(json.dumps({"language": "python", "error": error, "refreshes": len(refreshes)}),
          flush=True)
"""
COMMANDS = {
    "python": [sys.executable, "-c", PYTHON_WORKER],
    "node": ["node", str(ROOT / "tests" / "js" / "file_worker.mjs")],
    "php": ["php", str(ROOT / "tests" / "php" / "file_worker.php")],
    "go": [str(ROOT / "build" / "go-workers" / "fileworker")],  # tests/go/fileworker
}


@contextmanager
def worker(command: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        command,
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        bufsize=1,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n", process.stderr and process.stderr.read()
        yield process
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.kill()
        process.wait()


def test_python_node_php_and_go_processes_share_one_file_store(tmp_path: Path) -> None:
    build_go_worker("fileworker")
    offset = [0.0]
    path = tmp_path / "tokens.json"
    with LocalPlatform(
        clock=lambda: time.time() + offset[0], auth_rate_limit=None, strict_refresh=True
    ) as local:
        RCSDK(
            CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(path)
        ).get_platform().login_jwt(CREDS["RC_JWT"])
        env = {
            **local.env(),
            "RC_STORE": str(path),
            "RCSDK_PHP_AUTOLOAD": str(ROOT / "build" / "php" / "vendor" / "autoload.php"),
        }
        failures: list[dict[str, object]] = []
        refreshes_per_trial: list[int] = []
        with ExitStack() as stack:
            workers = [stack.enter_context(worker(c, env)) for c in COMMANDS.values()]

            # Bounded: a worker that hangs is killed, and its empty answer fails the test.
            def kill_all() -> None:
                for process in workers:
                    process.kill()

            watchdog = threading.Timer(120, kill_all)
            watchdog.start()
            stack.callback(watchdog.cancel)
            for trial in range(1, TRIALS + 1):
                offset[0] = trial * 3600.0  # the access token (an hour) has expired for all
                before = local.grant_count("refresh_token")
                for process in workers:  # the same instant, as near as four pipes allow
                    assert process.stdin is not None
                    process.stdin.write(f"go {offset[0]}\n")
                    process.stdin.flush()
                for process in workers:
                    assert process.stdout is not None
                    answer = json.loads(process.stdout.readline())
                    if answer["error"] is not None:
                        failures.append({"trial": trial, **answer})
                refreshes_per_trial.append(local.grant_count("refresh_token") - before)
        print("mixed file store:", TRIALS, "trials, refreshes per trial:", set(refreshes_per_trial))
        assert failures == []
        assert refreshes_per_trial == [1] * TRIALS  # one per trial, whoever sent it
        after = RCSDK(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=FileTokenStore(path),
            clock=lambda: time.time() + offset[0],
        ).get_platform()
        assert after.read_extension().id == 1234567890  # the session survived every trial


NODE_HOLDER = """
const { FileTokenStore } = await import(process.env.RCSDK_DIST + "/index.js");
await new FileTokenStore(process.env.RC_STORE).lock(async () => {
  console.log("held");
  await new Promise(() => setInterval(() => undefined, 1000));
});
"""


HOLDERS = {
    "node": ["node", "--input-type=module", "-e", NODE_HOLDER],
    "go": [str(ROOT / "build" / "go-workers" / "fileworker"), "hold"],  # + the store's path
}


@pytest.mark.parametrize("language", HOLDERS)
def test_a_lock_holder_killed_by_sigkill_is_found_dead_across_languages(
    tmp_path: Path, language: str
) -> None:
    """A Node (or Go) process holding the owner file is SIGKILLed: a Python process takes the
    lock at once (the owner is dead), not after its lock timeout."""
    path = tmp_path / "tokens.json"
    command = HOLDERS[language]
    if language == "go":
        command = [build_go_worker("fileworker"), "hold", str(path)]
    holder = subprocess.Popen(
        command,
        env={**os.environ, "RC_STORE": str(path), "RCSDK_DIST": str(ROOT / "build/js/dist")},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert (tmp_path / "tokens.json.lock.owner").exists()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
        started = time.monotonic()
        with FileTokenStore(path, lock_timeout=30).lock():
            waited = time.monotonic() - started
        assert waited < 5  # broken as dead, not waited out (30 s)
        assert not (tmp_path / "tokens.json.lock.owner").exists()  # released
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


# Each language's OwnerFile, asked to take a lock whose owner is dead while a live waiter holds
# the breaker (<lock>.break): it must wait like any waiter and give up at its deadline (0.3 s),
# not retry the break without pause or deadline.
ACQUIRE_WHILE_BREAKING = {
    "python": [
        sys.executable,
        "-c",
        "import sys, time; from pathlib import Path; from rcsdk._owner import OwnerFile\n"
        "print(OwnerFile(Path(sys.argv[1])).acquire(time.monotonic() + 0.3))",
    ],
    "node": [
        "node",
        "--input-type=module",
        "-e",
        f"import {{ OwnerFile }} from {json.dumps(str(ROOT / 'build/js/dist/owner.js'))};\n"
        "console.log(await new OwnerFile(process.argv[1]).acquire(Date.now() + 300));",
    ],
    "php": [
        "php",
        "-r",
        f"require {json.dumps(str(ROOT / 'build/php/vendor/autoload.php'))};"
        "var_export((new Rcsdk\\Owner($argv[1]))->acquire(microtime(true) + 0.3));",
    ],
    # Go's owner file is internal: its FileTokenStore with a 0.3 s lock timeout (the flock free).
    "go": [str(ROOT / "build" / "go-workers" / "fileworker"), "acquire"],
}


def test_a_waiter_gives_up_at_its_deadline_while_another_breaks_a_dead_owner(
    tmp_path: Path,
) -> None:
    from rcsdk._owner import _record

    lock = tmp_path / "tokens.json.lock.owner"
    dead = {"host": os.uname().nodename, "pid": 2**22 + 7, "start": "1", "token": "gone"}
    lock.write_text(json.dumps(dead))
    (tmp_path / "tokens.json.lock.owner.break").write_bytes(_record("a live breaker"))
    build_go_worker("fileworker")
    for language, command in ACQUIRE_WHILE_BREAKING.items():
        # node -e takes its arguments after --
        command = [*command, *(["--"] if language == "node" else []), str(lock)]
        began = time.monotonic()
        run = subprocess.run(command, capture_output=True, text=True, timeout=20)
        assert run.returncode == 0, (language, run.stderr)
        assert run.stdout.strip().lower() == "false", (language, run.stdout)
        assert time.monotonic() - began < 10, language
        assert lock.exists()  # the live breaker's to remove, not this waiter's
