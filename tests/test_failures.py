"""Failures handled like a production client: retries within bounds, rate limits, typed errors
for every fault, and no secret in any message or log line."""

from __future__ import annotations

import email.utils
import json
import logging
import random
import warnings
from collections.abc import Iterator

import pytest

from rcsdk import (
    APIConnectionError,
    APITimeoutError,
    InternalServerError,
    Platform,
    RateLimitError,
    RCSDKError,
    ResponseFormatError,
)
from rcsdk._answers import backoff, parse_retry_after, rate_limit_delay
from rcsdk.testing import Fault, LocalPlatform

from _support import CREDS, FakeClock, PlatformFactory

NOW = 1_800_000_000.0
TOKEN = "/restapi/oauth/token"
API = "/restapi/v1.0/"


def http_date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", 7.0),
        ("0", 0.0),
        ("2.5", 2.5),
        (" 30 ", 30.0),
        (http_date(120), 120.0),
        (http_date(-300), 0.0),  # a date in the past: retry now
        ("-5", None),  # negative: not a valid delay
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
        ("1e400", None),  # infinite
        ("99999999", 99999999.0),  # huge but valid: the caller's bound decides
        ("Wed, 32 Foo 2026 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "12", "X-Rate-Limit-Window": "60"}, 12.0),
        ({"X-Rate-Limit-Window": "45"}, 45.0),
        ({"Retry-After": "garbage", "X-Rate-Limit-Window": "45"}, 45.0),
        ({}, 60.0),
        ({"Retry-After": "-1"}, 60.0),
    ],
)
def test_rate_limit_delay(headers: dict[str, str], expected: float) -> None:
    assert rate_limit_delay(headers, NOW) == expected


class FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("attempt", "draw", "expected"),
    [(0, 0.0, 0.25), (0, 1.0, 0.5), (1, 0.0, 0.5), (1, 1.0, 1.0), (3, 0.5, 3.0), (5, 1.0, 16.0)],
)
def test_backoff(attempt: int, draw: float, expected: float) -> None:
    assert backoff(attempt, FixedRandom(draw)) == pytest.approx(expected)


# --- faults against the local platform ---------------------------------------------------


@pytest.fixture
def logged_in(platform: Platform) -> Platform:
    platform.login_jwt(CREDS["RC_JWT"])
    return platform


def error_body(code: str, message: str) -> str:
    return json.dumps({"errors": [{"errorCode": code, "message": message}]})


@pytest.mark.parametrize(
    ("headers", "waited"),
    [({"Retry-After": "7"}, 7.0), ({"X-Rate-Limit-Window": "30"}, 30.0), ({}, 60.0)],
)
def test_429_is_retried_after_the_wait_it_asks_for(
    logged_in: Platform,
    local: LocalPlatform,
    clock: FakeClock,
    headers: dict[str, str],
    waited: float,
) -> None:
    local.inject(
        Fault(API, status=429, body=error_body("CMN-301", "Rate exceeded"), headers=headers)
    )
    assert logged_in.read_extension().id == 1234567890
    assert clock.sleeps == [waited]


