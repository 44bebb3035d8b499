"""The wire under a hostile or unlucky environment: servers that never finish answering, a
~/.netrc and proxies in the environment, a fork, secrets echoed back in every encoding, a
refused connection, a long rate-limit wait, settings that cannot work."""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rcsdk import (
    RCSDK,
    APIConnectionError,
    APITimeoutError,
    BadRequestError,
    Platform,
    UsageError,
)
from rcsdk.testing import Fault, LocalPlatform

from _loopback import Dripper, Listener
from _support import CREDS, FakeClock, PlatformFactory

API = "/restapi/v1.0/account/~/extension/~"
TOKEN = "/restapi/oauth/token"


def tokens(access: str = "drip-access-token-0001") -> dict[str, Any]:
    far = 4_000_000_000.0
    return {
        "version": 1,
        "token": {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": "drip-refresh-token-0001",
            "refresh_token_expires_in": 604800,
        },
        "expires_at": far,
        "refresh_token_expires_at": far,
    }


def client(server: str, **options: Any) -> Platform:
    options.setdefault("max_retries", 0)
    return RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server, **options).platform


# --- point 4: a total deadline per request --------------------------------------------------


@pytest.mark.parametrize("mode", ["headers", "body", "chunks"])
def test_a_server_that_drips_forever_cannot_hold_a_call(mode: str) -> None:
    # One piece every 0.05 s for 20 s: every read gets data well within the 0.5 s timeout, so
    # only a total deadline ends the call before the server stops dripping.
    with Dripper(mode, interval=0.05, limit=400) as dripper:
        platform = client(dripper.url, timeout=0.5)
        platform.set_auth_data(tokens())
        with pytest.raises(APITimeoutError, match=r"within 0\.5 s") as caught:
            platform.get(API)
        assert dripper.pieces < dripper.limit
    assert "drip-access-token" not in str(caught.value)


def test_a_session_the_caller_passes_gets_the_deadline_too() -> None:
    import requests

    with Dripper("chunks", interval=0.05, limit=400) as dripper:
        platform = client(dripper.url, timeout=0.5, session=requests.Session())
        platform.set_auth_data(tokens())
        with pytest.raises(APITimeoutError):
            platform.get(API)
        assert dripper.pieces < dripper.limit


def test_a_deadline_that_passes_after_its_request_ended_harms_no_later_request(
    make_platform: PlatformFactory, local: LocalPlatform
) -> None:
    import time

    platform = make_platform(timeout=0.3)
    platform.login_jwt(CREDS["RC_JWT"])
    platform.read_extension()
    ended = time.monotonic()
    connections = local.connections
    # Let the deadlines of those requests pass (the condition is the clock itself).
    while time.monotonic() < ended + 0.4:
        threading.Event().wait(ended + 0.4 - time.monotonic())
    for _ in range(3):  # the pooled connection was not shut down by a stale deadline
        assert platform.read_extension().extension_number == "101"
    assert local.connections == connections


def test_a_refresh_against_a_dripping_server_ends_and_keeps_the_tokens(
    tmp_path: Path,
) -> None:
    from rcsdk import FileTokenStore

    store = FileTokenStore(tmp_path / "tokens.json")
    with Dripper("body", interval=0.02) as dripper:
        platform = client(dripper.url, timeout=0.3, store=store)
        platform.set_auth_data(tokens())
        with pytest.raises(APITimeoutError):
            platform.refresh()
        # The locks were let go: another platform on the store can take them at once.
        with store.lock():
            pass
    # The same tokens, bound to the server they were set for.
    assert store.load() == {**tokens(), **platform.get_auth_data()}
    assert platform.get_auth_data()["token"] == tokens()["token"]


# --- point 6: ambient configuration does not change what is sent ----------------------------


