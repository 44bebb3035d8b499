"""Property: whatever the platform sends back, parsing yields a typed result or an rcsdk error,
never a KeyError, TypeError or JSONDecodeError."""

from __future__ import annotations

import json
from typing import Any

import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from rcsdk import RCSDKError, TokenInfo
from rcsdk._models import ErrorBody, ExtensionInfo
from rcsdk._platform import Platform

KEYS = st.sampled_from(
    [
        "access_token", "expires_in", "refresh_token", "scope", "owner_id", "error",
        "error_description", "errors", "errorCode", "message", "id", "account", "contact",
        "extensionNumber", "session_id", "token_type",
    ]
) | st.text(max_size=8)  # fmt: skip
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
    max_leaves=20,
)
BODIES = (
    JSON.map(lambda value: json.dumps(value).encode())
    | st.binary(max_size=64)
    | st.sampled_from([b"", b"<html><body>502 Bad Gateway</body></html>", b"{", b"null"])
)
PLATFORM = Platform("key", "secret", "http://127.0.0.1:1")


def response(status: int, body: bytes, content_type: str) -> requests.Response:
    made = requests.Response()
    made.status_code = status
    made._content = body
    made.headers["Content-Type"] = content_type
    made.url = "http://127.0.0.1:1/restapi/oauth/token"
    return made


def interpret(made: requests.Response) -> Any:
    if made.status_code >= 400:
        raise PLATFORM._transport.status_error(made)
    return PLATFORM._transport.token_from(made)


@settings(max_examples=400, deadline=None)
@given(
    status=st.integers(min_value=100, max_value=599),
    body=BODIES,
    content_type=st.sampled_from(["application/json", "text/html", ""]),
)
def test_any_response_is_a_result_or_an_rcsdk_error(
    status: int, body: bytes, content_type: str
) -> None:
    try:
        result = interpret(response(status, body, content_type))
    except RCSDKError as error:
        assert str(error)
        if status >= 400:
            assert getattr(error, "status_code", None) == status
    else:
        assert isinstance(result, TokenInfo) and result.access_token


@settings(max_examples=300, deadline=None)
@given(value=JSON)
def test_models_read_any_json(value: Any) -> None:
    assert isinstance(ExtensionInfo.from_json(value), ExtensionInfo)
    assert isinstance(ErrorBody.from_json(value), ErrorBody)
    try:
        token = TokenInfo.from_json(value)
    except ValueError:
        return
    assert token.access_token
