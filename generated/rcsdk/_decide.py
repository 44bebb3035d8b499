# Copied verbatim from templates/rcsdk/_decide.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_decide.py and run `make generate`.
"""The decisions of the token lifecycle, as functions of values: no clock, no store, no I/O.

Each is run by every language from one table (tests/cases/decisions.json); the JavaScript, PHP
and Go runtimes hold the same functions under the same names (``decide.ts``, ``Decide.php``,
``decide.go``). Their callers read the clock and the store, and act on what these return.
"""

from __future__ import annotations

__all__ = ["access_due", "can_refresh", "expiry"]

MAX_LIFETIME = 10 * 365 * 24 * 3600
"""Lifetimes (``expires_in``) above this, or not above 0, are treated as unknown."""


def lifetime(seconds: int | None) -> int | None:
    """A token's lifetime when it is a usable number of seconds, else None (unknown)."""
    return seconds if seconds is not None and 0 < seconds <= MAX_LIFETIME else None


def expiry(now: float, seconds: int | None) -> float | None:
    """When a token issued at ``now`` with lifetime ``seconds`` expires (None: unknown, and the
    token is used until the platform rejects it)."""
    known = lifetime(seconds)
    return now + known if known is not None else None


def access_due(expires_at: float | None, expires_in: int | None, now: float, margin: float) -> bool:
    """Whether the access token expires within ``margin`` seconds (or has expired).

    The margin is capped at half the token's lifetime: a token that was just issued is never
    due, however short-lived it is. An unknown expiry is never due.
    """
    if expires_at is None:
        return False
    known = lifetime(expires_in)
    if known is not None:
        margin = min(margin, known / 2)
    return now >= expires_at - margin


def can_refresh(
    refresh_token: str | None, refresh_token_expires_at: float | None, now: float
) -> bool:
    """Whether a refresh can be tried: a refresh token that has not expired (or whose expiry is
    unknown)."""
    return bool(refresh_token) and (
        refresh_token_expires_at is None or now < refresh_token_expires_at
    )
