"""Where tokens may go and what may be sent, table-driven from tests/cases/security.json (the
JavaScript and PHP clients run the same table). Every case asserts that the foreign loopback
listener received nothing, and that the error is the expected type and names the problem."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import rcsdk
from rcsdk import RCSDK, Platform
from rcsdk._redact import Redactor
from rcsdk.testing import LocalPlatform

from _loopback import Flood, Listener
from _support import CREDS, ROOT

TABLE = json.loads((ROOT / "tests" / "cases" / "security.json").read_text())
CASES = TABLE["cases"]


def fill(value: Any, names: dict[str, str]) -> Any:
    """The case's strings with the placeholders filled in, at any depth."""
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace(name, replacement)
        return value
    if isinstance(value, dict):
        return {fill(k, names): fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def valid_tokens() -> dict[str, Any]:
    """Tokens set directly (no request): the access token is far from due."""
    far = 4_000_000_000.0
    return {
        "version": 1,
        "token": {
            "access_token": "case-access-token-0001",
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": "case-refresh-token-0001",
            "refresh_token_expires_in": 604800,
            "scope": "ReadAccounts",
            "owner_id": "1",
            "endpoint_id": "e",
        },
        "expires_at": far,
        "refresh_token_expires_at": far,
    }


PROXY_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
)


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Every proxy variable unset but ``values``, for the block only."""
    saved = {name: os.environ.get(name) for name in {*PROXY_VARIABLES, *values}}
    for name in PROXY_VARIABLES:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@pytest.fixture
def foreign() -> Iterator[Listener]:
    with Listener(body={"stolen": True}) as listener:
        yield listener


@pytest.fixture
def proxy() -> Iterator[Listener]:
    with Listener(status=502, body={"proxy": "no"}) as listener:
        yield listener


def act(platform: Platform, case: dict[str, Any]) -> Any:
    args = case.get("args", {})
    action = case["action"]
    if action == "login_jwt":
        return platform.login_jwt(args["jwt"])
    if action == "login_password":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return platform.authorize(args["username"], args["extension"], args["password"])
    if action == "refresh":
        return platform.refresh()
    if action == "revoke":
        return platform.logout()
    if action == "request":
        return platform.request(args["method"], args["path"], headers=args.get("headers"))
    raise AssertionError(f"unknown action {action}")


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_security_case(
    case: dict[str, Any], foreign: Listener, proxy: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    if case["platform"] == "answer":
        platform_server: Any = Flood(case["answer"])
    elif case["platform"] == "redirect":
        body = {"access_token": "redirected-token", "token_type": "bearer", "expires_in": 3600}
        # The Location is filled in below, once the platform's own address is known.
        platform_server = Listener(status=case["redirect"]["status"], body=body)
    else:
        platform_server = LocalPlatform().start()
    try:
        host = platform_server.url.split("//", 1)[1]
        names = {
            "{platform}": host,
            "{foreign}": foreign.host,
            "{remote}": f"0.0.0.0:{host.rsplit(':', 1)[1]}",
            "{jwt}": CREDS["RC_JWT"],
            "{proxy}": proxy.host,
        }
        case = fill(case, names)
        expect = case["expect"]
        if case["platform"] == "redirect":
            platform_server.headers["Location"] = case["redirect"]["location"]
        server = case.get("server", f"http://{host}")
        options = case.get("options", {})

        def received() -> int:
            if isinstance(platform_server, (Listener, Flood)):
                return len(platform_server.requests)
            connections: int = platform_server.connections
            return connections

        caplog.set_level(logging.WARNING, logger="rcsdk")
        error: BaseException | None = None
        before = received()
        proxied = len(proxy.requests)
        try:
            # The proxy is chosen when the client is made: the environment matters only then.
            with environment(case.get("env", {})):
                sdk = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server, **options)
            platform = sdk.platform
            if case["tokens"] == "valid":
                platform.set_auth_data(valid_tokens())
            elif case["tokens"] == "login":
                platform.login_jwt(CREDS["RC_JWT"])
            before = received()
            if case["action"] != "construct":
                act(platform, case)
        except rcsdk.RCSDKError as exc:
            error = exc

        assert foreign.received == 0, f"the foreign host received {foreign.requests}"
        if "proxy_requests" in expect:
            assert len(proxy.requests) - proxied == expect["proxy_requests"], proxy.requests
        if "platform_requests" in expect:
            assert received() - before == expect["platform_requests"]
        if expect["error"] is None:
            assert error is None, f"unexpected {error!r}: {error}"
        else:
            assert error is not None, f"expected {expect['error']}, nothing was raised"
            assert type(error).__name__ == expect["error"], f"{type(error).__name__}: {error}"
            assert isinstance(error, getattr(rcsdk, expect["error"]))
            for part in expect["message"]:
                assert part in str(error), f"{part!r} not in {str(error)!r}"
            for part in expect.get("message_lacks", []):
                assert part not in str(error) and part not in repr(error), str(error)
            if "status" in expect:
                assert getattr(error, "status_code", None) == expect["status"]
        warned = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        for part in expect.get("warning", []):
            assert any(part in message for message in warned), (part, warned)
    finally:
        if isinstance(platform_server, (Listener, Flood)):
            platform_server.close()
        else:
            platform_server.stop()


def test_the_table_covers_what_the_issue_lists() -> None:
    ids = {c["id"] for c in CASES}
    for status in (301, 302, 303, 307, 308):
        for target in ("platform", "foreign"):
            for action in ("login_jwt", "refresh", "revoke", "request"):
                assert f"redirect-{status}-{target}-on-{action}" in ids
    for required in (
        "foreign-absolute-url",
        "scheme-relative-url",
        "at-injection",
        "backslash-after-slash",
        "nul-in-path",
        "crlf-in-path",
        "crlf-in-header-value",
        "crlf-in-username",
        "crlf-in-extension",
        "plain-http-remote",
        "plain-http-remote-opt-in",
    ):
        assert required in ids


REDACTION = TABLE["redaction"]["cases"]


@pytest.mark.parametrize("case", REDACTION, ids=[c["id"] for c in REDACTION])
def test_redaction_case(case: dict[str, Any]) -> None:
    redactor = Redactor()
    redactor.add(*case.get("credentials", []))
    for rotation in case.get("rotations", []):
        redactor.add_tokens(*rotation)
    if "text" in case:
        assert redactor.text(case["text"]) == case["expect"]
    else:
        assert redactor.value(case["value"]) == case["expect_value"]
