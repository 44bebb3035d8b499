"""A hostile spec: the real one with every piece of prose made awkward for code generation.

Every description, summary, message and title gains quotes, backslashes, triple quotes, Jinja
delimiters and non-ASCII; a schema gets a lower-case name; a second API operation appears. What
is generated from it must still pass ruff and mypy --strict and work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from _support import ROOT

HOSTILE = ' He said "hi" \\ C:\\new\\table """triple""" {{ spec }} {% if %} ünïcødé — ☎ \'s\' "'
PROSE = {"description", "summary", "message", "deprecated", "retired", "title"}


def _poison(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (v + HOSTILE if k in PROSE and isinstance(v, str) else _poison(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_poison(v) for v in value]
    return value


def hostile_spec() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "spec" / "ringcentral-auth.yaml").read_text())
    data = _poison(data)
    data["schemas"]["phoneNumberInfo"] = {
        "description": "A phone number of the extension" + HOSTILE,
        "fields": [
            {"name": "id", "type": "integer", "description": "Id" + HOSTILE},
            {"name": "uri", "type": "string", "description": "URI" + HOSTILE},
            {"name": "phone_number", "type": "string", "description": "E.164" + HOSTILE},
        ],
    }
    extension = next(op for op in data["operations"] if op["id"] == "readExtension")
    second = {
        **extension,
        "id": "readPhoneNumber",
        "summary": "Read a phone number" + HOSTILE,
        "path": extension["path"] + "/phone-number",
        "response": "phoneNumberInfo",
        "example": {**extension["example"], "response": {"id": 1, "uri": '/x\\"y'}},
    }
    data["operations"].append(second)
    return data


def write_hostile_spec(folder: Path) -> Path:
    path = folder / "spec" / "hostile.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(hostile_spec(), sort_keys=False, allow_unicode=True))
    return path
