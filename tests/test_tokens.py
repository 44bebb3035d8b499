"""Tokens that keep working: refresh before expiry and after a 401, one refresh for many
threads and processes, a store that survives SIGKILL, and sessions that end cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rcsdk import (
    APIConnectionError,
    Event,
    FileTokenStore,
    InvalidGrantError,
    LoginRequiredError,
    Platform,
    TokenError,
)
from rcsdk.testing import Fault, LocalPlatform

from _support import CREDS, FakeClock, PlatformFactory, at_once

REFRESH = "refresh_token"


def test_refresh_happens_before_expiry_by_the_margin(
    platform: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    platform.login_jwt(CREDS["RC_JWT"])
    clock.advance(3600 - 61)
    platform.read_extension()
    assert local.grant_count(REFRESH) == 0
    clock.advance(2)  # now 59 s before expiry: inside the 60 s margin
    platform.read_extension()
    assert local.grant_count(REFRESH) == 1


def test_the_margin_is_configurable(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    platform = make_platform(refresh_margin=600)
    platform.login_jwt(CREDS["RC_JWT"])
    clock.advance(3000)
    platform.read_extension()
    assert local.grant_count(REFRESH) == 1


def test_a_401_token_error_refreshes_once_and_retries_once(
    platform: Platform, local: LocalPlatform
) -> None:
    platform.login_jwt(CREDS["RC_JWT"])
    local.expire_access_tokens()  # the server disagrees with the client's clock
    assert platform.read_extension().id == 1234567890
    assert local.grant_count(REFRESH) == 1
    assert local.counts["GET /restapi/v1.0/account/~/extension/~"] == 2


def test_a_second_401_after_the_refresh_is_raised_not_looped(
    platform: Platform, local: LocalPlatform
) -> None:
    platform.login_jwt(CREDS["RC_JWT"])
    body = json.dumps({"errors": [{"errorCode": "OAU-213", "message": "Token not found"}]})
    local.inject(Fault("/restapi/v1.0/", status=401, body=body, count=5))
    with pytest.raises(TokenError):
        platform.read_extension()
    assert local.grant_count(REFRESH) == 1
    assert len(local.faults) == 1 and local.faults[0].count == 3  # two calls, not five


def test_32_threads_on_an_expired_token_cause_one_refresh(
    platform: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    platform.login_jwt(CREDS["RC_JWT"])
    clock.advance(3600)
    assert at_once(lambda: platform.read_extension().id) == [1234567890] * 32
    assert local.grant_count(REFRESH) == 1


def test_threads_keep_their_connections(
    platform: Platform, local: LocalPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    """32 overlapping calls open 32 connections once; a second wave reuses them."""
    platform.login_jwt(CREDS["RC_JWT"])
    platform.read_extension()  # a route's first call goes alone (the rate-limit budget)
    body = json.dumps({"id": 1})

    def wave() -> None:
        local.inject(Fault("/restapi/v1.0/", status=200, body=body, delay=0.3, count=32))
        threads = [threading.Thread(target=platform.read_extension) for _ in range(32)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    wave()
    opened = local.connections
    wave()
    assert opened >= 30  # the calls did overlap
    assert local.connections == opened
    assert not [r for r in caplog.records if "pool is full" in r.getMessage()]


WORKER = """
import sys
from rcsdk import RCSDK, FileTokenStore
server, store = sys.argv[1], sys.argv[2]
platform = RCSDK("{key}", "{secret}", server, store=FileTokenStore(store)).get_platform()
print("ready", flush=True)
sys.stdin.readline()  # the test says go once every worker is ready
print(platform.read_extension().id)
"""


def test_four_processes_sharing_a_file_store_cause_one_refresh(tmp_path: Path) -> None:
    store_path = tmp_path / "tokens.json"
    with LocalPlatform(strict_refresh=True) as local:  # a second refresh would fail
        first = Platform(
            CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(store_path)
        )
        first.login_jwt(CREDS["RC_JWT"])
        data = first.get_auth_data()
        first.set_auth_data({**data, "expires_at": time.time() - 1})  # due for everyone
        script = WORKER.format(key=CREDS["RC_APP_KEY"], secret=CREDS["RC_APP_SECRET"])
        workers = [
            subprocess.Popen(
                [sys.executable, "-c", script, local.url, str(store_path)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(4)
        ]
        for worker in workers:
            assert worker.stdout is not None and worker.stdout.readline() == "ready\n"
        outputs = [worker.communicate("go\n", timeout=60) for worker in workers]
        assert [w.returncode for w in workers] == [0] * 4, outputs
        assert [out.strip() for out, _ in outputs] == ["1234567890"] * 4
        assert local.grant_count(REFRESH) == 1
        saved = json.loads(store_path.read_text())
        assert saved["token"]["access_token"] != data["token"]["access_token"]
        assert (store_path.stat().st_mode & 0o777) == 0o600


def state(token: str, expires_at: float) -> dict[str, object]:
    return {"version": 1, "token": {"access_token": token}, "expires_at": expires_at}


OLD, NEW = state("old-" + "a" * 4000, 1.0), state("new-" + "b" * 4000, 2.0)


def start_writer(store_path: Path) -> tuple[int, int]:
    """A forked child that saves OLD and NEW in turn forever, writing a byte after each save."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            store = FileTokenStore(store_path)
            os.write(write, b"r")
            i = 0
            while True:
                store.save(NEW if i % 2 else OLD)
                i += 1
                os.write(write, b"w")
        finally:
            os._exit(0)
    os.close(write)
    return pid, read


