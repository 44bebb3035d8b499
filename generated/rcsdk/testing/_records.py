# Copied verbatim from templates/rcsdk/testing/_records.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/testing/_records.py and run `make generate`.
"""The local platform's records (users, apps, faults, sessions, tokens) and its error type."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from rcsdk.testing._tables import ERROR_CODES, GRANTS


@dataclass
class User:
    """A user who can log in."""

    username: str
    password: str
    extension: str = ""
    jwt: str | None = None
    extension_id: int = 1234567890
    account_id: str = "1234567890"
    first_name: str = "Local"
    last_name: str = "User"


APP_SCOPES = ("ReadAccounts", "EditExtensions")
"""The scopes (app permissions) the local apps are registered for, unless told otherwise."""


@dataclass
class App:
    """A registered app. A public app has no secret and authenticates with ``client_id``.

    A token request may ask for some of its ``scopes`` (``invalid_scope`` for any other) and is
    granted all of them when it asks for none."""

    key: str
    secret: str | None
    redirect_uris: tuple[str, ...] = ()
    grants: frozenset[str] = frozenset(GRANTS)
    scopes: tuple[str, ...] = APP_SCOPES


@dataclass
class Fault:
    """A failure to serve instead of the real answer, for the next request to ``path``.

    ``status`` with ``body`` and ``headers`` answers that; ``delay`` waits first; ``drop``
    closes the connection without an answer.
    """

    path: str
    status: int = 503
    body: str | bytes = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    count: int = 1


@dataclass
class Session:
    id: str
    user: User
    app: App
    active: bool = True


@dataclass
class Token:
    session: Session
    expires_at: float
    first_used: float | None = None


@dataclass
class Rotation:
    """A refresh that happened: the refresh token it spent may still be reused for a while."""

    session: Session
    access: str
    refresh: str
    issued: dict[str, Any]
    at: float


@dataclass
class Code:
    user: User
    app: App
    redirect_uri: str | None
    challenge: str | None
    method: str
    expires_at: float


class ApiError(Exception):
    """An error answer: its status, OAuth ``error``, description, RingCentral code, headers."""

    def __init__(
        self,
        status: int,
        error: str | None,
        description: str,
        code: str,
        headers: dict[str, str] | None = None,
        parameter: str | None = None,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description
        self.code = code
        self.headers = headers or {}
        self.parameter = parameter

    @classmethod
    def coded(
        cls,
        code: str,
        error: str | None = None,
        detail: str | None = None,
        status: int | None = None,
    ) -> ApiError:
        """An error of the spec's table (``status`` when this endpoint answers it otherwise)."""
        table_status, message = ERROR_CODES[code]
        return cls(status or table_status, error, detail or message, code)

    @classmethod
    def invalid(
        cls,
        description: str,
        parameter: str,
        status: int = 400,
        error: str = "invalid_request",
    ) -> ApiError:
        """A missing or invalid parameter: RingCentral's CMN-101, with the OAuth error."""
        return cls(status, error, description, "CMN-101", parameter=parameter)

    def body(self) -> dict[str, Any]:
        """RingCentral's shape: OAuth fields at OAuth endpoints, errorCode elsewhere."""
        item: dict[str, Any] = {"errorCode": self.code, "message": self.description}
        if self.parameter:
            item["parameterName"] = self.parameter
        out: dict[str, Any] = {}
        if self.error:
            out["error"] = self.error
            out["error_description"] = self.description
        else:
            out["errorCode"] = self.code
            out["message"] = self.description
        out["errors"] = [item]
        return out


def new_token(prefix: str) -> str:
    return f"{prefix}{secrets.token_urlsafe(32)}"


def ttl(value: str | None, default: int, minimum: int) -> int:
    """RingCentral raises a TTL below the minimum and replaces one above the default.

    The platform's own default is never raised: a local platform started with 2 s access
    tokens issues 2 s access tokens.
    """
    try:
        asked = int(value) if value else default
    except ValueError:
        return default
    return default if asked > default else max(asked, min(minimum, default))


def same(expected: str, given: str) -> bool:
    """Constant-time comparison of two strings, whatever characters they hold."""
    return hmac.compare_digest(expected.encode(), given.encode())


def pkce_matches(challenge: str, method: str, verifier: str) -> bool:
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    else:
        expected = verifier
    return same(expected, challenge)
