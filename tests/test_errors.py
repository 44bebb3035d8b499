"""Exceptions by status AND by error (table-driven over the spec), exceptions and records that
pickle, records that are immutable, and the public API surface pinned by a literal list."""

from __future__ import annotations

import concurrent.futures
import copy
import json
import multiprocessing
import pickle

import pytest
import requests

import rcsdk
from rcsdk import (
    APIStatusError,
    AuthenticationError,
    AuthorizationRequest,
    BadRequestError,
    InternalServerError,
    InvalidGrantError,
    Platform,
    RCSDKError,
    ResponseFormatError,
    Settings,
    TokenInfo,
)
from rcsdk._auth import AuthState
from rcsdk._record import Record

from _support import CREDS, SPEC

CLASSES = {exc.name: getattr(rcsdk, exc.name) for exc in SPEC.exceptions}
STATUS_CLASS = {status: CLASSES[exc.name] for exc in SPEC.exceptions for status in exc.statuses}
ERROR_CLASS = {error: CLASSES[exc.name] for exc in SPEC.exceptions for error in exc.oauth_errors}


def status_class(status: int) -> type[APIStatusError]:
    return STATUS_CLASS.get(status) or (InternalServerError if status >= 500 else APIStatusError)


def pairs() -> list[tuple[int, str | None, str | None]]:
    """Every (status, error code) the spec names, in its table and in its operations' responses,
    and every OAuth error at every 4xx status the spec maps."""
    found: set[tuple[int, str | None, str | None]] = set()
    for code in SPEC.error_codes:
        found.add((code.status, code.code, None))
    for op in SPEC.operations:
        for response in op.responses:
            for code in response.codes:
                found.add((response.status, code.code, None))
    for error in ERROR_CLASS:
        for status in STATUS_CLASS:
            if 400 <= status < 500:
                found.add((status, None, error))
    return sorted(found, key=lambda p: (p[0], p[1] or "", p[2] or ""))


def response(status: int, code: str | None, error: str | None) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    body: dict[str, object] = {}
    if error:
        body["error"] = error
    if code:
        body["errorCode"] = code
        body["errors"] = [{"errorCode": code, "message": "m"}]
    made._content = json.dumps(body).encode()
    made.headers["Content-Type"] = "application/json"
    return made


PLATFORM = Platform("key", "secret-of-the-app", "http://127.0.0.1:9")


@pytest.mark.parametrize(("status", "code", "error"), pairs())
def test_an_error_is_caught_by_its_status_and_by_its_error(
    status: int, code: str | None, error: str | None
) -> None:
    exc = PLATFORM._transport.status_error(response(status, code, error))
    assert isinstance(exc, status_class(status)), type(exc).__mro__
    specific = (
        CLASSES[next(c.exception for c in SPEC.error_codes if c.code == code)]
        if code
        else ERROR_CLASS[error or ""]
    )
    assert isinstance(exc, specific)
    assert type(exc).__name__ == specific.__name__
    assert exc.status_code == status
    copied = pickle.loads(pickle.dumps(exc))
    assert copied == exc and type(copied) is type(exc) and repr(copied) == repr(exc)


def test_the_table_covers_the_mixed_cases_the_issue_names() -> None:
    statuses = {(s, c or e) for s, c, e in pairs()}
    assert (400, "invalid_grant") in statuses and (403, "OAU-106") in statuses
    bad_grant = PLATFORM._transport.status_error(response(400, "OAU-211", "invalid_grant"))
    assert isinstance(bad_grant, BadRequestError) and isinstance(bad_grant, InvalidGrantError)
    assert not isinstance(
        PLATFORM._transport.status_error(response(400, "CMN-101", None)), AuthenticationError
    )


def every_exception() -> list[RCSDKError]:
    made: list[RCSDKError] = []
    for cls in CLASSES.values():
        if issubclass(cls, APIStatusError):
            made.append(
                cls(
                    "400 invalid_grant: no",
                    status_code=400,
                    error="invalid_grant",
                    error_description="no",
                    error_codes=("OAU-211",),
                    request_id="r-1",
                    body={"error": "invalid_grant"},
                    retry_after=1.5,
                )
            )
        elif issubclass(cls, ResponseFormatError):
            made.append(cls("not JSON", status_code=200))
        else:
            made.append(cls("went wrong"))
    return made


