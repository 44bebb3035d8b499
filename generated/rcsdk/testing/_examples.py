# Copied verbatim from templates/rcsdk/testing/_examples.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/testing/_examples.py and run `make generate`.
"""What the local platform answers to an API call: the spec's example for the operation, with
the caller's ids and the platform's own URL, checked against the operation's schema.

The check is strict, as ``additionalProperties: false`` would be: a field the schema lacks, a
missing required field, a wrong type, a value outside an enum or a malformed uri, email or
date-time makes the answer a 500 instead of a wrong shape the client would accept.
"""

from __future__ import annotations

import json
import re
from typing import Any

from rcsdk.testing._records import ApiError, User
from rcsdk.testing._tables import API_EXAMPLES, EXAMPLE_SERVER, SCHEMAS

# The ids the spec's examples use are the local platform's default user's.
_EXAMPLE_IDS = {str(User("", "").account_id), str(User("", "").extension_id)}
_SEGMENT = re.compile(r"/(account|extension)/([^/?#]+)")
_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
}
_FORMATS = {
    "uri": re.compile(r"[a-z][a-z0-9+.-]*://[^\s/]+\S*"),
    "email": re.compile(r"[^@\s]+@[^@\s]+"),
    "date-time": re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"),
}


def answer(op_id: str, user: User, server: str) -> tuple[int, dict[str, Any]]:
    """The status and body of operation ``op_id`` for ``user``, on a platform at ``server``."""
    status, schema, text = API_EXAMPLES[op_id]
    body = substitute(json.loads(text), user, server, ())
    if schema is not None:
        problems = validate(body, schema)
        if problems:
            raise ApiError(
                500, None, f"the example of {op_id} breaks {schema}: {problems[0]}", "CMN-201"
            )
    return status, body if isinstance(body, dict) else {}


def substitute(value: Any, user: User, server: str, path: tuple[str, ...]) -> Any:
    """The example ``value`` with the example server's URL replaced by ``server`` and the
    example's account and extension ids by ``user``'s (an ``id`` under ``account`` is the
    account's; any other is the extension's)."""
    if isinstance(value, dict):
        return {k: substitute(v, user, server, (*path, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, user, server, path) for v in value]
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return value
    if str(value) in _EXAMPLE_IDS:
        own = user.account_id if "account" in path else user.extension_id
        return int(own) if isinstance(value, int) else str(own)
    if isinstance(value, str):
        if value.startswith(EXAMPLE_SERVER):
            value = server + value[len(EXAMPLE_SERVER) :]

        def own_id(match: re.Match[str]) -> str:
            if match.group(2) not in _EXAMPLE_IDS:
                return match.group(0)
            own = user.account_id if match.group(1) == "account" else user.extension_id
            return f"/{match.group(1)}/{own}"

        return _SEGMENT.sub(own_id, value)
    return value


def validate(value: Any, schema: str, where: str = "$") -> list[str]:
    """Every way ``value`` differs from ``schema`` (empty: it fits exactly)."""
    if not isinstance(value, dict):
        return [f"{where}: expected an object ({schema})"]
    fields = SCHEMAS[schema]
    problems = [f"{where}.{key}: not a field of {schema}" for key in value if key not in fields]
    for name, field in fields.items():
        here = f"{where}.{name}"
        if name not in value:
            if field["required"]:
                problems.append(f"{here}: required by {schema}")
            continue
        item = value[name]
        if field["type"] == "object":
            problems += validate(item, field["schema"], here)
        elif field["type"] == "array":
            if not isinstance(item, list):
                problems.append(f"{here}: expected an array")
                continue
            for index, element in enumerate(item):
                problems += validate(element, field["schema"], f"{here}[{index}]")
        else:
            problems += _scalar(item, field, here)
    return problems


def _scalar(item: Any, field: dict[str, Any], here: str) -> list[str]:
    kinds = _SCALARS[field["type"]]
    if not isinstance(item, kinds) or (isinstance(item, bool) and bool not in kinds):
        return [f"{here}: expected {field['type']}, got {type(item).__name__}"]
    if field["enum"] and item not in field["enum"]:
        return [f"{here}: {item!r} is not one of {field['enum']}"]
    pattern = _FORMATS.get(field["format"] or "")
    if pattern is not None and not pattern.fullmatch(str(item)):
        return [f"{here}: {item!r} is not a {field['format']}"]
    return []
