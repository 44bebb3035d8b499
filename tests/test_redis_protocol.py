"""The token store protocol that Python, Node and PHP workers share through Redis (templates/store/,
docs/FLEET.md), in Python: the scripts every package ships are the same bytes; a save is a
compare-and-set on the store's generation, so a worker paused past its lease adopts the newer
tokens instead of writing its stale pair over them; a key Redis lost is written back from a
worker's valid tokens (the first writer wins) without ending the session; with Redis down,
calls go on while the access token in memory is valid, and a lost lock release costs nothing."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from rcsdk import Event, Platform, TokenStoreError
from rcsdk.redis import PROTOCOL, RedisTokenStore
from rcsdk.testing import LocalPlatform

from _redis import RedisServer
from _support import CREDS, ROOT, FakeClock, PlatformFactory

KEY = "rcsdk:protocol:user"
REFRESH = "refresh_token"
SCRIPTS = ("acquire", "load", "release", "renew", "save")


def test_every_package_ships_the_same_scripts() -> None:
    source = ROOT / "templates" / "store"
    assert sorted(p.stem for p in source.glob("*.lua")) == sorted(SCRIPTS)
    for name in SCRIPTS:
        protocol = (ROOT / "generated" / "store" / f"{name}.lua").read_bytes()
        assert (source / f"{name}.lua").read_bytes() in protocol  # behind the generated header
        for package in ("rcsdk", "js", "php", "go/redis"):
            shipped = ROOT / "generated" / package / "store" / f"{name}.lua"
            assert shipped.read_bytes() == protocol, shipped
    assert PROTOCOL == ROOT / "generated" / "rcsdk" / "store"  # the copy Python loads


STORE_CASES: dict[str, Any] = json.loads((ROOT / "tests" / "cases" / "store.json").read_text())


@pytest.mark.parametrize("case", STORE_CASES["cases"], ids=lambda case: case["name"])
def test_store_case(redis_url: str, case: dict[str, Any]) -> None:
    """The shared table of the protocol (tests/cases/store.json; JavaScript and PHP run it too)."""
    store = RedisTokenStore(KEY, url=redis_url)
    data: dict[str, Any] = STORE_CASES["data"]
    bound: dict[str, str] = {}
    for step in case["steps"]:
        written: bool | None = None
        if step["op"] == "load":
            held, generation = store.load_generation()
        else:
            expected = step["expected"]
            if expected not in (None, "*"):
                expected = bound[expected]
            saved = data[step["data"]] if step["data"] is not None else None
            written, held, generation = store.save_if(saved, expected)
        want = step["expect"]
        if "written" in want:
            assert written is want["written"], step
        assert held == (data[want["data"]] if want["data"] is not None else None), step
        name = want["generation"]
        if name is None:
            assert generation is None, step
        elif name in bound:
            assert generation == bound[name], step
        else:
            assert generation is not None and all(int(generation) > int(g) for g in bound.values())
            bound[name] = generation


class Pausing(RedisTokenStore):
    """A worker that stops (GC, VM steal, SIGSTOP) right after the platform answered its
    refresh, before its save, and renews no lease meanwhile, as a stopped process would."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pausing = False
        self.paused = threading.Event()
        self.resume = threading.Event()

    def save_if(
        self, data: dict[str, Any] | None, expected: str | None
    ) -> tuple[bool, dict[str, Any] | None, str | None]:
        if self.pausing:
            self.pausing = False
            self.paused.set()
            assert self.resume.wait(30)
        return super().save_if(data, expected)

    def _keep_lease(self, token: str, lease_ms: int, stop: threading.Event) -> None:
        stop.wait()