def test_sigkill_while_writing_leaves_old_or_new_tokens(tmp_path: Path) -> None:
    store_path = tmp_path / "tokens.json"
    seen = set()
    for attempt in range(40):
        pid, progress = start_writer(store_path)
        assert os.read(progress, 1) == b"r"
        for _ in range(attempt % 7):  # kill after 0 to 6 writes, and wherever the next one is
            assert os.read(progress, 1) == b"w"
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(progress)
        data = FileTokenStore(store_path).load()
        if data is None:  # killed before the first rename
            continue
        token = data["token"]["access_token"]
        assert token in ("old-" + "a" * 4000, "new-" + "b" * 4000)
        seen.add(token[:3])
    assert seen == {"old", "new"}
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in ("tokens.json",)]
    assert all(name.startswith(".tokens.json.") for name in leftovers)


def test_a_session_revoked_elsewhere_fires_access_violation_once(
    platform: Platform, local: LocalPlatform
) -> None:
    violations: list[object] = []
    platform.on("accessViolation", violations.append)
    platform.login_jwt(CREDS["RC_JWT"])
    local.revoke_all()
    with pytest.raises(InvalidGrantError):
        platform.read_extension()
    with pytest.raises(LoginRequiredError):
        platform.read_extension()
    with pytest.raises(LoginRequiredError):
        platform.refresh()
    assert len(violations) == 1
    assert isinstance(violations[0], InvalidGrantError)
    assert local.grant_count(REFRESH) == 1
    assert not platform.is_authorized()


def test_an_expired_refresh_token_fires_access_violation_without_a_request(
    platform: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    violations: list[object] = []
    platform.on(Event.ACCESS_VIOLATION, violations.append)
    platform.login_jwt(CREDS["RC_JWT"])
    clock.advance(604800)
    with pytest.raises(LoginRequiredError):
        platform.read_extension()
    assert len(violations) == 1
    assert local.grant_count(REFRESH) == 0


def test_a_dropped_connection_during_refresh_keeps_the_refresh_token(
    platform: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    errors: list[object] = []
    violations: list[object] = []
    platform.on(Event.REFRESH_ERROR, errors.append)
    platform.on(Event.ACCESS_VIOLATION, violations.append)
    platform.login_jwt(CREDS["RC_JWT"])
    before = platform.get_auth_data()
    clock.advance(3600)
    local.inject(Fault("/restapi/oauth/token", drop=True))
    with pytest.raises(APIConnectionError):
        platform.read_extension()
    assert platform.get_auth_data() == before
    assert len(errors) == 1 and violations == []
    assert local.faults == []  # the refresh was sent once and dropped, not replayed
    assert platform.read_extension().id == 1234567890  # the platform is back
    assert local.grant_count(REFRESH) == 1


def test_auto_refresh_can_be_turned_off(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    central = make_platform()
    worker = make_platform(auto_refresh=False, store=central.store)
    central.login_jwt(CREDS["RC_JWT"])
    clock.advance(3600)
    with pytest.raises(TokenError):
        worker.read_extension()
    assert local.grant_count(REFRESH) == 0
    central.refresh()  # the central refresher rotates; the worker picks the new tokens up
    assert worker.read_extension().id == 1234567890
    assert local.grant_count(REFRESH) == 1


def test_file_store_is_private_and_shared(tmp_path: Path, make_platform: PlatformFactory) -> None:
    path = tmp_path / "nested" / "tokens.json"
    one = make_platform(store=FileTokenStore(path))
    one.login_jwt(CREDS["RC_JWT"])
    assert (path.stat().st_mode & 0o777) == 0o600
    two = make_platform(store=FileTokenStore(path))
    assert two.get_auth_data() == one.get_auth_data()
    two.logout()
    assert not path.exists()


def test_a_login_in_another_process_is_picked_up(
    tmp_path: Path, make_platform: PlatformFactory
) -> None:
    path = tmp_path / "tokens.json"
    idle = make_platform(store=FileTokenStore(path))
    assert not idle.is_authorized()
    make_platform(store=FileTokenStore(path)).login_jwt(CREDS["RC_JWT"])
    assert idle.read_extension().id == 1234567890
