"""RingCentral's official Python SDK (``ringcentral``, pinned in the Makefile, installed into
.venv-official by ``make official-python``, not a dependency of rcsdk) runs its auth flows
against ``python -m rcsdk.testing serve``: password and JWT login, the extension read, refresh,
logout, the authorization code flow with a PKCE URL built by hand, and the reuse of a refresh
token inside RingCentral's grace period (and its refusal after it, the clock moved through the
HTTP controls)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from _support import ROOT

PYTHON = ROOT / ".venv-official" / "bin" / "python"
FLOWS = ROOT / "tests" / "official_python_flows.py"


@pytest.fixture(scope="module")
def serve() -> Iterator[dict[str, str]]:
    """`serve` on a free port with the Auth limit off, and the RC_* exports it prints."""
    command = [sys.executable, "-m", "rcsdk.testing", "serve", "--port", "0"]
    process = subprocess.Popen(
        [*command, "--auth-rate-limit", "off"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    exports: dict[str, str] = {}
    lines: list[str] = []
    try:
        for line in process.stdout:
            lines.append(line)
            if line.startswith("export "):
                key, _, value = line.removeprefix("export ").strip().partition("=")
                exports[key] = value.strip("'")
            if line.startswith("listening on "):
                break
        assert lines[-1] == f"listening on {exports['RC_SERVER']} (Ctrl-C to stop)\n", lines
        yield exports
    finally:
        process.terminate()
        process.wait(timeout=10)


def run_flows(env: dict[str, str]) -> dict[str, Any]:
    assert PYTHON.exists(), "run `make official-python`"
    result = subprocess.run(
        [str(PYTHON), str(FLOWS)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    flows: dict[str, Any] = json.loads(result.stdout)
    return flows


@pytest.fixture(scope="module")
def flows(serve: dict[str, str]) -> dict[str, Any]:
    return run_flows(serve)


EXTENSION = {"id": 1234567890, "name": "Local User"}


def test_password_login_and_the_extension_read(flows: dict[str, Any]) -> None:
    assert flows["password"] == {"ok": True, "logged_in": True, "extension": EXTENSION}


def test_jwt_login_refresh_reuse_and_logout(flows: dict[str, Any]) -> None:
    assert flows["jwt_refresh_logout"] == {
        "ok": True,
        "extension": EXTENSION,
        "after_refresh": EXTENSION,
        "rotated": True,
        "old_access_token_status": 401,
        "reuse_returns_the_same_pair": True,
        "logged_in_after_logout": False,
        "token_status_after_logout": 401,
    }


def test_authorization_code_with_a_pkce_url_built_by_hand(flows: dict[str, Any]) -> None:
    assert flows["auth_code_with_pkce"] == {
        "ok": True,
        "redirect_status": 302,
        "state_echoed": True,
        "extension": EXTENSION,
    }


def test_reuse_after_the_grace_period_is_refused(flows: dict[str, Any]) -> None:
    flow = flows["reuse_after_the_grace_period"]
    assert flow["ok"] and flow["clock_status"] == 200
    assert flow["outcome"].startswith("HTTP 400") and "OAU-211" in flow["outcome"]


def test_the_flows_fail_with_a_wrong_secret(serve: dict[str, str]) -> None:
    flows = run_flows({**serve, "RC_APP_SECRET": "not-the-secret"})
    for name, flow in flows.items():
        assert flow["ok"] is False, name
        assert "OAU-146" in flow["error"], flow
