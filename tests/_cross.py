"""Checks every client language shares with Python: what one runtime writes, another uses."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from rcsdk import RCSDK, FileTokenStore
from rcsdk.testing import LocalPlatform

from _support import CREDS

# Runs one of a language's scripted steps ("store-call": call the API with the FileTokenStore
# in RC_STORE) against the local platform; returns what the script reported.
Step = Callable[[str, Mapping[str, object]], Mapping[str, Any]]


def check_file_store_shared_with_python(step: Step, local: LocalPlatform, tmp_path: Path) -> None:
    """Python logs in into a FileTokenStore; the other runtime calls with it (refreshing and
    writing it back, 0600); a new Python platform reads what it wrote and calls with it."""
    path = tmp_path / "tokens.json"
    python = RCSDK(
        CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(path)
    ).get_platform()
    python.login_jwt(CREDS["RC_JWT"])
    written = json.loads(path.read_text())
    answer = step("store-call", {"RC_STORE": path})
    stored = json.loads(path.read_text())
    assert stored == answer["auth"]
    assert stored["token"]["refresh_token"] != written["token"]["refresh_token"]
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    reader = RCSDK(
        CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(path)
    ).get_platform()
    assert reader.read_extension().name
    assert reader.get_auth_data() == stored
