# Copied verbatim from templates/rcsdk/_answers.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_answers.py and run `make generate`.
"""What came back: JSON bodies, request ids, in plain words why a connection failed, the typed
error of an error response (by its status and by its error code or OAuth error; a redirect),
and how long an answer asks to wait before the next try (Retry-After, rate-limit windows; else
exponential backoff).

Used by the transport (templates/rcsdk/_transport.py) to classify answers and failures and to
time retries, by the rate-limit budget (``_budget``), and by the token session and the
generated Platform to read bodies.
"""

from __future__ import annotations

import email.utils
import math
import random
import socket
import urllib.parse
from collections.abc import Mapping
from typing import Any

import requests

from rcsdk._constants import (
    BACKOFF_BASE,
    RATE_LIMIT_FALLBACK,
    RETRY_STATUSES,
    TOKEN_ERROR_CODES,
)
from rcsdk._exceptions import (
    APIStatusError,
    AuthenticationError,
    RedirectError,
    ResponseFormatError,
    TokenError,
    exception_for,
)
from rcsdk._models import ErrorBody
from rcsdk._redact import Redactor

__all__ = [
    "backoff",
    "causes",
    "is_token_failure",
    "json_body",
    "json_or_none",
    "parse_retry_after",
    "rate_limit_delay",
    "reason",
    "redirect_error",
    "refusal",
    "request_id",
    "status_error",
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


# --- what an error response means -----------------------------------------------------------


def status_error(response: requests.Response, redactor: Redactor, now: float) -> APIStatusError:
    """The typed exception for an error response (by its status and by its error code or OAuth
    error), its message redacted; ``now`` dates a Retry-After."""
    body = json_or_none(response)
    fields = ErrorBody.from_json(body) if isinstance(body, Mapping) else None
    codes: tuple[str, ...] = ()
    error = description = None
    if fields is not None:
        codes = tuple(
            dict.fromkeys(
                code for code in (fields.error_code, *(e.error_code for e in fields.errors)) if code
            )
        )
        error, description = fields.error, fields.error_description
    retry_after: float | None = None
    if response.status_code == 429:
        retry_after = rate_limit_delay(response.headers, now)
    elif response.status_code in RETRY_STATUSES:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
    cls = exception_for(response.status_code, error, codes)
    detail = description or (fields.message if fields else None)
    if detail is None and fields is not None and fields.errors:
        detail = fields.errors[0].message
    if detail is None and body is None:
        detail = (response.reason or "no JSON body").strip()
    message = f"{response.status_code} {error or cls.__name__}"
    if codes:
        message += f" [{', '.join(codes)}]"
    if detail:
        message += f": {detail}"
    rid = request_id(response)
    return cls(
        redactor.text(message),
        status_code=response.status_code,
        error=redactor.text(error) if error else None,
        error_description=redactor.text(description) if description else None,
        error_codes=tuple(redactor.text(code) for code in codes),
        request_id=redactor.text(rid) if rid else None,
        body=redactor.value(body) if isinstance(body, Mapping) else None,
        retry_after=retry_after,
    )


def redirect_error(response: requests.Response, redactor: Redactor, server: str) -> RedirectError:
    """A 3xx: never followed, so no token or credential travels to where it points (``server``:
    the platform's host, for a relative Location)."""
    location = response.headers.get("Location") or ""
    try:
        target = urllib.parse.urlsplit(urllib.parse.urljoin(response.url or "", location))
        where = target.netloc.rpartition("@")[2] or server
    except ValueError:
        where = "an unparsable location"
    if not location:
        where = "nowhere (no Location header)"
    message = redactor.text(
        f"unexpected redirect to {where} ({response.status_code}): rcsdk follows no "
        "redirect, so no token or credential is sent elsewhere; check the server URL"
    )
    rid = request_id(response)
    return RedirectError(
        message,
        status_code=response.status_code,
        request_id=redactor.text(rid) if rid else None,
    )


# --- how long to wait before retrying -------------------------------------------------------


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or an HTTP date).

    A date in the past means 0. Garbage, negative or non-finite values mean "not said" (None).
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return seconds if math.isfinite(seconds) and seconds >= 0 else None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - now)


def rate_limit_delay(headers: Mapping[str, str], now: float) -> float:
    """The wait a 429 asks for: Retry-After, else X-Rate-Limit-Window, else the fallback."""
    delay = parse_retry_after(headers.get("Retry-After"), now)
    if delay is None:
        delay = parse_retry_after(headers.get("X-Rate-Limit-Window"), now)
    return RATE_LIMIT_FALLBACK if delay is None else delay


_RANDOM = random.Random()


def backoff(attempt: int, rng: random.Random = _RANDOM) -> float:
    """Exponential backoff, jittered in its upper half: attempt 0 waits 0.25 to 0.5 s."""
    ceiling: float = BACKOFF_BASE * (2**attempt)
    return ceiling * (0.5 + 0.5 * rng.random())
