"""Tokens in Redis, for many workers on many machines: ``pip install rcsdk[redis]``.

    from rcsdk import RCSDK
    from rcsdk.redis import RedisTokenStore

    store = RedisTokenStore("rcsdk:APP_KEY:USER", url="redis://localhost:6379/0")
    sdk = RCSDK("APP_KEY", "APP_SECRET", SERVER, store=store)

``RedisTokenStore`` speaks rcsdk's token store protocol, the Lua scripts of ``rcsdk/store/``
that the JavaScript and PHP packages load too, byte for byte (docs/FLEET.md): a Python, a Node
and a PHP worker naming the same key share one session. The key is a hash of the auth data
(the same JSON as ``FileTokenStore``'s) and the store's *generation* of it; every write after a
refresh is a compare-and-set on the generation the tokens were refreshed from, so a worker
paused past its lease cannot write its stale pair over a newer one (it adopts the store's).
A key that Redis lost (a restart without persistence, FLUSHALL, eviction, failover) is written
again from a worker's valid tokens in memory, the first writer winning; a logout leaves a
tombstone instead, so it is not undone. The key lives as long as the refresh token (``key_ttl``
when its lifetime is unknown). ``lock()`` is a lease in Redis (a random token with an expiry,
renewed while its holder lives, deleted only by its holder), so a fleet refreshes once per
rotation and a worker killed while holding it delays the others by at most ``lease`` seconds.
``budget()`` is the rate-limit budget the fleet shares (see ``rcsdk._budget``).

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
from pathlib import Path
from typing import Any

import redis

from rcsdk._budget import POLL, Grant, RateLimitSignal
from rcsdk._constants import DEFAULT_LOCK_TIMEOUT, DEFAULT_STORE_KEY_TTL, DEFAULT_STORE_LEASE
from rcsdk._exceptions import AuthDataError, TokenStoreError
from rcsdk._store import ANY_GENERATION

__all__ = ["DEFAULT_KEY_TTL", "DEFAULT_LEASE", "RedisRateLimitBudget", "RedisTokenStore"]

logger = logging.getLogger("rcsdk")

DEFAULT_LEASE = DEFAULT_STORE_LEASE
"""Seconds a lock lasts unless its holder renews it (it renews every third of that)."""
DEFAULT_KEY_TTL = DEFAULT_STORE_KEY_TTL
"""How long the tokens key lives when the refresh token's lifetime is unknown (seconds): a
week, RingCentral's refresh-token lifetime (spec defaults). Never the access token's: a key
that expired with the access token would log the fleet out while its refresh token works."""

PROTOCOL = Path(__file__).with_name("store")
"""The protocol's Lua scripts, the same bytes in every language's package."""


def script(name: str) -> str:
    """One script of the token store protocol (``load``, ``save``, ``acquire``, ...)."""
    return (PROTOCOL / f"{name}.lua").read_text(encoding="utf-8")


def _text(value: object) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


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
        key_ttl: how long the key lives when the refresh token's lifetime is unknown (seconds).
        clock: the time used for TTLs (the auth data's expiry times are epoch seconds).

    A failed read or write (Redis unreachable, say) is a ``TokenStoreError``; content it cannot
    use is an ``AuthDataError``.
    """

    def __init__(
        self,
        key: str,
        *,
        url: str | None = None,
        client: Any = None,
        lease: float = DEFAULT_LEASE,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        key_ttl: float = DEFAULT_KEY_TTL,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not key:
            raise ValueError("key is required (one per app and user, e.g. 'rcsdk:APP_KEY:USER')")
        if (url is None) == (client is None):
            raise ValueError("pass either url= or client=")
        for name, value in (("lease", lease), ("lock_timeout", lock_timeout), ("key_ttl", key_ttl)):
            if not (isinstance(value, (int, float)) and value > 0 and math.isfinite(value)):
                raise TokenStoreError(f"{name} must be a positive number of seconds, not {value!r}")
        self.key = key
        self.lock_key = f"{key}:lock"
        self.budget_key = f"{key}:rate-limits"
        self.client: Any = redis.Redis.from_url(url) if url is not None else client
        self.lease = lease
        self.lock_timeout = lock_timeout
        self.key_ttl = key_ttl
        self._clock = clock
        register = self.client.register_script
        self._load, self._save = register(script("load")), register(script("save"))
        self._acquire, self._renew = register(script("acquire")), register(script("renew"))
        self._release = register(script("release"))
        self._budget: RedisRateLimitBudget | None = None

    def __repr__(self) -> str:
        return f"RedisTokenStore(key={self.key!r})"

    # --- the fenced protocol (rcsdk._store.FencedTokenStore), which the platform uses ----------

    def load_generation(self) -> tuple[dict[str, Any] | None, str | None]:
        with self._errors("read"):
            auth, generation = self._load(keys=[self.key])
        return self._parse(auth), _text(generation) or None

    def save_if(
        self, data: dict[str, Any] | None, expected: str | None
    ) -> tuple[bool, dict[str, Any] | None, str | None]:
        text = json.dumps(data, sort_keys=True) if data is not None else ""
        ttl = self._ttl(data)
        if ttl is None:
            text, ttl = "", self.key_ttl  # nothing in it authorizes any more: as logged out
        arg = "" if expected is None else expected
        with self._errors("write"):
            written, generation, auth = self._save(
                keys=[self.key], args=[arg, text, max(1, math.ceil(ttl * 1000))]
            )
        return bool(written), self._parse(auth), _text(generation) or None

    def _ttl(self, data: dict[str, Any] | None) -> float | None:
        """Seconds the key lives: until the later expiry of the two tokens, at least the
        refresh token's (``key_ttl`` when unknown); ``None`` when both have expired."""
        if data is None:
            return self.key_ttl
        now = self._clock()
        ends = [
            value - now
            for value in (data.get("refresh_token_expires_at"), data.get("expires_at"))
            if isinstance(value, (int, float)) and not isinstance(value, bool)
        ]
        token = data.get("token")
        refreshable = isinstance(token, dict) and bool(token.get("refresh_token"))
        if not ends or (refreshable and data.get("refresh_token_expires_at") is None):
            ends.append(self.key_ttl)  # a lifetime that is unknown
        ttl = max(ends)
        return ttl if ttl > 0 else None

    def _parse(self, raw: object) -> dict[str, Any] | None:
        text = _text(raw)
        if not text:
            return None
        try:
            data = json.loads(text)
        except ValueError:
            raise AuthDataError(f"token store {self.key!r} does not hold JSON") from None
        if data is not None and not isinstance(data, dict):
            raise AuthDataError(f"token store {self.key!r} does not hold a JSON object")
        return data

    # --- the plain TokenStore protocol --------------------------------------------------------

    def load(self) -> dict[str, Any] | None:
        return self.load_generation()[0]

    def save(self, data: dict[str, Any] | None) -> None:
        self.save_if(data, ANY_GENERATION)

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
                if self._acquire(keys=[self.lock_key], args=[token, lease_ms]):
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
            try:
                self._release(keys=[self.lock_key], args=[token])
            except redis.RedisError as exc:
                # The work under the lock is done (tokens kept); the lease ends by itself.
                logger.warning("rcsdk: could not release the refresh lock: %s", exc)

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
