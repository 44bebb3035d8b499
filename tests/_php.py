"""The cross-process refresh storm with PHP workers, shared by tests/test_php.py and `make bench`:
PHP (tests/php/storm_worker.php) and Python processes on one FileTokenStore with a due token."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from rcsdk import RCSDK, FileTokenStore
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform

PHP = Path(__file__).resolve().parent / "php"
CREDS = LOCAL_CREDENTIALS


def worker_env(local: LocalPlatform, php_build: Path, **extra: object) -> dict[str, str]:
    """The environment of a PHP process: the platform's RC_* variables and the autoloader."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith("RC_")},
        **local.env(),
        "RCSDK_PHP_AUTOLOAD": str(php_build / "vendor" / "autoload.php"),
        **{k: str(v) for k, v in extra.items()},
    }


PYTHON_WORKER = """
import json, os, sys
from rcsdk import RCSDK, Event, FileTokenStore, RCSDKError
p = RCSDK(os.environ["RC_APP_KEY"], os.environ["RC_APP_SECRET"], os.environ["RC_SERVER"],
          store=FileTokenStore(os.environ["RC_STORE"])).get_platform()
refreshes = []
p.on(Event.REFRESH_SUCCESS, refreshes.append)
print("ready", flush=True)
sys.stdin.readline()
failed, errors = 0, []
try:
    p.read_extension()
except RCSDKError as error:
    failed, errors = 1, [repr(error)]
print(json.dumps({"calls": 1, "failed": failed, "refreshes": len(refreshes), "errors": errors}))
"""


class Counting(LocalPlatform):
    """The local platform, counting the refresh grants it answered."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.rotations = 0
        self._count_lock = threading.Lock()

    def token(self, headers: Any, body: bytes) -> Any:
        result = super().token(headers, body)
        if b"grant_type=refresh_token" in body:
            with self._count_lock:
                self.rotations += 1
        return result


def storm(
    php_build: Path, path: Path, php: int, python: int
) -> tuple[int, list[dict[str, Any]], float]:
    """Log in, make the stored token due, release the workers at once; return the rotations
    the platform granted, each worker's report and the seconds from go to the last report."""
    local = Counting(auth_rate_limit=None, strict_refresh=True)
    with local:
        first = RCSDK(
            CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(path)
        ).get_platform()
        first.login_jwt(CREDS["RC_JWT"])
        data = json.loads(path.read_text())
        data["expires_at"] = time.time() - 1  # due for every process that reads the store
        FileTokenStore(path).save(data)
        env = worker_env(local, php_build, RC_STORE=path)
        commands = [["php", str(PHP / "storm_worker.php")]] * php
        commands += [[sys.executable, "-c", PYTHON_WORKER]] * python
        workers = [
            subprocess.Popen(
                command,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for command in commands
        ]
        try:
            for worker in workers:
                assert worker.stdout is not None
                assert worker.stdout.readline().strip() == "ready"
            started = time.perf_counter()
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write("go\n")
                worker.stdin.flush()
            reports = []
            for worker in workers:
                out, err = worker.communicate(timeout=60)
                assert worker.returncode == 0, err[-800:]
                reports.append(json.loads(out.strip().splitlines()[-1]))
            elapsed = time.perf_counter() - started
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
        return local.rotations, reports, elapsed
