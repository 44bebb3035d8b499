"""The spec's tables: SDK events, error codes and the exception classes they map to."""

from __future__ import annotations

from dataclasses import dataclass

from generator import names


@dataclass(frozen=True)
class Event:
    name: str
    description: str
    has_payload: bool

    @property
    def constant(self) -> str:
        return names.python_constant(self.name)

    @property
    def wire_name(self) -> str:
        """The original SDK's name for it (``accessViolation``), accepted by ``on()`` too."""
        return names.camel_case(self.name)


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    exception: str
    message: str
    ends_session: bool = False
    """A refresh answered with this code is the platform's verdict on the refresh token itself
    (expired, revoked): the only answer that ends a session. Others (an app without the grant,
    wrong client credentials) say nothing about the token and leave the session alone."""
    note: str = ""
    """Why the status is what it is, where RingCentral's sources disagree (shown in the docs)."""


@dataclass(frozen=True)
class ExceptionClass:
    name: str
    base: str | None
    description: str
    statuses: tuple[int, ...]
    oauth_errors: tuple[str, ...]
    codes: tuple[ErrorCode, ...]
