"""A rate-limit budget shared by everything that sends on one session: threads, or workers.

RingCentral says on every response which rate-limit group a request counted against and what is
left of it (``X-Rate-Limit-Group``, ``-Limit``, ``-Remaining``, ``-Window``). The platform asks
its budget before it sends (``reserve``) and tells it what came back (``settle``). When a group's
remaining budget reaches 0, or a 429 arrives, the group is paused for its window: every sender
waits it out instead of each spending a request to learn it. While the budget of a group is
unknown (its first request), or used up by requests still in flight, one request at a time goes.

``MemoryRateLimitBudget`` shares this between the threads of one process; ``rcsdk.redis``
shares it between processes and machines through Redis.
"""

from __future__ import annotations

import functools
import itertools
import logging
import re
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Protocol

import requests

from rcsdk._answers import rate_limit_delay
from rcsdk._constants import ANNOUNCE_WAIT
from rcsdk._exceptions import RateLimitError

__all__ = [
    "Grant",
    "MemoryRateLimitBudget",
    "RateLimitBudget",
    "RateLimitSignal",
    "read_signal",
    "route_of",
    "settle",
    "take",
]

logger = logging.getLogger("rcsdk")

POLL = 0.02
"""How long to wait for a request in flight to report before asking again (seconds)."""
FALLBACK_WINDOW = 60.0
"""The pause when a 429 says neither Retry-After nor X-Rate-Limit-Window (seconds)."""
WINDOW_MARGIN = 0.5
"""Added to a window waited out after ``Remaining: 0`` (clock granularity, time in flight)."""


@dataclass(slots=True, repr=False, eq=False)
class RateLimitSignal:
    """What one response said about its rate-limit group."""

    group: str
    _: KW_ONLY
    limit: int | None = None
    remaining: int | None = None
    window: float | None = None
    retry_after: float | None = None
    limited: bool = False

    def pause(self) -> float | None:
        """How long the group must rest after this response (``None``: it need not).

        A 429 says how long (``Retry-After``); a budget used up without one rests its window and
        ``WINDOW_MARGIN`` more, as the platform started counting before the answer arrived.
        """
        if self.limited:
            return self.retry_after or self.window or FALLBACK_WINDOW
        if self.remaining is not None and self.remaining <= 0:
            return (self.window or FALLBACK_WINDOW) + WINDOW_MARGIN
        return None

    def __repr__(self) -> str:
        return (
            f"RateLimitSignal(group={self.group!r}, limit={self.limit}, "
            f"remaining={self.remaining}, window={self.window}, limited={self.limited})"
        )


def read_signal(
    headers: Mapping[str, str], status: int, retry_after: float | None = None
) -> RateLimitSignal:
    """The rate-limit headers of a response (``group`` is ``""`` when it names none)."""
    return RateLimitSignal(
        (headers.get("X-Rate-Limit-Group") or "").strip(),
        limit=_number(headers.get("X-Rate-Limit-Limit")),
        remaining=_number(headers.get("X-Rate-Limit-Remaining")),
        window=_number(headers.get("X-Rate-Limit-Window")),
        retry_after=retry_after,
        limited=status == 429,
    )


def _number(value: str | None) -> int | None:
    if not value:  # no header: no exception to raise and catch on every call
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


@dataclass(slots=True, repr=False, eq=False)
class Grant:
    """The answer to ``reserve``: a ticket to send now, or how long to wait before asking again.

    ``paused`` says the wait is a rate-limit window (a client told to fail fast raises rather
    than wait); otherwise it is a short wait for requests in flight.
    """

    ticket: str | None
    _: KW_ONLY
    wait: float = 0.0
    paused: bool = False
    group: str = ""
    probe: bool = False

    @property
    def granted(self) -> bool:
        """Whether the request may go now (a granted ticket may be ``None``: nothing to count)."""
        return self.wait <= 0

    def __repr__(self) -> str:
        return (
            f"Grant(ticket={'...' if self.ticket else None}, wait={self.wait:.3f}, "
            f"paused={self.paused}, group={self.group!r}, probe={self.probe})"
        )


class RateLimitBudget(Protocol):
    """What a platform asks before it sends and tells after."""

    def reserve(self, route: str, lease: float) -> Grant:
        """A ticket for one request on ``route`` (``"POST /restapi/oauth/token"``), or a wait.

        ``lease`` bounds how long the ticket counts as in flight if it is never settled.
        """

    def settle(self, route: str, grant: Grant, signal: RateLimitSignal | None) -> None:
        """The request of ``grant`` ended: with a response (its ``signal``), or without one."""


class _Group:
    __slots__ = ("inflight", "limit", "paused_until", "remaining", "window")

    def __init__(self) -> None:
        self.limit: int | None = None
        self.window: float | None = None
        self.remaining: int | None = None
        self.paused_until = 0.0
        self.inflight: dict[str, float] = {}


_TICKETS = itertools.count(1)


