# Copied verbatim from templates/rcsdk/_redact.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_redact.py and run `make generate`.
"""Keeping secrets out of every message, repr and log line rcsdk writes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import Any

from rcsdk._constants import SECRET_FIELDS

REDACTED = "[REDACTED]"
SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})


class Redactor:
    """Remembers the secrets a platform has seen and blanks them out of any text."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()

    def add(self, *values: str | None) -> None:
        with self._lock:
            # Very short values would blank out ordinary words; real secrets are longer.
            self._secrets.update(v for v in values if v and len(v) >= 4)

    def text(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return text


def form(fields: Mapping[str, str] | None) -> dict[str, str]:
    """A form (or query) with its secret fields blanked, for logs."""
    return {k: (REDACTED if k in SECRET_FIELDS else v) for k, v in (fields or {}).items()}


def headers(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers with credentials blanked (the scheme of Authorization is kept)."""
    out: dict[str, str] = {}
    for key, value in items:
        if key.lower() in SECRET_HEADERS:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            out[key] = f"{scheme} {REDACTED}".strip()
        else:
            out[key] = value
    return out


def json_value(value: Any) -> Any:
    """A decoded JSON body with every secret field blanked, at any depth."""
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if k in SECRET_FIELDS and v is not None else json_value(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [json_value(v) for v in value]
    return value


def body(content: bytes, limit: int = 2000) -> str:
    """A response body for a debug log: JSON with secrets blanked, anything else cut short."""
    if not content:
        return "(empty)"
    try:
        text = json.dumps(json_value(json.loads(content)))
    except (ValueError, RecursionError):
        return f"({len(content)} bytes, not JSON)"
    return text if len(text) <= limit else text[:limit] + "..."
