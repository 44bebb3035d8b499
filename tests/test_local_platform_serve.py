"""The local platform's HTTP controls, its routes for unknown paths, revoke and authorize, and
what `python -m rcsdk.testing serve` prints and does."""

from __future__ import annotations

import json
import socket
import struct
import subprocess
import sys
import urllib.parse
from typing import Any

import pytest
import requests

from rcsdk import RCSDK
from rcsdk.testing import LocalPlatform

from _platform_http import basic, jwt_login, read_with
from _support import CREDS

# --- the HTTP controls -----------------------------------------------------------------------


def control(local: LocalPlatform, name: str, body: Any = None) -> requests.Response:
    return requests.post(f"{local.url}/rcsdk-testing/{name}", json=body, timeout=5)


def test_http_controls_expire_revoke_and_move_the_clock(local: LocalPlatform) -> None:
    token = jwt_login(local)["access_token"]
    assert control(local, "expire-tokens").json() == {"done": "expire-tokens"}
    assert read_with(local, token).json()["errors"][0]["errorCode"] == "OAU-128"
    fresh = jwt_login(local)
    assert control(local, "revoke-sessions").status_code == 200
    assert read_with(local, fresh["access_token"]).json()["errors"][0]["errorCode"] == "OAU-213"
    last = jwt_login(local)
    assert control(local, "clock", {"advance": 3601}).status_code == 200
    assert read_with(local, last["access_token"]).json()["errors"][0]["errorCode"] == "OAU-128"


def test_http_control_fault_and_counts(local: LocalPlatform) -> None:
    fault = {"path": "/restapi/oauth/token", "status": 503, "body": "busy", "count": 1}
    assert control(local, "fault", fault).status_code == 200
    first = requests.post(local.url + "/restapi/oauth/token", timeout=5)
    assert (first.status_code, first.text) == (503, "busy")
    assert jwt_login(local)["access_token"]
    counts = requests.get(f"{local.url}/rcsdk-testing/", timeout=5).json()
    assert counts["counts"]["POST /restapi/oauth/token"] == 1  # the fault answered the first


def test_http_control_deny_consent_and_reset_limits(local: LocalPlatform) -> None:
    assert control(local, "deny-consent", {"count": 1}).status_code == 200
    query = f"client_id={CREDS['RC_APP_KEY']}&response_type=code&state=abc"
    denied = requests.get(
        f"{local.url}/restapi/oauth/authorize?{query}", allow_redirects=False, timeout=5
    )
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(denied.headers["Location"]).query)
    assert back["error"] == ["access_denied"] and back["state"] == ["abc"]
    allowed = requests.get(
        f"{local.url}/restapi/oauth/authorize?{query}", allow_redirects=False, timeout=5
    )
    assert "code=" in allowed.headers["Location"]
    for _ in range(5):
        jwt_login(local)
    assert control(local, "reset-limits").status_code == 200
    assert jwt_login(local)["access_token"]


@pytest.mark.parametrize(
    ("name", "body", "status"),
    [
        ("clock", {"advance": "soon"}, 400),
        ("fault", {"status": 503}, 400),
        ("fault", {"path": "/", "drop": "yes"}, 400),
        ("fault", {"path": "/", "colour": "red"}, 400),
        ("nothing", None, 404),
    ],
)
def test_http_controls_refuse_bad_input(
    local: LocalPlatform, name: str, body: Any, status: int
) -> None:
    response = control(local, name, body)
    assert response.status_code == status
    assert response.json()["errors"][0]["errorCode"] in ("CMN-101", "CMN-102")
    bad_json = requests.post(f"{local.url}/rcsdk-testing/clock", data=b"{", timeout=5)
    assert bad_json.status_code == 400


def test_http_controls_answer_loopback_only(local: LocalPlatform) -> None:
    status, _, body = local.handle("POST", "/rcsdk-testing/revoke-sessions", {}, b"", "192.0.2.7")
    assert status == 403 and json.loads(body)["errors"][0]["errorCode"] == "CMN-101"
    status, _, _ = local.handle("POST", "/rcsdk-testing/revoke-sessions", {}, b"", "::1")
    assert status == 200


# --- API paths, revoke, authorize ------------------------------------------------------------


