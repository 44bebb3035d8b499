# Copied verbatim from templates/rcsdk/_auth.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_auth.py and run `make generate`.
"""The tokens a platform holds, with their absolute expiry times, and their stored form."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from rcsdk._constants import AUTH_DATA_APP_KEY, AUTH_DATA_ORIGIN, AUTH_DATA_VERSION
from rcsdk._decide import access_due, can_refresh, expiry, lifetime
from rcsdk._exceptions import AuthDataError, SessionOriginError
from rcsdk._models import TokenInfo
from rcsdk._record import Record

__all__ = ["AuthState", "AuthorizationRequest", "Binding"]


class AuthorizationRequest(Record):
    """An authorization URL and what the code exchange will need from it."""

    __slots__ = ("code_verifier", "redirect_uri", "state", "url")
    _fields = ("url", "state", "code_verifier", "redirect_uri")
    _secret = frozenset({"code_verifier"})

    url: str
    """Send the user's browser here."""
    state: str
    """Compare it with the ``state`` the redirect URI receives (CSRF protection)."""
    code_verifier: str
    """Pass it to ``login_auth_code`` with the code."""
    redirect_uri: str | None
    """The redirect URI in the URL, to pass to ``login_auth_code`` too."""

    def __init__(
        self, *, url: str, state: str, code_verifier: str, redirect_uri: str | None = None
    ) -> None:
        self._init(url=url, state=state, code_verifier=code_verifier, redirect_uri=redirect_uri)


class AuthState(Record):
    """A token response and when its tokens expire (seconds since the epoch).

    Expiry times are computed once, when the tokens arrive, and stored as they are: restoring
    saved auth data never recomputes them from ``expires_in``.
    """

    __slots__ = ("expires_at", "refresh_token_expires_at", "token")
    _fields = ("token", "expires_at", "refresh_token_expires_at")

    token: TokenInfo
    """The token response."""
    expires_at: float | None
    """When the access token expires."""
    refresh_token_expires_at: float | None
    """When the refresh token expires."""

    def __init__(
        self,
        *,
        token: TokenInfo,
        expires_at: float | None,
        refresh_token_expires_at: float | None,
    ) -> None:
        self._init(
            token=token, expires_at=expires_at, refresh_token_expires_at=refresh_token_expires_at
        )

    @classmethod
    def issued(cls, token: TokenInfo, now: float) -> AuthState:
        """The tokens of a token request sent at ``now``: their lifetime counts from the request,
        not from the answer, so an answer read late (a process paused, a slow network) never
        makes them look younger than they are (docs/FLEET.md). A lifetime that is not a positive
        number of seconds (``expires_in: 0``, ``-5``, ``10**400``) is treated as unknown: the
        token is used until the platform rejects it, then refreshed once."""
        return cls(
            token=token,
            expires_at=expiry(now, token.expires_in),
            refresh_token_expires_at=(
                expiry(now, token.refresh_token_expires_in) if token.refresh_token else None
            ),
        )

    def issued_at(self) -> float | None:
        """When the tokens were issued (from the access token's expiry and lifetime)."""
        known = lifetime(self.token.expires_in)
        if self.expires_at is None or known is None:
            return None
        return self.expires_at - known

    def access_due(self, now: float, margin: float) -> bool:
        """Whether the access token expires within ``margin`` seconds (``rcsdk._decide``)."""
        return access_due(self.expires_at, self.token.expires_in, now, margin)

    def can_refresh(self, now: float) -> bool:
        return can_refresh(self.token.refresh_token, self.refresh_token_expires_at, now)

    def usable(self, now: float) -> bool:
        """Whether these tokens can still authorize a call, directly or after a refresh."""
        return not self.access_due(now, 0.0) or self.can_refresh(now)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": AUTH_DATA_VERSION,
            "token": self.token.to_json(),
            "expires_at": self.expires_at,
            "refresh_token_expires_at": self.refresh_token_expires_at,
        }

    @classmethod
    def from_json(cls, data: object) -> AuthState | None:
        """Read saved auth data; ``{}`` or ``None`` mean "no tokens"."""
        if data is None or (isinstance(data, Mapping) and not data):
            return None
        if not isinstance(data, Mapping):
            raise AuthDataError(f"auth data must be a dict, not {type(data).__name__}")
        version = data.get("version")
        if version != AUTH_DATA_VERSION:
            raise AuthDataError(
                f"auth data has version {version!r}; this rcsdk reads version {AUTH_DATA_VERSION}"
                " (saved by a different rcsdk? log in again to replace it)"
            )
        try:
            token = TokenInfo.from_json(data.get("token"))
        except ValueError as exc:
            raise AuthDataError(f"auth data holds no usable token: {exc}") from None
        return cls(
            token=token,
            expires_at=_time(data, "expires_at"),
            refresh_token_expires_at=_time(data, "refresh_token_expires_at"),
        )


class Binding:
    """Whose session auth data holds: the server origin (``scheme://host:port``) and the app key
    it was issued for. A platform uses only the sessions bound to its own; data saved without a
    binding (by an rcsdk before it) is taken once and saved back bound."""

    __slots__ = ("app_key", "origin")

    def __init__(self, origin: str, app_key: str) -> None:
        self.origin = origin
        self.app_key = app_key

    def fields(self) -> dict[str, str]:
        return {AUTH_DATA_ORIGIN: self.origin, AUTH_DATA_APP_KEY: self.app_key}

    def other(self, data: object) -> tuple[object, object] | None:
        """The (origin, app key) ``data`` records when it is another's session, else None (ours,
        unbound, or no data)."""
        if not isinstance(data, Mapping) or (
            AUTH_DATA_ORIGIN not in data and AUTH_DATA_APP_KEY not in data
        ):
            return None
        theirs = (data.get(AUTH_DATA_ORIGIN), data.get(AUTH_DATA_APP_KEY))
        return None if theirs == (self.origin, self.app_key) else theirs

    def unbound(self, data: object) -> bool:
        """Whether ``data`` is a session saved without a binding (by an earlier rcsdk)."""
        return (
            isinstance(data, Mapping)
            and bool(data)
            and AUTH_DATA_ORIGIN not in data
            and AUTH_DATA_APP_KEY not in data
        )

    def refusal(self, where: str, theirs: tuple[object, object]) -> SessionOriginError:
        """The error of a call that needs a session when ``where`` holds another's."""
        return SessionOriginError(
            f"{where} holds the session of {_plain(theirs[0])} (app key {_plain(theirs[1])}), not"
            f" of this platform ({self.origin}, app key {_plain(self.app_key)}): its tokens are"
            " not sent here and it is left as it is; log in to start a session for this platform"
        )


def _plain(value: object, limit: int = 80) -> str:
    """A value read from a store, for a message: printable ASCII, cut short."""
    text = "".join(c if " " <= c <= "~" else "?" for c in str(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def store_name(store: object) -> str:
    """How a message names a store: its file where it has one, else its class."""
    path = getattr(store, "path", None)
    return f"token store {path}" if path is not None else f"token store {type(store).__name__}"


def _time(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or (isinstance(value, int) and abs(value) > 2**53)
        or (isinstance(value, float) and not math.isfinite(value))
    ):
        raise AuthDataError(f"auth data field {key!r} must be a number (seconds) or null")
    return value
