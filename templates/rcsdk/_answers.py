"""What came back: JSON bodies, request ids, and in plain words why a connection failed.

Used by the transport (templates/rcsdk/_transport.py) to classify answers and failures, and
by the token session and the generated Platform to read bodies.
"""

from __future__ import annotations

import socket
from typing import Any

import requests

from rcsdk._constants import TOKEN_ERROR_CODES
from rcsdk._exceptions import AuthenticationError, ResponseFormatError, TokenError

__all__ = [
    "causes",
    "is_token_failure",
    "json_body",
    "json_or_none",
    "reason",
    "refusal",
    "request_id",
]


def request_id(response: requests.Response) -> str | None:
    return response.headers.get("RCRequestId") or response.headers.get("X-Request-Id")


def causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and what caused it, through requests' and urllib3's wrappers."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        following = current.__cause__ or current.__context__
        if following is None and current.args and isinstance(current.args[0], BaseException):
            following = current.args[0]
        if following is None:
            reason = getattr(current, "reason", None)
            following = reason if isinstance(reason, BaseException) else None
        current = following
    return seen


def refusal(exc: BaseException) -> str | None:
    """Why the connection was never made (refused, unknown host), or None."""
    for cause in causes(exc):
        if isinstance(cause, ConnectionRefusedError):
            return "connection refused (is the platform running, and is the port right?)"
        if isinstance(cause, socket.gaierror):
            return f"the host name does not resolve ({cause.strerror or cause})"
    return None


def reason(exc: BaseException) -> str:
    """The innermost useful words of a requests error, without urllib3's "Max retries" text."""
    found = causes(exc)
    for cause in reversed(found):
        text = str(cause)
        if text and "Max retries exceeded" not in text:
            return text
    return type(found[-1]).__name__


def is_token_failure(error: AuthenticationError) -> bool:
    """A 401 that a refresh can cure: a token error code, or a 401 that names no cause."""
    return isinstance(error, TokenError) or (
        type(error) is AuthenticationError
        and not (set(error.error_codes) - TOKEN_ERROR_CODES)
        and error.error is None
    )


def json_or_none(response: requests.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except (ValueError, RecursionError):  # not JSON, or nested too deeply to decode
        return None


def json_body(response: requests.Response) -> Any:
    """The response's JSON, or ``ResponseFormatError`` when it has none."""
    body = json_or_none(response)
    if body is None:
        raise ResponseFormatError(
            f"{response.status_code} response is not JSON", status_code=response.status_code
        )
    return body
