# Copied verbatim from templates/rcsdk/_retry.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_retry.py and run `make generate`.
"""How long to wait before retrying: Retry-After, rate-limit windows, exponential backoff."""

from __future__ import annotations

import email.utils
import math
import random
from collections.abc import Mapping

from rcsdk._constants import BACKOFF_BASE, RATE_LIMIT_FALLBACK


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
