"""A total deadline for every request, however slowly the server drips its answer.

A socket timeout bounds each read, not the request: a server that sends one byte of its
headers or body per second, or chunks without end, would hold a call (and, during a refresh,
the refresh locks) for as long as it keeps dripping. Here one watchdog thread per process keeps
the deadlines of the requests in flight; when one passes, it shuts the request's socket down,
so the blocked read returns at once and the transport reports a timeout.

``deadline(seconds)`` sets the deadline for the requests the current thread sends inside it;
``DeadlineAdapter`` is the ``requests`` adapter whose connection pools tell the watchdog which
connection a request uses, and that the connection went back to the pool (no longer watched).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import socket
import threading
import time
from typing import Any

import requests.adapters
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.poolmanager import PoolManager, ProxyManager

__all__ = ["Deadline", "DeadlineAdapter", "deadline", "watched_pools"]

_RETRY_UNCONNECTED = 0.01
"""When a deadline passes while the connection has no socket yet, look again this soon."""


class Deadline:
    """The moment (``time.monotonic()``) by which the requests inside ``with deadline(...)``
    must end. It is its block's context manager too (a class, not a generator: it runs once per
    request)."""

    __slots__ = ("at", "expired", "previous", "watches")

    def __init__(self, at: float) -> None:
        self.at = at
        self.expired = False
        self.watches: list[_Watch] = []
        self.previous: Deadline | None = None

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def __enter__(self) -> Deadline:
        self.previous = getattr(_LOCAL, "deadline", None)
        _LOCAL.deadline = self
        return self

    def __exit__(self, *exc_info: object) -> None:
        _LOCAL.deadline = self.previous
        _WATCHDOG.finish(self)


class _Watch:
    __slots__ = ("active", "conn", "deadline")

    def __init__(self, deadline: Deadline, conn: Any) -> None:
        self.deadline = deadline
        self.conn = conn
        self.active = True


class _Watchdog:
    """One thread that shuts down the sockets of requests past their deadline."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._heap: list[tuple[float, int, _Watch]] = []
        self._by_conn: dict[Any, _Watch] = {}
        self._seq = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, deadline: Deadline, conn: Any) -> None:
        with self._cond:
            previous = self._by_conn.get(conn)
            if previous is not None:
                previous.active = False
            entry = _Watch(deadline, conn)
            self._by_conn[conn] = entry
            deadline.watches.append(entry)
            self._push(deadline.at, entry)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="rcsdk-deadline", daemon=True
                )
                self._thread.start()
            elif self._heap[0][2] is entry:
                # Wake the watchdog only when it must wake earlier than it planned to: with one
                # timeout for all requests, a new deadline is rarely the first one.
                self._cond.notify()

    def release(self, conn: Any) -> None:
        """``conn`` is back in its pool: its request is over."""
        with self._cond:
            entry = self._by_conn.pop(conn, None)
            if entry is not None:
                entry.active = False

    def finish(self, deadline: Deadline) -> None:
        with self._cond:
            for entry in deadline.watches:
                entry.active = False
                if self._by_conn.get(entry.conn) is entry:
                    del self._by_conn[entry.conn]
            deadline.watches.clear()
            if len(self._heap) > 64 and len(self._heap) > 4 * len(self._by_conn):
                self._heap = [item for item in self._heap if item[2].active]
                heapq.heapify(self._heap)

    def _push(self, at: float, entry: _Watch) -> None:
        heapq.heappush(self._heap, (at, next(self._seq), entry))

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and not self._heap[0][2].active:
                    heapq.heappop(self._heap)
                if not self._heap:
                    self._cond.wait()
                    continue
                left = self._heap[0][0] - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                _, _, entry = heapq.heappop(self._heap)
                self._fire(entry)

    def _fire(self, entry: _Watch) -> None:
        """Called with the lock held, so the connection cannot go back to the pool meanwhile."""
        entry.deadline.expired = True
        sock = getattr(entry.conn, "sock", None)
        if sock is None:
            # Still connecting (bounded by the connect timeout): look again shortly.
            self._push(time.monotonic() + _RETRY_UNCONNECTED, entry)
            return
        entry.active = False
        if self._by_conn.get(entry.conn) is entry:
            del self._by_conn[entry.conn]
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


_WATCHDOG = _Watchdog()
_LOCAL = threading.local()


def deadline(seconds: float) -> Deadline:
    """``with deadline(seconds):`` the requests this thread sends inside the block end within
    ``seconds``, whatever happens."""
    return Deadline(time.monotonic() + seconds)


def _watch(conn: Any) -> None:
    current: Deadline | None = getattr(_LOCAL, "deadline", None)
    if current is not None:
        _WATCHDOG.watch(current, conn)


class _HTTPPool(HTTPConnectionPool):
    def _make_request(self, conn: Any, *args: Any, **kwargs: Any) -> Any:
        _watch(conn)
        return super()._make_request(conn, *args, **kwargs)

    def _put_conn(self, conn: Any) -> None:
        if conn is not None:
            _WATCHDOG.release(conn)
        super()._put_conn(conn)


class _HTTPSPool(_HTTPPool, HTTPSConnectionPool):  # the same watch, over TLS
    pass


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """An ``HTTPAdapter`` whose requests are bounded by the thread's ``deadline()``."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        watched_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> ProxyManager:
        manager: ProxyManager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            watched_pools(manager)
        return manager


def watched_pools(manager: PoolManager) -> None:
    """Make ``manager``'s connection pools tell the watchdog which connection each request of
    a thread inside ``deadline()`` uses."""
    manager.pool_classes_by_scheme = _POOLS


def _after_fork_in_child() -> None:
    global _WATCHDOG
    _WATCHDOG = _Watchdog()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