def test_unknown_api_paths_and_ids_are_ringcentral_404s(local: LocalPlatform) -> None:
    token = jwt_login(local)["access_token"]
    for path in ("/restapi/v1.0/account/~/foo", "/restapi/v1.0/account/~/extension/42"):
        response = requests.get(
            local.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5
        )
        assert response.status_code == 404
        assert response.json()["errorCode"] == "CMN-102"
    own = "/restapi/v1.0/account/1234567890/extension/1234567890"
    response = requests.get(
        local.url + own, headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert response.status_code == 200


def test_revoke_takes_the_token_in_the_query_and_needs_one(local: LocalPlatform) -> None:
    token = jwt_login(local)["access_token"]
    url = local.url + "/restapi/oauth/revoke"
    missing = requests.post(url, headers={"Authorization": basic()}, timeout=5)
    assert missing.status_code == 400
    assert missing.json()["errors"][0] == {
        "errorCode": "CMN-101",
        "message": "Required parameter [token] is missing",
        "parameterName": "token",
    }
    done = requests.post(
        url, params={"token": token}, headers={"Authorization": basic()}, timeout=5
    )
    assert done.status_code == 200
    assert read_with(local, token).status_code == 401


def test_authorize_errors_before_the_redirect_is_known_are_400(local: LocalPlatform) -> None:
    response = requests.get(
        local.url + "/restapi/oauth/authorize",
        params={"client_id": "nobody", "response_type": "code"},
        allow_redirects=False,
        timeout=5,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_client"


# --- serve -----------------------------------------------------------------------------------


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "rcsdk.testing", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_prints_the_apps_and_where_it_listens_and_no_traceback_on_resets() -> None:
    process = serve("--port", "0")
    assert process.stdout is not None and process.stderr is not None
    try:
        lines: list[str] = []
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("listening on "):
                break
        url = lines[0].removeprefix("export RC_SERVER=")
        assert lines[-1] == f"listening on {url} (Ctrl-C to stop)"
        # Its limits, and how to lift them (a client meeting one waits out the window).
        assert lines[-3:-1] == [
            "# limits: 5 logins and refreshes per user per 60 s (RingCentral's Auth group);"
            " one more waits out the window. Lift it: --auth-rate-limit off",
            "# limits: API calls by RingCentral's Light/Medium/Heavy groups."
            " Lift them: --no-api-rate-limits",
        ]
        assert "local-public-app" in lines[-4] and "PKCE" in lines[-4]
        assert [line.split("=")[0] for line in lines[:-4]] == [
            f"export {key}" for key in ("RC_SERVER", *CREDS)
        ]
        # A client that resets its connection mid-request is not an error worth a traceback.
        host, port = urllib.parse.urlsplit(url).netloc.split(":")
        for _ in range(3):
            sock = socket.create_connection((host, int(port)), timeout=5)
            sock.sendall(b"POST /restapi/oauth/token HTTP/1.1\r\nContent-Length: 100\r\n\r\nab")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        assert requests.post(url + "/restapi/oauth/token", timeout=5).status_code == 415
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert "Traceback" not in errors, errors


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (["--auth-rate-limit", "3/10"], ["3 logins and refreshes per user per 10 s", "API calls"]),
        (["--auth-rate-limit", "off"], ["API calls"]),
        (["--auth-rate-limit", "off", "--no-api-rate-limits"], ["none"]),
    ],
)
def test_serve_says_its_limits_as_set(options: list[str], expected: list[str]) -> None:
    process = serve("--port", "0", *options)
    assert process.stdout is not None
    try:
        said = []
        for line in process.stdout:
            if line.startswith("listening on "):
                break
            if line.startswith("# limits: "):
                said.append(line)
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert len(said) == len(expected)
    for line, words in zip(said, expected, strict=True):
        assert words in line


def test_a_second_serve_on_a_taken_port_says_so() -> None:
    with LocalPlatform() as first:
        port = urllib.parse.urlsplit(first.url).port
        second = serve("--port", str(port))
        _, errors = second.communicate(timeout=30)
    assert second.returncode == 1
    assert f"port {port} on 127.0.0.1 is taken" in errors
    assert "--port 0" in errors and "Traceback" not in errors


def test_serve_help_documents_the_controls_and_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rcsdk.testing", "serve", "--help"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    for needle in (
        "--auth-rate-limit N/SECONDS|off",
        "--strict-refresh",
        "--api-rate-limits",
        "/rcsdk-testing/expire-tokens",
        "/rcsdk-testing/revoke-sessions",
        "/rcsdk-testing/clock",
        "/rcsdk-testing/fault",
        "/rcsdk-testing/deny-consent",
        "loopback",
        "10 s",
    ):
        assert needle in result.stdout, needle
    bad = subprocess.run(
        [sys.executable, "-m", "rcsdk.testing", "serve", "--auth-rate-limit", "lots"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert bad.returncode == 2 and "expected N/SECONDS or off" in bad.stderr


def test_serve_reports_the_api_rate_limits_on_every_api_response() -> None:
    """RingCentral sends X-Rate-Limit-* on responses generally; so does `serve` by default."""
    process = subprocess.Popen(
        [sys.executable, "-m", "rcsdk.testing", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        exports = {}
        for line in process.stdout:
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                exports[key] = value.strip("'")
            if "RC_SERVER" in exports and "RC_JWT" in exports:
                break
        platform = RCSDK(
            exports["RC_APP_KEY"], exports["RC_APP_SECRET"], exports["RC_SERVER"]
        ).get_platform()
        platform.login_jwt(exports["RC_JWT"])
        response = platform.get("/restapi/v1.0/account/~/extension/~")
        assert response.headers["X-Rate-Limit-Group"] == "Light"
        assert int(response.headers["X-Rate-Limit-Limit"]) == 50
        assert int(response.headers["X-Rate-Limit-Remaining"]) == 49
        assert response.headers["X-Rate-Limit-Window"] == "60"
    finally:
        process.terminate()
        process.wait(timeout=10)