@pytest.mark.parametrize("exc", every_exception(), ids=lambda e: type(e).__name__)
def test_every_exception_pickles_to_an_equal_one(exc: RCSDKError) -> None:
    for copied in (pickle.loads(pickle.dumps(exc)), copy.copy(exc), copy.deepcopy(exc)):
        assert copied == exc
        assert (str(copied), repr(copied), vars(copied)) == (str(exc), repr(exc), vars(exc))
        assert hash(copied) == hash(exc)


def raise_a_platform_error(server: str) -> None:
    """Runs in a worker process: a login with a secret password against the local platform."""
    platform = Platform(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server, max_retries=0)
    platform.authorize(CREDS["RC_USERNAME"], None, "pw-SECRET-123")


def test_an_error_crosses_a_process_boundary_redacted(
    local: rcsdk.testing.LocalPlatform,
) -> None:
    context = multiprocessing.get_context("fork")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        future = pool.submit(raise_a_platform_error, local.url)
        with pytest.raises(InvalidGrantError) as caught:
            future.result(timeout=30)
    assert "pw-SECRET-123" not in f"{caught.value} {caught.value!r} {vars(caught.value)}"
    assert caught.value.status_code in (400, 401)


# --- records ------------------------------------------------------------------------------------


def records() -> list[Record]:
    token = TokenInfo.from_json(
        {"access_token": "at-SECRET", "refresh_token": "rt-SECRET", "expires_in": 60, "x": 1}
    )
    return [
        token,
        AuthState.issued(token, 1000.0),
        AuthorizationRequest(url="https://x/", state="s", code_verifier="cv-SECRET"),
        Settings(app_key="k", app_secret="as-SECRET"),
    ]


@pytest.mark.parametrize("record", records(), ids=lambda r: type(r).__name__)
def test_records_are_immutable_hashable_and_keep_secrets_out_of_repr(record: Record) -> None:
    assert isinstance(record, Record)
    assert "SECRET" not in repr(record)
    assert not hasattr(record, "__dict__")
    kept = {record}
    with pytest.raises(AttributeError):
        record.anything = 1
    with pytest.raises(AttributeError):
        setattr(record, record._fields[0], "changed")
    assert record in kept
    for copied in (pickle.loads(pickle.dumps(record)), copy.copy(record), copy.deepcopy(record)):
        assert copied == record and hash(copied) == hash(record)


def test_records_compare_by_their_typed_fields() -> None:
    one = TokenInfo.from_json({"access_token": "a", "unknown": 1})
    assert one == TokenInfo.from_json({"access_token": "a", "unknown": 2})
    assert one != TokenInfo.from_json({"access_token": "b"})
    assert one.raw["unknown"] == 1


# --- the public API -----------------------------------------------------------------------------

PUBLIC = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AccountRef",
    "AuthDataError",
    "AuthenticationError",
    "AuthorizationRequest",
    "BadRequestError",
    "Contact",
    "ErrorBody",
    "ErrorItem",
    "Event",
    "ExtensionInfo",
    "FileTokenStore",
    "InternalServerError",
    "InvalidClientError",
    "InvalidGrantError",
    "LOCAL_SERVER",
    "LoginRequiredError",
    "MemoryTokenStore",
    "NotFoundError",
    "PRODUCTION_SERVER",
    "PermissionDeniedError",
    "Platform",
    "RCSDK",
    "RCSDKError",
    "RateLimitError",
    "RedirectError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "SANDBOX_SERVER",
    "Settings",
    "TokenError",
    "TokenInfo",
    "TokenStore",
    "TokenStoreError",
    "UsageError",
    "__version__",
]
"""What ``from rcsdk import *`` gives: the entry point and platform, the records calls return,
every exception, the token stores, the events and the server URLs. Everything else (the
transport, the token lifecycle, the record base, redaction) is internal and may change."""


def test_the_public_api_is_this_list() -> None:
    assert sorted(rcsdk.__all__) == sorted(PUBLIC)
    exported = {name for name in dir(rcsdk) if not name.startswith("_")}
    assert exported - {"testing", "redis"} == set(PUBLIC) - {"__version__"}
