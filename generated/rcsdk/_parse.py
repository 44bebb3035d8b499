# Copied verbatim from templates/rcsdk/_parse.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_parse.py and run `make generate`.
"""Lenient readers of JSON values, for the generated models (``rcsdk._models``).

RingCentral's real responses have lacked fields the spec calls required, sent ids as strings or
numbers, and added fields: a missing or mistyped value reads as ``None`` (or empty), never as an
exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["as_bool", "as_float", "as_int", "as_items", "as_mapping", "as_str"]


def as_str(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond any float
        return None


def as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_items(value: object) -> list[Mapping[str, Any]]:
    """The objects of a JSON list (anything else in it is skipped)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
