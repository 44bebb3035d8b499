"""Where tokens may go and what may be sent, table-driven from tests/cases/security.json (the
JavaScript and PHP clients run the same table). Every case asserts that the foreign loopback
listener received nothing, and that the error is the expected type and names the problem."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
import os
import pickle
import re
import socket
import traceback
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

import rcsdk
from rcsdk import RCSDK, FileTokenStore, MemoryTokenStore, Platform
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
    if action == "login_auth_code":
        return platform.login_auth_code(args["code"])
    if action == "authorize_url":
        return platform.authorize_url()
    if action == "read_extension":
        return platform.read_extension()
    if action == "get":
        return platform.get(args["path"], args["query"])
    if action == "set_auth_data":
        return platform.set_auth_data({**valid_tokens(), **args["binding"]})
    raise AssertionError(f"unknown action {action}")


def prefilled_store(
    case: dict[str, Any], server: str
) -> tuple[MemoryTokenStore | None, dict[str, Any] | None]:
    """The case's store, holding its auth data (``store``), and that data; with no ``store`` but
    an ``expect.store``, an empty one."""
    spec = case.get("store")
    if spec is None:
        return (MemoryTokenStore(), None) if "store" in case["expect"] else (None, None)
    if spec["tokens"] == "issued":  # another client logged in to the platform
        other = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server).platform
        other.login_jwt(CREDS["RC_JWT"])
        data = other.get_auth_data()
    else:
        data = valid_tokens()
    data = {k: v for k, v in data.items() if k not in ("origin", "app_key")}
    data.update({k: spec[k] for k in ("origin", "app_key") if k in spec})
    store = MemoryTokenStore()
    store.save(data)
    return store, json.loads(json.dumps(data))


def closed_port() -> int:
    """A loopback port where nothing listens (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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
            "{closed}": f"127.0.0.1:{closed_port()}",
            "{app_key}": CREDS["RC_APP_KEY"],
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

        store, held = prefilled_store(case, f"http://{host}")
        if store is not None:
            options = {**options, "store": store}
        caplog.set_level(logging.WARNING, logger="rcsdk")
        error: BaseException | None = None
        before = received()
        proxied = len(proxy.requests)
        try:
            credentials = case.get("credentials", {})
            app_key = credentials.get("app_key", CREDS["RC_APP_KEY"])
            app_secret = credentials.get("app_secret", CREDS["RC_APP_SECRET"])
            args = case.get("args", {})
            if case["action"] == "file_store":
                FileTokenStore(args["path"])
                raise AssertionError("FileTokenStore took a path that is not one")
            if case["action"] == "from_env":
                sdk = RCSDK.from_env(args["env"])
                # Python's login_jwt() reads the JWT from the settings (RC_JWT).
                case = {**case, "action": args["then"], "args": {}}
                case["args"]["jwt"] = None
            else:
                # The proxy is chosen when the client is made: the environment matters only then.
                with environment(case.get("env", {})):
                    sdk = RCSDK(app_key, app_secret, server, **options)
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
        if "store" in expect:
            assert store is not None
            if expect["store"] == "unchanged":
                assert store.load() == held, "the store's session was changed"
            else:
                now = store.load() or {}
                assert {k: now.get(k) for k in expect["store"]} == expect["store"], now
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


def test_the_table_covers_issue_20s_points() -> None:
    """Issue #20 points 1, 2, 3, 12 and 13: each defect it lists is a row of the shared table."""
    ids = {c["id"] for c in CASES}
    for required in (
        # 1: a session is bound to its origin
        "session-of-another-origin-not-sent",
        "session-of-another-app-not-sent",
        "session-of-another-origin-not-refreshed",
        "session-of-another-origin-not-revoked",
        "session-of-another-origin-not-overwritten",
        "session-unbound-taken-once-and-bound",
        # 2: one reading of a server URL
        "server-backslash-before-at",
        # 3: loopback means loopback
        "plain-http-localhost-trailing-dot",
        "plain-http-ipv4-trailing-dot",
        "plain-http-localhost-subdomain",
        # 12: bad input is a usage error before any request
        "login-jwt-options-null",
        "login-auth-code-empty",
        "authorize-url-options-null",
        "read-extension-options-null",
        "get-null-query-and-options",
        "file-store-path-not-a-string",
        "clock-not-callable",
        "app-key-nul",
        "app-secret-nul",
        "user-agent-non-ascii",
        "header-non-latin1",
        "login-jwt-empty",
        "path-with-space",
        "header-not-a-string",
        "from-env-without-app-key",
        # 13: first-use errors alike
        "from-env-without-jwt",
        "connection-refused",
    ):
        assert required in ids, required


REDACTION = TABLE["redaction"]["cases"]


def _expand(text: str) -> str:
    """The redaction table's placeholders: {lone_surrogate} and {X*N} (X repeated N times)."""
    text = text.replace("{lone_surrogate}", "\ud800")
    return re.sub(r"\{(.)\*(\d+)\}", lambda m: m.group(1) * int(m.group(2)), text)


@pytest.mark.parametrize("case", REDACTION, ids=[c["id"] for c in REDACTION])
def test_redaction_case(case: dict[str, Any]) -> None:
    redactor = Redactor()
    redactor.add(*map(_expand, case.get("credentials", [])))
    for rotation in case.get("rotations", []):
        redactor.add_tokens(*map(_expand, rotation))
    if "text" in case:
        assert redactor.text(_expand(case["text"])) == _expand(case["expect"])
    else:
        assert redactor.value(case["value"]) == case["expect_value"]


SERIALIZATION = TABLE["serialization"]["cases"]
EXTRA_SECRETS = {
    "RC_AUTH_CODE": "auth-code-in-the-environment",
    "RC_CODE_VERIFIER": "code-verifier-in-the-environment-0123456789",
    "RC_ACCESS_TOKEN": "access-token-in-the-environment",
    "RC_REFRESH_TOKEN": "refresh-token-in-the-environment",
}


def _serialized(value: object, method: str) -> str:
    """``value`` serialized the table's way; an exception's message when it refuses."""
    try:
        if method == "json":
            return json.dumps(value, default=repr)
        if method == "string":
            return str(value)
        if method == "debug":
            return repr(value)
        if method == "export":
            return pickle.dumps(value).decode("latin-1")
        if method == "spread":
            return repr(vars(value))
        if method == "trace":
            assert isinstance(value, BaseException)
            return "".join(traceback.format_exception(value))
    except Exception as exc:  # a refusal passes if it says nothing secret
        return f"{type(exc).__name__}: {exc}"
    raise AssertionError(f"unknown method {method}")


@pytest.mark.parametrize("case", SERIALIZATION, ids=[c["id"] for c in SERIALIZATION])
def test_serialization_case(case: dict[str, Any], local: LocalPlatform) -> None:
    env = {**CREDS, **EXTRA_SECRETS, "RC_SERVER": local.url}
    sdk = RCSDK.from_env(env)
    platform = sdk.get_platform()
    heard: list[object] = []
    platform.on("login_success", heard.append)
    token = platform.login_jwt()
    tokens = platform.get_auth_data()["token"]
    secrets = {
        CREDS["RC_APP_SECRET"],
        CREDS["RC_JWT"],
        CREDS["RC_PASSWORD"],
        *EXTRA_SECRETS.values(),
        tokens["access_token"],
        tokens["refresh_token"],
        base64.b64encode(f"{CREDS['RC_APP_KEY']}:{CREDS['RC_APP_SECRET']}".encode()).decode(),
    }
    value: object
    if case["object"] == "sdk":
        value = sdk
    elif case["object"] == "settings":
        value = sdk.settings
    elif case["object"] == "platform":
        value = platform
    elif case["object"] == "token_info":
        value = token
    else:
        [value] = heard
    if case["method"] == "trace":
        with pytest.raises(rcsdk.RCSDKError) as raised:
            platform.get("/restapi/v1.0/no-such-resource")
        value = raised.value
    text = _serialized(value, case["method"])
    shown = [name for name, secret in enumerate(sorted(secrets)) if secret in text]
    assert not shown, f"{case['id']}: {len(shown)} secret(s) shown"


@pytest.mark.parametrize("field", ["app_secret", "jwt"])
def test_a_lone_surrogate_is_a_usage_error_before_anything_is_sent(
    field: str, local: LocalPlatform
) -> None:
    """Python only (its str holds a lone surrogate, which has no UTF-8 form; JS, PHP and Go send
    what their strings hold and get the server's typed refusal, tests/test_blackbox.py runs the
    same attack on every installed package). Before: an untyped UnicodeEncodeError, from RCSDK()
    or from requests while sending."""
    secret = CREDS["RC_APP_SECRET"] + ("\ud800" if field == "app_secret" else "")
    jwt = CREDS["RC_JWT"] + ("\ud800" if field == "jwt" else "")
    before = local.connections
    with pytest.raises(rcsdk.UsageError, match="lone surrogate"):
        RCSDK(CREDS["RC_APP_KEY"], secret, local.url).platform.login_jwt(jwt)
    assert local.connections == before
