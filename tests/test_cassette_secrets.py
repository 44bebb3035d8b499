"""No cassette holds a secret: not the credentials they were recorded with, not a token."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from rcsdk._constants import SECRET_FIELDS
from rcsdk.testing import LOCAL_CREDENTIALS

from _cassettes import CASSETTES, basic_value

CASSETTE_FILES = sorted(CASSETTES.glob("*.yaml"))
# Shapes of real secrets: Basic/Bearer values, JWTs, and the local platform's token prefixes.
SECRET_SHAPES = [
    re.compile(r"Basic [A-Za-z0-9+/=]{16,}"),
    re.compile(r"Bearer (?!ACCESS_TOKEN_\d)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"eyJ[A-Za-z0-9_-]{10,}\."),
    re.compile(r"\bL[AR][A-Za-z0-9_-]{40,}"),
]
PLACEHOLDER = re.compile(r"[A-Z][A-Z_]*_\d+|REDACTED")


def credentials() -> list[str]:
    creds = LOCAL_CREDENTIALS
    values = [creds[k] for k in ("RC_APP_SECRET", "RC_PASSWORD", "RC_JWT")]
    return [*values, basic_value(creds["RC_APP_KEY"], creds["RC_APP_SECRET"])]


def leaks(text: str) -> list[str]:
    """Every secret, or secret-shaped value, in a cassette's text."""
    found = [secret for secret in credentials() if secret in text]
    found += [m.group(0) for shape in SECRET_SHAPES for m in shape.finditer(text)]
    data = yaml.safe_load(text)
    for interaction in data["interactions"]:
        body = interaction["response"]["body"]["string"]
        try:
            decoded = json.loads(body) if body else {}
        except ValueError:
            continue
        if isinstance(decoded, dict):
            found += [
                f"{key}={value}"
                for key, value in decoded.items()
                if key in SECRET_FIELDS and not PLACEHOLDER.fullmatch(str(value))
            ]
    return found


def test_there_are_cassettes() -> None:
    assert len(CASSETTE_FILES) >= 7


@pytest.mark.parametrize("path", CASSETTE_FILES, ids=lambda p: p.name)
def test_cassette_is_scrubbed(path: Path) -> None:
    assert leaks(path.read_text()) == []


def test_the_scan_finds_leaks(tmp_path: Path) -> None:
    """The scan itself works: a cassette with a token or a credential in it fails it."""
    body = json.dumps({"access_token": "not-a-placeholder", "token_type": "bearer"})
    cassette = {
        "interactions": [
            {
                "request": {"body": f"password={LOCAL_CREDENTIALS['RC_PASSWORD']}"},
                "response": {"body": {"string": body}},
            }
        ]
    }
    found = leaks(yaml.safe_dump(cassette))
    assert LOCAL_CREDENTIALS["RC_PASSWORD"] in found
    assert "access_token=not-a-placeholder" in found
