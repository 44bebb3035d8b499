"""One operation is one spec edit. The golden spec has an operation the real spec lacks, and its
checked-in output carries it everywhere; an operation nobody here has seen, added to a copy of
the real spec, is generated into a temporary folder and works there: its Python method and
scenario against its own local platform (serving the spec's example), its cURL snippet, its
docs section with every tab, its parity row, OpenAPI path and scenario."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator import build, load

from _docs import code_blocks
from _support import ROOT, SPEC

GOLDEN = ROOT / "tests" / "golden" / "small"
LANGUAGES = ("javascript", "php", "python", "shell")

# The unseen operation: an authenticated GET with two path parameters, a response schema with a
# nested object, and an example. Only these lines are added to a copy of the spec.
SCHEMAS = """\
  PresenceInfo:
    description: The presence of an extension (a schema only this test has).
    fields:
      - name: presenceStatus
        type: string
        required: true
        enum: [Offline, Busy, Available]
        description: Aggregated presence.
      - name: extension
        type: object
        ref: PresenceExtension
        description: The extension it is about.
  PresenceExtension:
    description: The extension a presence is about.
    fields:
      - name: id
        type: integer
        description: Extension id.
      - name: uri
        type: string
        format: uri
        description: Canonical URI of the extension.
"""
OPERATION = """\
  - id: readPresence
    summary: Read the presence of the current user
    description: A GET that no test, template or runner here names.
    method: GET
    path: /restapi/v1.0/account/{accountId}/extension/{extensionId}/presence
    kind: api
    after: loginJwt
    params:
      - name: accountId
        in: path
        type: string
        default: "~"
        description: Account id, or `~` for the token's account.
      - name: extensionId
        in: path
        type: string
        default: "~"
        description: Extension id, or `~` for the token's extension.
    response: PresenceInfo
    errors: [OAU-128, CMN-405, CMN-102]
    example:
      request: {}
      status: 200
      response:
        presenceStatus: Available
        extension:
          id: 1234567890
          uri: http://127.0.0.1:8089/restapi/v1.0/account/1234567890/extension/1234567890

"""


def with_new_operation(text: str) -> str:
    """The spec text with SCHEMAS and OPERATION added (nothing else changes)."""
    text = text.replace("\nparam_sets:\n", "\n" + SCHEMAS + "\nparam_sets:\n", 1)
    return text.replace("\nexceptions:\n", "\n" + OPERATION + "exceptions:\n", 1)


def only_in_golden() -> list[str]:
    golden = build.build(load.load(GOLDEN / "spec.yaml", "spec/spec.yaml"))
    return [op.id for op in golden.operations if op.id not in {o.id for o in SPEC.operations}]


def carried(generated: Path, op_id: str) -> list[str]:
    """Where an operation is missing from a generated tree (empty: it is everywhere)."""
    problems = []
    rows = {r["id"]: r for r in json.loads((generated / "parity.json").read_text())["operations"]}
    row = rows.get(op_id)
    if row is None:
        return [f"{op_id}: no parity row"]
    op = build.build(load.load(generated.parent / "spec.yaml", "spec/spec.yaml")).operation(op_id)
    files = {
        "python": ("rcsdk/_platform.py", f"    def {op.python_name}("),
        "javascript": ("js/src/platform.ts", f"  async {row['javascript'].split('.')[1]}("),
        "php": ("php/src/Platform.php", f"    public function {row['php'].split('::')[1]}("),
        "local platform": ("rcsdk/testing/_tables.py", f'    "{op.id}": ('),
        "OpenAPI": ("openapi.yaml", f"  {op.path}:\n"),
        "cURL": (row["curl"], f"{op.method} {op.path}"),
    }
    for where, (file, needle) in files.items():
        if needle not in (generated / file).read_text():
            problems.append(f"{op_id}: not in {where} ({file})")
    docs = (generated / "docs" / "index.md").read_text()
    section = docs.split(f'<a id="{op.anchor}"></a>', 1)[-1].split('\n<a id="', 1)[0]
    if f"`{op.method} {op.path}`" not in section:
        problems.append(f"{op_id}: the docs section has no endpoint line")
    if "Example response" not in section:
        problems.append(f"{op_id}: the docs section has no example response")
    for language in LANGUAGES:
        if not code_blocks(section, language):
            problems.append(f"{op_id}: the docs section has no {language} tab")
    scenarios = json.loads((generated / "scenarios.json").read_text())["scenarios"]
    if op.kind != "browser" and op_id not in {s["operation"] for s in scenarios}:
        problems.append(f"{op_id}: no scenario")
    return problems


def test_the_golden_operation_is_everywhere() -> None:
    ops = only_in_golden()
    assert ops, "the golden spec should have an operation the real spec lacks"
    for op_id in ops:
        assert carried(GOLDEN / "generated", op_id) == []


def test_a_missing_piece_is_noticed(tmp_path: Path) -> None:
    """carried() can fail: the golden tree without the operation's snippet."""
    op_id = only_in_golden()[0]
    copy = tmp_path / "small"
    subprocess.run(["cp", "-r", str(GOLDEN), str(copy)], check=True)
    (copy / "generated" / "openapi.yaml").write_text("openapi: 3.1.0\n")
    assert carried(copy / "generated", op_id) == [f"{op_id}: not in OpenAPI (openapi.yaml)"]


