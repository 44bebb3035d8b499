# Copied verbatim from templates/rcsdk/_redact.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_redact.py and run `make generate`.
"""Keeping secrets out of every message, repr and log line rcsdk writes.

Two layers:

* by name: form fields, query parameters and JSON keys that hold secrets (``password``,
  ``access_token``, ``client_secret``, ``jwt``, ...) and the credentials of ``Authorization``
  and cookie headers are blanked wherever they appear, whatever their value;
* by value: a ``Redactor`` remembers the secrets one platform has seen and blanks them, and
  the forms a server may echo them in (URL-encoded, form-encoded, JSON-escaped), out of any text.
  Credentials (``add``) are kept for the platform's life; tokens (``add_tokens``) only while they
  are live or among the last ``TOKEN_GENERATIONS`` rotations, so the set stays small.
"""

from __future__ import annotations

import collections
import functools
import json
import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from rcsdk._constants import (
    EXTRA_SECRET_NAMES,
    SECRET_FIELDS,
    SECRET_HEADERS,
    TOKEN_GENERATIONS,
)

REDACTED = "[REDACTED]"
SECRET_NAMES = SECRET_FIELDS | EXTRA_SECRET_NAMES
"""Field, parameter and key names whose values are never shown (compared case-insensitively)."""
SHORT = 6
"""Secrets shorter than this are blanked only where they stand alone, not inside words."""


# "Bearer abc1", "Basic YWI6Yw==": the scheme stays, the credential goes. A credential has a
# digit, a symbol of base64/token alphabets or mixed case, unlike "Basic authentication".
# Patterns are compiled on first use, not at import (compiling is most of an import's cost).
@functools.cache
def _auth_value() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """``Bearer``/``Basic`` and what follows; what makes that look like a credential."""
    return (
        re.compile(r"\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)", re.IGNORECASE),
        re.compile(r"[0-9._~+/=-]|[a-z][A-Z]|^[A-Z]{2,}$"),
    )


@functools.cache
def _named_value() -> re.Pattern[str]:
    """name=value in a URL query or form, "name": "value" in JSON text."""
    names = "|".join(sorted((re.escape(n) for n in SECRET_NAMES), key=len, reverse=True))
    return re.compile(
        rf"(?i)(\b(?:{names})=)[^&\s#\"']*|(\"(?:{names})\"\s*:\s*\")(?:[^\"\\]|\\.)*(\")"
    )


def is_secret_name(name: object) -> bool:
    return isinstance(name, str) and name.lower() in SECRET_NAMES


class Redactor:
    """Remembers the secrets a platform has seen and blanks them out of any text."""

    def __init__(self, generations: int = TOKEN_GENERATIONS) -> None:
        self._lock = threading.Lock()
        self._credentials: set[str] = set()
        self._generations: collections.deque[frozenset[str]] = collections.deque(
            maxlen=generations + 1
        )
        self._forms: tuple[tuple[str, ...], re.Pattern[str] | None] | None = None

    def add(self, *values: str | None) -> None:
        """Credentials: the app secret, passwords, JWTs, codes. Kept for the Redactor's life."""
        fresh = {v for v in values if isinstance(v, str) and v} - self._credentials
        if fresh:
            with self._lock:
                self._credentials |= fresh
                self._forms = None

    def add_tokens(self, *values: str | None) -> None:
        """Tokens issued together (one rotation). The last few rotations are kept."""
        generation = frozenset(v for v in values if isinstance(v, str) and v)
        if not generation:
            return
        with self._lock:
            if generation in self._generations:
                return
            self._generations.append(generation)
            self._forms = None

    def secrets(self) -> frozenset[str]:
        """Every value this Redactor blanks (without the encoded forms)."""
        with self._lock:
            return frozenset(self._credentials.union(*self._generations))

    def _compiled(self) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
        """The long forms, longest first, and one pattern for the short ones.

        A long form is replaced as plain text (``str.replace``: linear in the text, whatever
        the secret's size); only short forms need a pattern, for their lookarounds. A pattern
        of every form took seconds to compile for a 1 MB secret.
        """
        with self._lock:
            if self._forms is None:
                forms: set[str] = set()
                for secret in self._credentials.union(*self._generations):
                    forms.update(_encodings(secret))
                ordered = sorted(forms, key=lambda form: (-len(form), form))
                short = [
                    rf"(?<![\w%\\]){re.escape(form)}(?!\w)" for form in ordered if len(form) < SHORT
                ]
                self._forms = (
                    tuple(form for form in ordered if len(form) >= SHORT),
                    re.compile("|".join(short)) if short else None,
                )
            return self._forms

    def text(self, text: str) -> str:
        """``text`` with every known secret (and every named secret value) blanked."""
        text = named(text)
        long, short = self._compiled()
        for form in long:
            text = text.replace(form, REDACTED)
        return short.sub(REDACTED, text) if short is not None else text

    def value(self, value: Any, depth: int = 0) -> Any:
        """A decoded JSON value with secret keys and every known secret blanked, at any depth."""
        if depth > 64:
            return REDACTED
        if isinstance(value, Mapping):
            return {
                k: (REDACTED if is_secret_name(k) and v is not None else self.value(v, depth + 1))
                for k, v in value.items()
            }
        if isinstance(value, (list, tuple)):
            return [self.value(v, depth + 1) for v in value]
        if isinstance(value, str):
            return self.text(value)
        return value


