"""The decisions of the token lifecycle, as functions of values: no clock, no store, no I/O.

Each is run by every language from one table (tests/cases/decisions.json); the JavaScript, PHP
and Go runtimes hold the same functions under the same names (``decide.ts``, ``Decide.php``,
``decide.go``). Their callers read the clock and the store, and act on what these return.
"""

from __future__ import annotations

from collections.abc import Sequence

from rcsdk._constants import REFRESH_REJECTED_CODES

__all__ = [
    "access_due",
    "after_401",
    "after_read",
    "after_rejection",
    "can_refresh",
    "ends_session",
    "expiry",
]

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


def ends_session(status: int, error: str | None, error_codes: Sequence[str]) -> bool:
    """Whether the platform's answer to a refresh is its verdict on the refresh token itself:
    a 4xx ``invalid_grant`` with no error code or a code that names that token (expired,
    revoked, used). A network error (status 0), a 5xx, ``invalid_client``, a rate limit or a
    proxy's HTML page are not: the tokens are kept."""
    return (
        400 <= status < 500
        and error == "invalid_grant"
        and (not error_codes or not REFRESH_REJECTED_CODES.isdisjoint(error_codes))
    )


AFTER_REJECTION = {"same": "end", "other": "adopt", "lost": "drop", "unreadable": "keep"}


def after_rejection(store: str) -> str:
    """What a session whose refresh token the platform rejected does, by what the store holds
    now: ``same`` (that token, nothing newer) ends it for everyone sharing the store; ``other``
    (tokens written meanwhile) adopts those; ``lost`` (a fenced store lost the key: the verdict
    is on our tokens, not on the store's) drops ours without ending it; ``unreadable`` keeps
    ours (the store cannot say whether it still holds that token)."""
    return AFTER_REJECTION[store]


def after_401(sends: int, token_failure: bool, auto_refresh: bool) -> str:
    """What a call does when its ``sends``-th sending got a 401: ``refresh`` (then send it again
    with the new tokens), ``reload`` (send it again only if the store holds tokens another
    thread, process or central refresher rotated in since the call read them), or ``fail``.

    Only a token failure is retried, never more than twice, and one call causes at most one
    refresh: the first retry follows a refresh (or, without auto-refresh, a rotation someone
    else made); the second only another worker's rotation that overtook the first retry.
    """
    if not token_failure or sends >= 3:
        return "fail"
    return "refresh" if sends == 1 and auto_refresh else "reload"


def after_read(fenced: bool, store: str, held: bool, unsaved: bool) -> str:
    """What the ledger does with what it just read from the store, which holds (``store``):
    ``unreadable`` (it cannot be read), ``unusable`` (content nobody can use), ``foreign``
    (another origin's or app's session: not ours), ``empty`` (no tokens; for a fenced store, no
    key), ``replaced`` (what our unsaved tokens replace), ``older`` (other tokens, issued before
    ours: a stale writer's) or ``other`` (tokens written since). ``held``: tokens in memory;
    ``unsaved``: tokens the store has not taken yet.

    Returns ``keep`` (go on with the tokens in memory), ``raise`` (the read's error), ``reseed``
    (write ours back into a lost key: the first writer wins), ``write`` (write the unsaved tokens;
    a fenced store takes them only over the generation they replace, whatever the clocks say) or
    ``adopt`` (use the store's). With a fenced store, its generation orders tokens; without one,
    a rotation is recognised by the refresh token, and only the issue times tell older from newer.
    """
    if store == "unreadable":
        return "keep" if held else "raise"
    if store == "unusable":
        return "write" if unsaved else "raise"
    if fenced and store == "empty" and (held or unsaved):
        return "reseed"
    if not unsaved:
        return "adopt"
    return "adopt" if store == "other" and not fenced else "write"
