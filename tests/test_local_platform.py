"""The local platform holds the client to RingCentral's wire contract."""

from __future__ import annotations

import base64
import json
import socket
import struct
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from rcsdk import RCSDK, BadRequestError, NotFoundError, Platform, Settings
from rcsdk.testing import LocalPlatform
from rcsdk.testing._limits import parse_limit

from _support import CREDS, FakeClock, PlatformFactory

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def basic(key: str = CREDS["RC_APP_KEY"], secret: str = CREDS["RC_APP_SECRET"]) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_token_requests_must_be_form_encoded(local: LocalPlatform) -> None:
    response = requests.post(
        local.url + "/restapi/oauth/token",
        json={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        ({"grant_type": JWT_GRANT}, "assertion"),
        ({"grant_type": "password", "username": CREDS["RC_USERNAME"]}, "password"),
        ({"grant_type": "authorization_code"}, "code"),
        ({"grant_type": "refresh_token"}, "refresh_token"),
    ],
)
def test_each_grant_requires_its_fields(
    local: LocalPlatform, form: dict[str, str], missing: str
) -> None:
    response = requests.post(
        local.url + "/restapi/oauth/token", data=form, headers={"Authorization": basic()}, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert f"[{missing}]" in response.json()["error_description"]


def test_client_authentication_is_required(local: LocalPlatform) -> None:
    form = {"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]}
    response = requests.post(local.url + "/restapi/oauth/token", data=form, timeout=5)
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorCode"] == "OAU-123"
    # A confidential app may not skip its secret by sending client_id.
    form["client_id"] = CREDS["RC_APP_KEY"]
    response = requests.post(local.url + "/restapi/oauth/token", data=form, timeout=5)
    assert response.status_code == 401


def test_refresh_tokens_are_single_use_and_kill_the_old_access_token(local: LocalPlatform) -> None:
    url = local.url + "/restapi/oauth/token"
    first = requests.post(
        url,
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    ).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = requests.post(url, data=refresh, headers={"Authorization": basic()}, timeout=5)
    assert second.status_code == 200
    again = requests.post(url, data=refresh, headers={"Authorization": basic()}, timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    old = requests.get(
        local.url + "/restapi/v1.0/account/~/extension/~",
        headers={"Authorization": f"Bearer {first['access_token']}"},
        timeout=5,
    )
    assert old.status_code == 401
    assert old.json()["errors"][0]["errorCode"] == "OAU-213"


def test_spaced_json_like_ringcentral(local: LocalPlatform) -> None:
    response = requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert '"access_token" : "' in response.text


def test_from_env_reads_the_snippets_variables(local: LocalPlatform) -> None:
    sdk = RCSDK.from_env(local.env())
    assert sdk.settings == Settings.from_env(local.env())
    assert sdk.settings.jwt == CREDS["RC_JWT"]
    assert CREDS["RC_JWT"] not in repr(sdk.settings)
    sdk.get_platform().login_jwt(sdk.settings.jwt or "")
    assert sdk.get_platform().read_extension().id == 1234567890
    with pytest.raises(ValueError, match="RC_APP_KEY"):
        RCSDK.from_env({})


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_send_the_bearer_token(
    make_platform: PlatformFactory, local: LocalPlatform, method: str
) -> None:
    platform: Platform = make_platform()
    platform.login_jwt(CREDS["RC_JWT"])
    call = getattr(platform, method)
    with pytest.raises(NotFoundError) as caught:
        call("/restapi/v1.0/nothing-here")
    assert caught.value.status_code == 404
    assert local.counts[f"{method.upper()} /restapi/v1.0/nothing-here"] == 1


def test_unsupported_media_type_is_a_bad_request_error(local: LocalPlatform) -> None:
    platform = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    with pytest.raises(BadRequestError):
        platform._transport.send(
            "POST", "/restapi/oauth/token", json={"grant_type": JWT_GRANT}, client=True
        )


# --- refresh tokens: RingCentral's grace period, or strictly single-use --------------------------


def jwt_login(local: LocalPlatform) -> dict[str, Any]:
    response = requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh_with(local: LocalPlatform, refresh_token: str) -> requests.Response:
    return requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": basic()},
        timeout=5,
    )


def read_with(local: LocalPlatform, access_token: str) -> requests.Response:
    return requests.get(
        local.url + "/restapi/v1.0/account/~/extension/~",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )


@pytest.fixture
def graceful(clock: FakeClock) -> Iterator[LocalPlatform]:
    with LocalPlatform(clock=clock, auth_rate_limit=None) as platform:
        yield platform


def test_a_reused_refresh_token_returns_the_same_pair_within_the_grace_period(
    graceful: LocalPlatform, clock: FakeClock
) -> None:
    first = jwt_login(graceful)
    second = refresh_with(graceful, first["refresh_token"]).json()
    again = refresh_with(graceful, first["refresh_token"])
    assert again.status_code == 200
    pair = ("access_token", "refresh_token")
    assert [again.json()[k] for k in pair] == [second[k] for k in pair]
    assert read_with(graceful, first["access_token"]).status_code == 401  # died at rotation
    assert read_with(graceful, second["access_token"]).status_code == 200  # first use
    clock.advance(9)
    assert refresh_with(graceful, first["refresh_token"]).status_code == 200
    clock.advance(2)  # 11 s after the first use of the new access token
    late = refresh_with(graceful, first["refresh_token"])
    assert late.status_code == 400 and late.json()["errors"][0]["errorCode"] == "OAU-211"


def test_the_grace_period_lasts_an_hour_while_the_new_pair_is_unused(
    graceful: LocalPlatform, clock: FakeClock
) -> None:
    first = jwt_login(graceful)
    refresh_with(graceful, first["refresh_token"])
    clock.advance(3599)
    assert refresh_with(graceful, first["refresh_token"]).status_code == 200
    clock.advance(2)
    assert refresh_with(graceful, first["refresh_token"]).status_code == 400


def test_the_grace_period_ends_when_the_new_pair_is_rotated_or_revoked(
    graceful: LocalPlatform,
) -> None:
    first = jwt_login(graceful)
    second = refresh_with(graceful, first["refresh_token"]).json()
    assert refresh_with(graceful, second["refresh_token"]).status_code == 200
    assert refresh_with(graceful, first["refresh_token"]).status_code == 400
    other = jwt_login(graceful)
    rotated = refresh_with(graceful, other["refresh_token"]).json()
    graceful.revoke_all()
    assert rotated["access_token"]
    assert refresh_with(graceful, other["refresh_token"]).status_code == 400


def test_strict_mode_refuses_any_reuse(local: LocalPlatform) -> None:
    assert local.strict_refresh  # the shared fixture is strict
    first = jwt_login(local)
    assert refresh_with(local, first["refresh_token"]).status_code == 200
    again = refresh_with(local, first["refresh_token"])
    assert again.status_code == 400 and again.json()["errors"][0]["errorCode"] == "OAU-211"


# --- rate-limit headers ----------------------------------------------------------------------


def limits(response: requests.Response) -> tuple[str, ...]:
    names = ("Group", "Limit", "Remaining", "Window")
    return tuple(response.headers.get(f"X-Rate-Limit-{name}", "") for name in names)


def test_token_responses_carry_the_auth_group_headers(local: LocalPlatform) -> None:
    login = requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert limits(login) == ("Auth", "5", "4", "60")
    # API groups are not enforced by default, so they report nothing (a remaining budget that
    # is never enforced would make a client wait for nothing).
    assert limits(read_with(local, login.json()["access_token"])) == ("", "", "", "")


def test_api_limits_when_enforced(clock: FakeClock) -> None:
    with LocalPlatform(clock=clock, api_rate_limits=True) as local:
        token = jwt_login(local)["access_token"]
        answers = [read_with(local, token) for _ in range(51)]
        assert [a.status_code for a in answers] == [200] * 50 + [429]
        assert limits(answers[0]) == ("Light", "50", "49", "60")
        assert limits(answers[1]) == ("Light", "50", "48", "60")
        assert answers[-1].headers["Retry-After"] == "60"
        assert answers[-1].json()["errors"][0]["errorCode"] == "CMN-301"
        clock.advance(61)
        assert read_with(local, token).status_code == 200


def test_no_auth_limit_no_auth_headers(clock: FakeClock) -> None:
    with LocalPlatform(clock=clock, auth_rate_limit=None) as local:
        for _ in range(7):
            jwt_login(local)
        response = refresh_with(local, "unknown")
        assert "X-Rate-Limit-Group" not in response.headers


@pytest.mark.parametrize(
    ("text", "limit"), [("5/60", (5, 60.0)), ("100/1", (100, 1.0)), ("7", (7, 60.0)), ("off", None)]
)
def test_parse_limit(text: str, limit: tuple[int, float] | None) -> None:
    assert parse_limit(text) == limit


@pytest.mark.parametrize("text", ["", "x/60", "0/60", "5/0", "5/-1"])
def test_parse_limit_refuses(text: str) -> None:
    with pytest.raises(ValueError):
        parse_limit(text)


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
        assert "local-public-app" in lines[-2] and "PKCE" in lines[-2]
        assert [line.split("=")[0] for line in lines[:-2]] == [
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
