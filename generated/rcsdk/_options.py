# Copied verbatim from templates/rcsdk/_options.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_options.py and run `make generate`.
"""Checks of the options a platform is made with: a wrong one is a ``UsageError`` at once,
naming the option, never an ``AttributeError`` or a urllib3 ``ValueError`` at the first call."""

from __future__ import annotations

import math
from typing import TypeVar

from rcsdk._exceptions import UsageError
from rcsdk._urls import check_field

__all__ = [
    "check_agent",
    "check_callable",
    "check_count",
    "check_credential",
    "check_seconds",
    "check_size",
    "check_text",
]

T = TypeVar("T")


def check_text(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise UsageError(f"{name} must be a non-empty str, not {type(value).__name__}")
    return value


def check_callable(name: str, value: T) -> T:
    """A function (a clock, a sleep): a string there fails now, not at the first call."""
    if not callable(value):
        raise UsageError(f"{name} must be callable, not {type(value).__name__}")
    return value


def check_seconds(name: str, value: object, *, zero: bool = True) -> float:
    """A finite number of seconds, not negative (and above 0 unless ``zero``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UsageError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if isinstance(value, int) and abs(value) > 2**53:
        raise UsageError(f"{name} is out of range: {value!r}")
    if not math.isfinite(value) or value < 0 or (value == 0 and not zero):
        bound = ">= 0" if zero else "> 0"
        raise UsageError(f"{name} must be a finite number of seconds {bound}, not {value!r}")
    return float(value)


def check_credential(name: str, value: T) -> T:
    """An app key or secret: no line break or other control character."""
    check_field(name, value)
    return value


def check_agent(value: str | None) -> str | None:
    """A user agent, sent as a header: ASCII, no control character."""
    check_field("user_agent", value)
    if value is not None and not str(value).isascii():
        raise UsageError("user_agent contains a non-ASCII character")
    return value


def check_size(name: str, value: object) -> int:
    """A positive number of bytes."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"{name} must be an integer, not {value!r}")
    if value < 1:
        raise UsageError(f"{name} must be positive, not {value}")
    return value


def check_count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UsageError(f"{name} must be an int >= 0, not {value!r}")
    return value