def test_a_worker_paused_past_its_lease_adopts_the_newer_tokens(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    with LocalPlatform() as local:  # RingCentral's grace period: B refreshes A's spent token
        paused = Pausing(KEY, url=redis_url, lease=0.3)
        a, b = (
            Platform(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=store)
            for store in (paused, RedisTokenStore(KEY, url=redis_url, lease=0.3))
        )
        a.login_jwt(CREDS["RC_JWT"])
        paused.pausing = True
        late = threading.Thread(target=a.refresh)
        late.start()
        assert paused.paused.wait(30)
        deadline = time.monotonic() + 10
        while client.exists(paused.lock_key):  # A's lease runs out while it is stopped
            assert time.monotonic() < deadline
            time.sleep(0.02)
        b.refresh()  # A's spent refresh token again (the same new pair, within the grace)
        b.refresh()  # and a real rotation: A's pair is dead now
        live = b.get_auth_data()
        paused.resume.set()
        late.join(30)
        assert json.loads(client.hget(KEY, "auth") or b"null") == live  # not A's stale pair
        assert a.get_auth_data() == live  # A adopted the store's
        assert a.read_extension().id == 1234567890
        a.refresh()  # the next rotation works from what the store holds
        assert local.grant_count(REFRESH) == 4


def test_a_lost_key_is_written_back_from_a_workers_tokens(
    redis_url: str, make_platform: PlatformFactory, clock: FakeClock, local: LocalPlatform
) -> None:
    violations: list[object] = []
    a, b = (make_platform(store=RedisTokenStore(KEY, url=redis_url, clock=clock)) for _ in "ab")
    for platform in (a, b):
        platform.on(Event.ACCESS_VIOLATION, violations.append)
    a.login_jwt(CREDS["RC_JWT"])
    assert b.read_extension().id == 1234567890
    redis.Redis.from_url(redis_url).flushall()  # a restart without persistence, say
    clock.advance(3600)  # the rotation is due: the store holds nothing
    assert a.read_extension().id == 1234567890
    assert b.read_extension().id == 1234567890
    assert local.grant_count(REFRESH) == 1  # a wrote its tokens back, refreshed; b adopted
    assert a.get_auth_data() == b.get_auth_data() == RedisTokenStore(KEY, url=redis_url).load()
    assert violations == []


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def test_with_redis_down_calls_go_on_while_the_access_token_is_valid(
    own_redis: RedisServer, make_platform: PlatformFactory, clock: FakeClock, local: LocalPlatform
) -> None:
    events: list[Event] = []
    platform = make_platform(
        store=RedisTokenStore(KEY, url=own_redis.url, clock=clock, lock_timeout=0.5)
    )
    platform.on(Event.ACCESS_VIOLATION, lambda _payload: events.append(Event.ACCESS_VIOLATION))
    platform.on(Event.REFRESH_ERROR, lambda _payload: events.append(Event.REFRESH_ERROR))
    platform.login_jwt(CREDS["RC_JWT"])
    own_redis.down()
    clock.advance(3600 - 30)  # due (within the refresh margin), still valid
    assert platform.read_extension().id == 1234567890
    clock.advance(60)  # expired, Redis still down: typed failure, nothing refreshed or lost
    with pytest.raises(TokenStoreError):
        platform.read_extension()
    assert platform.is_authorized()
    own_redis.start(own_redis.port)  # back, empty: the tokens in memory are written back
    assert platform.read_extension().id == 1234567890
    assert local.grant_count(REFRESH) == 1
    assert events == []


def test_a_lock_release_that_fails_after_a_good_refresh_costs_nothing(
    redis_url: str, make_platform: PlatformFactory, local: LocalPlatform
) -> None:
    store = RedisTokenStore(KEY, url=redis_url, lease=1.0)
    platform = make_platform(store=store)
    platform.login_jwt(CREDS["RC_JWT"])

    def lost(**_: object) -> None:
        raise redis.ConnectionError("Redis went away")

    store._release = lost
    token = platform.refresh()  # Redis dies right after the refresh: the tokens are kept
    assert platform.get_auth_data()["token"]["access_token"] == token.access_token
    assert store.load() == platform.get_auth_data()
