"""Hostile and odd requests get the local platform's documented status and a RingCentral-shaped
JSON body, never a dropped connection or a 5xx: non-ASCII and oversized credentials, methods a
path does not serve, malformed bodies and framing, wrong content types, duplicated parameters."""

from __future__ import annotations

import base64
import http.client
import json
import socket
import urllib.parse
from typing import Any

import pytest

from rcsdk.testing import LocalPlatform

from _support import CREDS, SPEC

# A wrong password or JWT: the status the spec decided for OAU-140 (see its note).
BAD_CREDENTIALS = next(code.status for code in SPEC.error_codes if code.code == "OAU-140")

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN = "/restapi/oauth/token"
REVOKE = "/restapi/oauth/revoke"
AUTHORIZE = "/restapi/oauth/authorize"
EXTENSION = "/restapi/v1.0/account/~/extension/~"
FORM = "application/x-www-form-urlencoded"


def basic(key: str = CREDS["RC_APP_KEY"], secret: str = CREDS["RC_APP_SECRET"]) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def send(
    local: LocalPlatform, raw: bytes, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes on a fresh connection; the parsed answer (never a dropped connection)."""
    host, port = urllib.parse.urlsplit(local.url).netloc.split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(raw)
        response = http.client.HTTPResponse(sock, method=method)
        response.begin()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def request(
    local: LocalPlatform,
    method: str,
    path: str,
    body: bytes = b"",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", "Connection: close"]
    if body:
        lines.append(f"Content-Length: {len(body)}")
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    head = "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n"
    return send(local, head + body, method)


def form(**fields: str) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def error_of(body: bytes) -> tuple[str | None, str]:
    """``(OAuth error, first errorCode)`` of a RingCentral error body."""
    data: dict[str, Any] = json.loads(body)
    assert data["errors"] and all({"errorCode", "message"} <= set(e) for e in data["errors"])
    return data.get("error"), data["errors"][0]["errorCode"]


def token_request(body: bytes, auth: str | None = None, content_type: str = FORM) -> bytes:
    headers = {"Content-Type": content_type, "Authorization": auth or basic()}
    lines = [f"POST {TOKEN} HTTP/1.1", "Host: localhost", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()] + [f"Content-Length: {len(body)}"]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body


CASES: list[tuple[str, bytes, int, str | None, str]] = [
    # Non-ASCII credentials: the same answer as any wrong one.
    (
        "jwt",
        token_request(form(grant_type=JWT_GRANT, assertion="jwt-ä€")),
        BAD_CREDENTIALS,
        "invalid_grant",
        "OAU-140",
    ),
    (
        "password",
        token_request(
            form(grant_type="password", username=CREDS["RC_USERNAME"], password="pässwörd")
        ),
        BAD_CREDENTIALS,
        "invalid_grant",
        "OAU-140",
    ),
    (
        "username",
        token_request(form(grant_type="password", username="ü", password="x")),
        BAD_CREDENTIALS,
        "invalid_grant",
        "OAU-140",
    ),
    (
        "basic secret",
        token_request(form(grant_type=JWT_GRANT, assertion="x"), basic(secret="sëcret")),
        401,
        "invalid_client",
        "OAU-146",
    ),
    (
        "basic not utf-8",
        token_request(form(grant_type=JWT_GRANT, assertion="x"), "Basic \xff\xfe"),
        401,
        "invalid_client",
        "OAU-123",
    ),
    (
        "basic latin-1 bytes",
        token_request(
            form(grant_type=JWT_GRANT, assertion="x"),
            "Basic " + base64.b64encode(b"local-app-key:\xe9").decode(),
        ),
        401,
        "invalid_client",
        "OAU-123",
    ),
    # Oversized credentials.
    (
        "200 KB password",
        token_request(
            form(grant_type="password", username=CREDS["RC_USERNAME"], password="p" * 200_000)
        ),
        BAD_CREDENTIALS,
        "invalid_grant",
        "OAU-140",
    ),
    (
        "200 KB jwt",
        token_request(form(grant_type=JWT_GRANT, assertion="j" * 200_000)),
        BAD_CREDENTIALS,
        "invalid_grant",
        "OAU-140",
    ),
    # Malformed forms.
    ("not a form", token_request(b"%%%&&==;;"), 400, "invalid_request", "CMN-101"),
    (
        "invalid utf-8",
        token_request(b"grant_type=\xff\xfe"),
        400,
        "unsupported_grant_type",
        "CMN-101",
    ),
    ("empty grant", token_request(form(grant_type="")), 400, "invalid_request", "CMN-101"),
    # Wrong content types.
    (
        "json",
        token_request(
            json.dumps({"grant_type": JWT_GRANT}).encode(), content_type="application/json"
        ),
        415,
        "invalid_request",
        "CMN-101",
    ),
    (
        "text",
        token_request(form(grant_type=JWT_GRANT), content_type="text/plain"),
        415,
        "invalid_request",
        "CMN-101",
    ),
    (
        "multipart",
        token_request(b"--x--", content_type="multipart/form-data; boundary=x"),
        415,
        "invalid_request",
        "CMN-101",
    ),
    (
        "non-ascii type",
        token_request(b"a=b", content_type="application/\xe4"),
        415,
        "invalid_request",
        "CMN-101",
    ),
    # Duplicated parameters (RFC 6749 section 3.1).
    (
        "grant twice",
        token_request(b"grant_type=password&grant_type=password"),
        400,
        "invalid_request",
        "OAU-111",
    ),
    (
        "assertion twice",
        token_request(form(grant_type=JWT_GRANT, assertion="a") + b"&assertion=b"),
        400,
        "invalid_request",
        "OAU-111",
    ),
    # Client authentication by signed assertion: no app here can check one.
    (
        "client assertion",
        token_request(
            form(
                grant_type=JWT_GRANT,
                assertion="a",
                client_assertion_type="urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                client_assertion="signed",
            )
        ),
        401,
        "invalid_client",
        "OAU-146",
    ),
    (
        "assertion type",
        token_request(form(grant_type=JWT_GRANT, assertion="a", client_assertion_type="other")),
        400,
        "invalid_request",
        "CMN-101",
    ),
]


@pytest.mark.parametrize(
    ("raw", "status", "error", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_token_requests(
    local: LocalPlatform, raw: bytes, status: int, error: str | None, code: str
) -> None:
    got, headers, body = send(local, raw)
    assert got == status, body
    assert headers["content-type"] == "application/json"
    assert error_of(body) == (error, code)


def test_a_charset_on_the_form_type_is_accepted(local: LocalPlatform) -> None:
    raw = token_request(
        form(grant_type=JWT_GRANT, assertion=CREDS["RC_JWT"]), content_type=FORM + "; charset=UTF-8"
    )
    status, headers, body = send(local, raw)
    assert status == 200 and json.loads(body)["token_type"] == "bearer"
    assert headers["x-rate-limit-group"] == "Auth"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("TRACE", TOKEN, "POST"),
        ("GET", TOKEN, "POST"),
        ("DELETE", REVOKE, "POST"),
        ("PUT", AUTHORIZE, "GET, POST"),  # POST: the form variant
        ("PUT", EXTENSION, "GET"),
        ("OPTIONS", EXTENSION, "GET"),
        ("QUERY", "/restapi/v1.0/nothing", "GET, POST, PUT, PATCH, DELETE"),
        ("BREW", "/", "GET, POST, PUT, PATCH, DELETE"),
    ],
)
def test_methods_a_path_does_not_serve_get_405_with_allow(
    local: LocalPlatform, method: str, path: str, allow: str
) -> None:
    status, headers, body = request(local, method, path)
    assert status == 405, body
    assert headers["allow"] == allow
    assert error_of(body) == (None, "CMN-101")


def test_head_gets_405_without_a_body(local: LocalPlatform) -> None:
    status, headers, body = request(local, "HEAD", AUTHORIZE)
    assert (status, headers["allow"], body) == (405, "GET, POST", b"")


@pytest.mark.parametrize(
    ("head", "status"),
    [
        (b"Content-Length: abc\r\n", 400),
        (b"Content-Length: -5\r\n", 400),
        (b"Content-Length: 3\r\nContent-Length: 4\r\n", 400),
        (b"Content-Length: 2000000\r\n", 413),
        (b"Authorization: Basic " + b"A" * 70_000 + b"\r\n", 431),
        (b"Transfer-Encoding: chunked\r\n", 400),
    ],
    ids=["not a number", "negative", "conflicting", "over 1 MiB", "header too long", "bad chunks"],
)
def test_malformed_framing_gets_a_json_error(
    local: LocalPlatform, head: bytes, status: int
) -> None:
    raw = b"POST " + TOKEN.encode() + b" HTTP/1.1\r\nHost: x\r\n" + head + b"\r\nzz\r\n0\r\n\r\n"
    got, headers, body = send(local, raw)
    assert got == status, body
    assert error_of(body) == (None, "CMN-101")
    assert headers.get("connection") == "close"


def test_a_malformed_request_line_gets_a_json_error(local: LocalPlatform) -> None:
    status, _, body = send(local, b"GET /restapi/oauth/token HTTP/9.9\r\n\r\n")
    assert status == 505
    assert error_of(body) == (None, "CMN-101")


def test_a_chunked_body_is_read(local: LocalPlatform) -> None:
    payload = form(grant_type=JWT_GRANT, assertion=CREDS["RC_JWT"])
    chunks = b"%x\r\n%s\r\n0\r\n\r\n" % (len(payload), payload)
    head = f"POST {TOKEN} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: {FORM}\r\n"
    head += f"Authorization: {basic()}\r\nTransfer-Encoding: chunked\r\n\r\n"
    status, _, body = send(local, head.encode() + chunks)
    assert status == 200 and json.loads(body)["access_token"]


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [
        ("client_id=nobody&response_type=code", 400, "OAU-146"),
        (f"client_id={CREDS['RC_APP_KEY']}&client_id=x&response_type=code", 400, "OAU-111"),
        (
            f"client_id={CREDS['RC_APP_KEY']}&response_type=code&redirect_uri=http://evil/",
            400,
            "OAU-109",
        ),
        ("client_id=%C3%A4&response_type=code", 400, "OAU-146"),
    ],
    ids=["unknown app", "duplicated", "unregistered redirect", "non-ascii app"],
)
def test_authorize_errors_before_the_redirect_uri_is_known(
    local: LocalPlatform, query: str, status: int, code: str
) -> None:
    got, headers, body = request(local, "GET", f"{AUTHORIZE}?{query}")
    assert got == status and "location" not in headers
    assert error_of(body)[1] == code


@pytest.mark.parametrize(
    ("extra", "error"),
    [
        ("response_type=token", "unsupported_response_type"),
        ("response_type=code&code_challenge=c&code_challenge_method=S512", "invalid_request"),
        ("response_type=code&display=tv", "invalid_request"),
    ],
)
def test_authorize_errors_redirect_once_the_redirect_uri_is_known(
    local: LocalPlatform, extra: str, error: str
) -> None:
    query = f"client_id={CREDS['RC_APP_KEY']}&state=s%C3%A4&{extra}"
    status, headers, _ = request(local, "GET", f"{AUTHORIZE}?{query}")
    assert status == 302
    location = urllib.parse.urlsplit(headers["location"])
    assert location._replace(query="").geturl() == CREDS["RC_REDIRECT_URI"]
    back = urllib.parse.parse_qs(location.query)
    assert back["error"] == [error] and back["state"] == ["sä"] and "code" not in back


def test_a_pkce_challenge_with_non_ascii_text(local: LocalPlatform) -> None:
    query = urllib.parse.urlencode(
        {"client_id": CREDS["RC_APP_KEY"], "response_type": "code", "code_challenge": "chällenge"}
    )
    _, headers, _ = request(local, "GET", f"{AUTHORIZE}?{query}")
    code = urllib.parse.parse_qs(urllib.parse.urlsplit(headers["location"]).query)["code"][0]
    wrong = token_request(
        form(grant_type="authorization_code", code=code, code_verifier="chällenge!")
    )
    status, _, body = send(local, wrong)
    assert (status, error_of(body)) == (403, ("invalid_grant", "OAU-106"))


@pytest.mark.parametrize(
    ("authorization", "code"),
    [
        (None, "CMN-405"),
        ("Bearer tökén", "OAU-213"),
        ("Bearer " + "t" * 60_000, "OAU-213"),
        ("Basic " + base64.b64encode(b"a:b").decode(), "OAU-151"),
        ("Bearer", "OAU-151"),
    ],
    ids=["none", "non-ascii", "oversized", "basic", "empty"],
)
def test_api_calls_with_odd_bearer_tokens(
    local: LocalPlatform, authorization: str | None, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    status, _, body = request(local, "GET", EXTENSION, headers=headers)
    assert status == 401
    assert error_of(body) == (None, code)
