"""The generated client against the local platform: logins, typed results and errors, auth
data, the wire (one session, timeouts, User-Agent), events, PKCE."""

from __future__ import annotations

import base64
import hashlib
import json
import urllib.parse
import warnings

import pytest
import requests

import rcsdk
from rcsdk import (
    APITimeoutError,
    AuthDataError,
    Event,
    InvalidClientError,
    InvalidGrantError,
    LoginRequiredError,
    Platform,
    TokenInfo,
)
from rcsdk.testing import Fault, LocalPlatform

from _support import CREDS, SPEC, FakeClock, PlatformFactory


def follow(platform: Platform) -> TokenInfo:
    """The whole authorization code flow, with requests playing the browser."""
    request = platform.authorize_url(CREDS["RC_REDIRECT_URI"])
    location = requests.get(request.url, allow_redirects=False, timeout=5).headers["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert query["state"] == request.state
    return platform.login_auth_code(
        query["code"], redirect_uri=request.redirect_uri, code_verifier=request.code_verifier
    )


def test_password_login_keeps_the_original_signature(
    platform: Platform, local: LocalPlatform
) -> None:
    with pytest.warns(DeprecationWarning, match="password grant"):
        token = platform.authorize(
            CREDS["RC_USERNAME"], CREDS["RC_EXTENSION"], CREDS["RC_PASSWORD"]
        )
    assert isinstance(token, TokenInfo)
    assert token.token_type == "bearer"
    assert platform.is_authorized()
    assert local.grant_count("password") == 1


def test_jwt_login_and_an_api_call(platform: Platform) -> None:
    token = platform.login_jwt(CREDS["RC_JWT"])
    assert token.refresh_token and token.expires_in == 3600
    extension = platform.read_extension()
    assert extension.extension_number == CREDS["RC_EXTENSION"]
    assert extension.account is not None and extension.account.id == "1234567890"
    assert platform.get("/restapi/v1.0/account/~/extension/~").json()["id"] == extension.id


def test_authorization_code_with_pkce(platform: Platform, local: LocalPlatform) -> None:
    follow(platform)
    assert local.grant_count("authorization_code") == 1
    assert platform.read_extension().name == "Local User"


def test_public_app_sends_client_id_and_no_basic(make_platform: PlatformFactory) -> None:
    platform = make_platform(app_key="local-public-app", app_secret=None)
    follow(platform)
    assert platform.is_authorized()


def test_confidential_app_with_a_wrong_secret(make_platform: PlatformFactory) -> None:
    platform = make_platform(app_secret="wrong-secret-value")
    with pytest.raises(InvalidClientError) as caught:
        platform.login_jwt(CREDS["RC_JWT"])
    assert caught.value.status_code == 401
    assert "wrong-secret-value" not in str(caught.value) + repr(caught.value)


def test_authorize_url_builds_s256_pkce(platform: Platform) -> None:
    request = platform.authorize_url("https://app.example/cb", state="xyz", prompt="login")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(request.url).query))
    digest = hashlib.sha256(request.code_verifier.encode()).digest()
    assert query["code_challenge"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert query["code_challenge_method"] == "S256"
    assert query["client_id"] == CREDS["RC_APP_KEY"]
    assert query["response_type"] == "code"
    assert (query["state"], query["prompt"], query["redirect_uri"]) == (
        "xyz",
        "login",
        "https://app.example/cb",
    )
    assert 43 <= len(request.code_verifier) <= 128
    assert request.code_verifier not in repr(request)
    assert platform.authorize_url().state != platform.authorize_url().state


def test_wrong_password_is_a_typed_error_without_secrets(platform: Platform) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(InvalidGrantError) as caught:
            platform.authorize(CREDS["RC_USERNAME"], "", "wrong-password-123")
    error = caught.value
    bad_credentials = next(code.status for code in SPEC.error_codes if code.code == "OAU-140")
    assert (error.status_code, error.error, error.error_codes) == (
        bad_credentials,
        "invalid_grant",
        ("OAU-140",),
    )
    assert error.request_id
    assert "wrong-password-123" not in str(error) + repr(error)
    assert CREDS["RC_APP_SECRET"] not in str(error) + repr(error)


def test_calls_before_login_raise_login_required(platform: Platform) -> None:
    with pytest.raises(LoginRequiredError):
        platform.read_extension()
    assert not platform.is_authorized()


def test_auth_data_round_trips_exactly(
    platform: Platform, make_platform: PlatformFactory, clock: FakeClock
) -> None:
    platform.login_jwt(CREDS["RC_JWT"])
    data = platform.get_auth_data()
    saved = json.loads(json.dumps(data))
    assert saved == data
    assert saved["version"] == 1
    assert saved["expires_at"] == clock() + 3600

    clock.advance(1000)  # restoring later must not push the expiry back
    other = make_platform()
    other.set_auth_data(saved)
    assert other.get_auth_data() == data
    assert other.read_extension().id == 1234567890


def test_set_auth_data_rejects_an_unknown_version(platform: Platform) -> None:
    with pytest.raises(AuthDataError, match="version 99"):
        platform.set_auth_data({"version": 99, "token": {"access_token": "x"}})
    with pytest.raises(AuthDataError):
        platform.set_auth_data({"version": 1, "token": {"token_type": "bearer"}})
    platform.set_auth_data({})
    assert platform.get_auth_data() == {}


def test_token_info_is_lenient_and_keeps_unknown_fields() -> None:
    token = TokenInfo.from_json(
        {
            "access_token": "a",
            "expires_in": "7199",
            "owner_id": 256440016,
            "extra": [1],
            "scope": None,
        }
    )
    assert token.expires_in == 7199
    assert token.owner_id == "256440016"
    assert token.scope is None and token.session_id is None
    assert token.to_json()["extra"] == [1]
    with pytest.raises(ValueError, match="access_token"):
        TokenInfo.from_json({"token_type": "bearer"})
    assert "a" not in repr(TokenInfo.from_json({"access_token": "secret-token-value"})).split("=")


def test_one_session_one_connection_and_the_user_agent(
    platform: Platform, local: LocalPlatform
) -> None:
    platform.login_jwt(CREDS["RC_JWT"])
    for _ in range(5):
        response = platform.get("/restapi/v1.0/account/~/extension/~")
    assert local.connections == 1
    agent = response.request.headers["User-Agent"]
    assert agent.startswith(f"rcsdk-python/{rcsdk.__version__} ")


def test_every_request_has_a_timeout(make_platform: PlatformFactory, local: LocalPlatform) -> None:
    platform = make_platform(timeout=0.2, max_retries=0)
    local.inject(Fault("/restapi/oauth/token", status=200, delay=1.0))
    with pytest.raises(APITimeoutError):
        platform.login_jwt(CREDS["RC_JWT"])


def test_events_fire_with_original_and_new_names(platform: Platform) -> None:
    seen: list[tuple[str, object]] = []
    platform.on("loginSuccess", lambda token: seen.append(("login", token)))
    off = platform.on(Event.LOGOUT_SUCCESS, lambda payload: seen.append(("logout", payload)))
    platform.on(platform.events.LOGIN_ERROR, lambda error: seen.append(("error", error)))
    token = platform.login_jwt(CREDS["RC_JWT"])
    platform.logout()
    off()
    platform.login_jwt(CREDS["RC_JWT"])
    platform.logout()
    with pytest.raises(InvalidGrantError):
        platform.login_jwt("wrong")
    assert [name for name, _ in seen] == ["login", "logout", "login", "error"]
    assert seen[0][1] is token
    with pytest.raises(ValueError, match="unknown event"):
        platform.on("noSuchEvent", print)


def test_a_raising_handler_does_not_break_the_login(platform: Platform) -> None:
    def broken(_: object) -> None:
        raise RuntimeError("handler bug")

    platform.on(Event.LOGIN_SUCCESS, broken)
    assert platform.login_jwt(CREDS["RC_JWT"]).access_token
