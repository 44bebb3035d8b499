"""schemathesis, driven by generated/openapi.yaml, finds no disagreement with the local platform.

Every check schemathesis has runs on every operation, with a bounded number of examples and a
fixed seed, so a run is reproducible. The OAuth endpoints answer a well-formed request that
names an unknown client, code or token with 400 (RFC 6749 sections 4.1.2.1 and 5.2), and
authorize redirects with an error once it knows where to (a 302), so those statuses count as
a rejection or as an answer to valid data there; everything else is schemathesis's default.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests

from rcsdk.testing import LocalPlatform
from rcsdk.testing._records import ApiError

from _support import CREDS, ROOT, SPEC

SEED = 20261129
MAX_EXAMPLES = 10
SCHEMATHESIS = Path(sys.executable).with_name("st")

CONFIG = """\
[auth.openapi.ClientBasic]
username = "{key}"
password = "{secret}"

[auth.openapi.Bearer]
bearer = "{token}"

[[operations]]
include-path-regex = "^/restapi/oauth/"
checks.positive_data_acceptance.expected-statuses = [200, 302, 400, 401, 403, 429]
checks.negative_data_rejection.expected-statuses = [302, 400, 401, 403, 404, 405, 415, 429]
"""


def run_schemathesis(
    local: LocalPlatform, workdir: Path, *extra: str
) -> subprocess.CompletedProcess[str]:
    login = requests.post(
        local.url + "/restapi/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": CREDS["RC_JWT"],
        },
        auth=(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"]),
        timeout=10,
    )
    token = login.json()["access_token"]
    config = workdir / "schemathesis.toml"
    config.write_text(
        CONFIG.format(key=CREDS["RC_APP_KEY"], secret=CREDS["RC_APP_SECRET"], token=token)
    )
    command = [str(SCHEMATHESIS), "--config-file", str(config), "run"]
    command += [str(ROOT / "generated" / "openapi.yaml"), "--url", local.url, "--checks", "all"]
    command += ["--max-examples", str(MAX_EXAMPLES), "--seed", str(SEED), "--workers", "1"]
    command += ["--generation-database", "none", "--no-color", *extra]
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_local_platform_keeps_the_published_contract(tmp_path: Path) -> None:
    with LocalPlatform(auth_rate_limit=None) as local:
        result = run_schemathesis(local, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 failures" in result.stdout or " passed" in result.stdout
    # One OpenAPI operation per path and method, and one per form variant (POST of a browser's).
    endpoints = len(SPEC.endpoints) + sum(op.form_variant for op in SPEC.operations)
    assert f"{endpoints} selected / {endpoints} total" in result.stdout


def test_a_response_without_a_required_field_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = ApiError.body

    def without_errors(self: ApiError) -> dict[str, Any]:
        body = original(self)
        if self.code == "OAU-146":  # one response: a wrong client secret
            del body["errors"]
        return body

    monkeypatch.setattr(ApiError, "body", without_errors)
    with LocalPlatform(auth_rate_limit=None) as local:
        result = run_schemathesis(local, tmp_path, "--max-failures", "1")
    assert result.returncode != 0
    assert "Response violates schema" in result.stdout, result.stdout[-4000:]
    assert '"errors" is a required property' in result.stdout, result.stdout[-4000:]