@pytest.fixture(scope="module")
def unseen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real spec with the unseen operation, generated into a temporary folder."""
    root = tmp_path_factory.mktemp("unseen")
    spec = root / "spec.yaml"
    spec.write_text(with_new_operation((ROOT / "spec" / "ringcentral-auth.yaml").read_text()))
    command = [sys.executable, "-m", "generator", "-q", "--spec", str(spec)]
    result = subprocess.run(
        [*command, "--out", str(root / "generated")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return root / "generated"


def test_the_unseen_operation_is_everywhere(unseen: Path) -> None:
    assert "readPresence" not in {op.id for op in SPEC.operations}
    assert carried(unseen, "readPresence") == []


# Runs the new operation's generated scenario with the generated package against the package's
# own local platform, then its cURL snippet after the JWT login snippet.
RUN = """\
import json, os, subprocess, sys
from pathlib import Path
import rcsdk
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform
from _scenarios import load, run

generated = Path(sys.argv[1])
assert Path(rcsdk.__file__).is_relative_to(generated), rcsdk.__file__
scenario = next(s for s in load(generated)["scenarios"] if s["operation"] == "readPresence")
with LocalPlatform(auth_rate_limit=None) as local:
    platform = rcsdk.RCSDK(
        LOCAL_CREDENTIALS["RC_APP_KEY"], LOCAL_CREDENTIALS["RC_APP_SECRET"], local.url
    ).get_platform()
    result = run(scenario, platform, LOCAL_CREDENTIALS)
    curl = subprocess.run(
        ["bash", "-c", f". {generated}/curl/login-jwt.sh > /dev/null && "
         f". {generated}/curl/read-presence.sh"],
        env={**os.environ, **local.env()}, capture_output=True, text=True, check=True,
    )
    print(json.dumps({"python": result.raw, "curl": json.loads(curl.stdout), "url": local.url}))
"""


def test_the_unseen_operation_runs(unseen: Path) -> None:
    env = {**os.environ, "PYTHONPATH": f"{unseen}{os.pathsep}{ROOT / 'tests'}"}
    result = subprocess.run(
        [sys.executable, "-c", RUN, str(unseen)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    answers = json.loads(result.stdout)
    example = yaml.safe_load(OPERATION)[0]["example"]["response"]
    example["extension"]["uri"] = example["extension"]["uri"].replace(
        "http://127.0.0.1:8089", answers["url"]
    )
    assert answers["python"] == example
    assert answers["curl"] == example