def _ticket() -> str:
    """A ticket unique in this process (the in-process budget needs no more; no system call)."""
    return f"t{next(_TICKETS)}"


class MemoryRateLimitBudget:
    """The budget shared by the threads of this process (the default)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._routes: dict[str, str] = {}
        self._probes: dict[str, float] = {}
        self._groups: dict[str, _Group] = {}

    def reserve(self, route: str, lease: float) -> Grant:
        with self._lock:
            now = self._clock()
            group = self._routes.get(route)
            if group is None:  # the first request on this route: one at a time until it reports
                if self._probes.get(route, 0.0) > now:
                    return Grant(None, wait=POLL)
                self._probes[route] = now + lease
                return Grant(_ticket(), probe=True)
            if not group:  # the route reports no rate-limit group
                return Grant(_ticket())
            state = self._groups.setdefault(group, _Group())
            if state.paused_until > now:
                return Grant(None, wait=state.paused_until - now, paused=True, group=group)
            state.inflight = {t: end for t, end in state.inflight.items() if end > now}
            if state.remaining is not None and state.remaining - len(state.inflight) <= 0:
                return Grant(None, wait=POLL, group=group)
            ticket = _ticket()
            state.inflight[ticket] = now + lease
            return Grant(ticket, group=group)

    def settle(self, route: str, grant: Grant, signal: RateLimitSignal | None) -> None:
        with self._lock:
            now = self._clock()
            if grant.probe:
                self._probes.pop(route, None)
            if grant.group in self._groups and grant.ticket:
                self._groups[grant.group].inflight.pop(grant.ticket, None)
            if signal is None:
                return
            group = signal.group or (f"~{route}" if signal.limited else "")
            self._routes[route] = group
            if not group:
                return
            state = self._groups.setdefault(group, _Group())
            state.limit = signal.limit if signal.limit is not None else state.limit
            state.window = signal.window if signal.window is not None else state.window
            pause = signal.pause()
            if pause is not None:
                state.paused_until = max(state.paused_until, now + pause)
                state.remaining = state.limit  # what the group has again after its window
            elif signal.remaining is not None:
                state.remaining = signal.remaining


@functools.cache
def _id_segment() -> re.Pattern[str]:
    """A path segment of digits (compiled on first use, not at import)."""
    return re.compile(r"/[0-9]+(?=/|$)")


@functools.lru_cache(maxsize=512)
def route_of(method: str, url: str) -> str:
    """``"GET /restapi/v1.0/account/{id}/extension/{id}"``: what a budget keys requests by
    (remembered for the last 512 URLs: it is asked on every call)."""
    return f"{method.upper()} {_id_segment().sub('/{id}', urllib.parse.urlsplit(url).path)}"


def take(
    budget: RateLimitBudget,
    route: str,
    *,
    lease: float,
    sleep: Callable[[float], None],
    max_wait: float,
    fail_fast: bool,
    announce: Callable[[str, RateLimitError], None],
) -> Grant:
    """Wait until the budget lets one request on ``route`` go; its grant.

    A paused group is waited out, unless ``fail_fast`` or the pause is longer than
    ``max_wait``: then ``RateLimitError`` is raised and nothing is sent. A wait longer than
    ``ANNOUNCE_WAIT`` is announced first (a WARNING line and the error it stands for).
    """
    while True:
        grant = budget.reserve(route, lease)
        if grant.granted:
            return grant
        # The margin is the budget's own caution, not the platform's word: it never tips a
        # pause that the caller's max_retry_wait allows into a refusal.
        if grant.paused and (fail_fast or grant.wait > max_wait + WINDOW_MARGIN):
            raise RateLimitError(
                f"429 rate limit: the {grant.group!r} group has no requests left for "
                f"{grant.wait:.0f} s (not sent)",
                status_code=429,
                retry_after=grant.wait,
            )
        if grant.paused and grant.wait > ANNOUNCE_WAIT:
            announce(
                f"rcsdk: the {grant.group} group has no requests left; {route} waits "
                f"{grant.wait:.0f} s before sending (pass max_retries=0 to fail fast with "
                "RateLimitError instead)",
                RateLimitError(
                    f"429 rate limit: the {grant.group!r} group has no requests left for "
                    f"{grant.wait:.0f} s (waiting)",
                    status_code=429,
                    retry_after=grant.wait,
                ),
            )
        elif grant.paused:
            logger.info("rcsdk: %s waits %.2fs for the %r group", route, grant.wait, grant.group)
        sleep(grant.wait)


def settle(
    budget: RateLimitBudget,
    route: str,
    grant: Grant,
    response: requests.Response | None,
    now: float,
) -> None:
    """Tell the budget how the request of ``grant`` ended (``None``: without an answer)."""
    if response is None:
        budget.settle(route, grant, None)
        return
    status = response.status_code
    retry_after = rate_limit_delay(response.headers, now) if status == 429 else None
    budget.settle(route, grant, read_signal(response.headers, status, retry_after))
