"""RedisTokenStore against a real redis-server the tests start: the stored format, the TTL, the
leased lock (renewed while held, released only by its owner, freed by a killed holder within the
lease), one refresh for many platforms, and typed errors."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest
import redis

from rcsdk import Platform, TokenStoreError
from rcsdk.redis import DEFAULT_KEY_TTL, RedisTokenStore
from rcsdk.testing import LocalPlatform

from _support import CREDS, FakeClock, PlatformFactory

REFRESH = "refresh_token"
KEY = "rcsdk:test-app:user"


def store(url: str, **options: object) -> RedisTokenStore:
    return RedisTokenStore(KEY, url=url, **options)  # type: ignore[arg-type]


def test_the_core_package_does_not_import_redis() -> None:
    probe = "import sys, rcsdk; print('redis' in sys.modules, 'rcsdk.redis' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


def test_tokens_are_stored_as_the_versioned_auth_data_with_the_refresh_tokens_ttl(
    redis_url: str, make_platform: PlatformFactory, clock: FakeClock
) -> None:
    platform = make_platform(store=store(redis_url, clock=clock))
    platform.login_jwt(CREDS["RC_JWT"])
    client = redis.Redis.from_url(redis_url)
    assert client.type(KEY) == b"hash"  # the protocol's layout: auth data and its generation
    saved = json.loads(client.hget(KEY, "auth") or b"null")
    assert saved == platform.get_auth_data()
    assert saved["version"] == 1
    generation = int(client.hget(KEY, "generation") or 0)
    assert generation > 0
    ttl = client.pttl(KEY) / 1000
    expected = saved["refresh_token_expires_at"] - clock()
    assert expected - 5 <= ttl <= expected
    platform.logout()
    # A logout leaves a tombstone, a newer generation with no tokens: workers do not write
    # their tokens back over it, as they do over a key Redis lost.
    assert client.hget(KEY, "auth") == b""
    assert int(client.hget(KEY, "generation") or 0) > generation
    assert store(redis_url).load() is None


def test_a_client_the_user_passes_is_used(
    redis_url: str, make_platform: PlatformFactory, clock: FakeClock
) -> None:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    first = make_platform(store=RedisTokenStore(KEY, client=client, clock=clock))
    first.login_jwt(CREDS["RC_JWT"])
    second = make_platform(store=store(redis_url, clock=clock))
    assert second.read_extension().id == 1234567890  # the tokens the first one saved
    assert second.get_auth_data() == first.get_auth_data()


def test_expired_data_is_not_kept_and_an_unknown_refresh_lifetime_gets_the_default_ttl(
    redis_url: str,
) -> None:
    tokens = store(redis_url)
    tokens.save({"version": 1, "token": {"access_token": "a"}, "expires_at": time.time() - 1})
    assert tokens.load() is None
    # The access token expires in a minute, the refresh token's lifetime is unknown: the key
    # lives for the documented default, not for the access token's minute.
    token = {"access_token": "a", "refresh_token": "r"}
    data = {"version": 1, "token": token, "expires_at": time.time() + 60}
    tokens.save(data)
    assert tokens.load() == data
    ttl = redis.Redis.from_url(redis_url).pttl(KEY) / 1000
    assert DEFAULT_KEY_TTL - 5 <= ttl <= DEFAULT_KEY_TTL


@pytest.mark.parametrize(
    ("raw", "message"), [(b"{not json", "does not hold JSON"), (b"[1]", "JSON object")]
)
def test_unusable_content_is_an_auth_data_error(redis_url: str, raw: bytes, message: str) -> None:
    redis.Redis.from_url(redis_url).hset(KEY, mapping={"auth": raw, "generation": "1"})
    with pytest.raises(Exception, match=message) as caught:
        store(redis_url).load()
    assert type(caught.value).__name__ == "AuthDataError"


def test_an_unreachable_redis_is_a_token_store_error(redis_url: str) -> None:
    dead = RedisTokenStore(KEY, url="redis://127.0.0.1:1/0")
    with pytest.raises(TokenStoreError, match="cannot read token store"):
        dead.load()
    with pytest.raises(TokenStoreError, match="lease must be a positive number"):
        RedisTokenStore(KEY, url=redis_url, lease=0)
    with pytest.raises(ValueError, match="either url= or client="):
        RedisTokenStore(KEY)


def test_the_lock_is_released_only_by_its_owner(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    tokens = store(redis_url)
    with tokens.lock():
        owner = client.get(tokens.lock_key)
        assert owner is not None and len(owner) == 32
        client.set(tokens.lock_key, "another-worker")  # our lease ended; another took it
    assert client.get(tokens.lock_key) == b"another-worker"
    client.delete(tokens.lock_key)
    with tokens.lock():
        pass
    assert client.exists(tokens.lock_key) == 0


def test_the_lease_is_renewed_while_held_and_others_time_out(redis_url: str) -> None:
    client = redis.Redis.from_url(redis_url)
    holder = store(redis_url, lease=0.3)
    other = store(redis_url, lease=0.3, lock_timeout=0.2)
    with holder.lock():
        token = client.get(holder.lock_key)
        deadline = time.monotonic() + 1.2  # four leases
        while time.monotonic() < deadline:
            assert client.get(holder.lock_key) == token
            time.sleep(0.02)
        with pytest.raises(TokenStoreError, match=r"timed out after 0\.2 s"), other.lock():
            pass
    assert client.exists(holder.lock_key) == 0


HOLDER = """
import sys, time
from rcsdk.redis import DEFAULT_KEY_TTL, RedisTokenStore
store = RedisTokenStore(sys.argv[2], url=sys.argv[1], lease=float(sys.argv[3]))
with store.lock():
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_holder_killed_with_the_lock_delays_others_by_at_most_the_lease(
    redis_url: str,
) -> None:
    lease = 1.0
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, redis_url, KEY, str(lease)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    os.kill(holder.pid, signal.SIGKILL)
    killed = time.monotonic()
    holder.wait()
    with store(redis_url).lock():
        waited = time.monotonic() - killed
    assert waited <= lease + 0.5


def test_many_platforms_on_one_key_cause_one_refresh(redis_url: str) -> None:
    with LocalPlatform(strict_refresh=True) as local:  # a second refresh would fail
        platforms = [
            Platform(
                CREDS["RC_APP_KEY"],
                CREDS["RC_APP_SECRET"],
                local.url,
                store=store(redis_url),
            )
            for _ in range(8)
        ]
        platforms[0].login_jwt(CREDS["RC_JWT"])
        data = platforms[0].get_auth_data()
        platforms[0].set_auth_data({**data, "expires_at": time.time() - 1})  # due for all
        start = threading.Barrier(len(platforms))
        results: list[int | None] = []

        def call(platform: Platform) -> None:
            start.wait()
            results.append(platform.read_extension().id)

        threads = [threading.Thread(target=call, args=(p,)) for p in platforms]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert results == [1234567890] * len(platforms)
        assert local.grant_count(REFRESH) == 1
