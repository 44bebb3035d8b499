"""The JavaScript client against the Python one: parity by execution on the cassettes (with a
mutation that must fail), auth data and FileTokenStore files across the two runtimes, and the
npm package as a fresh project installs it."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from rcsdk import RCSDK
from rcsdk.testing import LocalPlatform

from _cross import check_file_store_shared_with_python
from _parity import CLIENTS
from _support import CREDS, ROOT

GENERATED = ROOT / "generated"
JS = ROOT / "tests" / "js"


@pytest.fixture(scope="module")
def js_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The JavaScript package built from generated/ (once for this module)."""
    return CLIENTS["javascript"].build(GENERATED, tmp_path_factory.mktemp("js"))


# --- one auth data format, both ways -----------------------------------------------------------


@pytest.fixture
def local() -> Iterator[LocalPlatform]:
    with LocalPlatform(auth_rate_limit=None) as platform:
        yield platform


def node(js_build: Path, local: LocalPlatform, *args: str, **kwargs: object) -> dict[str, object]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RC_")},
        **local.env(),
        "RCSDK_DIST": str(js_build / "dist" / "index.js"),
    }
    env.update({k: str(v) for k, v in kwargs.pop("extra_env", {}).items()})  # type: ignore[attr-defined]
    result = subprocess.run(
        ["node", str(JS / "auth_data.mjs"), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,  # type: ignore[call-overload]
    )
    assert result.returncode == 0, result.stderr[-800:]
    out: dict[str, object] = json.loads(result.stdout)
    return out


def test_auth_data_round_trips_python_to_javascript_and_back(
    js_build: Path, local: LocalPlatform
) -> None:
    python = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    python.login_jwt(CREDS["RC_JWT"])
    extension_id = python.read_extension().id
    data = python.get_auth_data()
    answer = node(js_build, local, "set-call-get", input=json.dumps(data))
    assert answer["extension"] == extension_id
    back = answer["auth"]
    assert isinstance(back, dict) and back.keys() == data.keys()
    assert back["token"]["refresh_token"] != data["token"]["refresh_token"]  # JS rotated it
    # Python takes what JavaScript wrote, and calls with it (the old tokens are dead).
    again = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    again.set_auth_data(back)
    assert again.read_extension().name
    assert again.get_auth_data() == back


def test_a_file_token_store_is_shared_by_both_runtimes(
    js_build: Path, local: LocalPlatform, tmp_path: Path
) -> None:
    check_file_store_shared_with_python(
        lambda step, env: node(js_build, local, step, extra_env=dict(env)), local, tmp_path
    )


# --- the package, as a user installs it ----------------------------------------------------------


def test_the_packed_tarball_installs_and_imports_in_a_fresh_project(
    js_build: Path, tmp_path: Path
) -> None:
    pack = subprocess.run(
        ["npm", "pack", "--json", "--pack-destination", str(tmp_path)],
        cwd=js_build,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    tarball = tmp_path / json.loads(pack.stdout)[0]["filename"]
    files = {f["path"] for f in json.loads(pack.stdout)[0]["files"]}
    assert {"dist/index.js", "dist/index.d.ts", "package.json"} <= files
    assert {"dist/cjs/index.js", "dist/cjs/index.d.ts", "dist/cjs/package.json"} <= files
    assert not any(f.startswith("node_modules") for f in files)
    project = tmp_path / "app"
    project.mkdir()
    (project / "package.json").write_text('{"name": "app", "private": true, "type": "module"}')
    install = ["npm", "install", "--offline", "--no-audit", "--no-fund", str(tarball)]
    subprocess.run(install, cwd=project, check=True, capture_output=True, timeout=120)
    manifest = json.loads((project / "node_modules" / "rcsdk" / "package.json").read_text())
    assert not manifest.get("dependencies")  # zero runtime dependencies
    script = (
        'import { RCSDK, InvalidGrantError, APIStatusError } from "rcsdk";\n'
        'const sdk = new RCSDK({ appKey: "k", appSecret: "s",'
        ' server: "https://platform.example" });\n'
        "const platform = sdk.getPlatform();\n"
        'console.log(typeof platform.loginJwt, new InvalidGrantError("x", { statusCode: 400 })'
        " instanceof APIStatusError, String(platform));\n"
    )
    (project / "main.mjs").write_text(script)
    run = subprocess.run(
        ["node", "main.mjs"], cwd=project, capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        "function",
        "true",
        'Platform(appKey="k",',
        'server="https://platform.example")',
    ]