def _encodings(secret: str) -> set[str]:
    """The ways a server may echo ``secret`` back: as is, URL- or form-encoded, JSON-escaped.

    A lone surrogate (which JSON can carry in a token) is encoded as U+FFFD in the URL forms,
    as a UTF-8 encoder that does not fail writes it.
    """
    forms = {secret}
    utf8 = _LONE_SURROGATE.sub("\ufffd", secret)
    for quoted in (urllib.parse.quote(utf8, safe=""), urllib.parse.quote_plus(utf8)):
        forms.add(quoted)
        forms.add(re.sub(r"%[0-9A-F]{2}", lambda m: m.group(0).lower(), quoted))
    forms.add(json.dumps(secret)[1:-1])
    forms.add(json.dumps(secret, ensure_ascii=False)[1:-1])
    return {f for f in forms if f}


_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
"""In a Python string every surrogate code point is a lone one (pairs are decoded)."""


def named(text: str) -> str:
    """``text`` with the values of secret-named parameters and Authorization credentials blanked."""

    auth_value, credential_like = _auth_value()

    def credential(match: re.Match[str]) -> str:
        if credential_like.search(match.group(3)) is None:
            return match.group(0)
        return f"{match.group(1)}{match.group(2)}{REDACTED}"

    text = auth_value.sub(credential, text)

    def blank(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return f"{match.group(1)}{REDACTED}"
        return f"{match.group(2)}{REDACTED}{match.group(3)}"

    return _named_value().sub(blank, text)


def form(fields: Mapping[str, Any] | None) -> dict[str, Any]:
    """A form (or query) with its secret fields blanked, for logs."""
    return {k: (REDACTED if is_secret_name(k) else v) for k, v in (fields or {}).items()}


def url(address: str) -> str:
    """A URL with credentials (``user:pw@``) and secret query parameters blanked."""
    try:
        parts = urllib.parse.urlsplit(address)
    except ValueError:
        return named(address)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
    query = parts.query
    if query:
        pairs = urllib.parse.parse_qsl(query, keep_blank_values=True)
        query = urllib.parse.urlencode(
            [(k, REDACTED if is_secret_name(k) else v) for k, v in pairs], safe="[]"
        )
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc, query=query))


def headers(
    items: Iterable[tuple[str, str]],
    mask: Callable[[str, str], str] | None = None,
) -> dict[str, str]:
    """Headers with credentials blanked (the scheme of Authorization is kept).

    ``mask(scheme, credential)`` chooses the replacement of a credential (``REDACTED`` by
    default); the cassettes use it to put numbered placeholders in.
    """
    out: dict[str, str] = {}
    for key, value in items:
        if key.lower() in SECRET_HEADERS:
            scheme, _, secret = value.partition(" ") if " " in value else ("", "", value)
            hidden = mask(scheme, secret) if mask is not None else REDACTED
            out[key] = f"{scheme} {hidden}".strip()
        else:
            out[key] = value
    return out


def json_value(value: Any, depth: int = 0) -> Any:
    """A decoded JSON body with every secret field blanked, at any depth."""
    if depth > 64:
        return REDACTED
    if isinstance(value, Mapping):
        return {
            k: (REDACTED if is_secret_name(k) and v is not None else json_value(v, depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [json_value(v, depth + 1) for v in value]
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
