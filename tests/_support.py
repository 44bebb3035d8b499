"""What the tests share: paths, the loaded spec, the local credentials and a clock tests move.

Tests import these from here (``from _support import ROOT``); conftest.py holds only fixtures.
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from generator import build, load
from rcsdk import Platform
from rcsdk.testing import LOCAL_CREDENTIALS

ROOT = Path(__file__).resolve().parent.parent
CREDS = LOCAL_CREDENTIALS
SPEC = build.build(load.load(ROOT / "spec" / "ringcentral-auth.yaml", "spec/ringcentral-auth.yaml"))

PlatformFactory = Callable[..., Platform]


class FakeClock:
    """A clock shared by the client and the local platform, moved by the test, not by time."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self._now = start
        self._lock = threading.Lock()
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Stands in for time.sleep: records the wait and moves the clock."""
        self.sleeps.append(seconds)
        self.advance(seconds)


def at_once(call: Callable[[], object], threads: int = 32) -> list[object]:
    """``call`` from ``threads`` threads released together; each one's result or exception."""
    barrier = threading.Barrier(threads)
    results: list[object] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(call())
        except Exception as exc:  # collected, for the caller to assert on
            results.append(exc)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
    return results


@functools.cache
def go_firstuse() -> str:
    """tests/go/firstuse built against generated/go (once per test process): a user's first Go
    program, no logging set up: ``from-env`` (FromEnv) or ``login URL`` (a JWT login)."""
    out = Path(tempfile.mkdtemp(prefix="rcsdk-go-")) / "firstuse"
    subprocess.run(
        ["go", "build", "-o", str(out), "./firstuse"],
        cwd=ROOT / "tests" / "go",
        check=True,
        timeout=300,
    )
    return str(out)