@pytest.fixture
def netrc_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    netrc = tmp_path / ".netrc"
    netrc.write_text(
        "machine 127.0.0.1 login netrc-user password netrc-password\n"
        "machine localhost login netrc-user password netrc-password\n"
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    return tmp_path


def test_a_netrc_entry_for_the_platform_does_not_replace_the_sdk_credentials(
    netrc_home: Path, make_platform: PlatformFactory
) -> None:
    platform = make_platform()
    platform.login_jwt(CREDS["RC_JWT"])  # Basic app credentials, not netrc's
    assert platform.read_extension().extension_number == CREDS["RC_EXTENSION"]  # Bearer


def test_the_proxy_option_carries_the_sdk_credentials(
    netrc_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The environment's proxies never apply to plain http (tests/cases/security.json); the
    # option does, and ~/.netrc still does not replace the SDK's Authorization on the way.
    with Listener(body={"id": 1}) as proxy, Listener() as platform_host:
        monkeypatch.setenv("NO_PROXY", "")
        platform = client(platform_host.url, proxy=proxy.url)
        platform.set_auth_data(tokens())
        assert platform.get(API).json() == {"id": 1}
        assert platform_host.received == 0
    line, headers, _ = proxy.requests[0]
    assert line == f"GET {platform_host.url}{API} HTTP/1.1"  # absolute form: a proxy request
    assert headers["authorization"] == "Bearer drip-access-token-0001"


# --- point 7: fork safety --------------------------------------------------------------------


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_forked_child_opens_its_own_connection(
    make_platform: PlatformFactory, local: LocalPlatform
) -> None:
    platform = make_platform()
    platform.login_jwt(CREDS["RC_JWT"])
    platform.read_extension()  # a pooled, open connection
    before = local.connections
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            code = 0 if platform.read_extension().extension_number == "101" else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert local.connections == before + 1  # the child did not use the parent's socket
    assert platform.read_extension().extension_number == "101"  # nor broke the parent's
    assert local.connections == before + 1


# --- point 5: secrets echoed back -----------------------------------------------------------

PASSWORD = 'pa"ss&wo+rd ä 1'


def test_echoed_secrets_are_blanked_in_the_error_its_fields_and_the_log(
    caplog: pytest.LogCaptureFixture,
) -> None:
    quoted = urllib.parse.quote_plus(PASSWORD)
    body = {
        "error": "invalid_grant Basic dXNlcjpwYXNzd29yZA==",
        "error_description": f"no user for password={quoted}",
        "echo": {"password": PASSWORD, "form": f"username=u&password={quoted}"},
        "message": f"raw {PASSWORD} json {json.dumps(PASSWORD)}",
    }
    headers = {"RCRequestId": "Bearer U0pDMTFQMDFQQVMwMHxBQUJ"}
    caplog.set_level(logging.DEBUG, logger="rcsdk")
    with Listener(status=400, headers=headers, body=body) as server:
        platform = client(server.url)
        with pytest.raises(BadRequestError) as caught, pytest.warns(DeprecationWarning):
            platform.authorize("+16505550100", "101", PASSWORD)
    exc = caught.value
    texts = [str(exc), repr(exc), json.dumps(exc.body), repr(vars(exc)), str(exc.args)]
    texts += [r.getMessage() for r in caplog.records]
    for text in texts:
        for secret in (PASSWORD, quoted, json.dumps(PASSWORD)[1:-1], "dXNlcjpwYXNzd29yZA"):
            assert secret not in text, f"{secret!r} in {text!r}"
        assert "U0pDMTFQMDFQQVMwMHxBQUJ" not in text
    assert exc.body is not None and exc.body["echo"]["password"] == "[REDACTED]"


def test_query_parameters_and_params_are_logged_redacted(
    make_platform: PlatformFactory, caplog: pytest.LogCaptureFixture
) -> None:
    platform = make_platform()
    platform.login_jwt(CREDS["RC_JWT"])
    caplog.set_level(logging.DEBUG, logger="rcsdk")
    platform.get(
        API + "?token=query-token-123&page=1",
        params={"jwt": "param-jwt-456", "client_secret": "param-secret-789", "x": "1"},
    )
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "page=1" in logged
    for secret in ("query-token-123", "param-jwt-456", "param-secret-789"):
        assert secret not in logged


# --- #14 points 3 and 11: waits that announce themselves, errors that read right ------------


def test_a_long_rate_limit_wait_logs_a_warning_naming_the_group_and_fail_fast(
    make_platform: PlatformFactory,
    local: LocalPlatform,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="rcsdk")
    local.inject(
        Fault(TOKEN, status=429, headers={"Retry-After": "30", "X-Rate-Limit-Group": "auth"})
    )
    make_platform().login_jwt(CREDS["RC_JWT"])
    assert clock.sleeps == [30.0]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "auth" in warnings[0] and "30 s" in warnings[0] and "max_retries=0" in warnings[0]


def test_a_short_rate_limit_wait_is_not_a_warning(
    make_platform: PlatformFactory,
    local: LocalPlatform,
    clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="rcsdk")
    local.inject(Fault(TOKEN, status=429, headers={"Retry-After": "2"}))
    make_platform().login_jwt(CREDS["RC_JWT"])
    assert clock.sleeps == [2.0]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.fixture
def closed_port() -> Iterator[int]:
    sock = socket.create_server(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    yield port


def test_a_refused_connection_says_so(closed_port: int) -> None:
    platform = client(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(APIConnectionError) as caught:
        platform.login_jwt(CREDS["RC_JWT"])
    message = str(caught.value)
    assert f"cannot connect to 127.0.0.1:{closed_port}: connection refused" in message
    assert "Max retries" not in message and "attempt" not in message


def test_a_refused_connection_after_retries_says_how_many_attempts(
    closed_port: int, clock: FakeClock
) -> None:
    platform = client(
        f"http://127.0.0.1:{closed_port}", max_retries=2, clock=clock, sleep=clock.sleep
    )
    platform.set_auth_data(tokens())
    with pytest.raises(APIConnectionError, match=r"connection refused.*\(3 attempts\)$"):
        platform.get(API)
    assert len(clock.sleeps) == 2


# --- #16 point 8: settings that cannot work fail at construction ----------------------------


@pytest.mark.parametrize(
    ("server", "options", "message"),
    [
        (None, {}, "server"),
        ("http://127.0.0.1:1", {"timeout": -1}, "timeout"),
        ("http://127.0.0.1:1", {"timeout": 0}, "timeout"),
        ("http://127.0.0.1:1", {"timeout": float("nan")}, "timeout"),
        ("http://127.0.0.1:1", {"timeout": "5"}, "timeout"),
        ("http://127.0.0.1:1:2", {}, "server"),
        ("http://127.0.0.1:99999", {}, "server"),
        ("platform.ringcentral.com", {}, "server"),
    ],
)
def test_settings_that_cannot_work_are_usage_errors(
    server: Any, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server, **options)


def test_the_redactor_of_a_platform_stays_small_across_rotations(
    make_platform: PlatformFactory, clock: FakeClock
) -> None:
    platform = make_platform()
    platform.login_jwt(CREDS["RC_JWT"])
    issued = []
    for _ in range(30):
        clock.advance(3600)  # due, and out of the Auth rate-limit window
        token = platform.refresh()
        issued += [token.access_token, token.refresh_token]
    kept = platform._redactor.secrets()
    assert len(kept) <= 16  # credentials + the live tokens + the last rotations, not 60 tokens
    assert set(issued[-2:]) <= kept
    assert issued[0] not in kept
