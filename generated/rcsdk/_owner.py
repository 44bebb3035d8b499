# Copied verbatim from templates/rcsdk/_owner.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_owner.py and run `make generate`.
"""The owner file: the file store's lock that Python, Node and PHP processes all honour.

Node has no ``flock`` without a native addon, so a lock every language can take is a file made
with ``link()`` (atomic, fails if it exists) holding its owner: host, pid, the process's start
time (``/proc/<pid>/stat``, so that a reused pid is not mistaken for the owner) and a random
token. Python and PHP take it in addition to their ``flock`` (which keeps their own waiters off
the file system); Node takes it alone (templates/js/src/owner.ts, templates/php/src/Owner.php:
the same protocol, docs/FLEET.md).

A holder killed with SIGKILL leaves its file behind: a waiter that finds the owner dead (same
host, and no process with that pid and start time) breaks the lock. Breaking is itself guarded
by a second file made the same way (``<lock>.break``), so that two waiters never both break, and
the one that breaks removes the owner file only if it is still the dead owner's (same inode and
content). Without ``/proc`` an owner is dead when no process has its pid (a reused pid keeps the
lock until its own process ends); another host's owner is never found dead.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import time
from pathlib import Path

__all__ = ["OwnerFile"]

_HOST = socket.gethostname()


def start_time(pid: int) -> str | None:
    """The start time of process ``pid`` (clock ticks since boot), ``None`` if it is gone or
    unknown. The process name in ``/proc/<pid>/stat`` may hold spaces and parentheses: the
    fields are counted after its last ``)``."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return None
    fields = raw[raw.rfind(b")") + 2 :].split()
    return fields[19].decode() if len(fields) > 19 else None


def _record(token: str) -> bytes:
    pid = os.getpid()
    return json.dumps(
        {"host": _HOST, "pid": pid, "start": start_time(pid) or "", "token": token},
        sort_keys=True,
    ).encode()


def dead(raw: bytes) -> bool:
    """Whether the owner written in ``raw`` is gone (unreadable content counts as gone)."""
    try:
        owner = json.loads(raw)
        host, pid, start = owner["host"], int(owner["pid"]), str(owner["start"])
    except (ValueError, KeyError, TypeError):
        return True
    if host != _HOST:
        return False  # another machine's process: never broken
    if start and Path("/proc/self/stat").exists():
        return start_time(pid) != start
    try:  # no /proc (macOS, BSD): whether the pid lives, without telling a reused one apart
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _read(path: Path) -> tuple[bytes, int] | None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    try:
        return os.read(fd, 4096), os.fstat(fd).st_ino
    finally:
        os.close(fd)


def _link(record: bytes, target: Path) -> bool:
    """Create ``target`` holding ``record``, atomically: False if it exists."""
    temporary = target.with_name(f"{target.name}.{secrets.token_hex(8)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, record)
    finally:
        os.close(fd)
    try:
        os.link(temporary, target)
        return True
    except FileExistsError:
        return False
    finally:
        os.unlink(temporary)


class OwnerFile:
    """``<store>.lock.owner``: ``acquire()`` until a deadline, ``release()``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.breaker = path.with_name(path.name + ".break")
        self._mine: bytes | None = None

    def acquire(self, deadline: float) -> bool:
        """Take the lock before ``deadline`` (``time.monotonic()``); False if it could not."""
        record = _record(secrets.token_hex(16))
        pause = 0.001
        while True:
            if _link(record, self.path):
                self._mine = record
                return True
            found = _read(self.path)
            # A dead owner's file is removed and the link tried again; while another waiter is
            # removing it, this one waits like any other (and its deadline still holds).
            if found is not None and dead(found[0]) and self._break(*found):
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)

    def _break(self, raw: bytes, inode: int) -> bool:
        """Remove a dead owner's file, one breaker at a time (False: a live breaker is at it)."""
        if not _link(_record(secrets.token_hex(16)), self.breaker):
            found = _read(self.breaker)
            if found is None or not dead(found[0]):
                return False
            with contextlib.suppress(FileNotFoundError):  # a breaker killed while breaking
                os.unlink(self.breaker)
            return True
        try:
            if _read(self.path) == (raw, inode):
                os.unlink(self.path)
        finally:
            os.unlink(self.breaker)
        return True

    def release(self) -> None:
        mine, self._mine = self._mine, None
        found = _read(self.path)
        if mine is not None and found is not None and found[0] == mine:
            os.unlink(self.path)

    def holder(self) -> str | None:
        """Who holds the lock, for a timeout's message."""
        found = _read(self.path)
        try:
            return f"process {int(json.loads(found[0])['pid'])}" if found else None
        except (ValueError, KeyError, TypeError):
            return None
