"""The local platform holds the client to RingCentral's wire contract."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from generator.model import Operation
from rcsdk import RCSDK, BadRequestError, NotFoundError, Platform, Settings, UsageError
from rcsdk.testing import LocalPlatform, _tables
from rcsdk.testing._examples import validate
from rcsdk.testing._limits import parse_limit
from rcsdk.testing._records import APP_SCOPES
from rcsdk.testing._tables import EXAMPLE_SERVER

from _platform_http import JWT_GRANT, basic, jwt_login, read_with, refresh_with
from _support import CREDS, SPEC, FakeClock, PlatformFactory


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
    with pytest.raises(UsageError, match="RC_APP_KEY"):
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


# --- API calls answer with the spec's examples ---------------------------------------------------


@pytest.mark.parametrize("op", SPEC.ops_of_kind("api"), ids=lambda op: op.id)
def test_an_api_call_answers_with_its_example(local: LocalPlatform, op: Operation) -> None:
    """The spec's example, with this platform's URL for the example server's, and every value
    fitting the operation's schema exactly."""
    token = jwt_login(local)["access_token"]
    response = requests.request(
        op.method,
        local.url + op.example_path,
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == op.example.status
    expected = json.loads(op.example.response_json.replace(EXAMPLE_SERVER, local.url))
    assert response.json() == expected
    assert op.response is not None and validate(response.json(), op.response.name) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda body: body.update(nickname="Lu"), "$.nickname: not a field of ExtensionInfo"),
        (lambda body: body.update(id="1"), "$.id: expected integer, got str"),
        (lambda body: body["account"].update(extra=1), "$.account.extra: not a field of"),
        (lambda body: body["contact"].update(email="nobody"), "$.contact.email: 'nobody' is not"),
    ],
)
def test_a_wrong_shape_is_refused(
    local: LocalPlatform,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[dict[str, Any]], None],
    problem: str,
) -> None:
    """The schemas are strict (no field they lack, as additionalProperties: false): an example
    that drifts from its schema is a 500 naming the problem, never a body the client accepts."""
    status, schema, text = _tables.API_EXAMPLES["readExtension"]
    body = json.loads(text)
    change(body)
    monkeypatch.setitem(_tables.API_EXAMPLES, "readExtension", (status, schema, json.dumps(body)))
    token = jwt_login(local)["access_token"]
    response = requests.get(
        local.url + "/restapi/v1.0/account/~/extension/~",
        headers={"Authorization": f"Bearer {token}"},
        timeout=5,
    )
    assert response.status_code == 500
    assert problem in response.json()["message"]


# --- scopes ---------------------------------------------------------------------------------------


def test_only_the_apps_scopes_are_granted(local: LocalPlatform) -> None:
    """As the platform does: a token request gets the scopes it asks for when the app is
    registered for each, all of the app's when it asks for none, and invalid_scope otherwise."""
    platform = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    assert platform.login_jwt(CREDS["RC_JWT"]).scope == " ".join(APP_SCOPES)
    assert platform.login_jwt(CREDS["RC_JWT"], scope=APP_SCOPES[0]).scope == APP_SCOPES[0]
    with pytest.raises(BadRequestError) as raised:
        platform.login_jwt(CREDS["RC_JWT"], scope="SuperAdmin ReadEverything")
    assert raised.value.status_code == 400
    assert raised.value.error == "invalid_scope"
    assert "SuperAdmin" in str(raised.value.error_description)
    assert platform.login_jwt(CREDS["RC_JWT"], scope=APP_SCOPES[-1]).scope == APP_SCOPES[-1]


# --- the form variant of a browser endpoint ---------------------------------------------------


@pytest.mark.parametrize(
    "op", [op for op in SPEC.operations if op.form_variant], ids=lambda op: op.id
)
def test_the_form_variant_answers_as_the_url_does(local: LocalPlatform, op: Operation) -> None:
    """POST with the parameters in a form body (RingCentral's authorize2) redirects as GET does."""
    params = {"response_type": "code", "client_id": CREDS["RC_APP_KEY"], "state": "S"}
    params["redirect_uri"] = CREDS["RC_REDIRECT_URI"]
    answers = [
        requests.get(local.url + op.path, params=params, allow_redirects=False, timeout=5),
        requests.post(local.url + op.path, data=params, allow_redirects=False, timeout=5),
    ]
    for answer in answers:
        assert answer.status_code == 302
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)
        assert query["state"] == ["S"] and query["code"]
    as_json = requests.post(local.url + op.path, json=params, allow_redirects=False, timeout=5)
    assert as_json.status_code == 415
