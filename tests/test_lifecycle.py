"""A session is never lost: failed store writes, refresh answers that are no verdict on the
refresh token, short-lived tokens, odd token responses and bad options (issues #16, #10, #14)."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rcsdk import (
    RCSDK,
    Event,
    FileTokenStore,
    InvalidClientError,
    InvalidGrantError,
    LoginRequiredError,
    MemoryTokenStore,
    Platform,
    RedirectError,
    ResponseFormatError,
    TokenStoreError,
    UsageError,
)
from rcsdk.testing import Fault, LocalPlatform

from _support import CREDS, FakeClock, PlatformFactory, at_once

REFRESH = "refresh_token"
TOKEN = "/restapi/oauth/token"


class FailingStore(FileTokenStore):
    """A file store whose writes fail while ``failing`` is set (disk full, read-only mount)."""

    def __init__(self, path: Path, error: Exception | None = None) -> None:
        super().__init__(path)
        self.failing = False
        self.error = error or OSError(28, "No space left on device")
        self.failed_writes = 0

    def save(self, data: dict[str, Any] | None) -> None:
        if self.failing:
            self.failed_writes += 1
            raise self.error
        super().save(data)


def listen(platform: Platform, *events: Event) -> list[tuple[Event, object]]:
    heard: list[tuple[Event, object]] = []

    def hear(event: Event) -> None:
        platform.on(event, lambda payload: heard.append((event, payload)))

    for event in events:
        hear(event)
    return heard


def stored_refresh_token(path: Path) -> str | None:
    if not path.exists():
        return None
    token: str = json.loads(path.read_text())["token"]["refresh_token"]
    return token


# --- #16.1: a failed store write never loses the session ----------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        OSError(28, "No space left on device"),
        TokenStoreError("token store is read-only"),
        RuntimeError("the application's own store is down"),
    ],
    ids=["OSError", "TokenStoreError", "any-exception"],
)
def test_a_failed_store_write_keeps_the_new_tokens_and_writes_them_later(
    make_platform: PlatformFactory,
    local: LocalPlatform,
    clock: FakeClock,
    tmp_path: Path,
    error: Exception,
) -> None:
    path = tmp_path / "tokens.json"
    store = FailingStore(path, error)
    platform = make_platform(store=store)
    heard = listen(platform, Event.STORE_ERROR, Event.ACCESS_VIOLATION)
    platform.login_jwt(CREDS["RC_JWT"])
    spent = stored_refresh_token(path)
    clock.advance(3600)
    store.failing = True
    assert platform.read_extension().id == 1234567890  # refreshed; the write failed
    assert local.grant_count(REFRESH) == 1
    assert [e for e, _ in heard] == [Event.STORE_ERROR]
    assert isinstance(heard[0][1], TokenStoreError)
    assert stored_refresh_token(path) == spent  # the file still has the spent token
    for _ in range(3):  # the new tokens stay in use: no refresh, no lost session
        assert platform.read_extension().id == 1234567890
    assert local.grant_count(REFRESH) == 1
    assert [e for e, _ in heard] == [Event.STORE_ERROR]  # reported once per run of failures
    store.failing = False
    platform.read_extension()  # the store accepts writes again: the tokens are written
    fresh = stored_refresh_token(path)
    assert fresh is not None and fresh != spent
    other = make_platform(store=FileTokenStore(path))  # a new process picks them up
    assert other.read_extension().id == 1234567890
    assert local.grant_count(REFRESH) == 1


def test_a_login_whose_store_is_a_directory_keeps_its_tokens(
    make_platform: PlatformFactory, local: LocalPlatform, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    path.mkdir()
    platform = make_platform(store=FileTokenStore(path))
    heard = listen(platform, Event.STORE_ERROR)
    platform.login_jwt(CREDS["RC_JWT"])  # issued: kept in memory although the store refuses
    assert [type(p) for _, p in heard] == [TokenStoreError]
    assert platform.read_extension().id == 1234567890
    path.rmdir()
    platform.read_extension()
    assert stored_refresh_token(path) == platform.get_auth_data()["token"]["refresh_token"]
    assert local.grant_count("urn:ietf:params:oauth:grant-type:jwt-bearer") == 1


@pytest.mark.parametrize("blocker", ["directory", "symlink", "held"])
def test_a_login_whose_store_lock_cannot_be_taken_keeps_its_tokens(
    make_platform: PlatformFactory, local: LocalPlatform, tmp_path: Path, blocker: str
) -> None:
    # Issue #20 (point 7): the same test in JS and PHP. The lock is a directory, a link, or
    # held (by another thread here) past lock_timeout: the issued tokens stay in use.
    path = tmp_path / "tokens.json"
    store = FileTokenStore(path, lock_timeout=0.2)
    holder = contextlib.ExitStack()
    if blocker == "directory":
        store.lock_path.mkdir()
    elif blocker == "symlink":
        store.lock_path.symlink_to(tmp_path / "elsewhere")
    else:
        held, release = threading.Event(), threading.Event()

        def hold() -> None:
            with store.lock():
                held.set()
                release.wait(10)

        thread = threading.Thread(target=hold)
        thread.start()
        holder.callback(thread.join, 10)
        holder.callback(release.set)
        assert held.wait(10)
    with holder:
        platform = make_platform(store=store)
        heard = listen(platform, Event.STORE_ERROR)
        token = platform.login_jwt(CREDS["RC_JWT"])
        assert [type(p) for _, p in heard] == [TokenStoreError]
        assert platform.get_auth_data()["token"]["access_token"] == token.access_token
        assert platform.read_extension().id == 1234567890
    assert local.grant_count("urn:ietf:params:oauth:grant-type:jwt-bearer") == 1


def test_a_store_that_becomes_unreadable_stops_no_call_and_no_refresh(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock, tmp_path: Path
) -> None:
    """The store cannot be read (here a directory took the file's place): calls go on with the
    tokens in memory, a due token is refreshed with them, and they are written once the store
    can be used again."""
    path = tmp_path / "tokens.json"
    platform = make_platform(store=FileTokenStore(path))
    heard = listen(platform, Event.STORE_ERROR, Event.ACCESS_VIOLATION)
    platform.login_jwt(CREDS["RC_JWT"])
    path.unlink()
    path.mkdir()
    assert platform.read_extension().id == 1234567890
    clock.advance(3600)
    assert platform.read_extension().id == 1234567890  # refreshed with the tokens in memory
    assert local.grant_count(REFRESH) == 1
    assert [e for e, _ in heard] == [Event.STORE_ERROR]
    assert isinstance(heard[0][1], TokenStoreError)
    path.rmdir()
    platform.read_extension()
    assert stored_refresh_token(path) == platform.get_auth_data()["token"]["refresh_token"]
    assert local.grant_count(REFRESH) == 1


def test_unsaved_tokens_give_way_to_newer_ones_in_the_store(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    store = FailingStore(path)
    platform = make_platform(store=store)
    platform.login_jwt(CREDS["RC_JWT"])
    clock.advance(3600)
    store.failing = True
    platform.read_extension()  # rotated; unsaved
    store.failing = False
    newer = make_platform(store=FileTokenStore(path))
    newer.login_jwt(CREDS["RC_JWT"])  # another process logs in meanwhile
    platform.read_extension()
    assert platform.get_auth_data() == newer.get_auth_data()


def test_older_tokens_written_meanwhile_give_way_to_a_later_rotation(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock, tmp_path: Path
) -> None:
    """The store comes back and another process, first to write, wrote tokens of an earlier
    rotation (it got them as a grace-period reuse): ours, issued later, replace them."""
    path = tmp_path / "tokens.json"
    store = FailingStore(path)
    platform = make_platform(store=store)
    platform.login_jwt(CREDS["RC_JWT"])
    store.failing = True
    clock.advance(3600)
    platform.read_extension()  # rotation 1, unsaved
    earlier = platform.get_auth_data()
    clock.advance(3600)
    platform.read_extension()  # rotation 2, unsaved
    FileTokenStore(path).save(earlier)  # the other process writes first
    store.failing = False
    platform.read_extension()
    ours = platform.get_auth_data()
    assert ours["token"]["refresh_token"] != earlier["token"]["refresh_token"]
    assert stored_refresh_token(path) == ours["token"]["refresh_token"]
    assert local.grant_count(REFRESH) == 2


# --- #16.2: only a verdict on that refresh token ends the session ------------------------------

# The answers that are no verdict keep the session: rows of generated/cases.json (end to end)
# and of tests/cases/decisions.json's ends_session.


def test_a_worker_with_a_wrong_secret_does_not_log_out_the_fleet(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    good = make_platform(store=FileTokenStore(path))
    good.login_jwt(CREDS["RC_JWT"])
    bad = make_platform(store=FileTokenStore(path), app_secret="wrong-secret", max_retries=0)
    clock.advance(3600)
    with pytest.raises(InvalidClientError):
        bad.read_extension()
    assert path.exists()
    assert good.read_extension().id == 1234567890


def test_invalid_grant_for_the_stored_refresh_token_ends_the_session(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock, tmp_path: Path
) -> None:
    path = tmp_path / "tokens.json"
    platform = make_platform(store=FileTokenStore(path))
    heard = listen(platform, Event.ACCESS_VIOLATION)
    platform.login_jwt(CREDS["RC_JWT"])
    clock.advance(3600)
    local.inject(
        Fault(
            TOKEN,
            status=400,
            body=json.dumps({"error": "invalid_grant", "errors": [{"errorCode": "OAU-211"}]}),
            headers={"Content-Type": "application/json"},
        )
    )
    with pytest.raises(InvalidGrantError):
        platform.read_extension()
    assert [e for e, _ in heard] == [Event.ACCESS_VIOLATION]
    assert not path.exists()
    with pytest.raises(LoginRequiredError):
        platform.read_extension()


class SwappingStore(MemoryTokenStore):
    """Simulates a process that writes other tokens while the refresh request is out."""

    def __init__(self) -> None:
        super().__init__()
        self.swap: dict[str, Any] | None = None
        self.loads = 0

    def load(self) -> dict[str, Any] | None:
        self.loads += 1
        if self.swap is not None and self.loads == 2:
            super().save(self.swap)
        return super().load()


def test_invalid_grant_for_a_token_the_store_no_longer_holds_keeps_the_store(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    store = SwappingStore()
    platform = make_platform(store=store)
    heard = listen(platform, Event.ACCESS_VIOLATION)
    platform.login_jwt(CREDS["RC_JWT"])
    other = make_platform()
    other.login_jwt(CREDS["RC_JWT"])
    clock.advance(3600)
    other.set_auth_data({**other.get_auth_data(), "expires_at": clock() + 3600})
    store.swap, store.loads = other.get_auth_data(), 0
    local.inject(
        Fault(
            TOKEN,
            status=400,
            body=json.dumps({"error": "invalid_grant", "errors": [{"errorCode": "OAU-211"}]}),
            headers={"Content-Type": "application/json"},
        )
    )
    with pytest.raises(InvalidGrantError):
        platform.read_extension()
    assert heard == []
    assert store.load() == other.get_auth_data()
    assert platform.read_extension().id == 1234567890  # with what the store holds now


# --- #10: the refresh margin is capped by the token's own lifetime ------------------------------


@pytest.mark.parametrize("ttl", [1, 61])
def test_32_threads_on_a_due_short_lived_token_make_one_refresh(ttl: int) -> None:
    clock = FakeClock()
    with LocalPlatform(clock=clock, access_ttl=ttl, strict_refresh=True) as local:
        platform = RCSDK(
            CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, clock=clock
        ).get_platform()
        platform.login_jwt(CREDS["RC_JWT"])
        assert platform.read_extension().id == 1234567890  # just issued: never due
        clock.advance(ttl * 0.4)  # inside the default 60 s margin, before half its lifetime
        assert platform.read_extension().id == 1234567890
        assert local.grant_count(REFRESH) == 0
        clock.advance(ttl * 0.35)  # past half its lifetime: due
        assert at_once(lambda: platform.read_extension().id) == [1234567890] * 32
        assert local.grant_count(REFRESH) == 1


# --- #16.8 and #16.9: odd answers and bad options become typed errors early ----------------------


def token_body(**changes: object) -> str:
    body: dict[str, object] = {
        "access_token": "odd-access",
        "token_type": "bearer",
        "expires_in": 3600,
        "refresh_token": "odd-refresh",
        "refresh_token_expires_in": 604800,
        "scope": "ReadAccounts",
    }
    body.update(changes)
    return json.dumps(body)


@pytest.mark.parametrize(
    ("status", "headers", "raised"),
    [
        (302, {"Location": "https://elsewhere.example/x"}, RedirectError),
        (201, {}, ResponseFormatError),
    ],
)
def test_only_a_200_is_a_login(
    make_platform: PlatformFactory,
    local: LocalPlatform,
    status: int,
    headers: dict[str, str],
    raised: type[Exception],
) -> None:
    platform = make_platform()
    local.inject(
        Fault(
            TOKEN,
            status=status,
            body=token_body(),
            headers={"Content-Type": "application/json", **headers},
        )
    )
    with pytest.raises(raised) as caught:
        platform.login_jwt(CREDS["RC_JWT"])
    assert "odd-access" not in str(caught.value)
    assert not platform.is_authorized()


def test_a_deeply_nested_token_response_is_a_response_format_error(
    make_platform: PlatformFactory, local: LocalPlatform
) -> None:
    platform = make_platform()
    local.inject(Fault(TOKEN, status=200, body="[" * 100_000 + "]" * 100_000))
    with pytest.raises(ResponseFormatError):
        platform.login_jwt(CREDS["RC_JWT"])


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("server", None),
        ("server", 8089),
        ("timeout", -1),
        ("timeout", 0),
        ("timeout", float("nan")),
        ("timeout", "5"),
        ("refresh_margin", -1),
        ("max_retries", -1),
        ("max_retries", 1.5),
        ("max_retry_wait", float("inf")),
        ("app_key", None),
    ],
)
def test_a_bad_option_is_a_usage_error_at_construction(option: str, value: object) -> None:
    args: dict[str, Any] = {
        "app_key": "key",
        "app_secret": "secret",
        "server": "http://127.0.0.1:9",
        option: value,
    }
    with pytest.raises(UsageError, match=option):
        Platform(**args)


# --- #14.8: a platform from the environment logs in with RC_JWT ---------------------------------


def test_from_env_logs_in_with_rc_jwt(local: LocalPlatform) -> None:
    environ = {**CREDS, "RC_SERVER": local.url}
    platform = RCSDK.from_env(environ).get_platform()
    platform.login_jwt()
    assert platform.read_extension().id == 1234567890
    bare = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    with pytest.raises(UsageError, match="RC_JWT"):
        bare.login_jwt()


@contextlib.contextmanager
def chdir(path: Path) -> Iterator[None]:
    import os

    before = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


def test_a_relative_store_path_survives_chdir(
    make_platform: PlatformFactory, local: LocalPlatform, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with chdir(tmp_path / "a"):
        platform = make_platform(store=FileTokenStore("tokens.json"))
    with chdir(tmp_path / "b"):
        platform.login_jwt(CREDS["RC_JWT"])
    assert (tmp_path / "a" / "tokens.json").exists()
    assert not (tmp_path / "b" / "tokens.json").exists()