def test_a_429_asking_for_too_long_is_raised_with_retry_after(
    logged_in: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    local.inject(Fault(API, status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(RateLimitError) as caught:
        logged_in.read_extension()
    assert caught.value.retry_after == 3600.0
    assert clock.sleeps == []


def test_the_auth_rate_limit_of_the_platform(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    fail_fast = make_platform(max_retries=0)
    for _ in range(5):
        fail_fast.login_jwt(CREDS["RC_JWT"])
    # The fifth response said the Auth group had 0 left: the sixth login is refused unsent.
    with pytest.raises(RateLimitError, match="not sent") as caught:
        fail_fast.login_jwt(CREDS["RC_JWT"])
    assert caught.value.retry_after == 60.5  # the window, and a margin
    assert local.grant_count("urn:ietf:params:oauth:grant-type:jwt-bearer") == 5
    unaware = make_platform(max_retries=0)  # another process: it learns from the platform
    with pytest.raises(RateLimitError) as caught:
        unaware.login_jwt(CREDS["RC_JWT"])
    assert caught.value.retry_after == 60.0
    assert caught.value.error_codes == ("CMN-301",)
    patient = make_platform()
    assert patient.login_jwt(CREDS["RC_JWT"]).access_token  # waits the minute out
    assert clock.sleeps == [60.0]


def test_503_on_a_login_is_retried_with_backoff(
    platform: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    local.inject(Fault(TOKEN, status=503, body=error_body("CMN-201", "Unavailable"), count=2))
    assert platform.login_jwt(CREDS["RC_JWT"]).access_token
    assert len(clock.sleeps) == 2
    assert 0.25 <= clock.sleeps[0] <= 0.5 and 0.5 <= clock.sleeps[1] <= 1.0


def test_502_on_a_login_is_not_replayed(platform: Platform, local: LocalPlatform) -> None:
    local.inject(Fault(TOKEN, status=502, body="<html><body>Bad gateway</body></html>"))
    with pytest.raises(InternalServerError) as caught:
        platform.login_jwt(CREDS["RC_JWT"])
    assert caught.value.status_code == 502
    assert local.grant_count("urn:ietf:params:oauth:grant-type:jwt-bearer") == 0


@pytest.mark.parametrize("status", [502, 503, 504])
def test_5xx_on_a_get_is_retried(
    logged_in: Platform, local: LocalPlatform, clock: FakeClock, status: int
) -> None:
    local.inject(Fault(API, status=status, body=""))
    assert logged_in.read_extension().id == 1234567890
    assert len(clock.sleeps) == 1


def test_retries_stop_at_the_configured_count(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    platform = make_platform(max_retries=3)
    platform.login_jwt(CREDS["RC_JWT"])
    local.inject(Fault(API, status=503, count=10))
    with pytest.raises(InternalServerError):
        platform.read_extension()
    assert len(clock.sleeps) == 3
    assert local.faults[0].count == 6  # 1 call + 3 retries


def test_retries_stop_at_the_total_wait(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    platform = make_platform(max_retries=10, max_retry_wait=1.0)
    platform.login_jwt(CREDS["RC_JWT"])
    local.inject(Fault(API, status=503, count=20))
    with pytest.raises(InternalServerError):
        platform.read_extension()
    assert sum(clock.sleeps) <= 1.0
    assert len(clock.sleeps) >= 1


def test_fail_fast(make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock) -> None:
    platform = make_platform(max_retries=0)
    platform.login_jwt(CREDS["RC_JWT"])
    local.inject(Fault(API, status=429, headers={"Retry-After": "1"}))
    with pytest.raises(RateLimitError):
        platform.read_extension()
    assert clock.sleeps == []


def test_a_dropped_connection_on_a_get_is_retried(
    logged_in: Platform, local: LocalPlatform, clock: FakeClock
) -> None:
    local.inject(Fault(API, drop=True))
    assert logged_in.read_extension().id == 1234567890
    assert len(clock.sleeps) == 1


def test_a_dropped_connection_on_a_login_is_raised(
    platform: Platform, local: LocalPlatform
) -> None:
    local.inject(Fault(TOKEN, drop=True))
    with pytest.raises(APIConnectionError):
        platform.login_jwt(CREDS["RC_JWT"])


def test_a_slow_get_times_out_and_is_retried(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    platform = make_platform(timeout=0.2)
    platform.login_jwt(CREDS["RC_JWT"])
    local.inject(Fault(API, status=200, delay=0.6))
    assert platform.read_extension().id == 1234567890
    assert len(clock.sleeps) == 1


def test_a_slow_refresh_times_out_and_is_not_replayed(
    make_platform: PlatformFactory, local: LocalPlatform, clock: FakeClock
) -> None:
    platform = make_platform(timeout=0.2)
    platform.login_jwt(CREDS["RC_JWT"])
    before = platform.get_auth_data()
    clock.advance(3600)
    local.inject(Fault(TOKEN, status=200, delay=0.6))
    with pytest.raises(APITimeoutError):
        platform.refresh()
    assert clock.sleeps == []
    assert platform.get_auth_data() == before


@pytest.mark.parametrize(
    "body",
    ["{not json", "<html>ok</html>", "", "[1, 2]", '{"token_type": "bearer"}', '"a string"'],
)
def test_an_unusable_token_response_is_a_response_format_error(
    platform: Platform, local: LocalPlatform, body: str
) -> None:
    local.inject(Fault(TOKEN, status=200, body=body, headers={"Content-Type": "application/json"}))
    with pytest.raises(ResponseFormatError) as caught:
        platform.login_jwt(CREDS["RC_JWT"])
    assert caught.value.status_code == 200


@pytest.mark.parametrize(
    ("status", "body", "codes"),
    [
        (500, "<html><h1>Internal error</h1></html>", ()),
        (400, '{"error": "invalid_grant"}', ()),
        (
            401,
            '{"errorCode": "TokenInvalid", "errors": [{"errorCode": "OAU-213"}]}',
            ("TokenInvalid", "OAU-213"),
        ),
        (403, '{"errors": "not a list", "message": 5}', ()),
        (400, '{"error": 12, "error_description": ["x"]}', ()),
    ],
)
def test_odd_error_bodies_become_typed_errors(
    make_platform: PlatformFactory,
    local: LocalPlatform,
    status: int,
    body: str,
    codes: tuple[str, ...],
) -> None:
    platform = make_platform(max_retries=0)
    local.inject(Fault(TOKEN, status=status, body=body))
    with pytest.raises(RCSDKError) as caught:
        platform.login_jwt(CREDS["RC_JWT"])
    error = caught.value
    assert getattr(error, "status_code", None) == status
    assert getattr(error, "error_codes", ()) == codes


# --- no secret anywhere --------------------------------------------------------------------


SECRET_APP = "app-secret-5d1f0c9e"
SECRET_PASSWORD = "password-8a7b6c5d"
SECRET_JWT = "jwt-credential-3e4f5a6b"


@pytest.fixture
def secret_platform(local: LocalPlatform) -> Iterator[LocalPlatform]:
    from rcsdk.testing import App, User

    local.add_app(App("secret-app", SECRET_APP))
    local.add_user(User("+16505550199", SECRET_PASSWORD, "102", jwt=SECRET_JWT))
    yield local


def test_no_secret_in_any_message_or_log_line(
    secret_platform: LocalPlatform,
    make_platform: PlatformFactory,
    caplog: pytest.LogCaptureFixture,
    clock: FakeClock,
) -> None:
    local = secret_platform
    texts: list[str] = []
    seen_tokens: list[str] = []
    caplog.set_level(logging.DEBUG, logger="rcsdk")

    def attempt(action: object) -> None:
        try:
            action()  # type: ignore[operator]
        except RCSDKError as error:
            texts.extend([str(error), repr(error), str(error.args)])

    platform = make_platform(app_key="secret-app", app_secret=SECRET_APP, timeout=0.2)
    platform.on(
        "refreshSuccess",
        lambda token: seen_tokens.extend([token.access_token, token.refresh_token]),
    )
    platform.on(
        "loginSuccess", lambda token: seen_tokens.extend([token.access_token, token.refresh_token])
    )
    wrong = make_platform(app_key="secret-app", app_secret="wrong-" + SECRET_APP)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        attempt(lambda: platform.authorize("+16505550199", "102", "bad-" + SECRET_PASSWORD))
        attempt(lambda: wrong.authorize("+16505550199", "102", SECRET_PASSWORD))
    attempt(lambda: platform.login_jwt(SECRET_JWT + "-wrong"))
    attempt(lambda: wrong.login_jwt(SECRET_JWT))
    platform.login_jwt(SECRET_JWT)
    request = platform.authorize_url(CREDS["RC_REDIRECT_URI"])
    attempt(
        lambda: platform.login_auth_code("code-" + SECRET_JWT, code_verifier=request.code_verifier)
    )
    platform.login_jwt(SECRET_JWT)
    clock.advance(3600)
    local.inject(Fault(TOKEN, drop=True))
    attempt(platform.read_extension)
    local.inject(Fault(TOKEN, status=200, delay=0.5))
    attempt(platform.refresh)
    local.inject(
        Fault(API, status=401, body=error_body("OAU-149", "Bad token " + seen_tokens[-2]), count=3)
    )
    attempt(platform.read_extension)
    local.revoke_all()
    attempt(platform.read_extension)
    attempt(platform.logout)

    texts += [record.getMessage() for record in caplog.records]
    texts += [repr(platform), repr(request)]
    assert len(texts) > 20
    secrets = [
        SECRET_APP,
        SECRET_PASSWORD,
        SECRET_JWT,
        request.code_verifier,
        *[t for t in seen_tokens if t],
    ]
    for text in texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} leaked in {text!r}"
    assert any("[REDACTED]" in text for text in texts)
