# Copied verbatim from templates/rcsdk/redis.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/redis.py and run `make generate`.
"""Tokens in Redis, for many workers on many machines: ``pip install rcsdk[redis]``.

    from rcsdk import RCSDK
    from rcsdk.redis import RedisTokenStore

    store = RedisTokenStore("rcsdk:APP_KEY:USER", url="redis://localhost:6379/0")
    sdk = RCSDK("APP_KEY", "APP_SECRET", SERVER, store=store)

``RedisTokenStore`` keeps the auth data (the same versioned JSON as ``FileTokenStore``) under a
key you name, per app and user, written in one ``SET`` with a TTL that ends with the refresh
token. Its ``lock()`` is a lease in Redis (a random token with an expiry, renewed while its
holder lives, deleted only by its holder), so a fleet refreshes once per rotation and a worker
killed while holding it delays the others by at most ``lease`` seconds. ``budget()`` is the
rate-limit budget the fleet shares (see ``rcsdk._budget``).

Connect with ``url=`` (``redis://``, ``rediss://`` for TLS, ``unix://``) or pass ``client=``:
any redis-py client (``Redis``, ``Sentinel.master_for(...)``, ``RedisCluster``). Importing
``rcsdk`` never imports redis; only this module does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import redis

from rcsdk._budget import POLL, Grant, RateLimitSignal
from rcsdk._constants import DEFAULT_LOCK_TIMEOUT
from rcsdk._exceptions import AuthDataError, TokenStoreError

__all__ = ["RedisRateLimitBudget", "RedisTokenStore"]

logger = logging.getLogger("rcsdk")

DEFAULT_LEASE = 10.0
"""Seconds a lock lasts unless its holder renews it (it renews every third of that)."""


# Delete the lock only if it still holds our token: a lease that expired and was taken by
# another worker is not ours to release.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# Extend the lease only while we still hold it.
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""


class RedisTokenStore:
    """Auth data under ``key`` in Redis, shared by every worker that names the same key.

    Args:
        key: where the tokens live, one per app and user (``"rcsdk:APP_KEY:USER"``). The lock
            is ``<key>:lock`` and the rate-limit budget ``<key>:rate-limits``.
        url: a redis-py URL (``redis://host:6379/0``, ``rediss://`` for TLS).
        client: a redis-py client to use instead of ``url``.
        lease: how long the refresh lock lasts unless its holder renews it (seconds); a worker
            that dies holding it delays the others by at most this.
        lock_timeout: how long ``lock()`` waits for another holder before it raises
            ``TokenStoreError`` (seconds).

    A failed read or write (Redis unreachable, say) is a ``TokenStoreError``; content it cannot
    use is an ``AuthDataError``.
        clock: the time used for TTLs (the auth data's expiry times are epoch seconds).
    """

    def __init__(
        self,
        key: str,
        *,
        url: str | None = None,
        client: Any = None,
        lease: float = DEFAULT_LEASE,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key:
            raise ValueError("key is required (one per app and user, e.g. 'rcsdk:APP_KEY:USER')")
        if (url is None) == (client is None):
            raise ValueError("pass either url= or client=")
        for name, value in (("lease", lease), ("lock_timeout", lock_timeout)):
            if not (isinstance(value, (int, float)) and value > 0 and math.isfinite(value)):
                raise TokenStoreError(f"{name} must be a positive number of seconds, not {value!r}")
        self.key = key
        self.lock_key = f"{key}:lock"
        self.budget_key = f"{key}:rate-limits"
        self.client: Any = redis.Redis.from_url(url) if url is not None else client
        self.lease = lease
        self.lock_timeout = lock_timeout
        self._clock = clock
        self._release = self.client.register_script(_RELEASE)
        self._renew = self.client.register_script(_RENEW)
        self._budget: RedisRateLimitBudget | None = None

    def __repr__(self) -> str:
        return f"RedisTokenStore(key={self.key!r})"

    def load(self) -> dict[str, Any] | None:
        with self._errors("read"):
            raw = self.client.get(self.key)
        if raw is None:
            return None
        try:
            data = json.loads(raw)
        except ValueError:
            raise AuthDataError(f"token store {self.key!r} does not hold JSON") from None
        if data is not None and not isinstance(data, dict):
            raise AuthDataError(f"token store {self.key!r} does not hold a JSON object")
        return data

    def save(self, data: dict[str, Any] | None) -> None:
        text = json.dumps(data, sort_keys=True) if data is not None else ""
        ends = _expiry(data) if data is not None else None
        ttl_ms = math.ceil((ends - self._clock()) * 1000) if ends is not None else None
        with self._errors("write"):
            if data is None or (ttl_ms is not None and ttl_ms <= 0):
                self.client.delete(self.key)  # forgotten, or nothing in it authorizes any more
            else:
                self.client.set(self.key, text, px=ttl_ms)  # value and TTL in one command

    @contextlib.contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except redis.RedisError as exc:
            raise TokenStoreError(
                f"cannot {action} token store {self.key!r} in Redis: {type(exc).__name__}: {exc}"
            ) from None

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        token = secrets.token_hex(16)
        lease_ms = max(1, math.ceil(self.lease * 1000))
        deadline = time.monotonic() + self.lock_timeout
        pause = 0.005
        while True:
            with self._errors("lock"):
                if self.client.set(self.lock_key, token, nx=True, px=lease_ms):
                    break
            if time.monotonic() >= deadline:
                raise TokenStoreError(
                    f"timed out after {self.lock_timeout:g} s waiting for the token store lock "
                    f"{self.lock_key!r} in Redis (held by another worker)"
                )
            time.sleep(pause * (0.5 + secrets.randbelow(1000) / 1000))
            pause = min(pause * 2, 0.05)
        stop = threading.Event()
        keeper = threading.Thread(
            target=self._keep_lease,
            args=(token, lease_ms, stop),
            name="rcsdk-redis-lease",
            daemon=True,
        )
        keeper.start()
        try:
            yield
        finally:
            stop.set()
            keeper.join()
            with self._errors("unlock"):
                self._release(keys=[self.lock_key], args=[token])

    def _keep_lease(self, token: str, lease_ms: int, stop: threading.Event) -> None:
        """Renew the lease every third of it while the holder works (a slow refresh)."""
        while not stop.wait(lease_ms / 3000):
            try:
                if not self._renew(keys=[self.lock_key], args=[token, lease_ms]):
                    logger.warning("rcsdk: the refresh lock %r expired while held", self.lock_key)
                    return
            except redis.RedisError as exc:
                logger.warning("rcsdk: could not renew the refresh lock: %s", exc)

    def budget(self) -> RedisRateLimitBudget:
        """The rate-limit budget shared by every worker using this key."""
        if self._budget is None:
            self._budget = RedisRateLimitBudget(self.client, self.budget_key)
        return self._budget


def _expiry(data: dict[str, Any]) -> float | None:
    """When the last of the tokens in ``data`` expires (the refresh token, usually)."""
    times = [
        value
        for value in (data.get("refresh_token_expires_at"), data.get("expires_at"))
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    ]
    return max(times) if times else None


# The budget lives in one hash (so that a cluster keeps it in one slot): ``route:<route>`` is
# the group a route counts against ("" for none), ``probe:<route>`` when the first request of a
# route is in flight, and ``group:<name>`` the group's state as JSON. Time is Redis's own, so
# that machines whose clocks differ agree on when a pause ends, rounded up to the millisecond so
# that a pause never ends before the platform's window does.
_BUDGET_NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.ceil(tonumber(t[2]) / 1000)
"""
_RESERVE = (
    _BUDGET_NOW
    + """
local route, ticket, lease = ARGV[1], ARGV[2], tonumber(ARGV[3])
local group = redis.call('HGET', KEYS[1], 'route:' .. route)
if not group then
  local probe = tonumber(redis.call('HGET', KEYS[1], 'probe:' .. route) or '0')
  if probe > now then return {0, -1, 0, ''} end
  redis.call('HSET', KEYS[1], 'probe:' .. route, now + lease)
  redis.call('PEXPIRE', KEYS[1], 86400000)
  return {1, 0, 1, ''}
end
if group == '' then return {1, 0, 0, ''} end
local raw = redis.call('HGET', KEYS[1], 'group:' .. group)
local state = raw and cjson.decode(raw) or {}
local paused = tonumber(state.paused_until or 0)
if paused > now then return {0, paused - now, 1, group} end
local inflight, count = {}, 0
for t, ends in pairs(state.inflight or {}) do
  if ends > now then inflight[t] = ends; count = count + 1 end
end
local remaining = tonumber(state.remaining)
if remaining and remaining - count <= 0 then return {0, -1, 0, group} end
inflight[ticket] = now + lease
state.inflight = inflight
redis.call('HSET', KEYS[1], 'group:' .. group, cjson.encode(state))
redis.call('PEXPIRE', KEYS[1], 86400000)
return {1, 0, 0, group}
"""
)
_SETTLE = (
    _BUDGET_NOW
    + """
local route, ticket, probe, reserved = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if probe == '1' then redis.call('HDEL', KEYS[1], 'probe:' .. route) end
if reserved ~= '' then
  local raw = redis.call('HGET', KEYS[1], 'group:' .. reserved)
  if raw then
    local state = cjson.decode(raw)
    if type(state.inflight) == 'table' then state.inflight[ticket] = nil end
    redis.call('HSET', KEYS[1], 'group:' .. reserved, cjson.encode(state))
  end
end
if ARGV[5] ~= '1' then return 0 end
local group, limit, remaining = ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local window, pause = tonumber(ARGV[9]), tonumber(ARGV[10])
redis.call('HSET', KEYS[1], 'route:' .. route, group)
if group == '' then return 0 end
local raw = redis.call('HGET', KEYS[1], 'group:' .. group)
local state = raw and cjson.decode(raw) or {}
if limit then state.limit = limit end
if window then state.window = window end
if pause then
  state.paused_until = math.max(tonumber(state.paused_until or 0), now + pause)
  state.remaining = state.limit
elseif remaining then
  state.remaining = remaining
end
if type(state.inflight) ~= 'table' or next(state.inflight) == nil then state.inflight = nil end
redis.call('HSET', KEYS[1], 'group:' .. group, cjson.encode(state))
redis.call('PEXPIRE', KEYS[1], 86400000)
return 1
"""
)
UNMETERED_CACHE = 60.0
"""How long a worker remembers, without asking Redis, that a route reports no group (s)."""


class RedisRateLimitBudget:
    """The rate-limit budget of ``RedisTokenStore.budget()``, shared through Redis.

    If Redis cannot be reached the request goes out unmetered (logged), as without a budget.
    """

    def __init__(self, client: Any, key: str) -> None:
        self.client = client
        self.key = key
        self._reserve = client.register_script(_RESERVE)
        self._settle = client.register_script(_SETTLE)
        self._unmetered: dict[str, float] = {}

    def reserve(self, route: str, lease: float) -> Grant:
        if self._unmetered.get(route, 0.0) > time.monotonic():
            return Grant(None)
        ticket = secrets.token_hex(8)
        try:
            granted, wait_ms, flag, group = self._reserve(
                keys=[self.key], args=[route, ticket, max(1, math.ceil(lease * 1000))]
            )
        except redis.RedisError as exc:
            logger.warning("rcsdk: rate-limit budget unavailable, sending unmetered: %s", exc)
            return Grant(None)
        group = group.decode() if isinstance(group, bytes) else str(group)
        if granted:
            if not group and not flag:
                self._unmetered[route] = time.monotonic() + UNMETERED_CACHE
            return Grant(ticket, group=group, probe=bool(flag))
        if wait_ms < 0:
            return Grant(None, wait=POLL, group=group)
        return Grant(None, wait=wait_ms / 1000, paused=bool(flag), group=group)

    def settle(self, route: str, grant: Grant, signal: RateLimitSignal | None) -> None:
        if grant.ticket is None and signal is not None and not signal.group and not signal.limited:
            return  # an unmetered route that still reports nothing
        args: list[Any] = [route, grant.ticket or "", "1" if grant.probe else "0", grant.group]
        if signal is None:
            args += ["0"]
        else:
            group = signal.group or (f"~{route}" if signal.limited else "")
            pause = signal.pause()
            args += [
                "1",
                group,
                _arg(signal.limit),
                _arg(signal.remaining),
                _arg(signal.window * 1000 if signal.window is not None else None),
                _arg(pause * 1000 if pause is not None else None),
            ]
            if group:
                self._unmetered.pop(route, None)
        try:
            self._settle(keys=[self.key], args=args)
        except redis.RedisError as exc:
            logger.warning("rcsdk: could not update the rate-limit budget: %s", exc)


def _arg(value: float | None) -> str:
    return "" if value is None else str(math.ceil(value))
