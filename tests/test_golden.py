"""Golden records: each fixture spec under tests/golden/ has what it renders checked in, compared
byte for byte, so a template change shows its effect on more than one spec. Static runtime copies
(the same for every spec) are checked by the hash its manifest lists, not by a second copy."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import build, load, render

from _support import ROOT

GOLDEN = sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))


def check(spec: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "generator", "--check", "--hash-static", "--spec", str(spec)]
    return subprocess.run(
        [*command, "--out", str(out), *extra],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def test_there_is_a_golden_fixture() -> None:
    assert GOLDEN, "tests/golden/*/spec.yaml"


@pytest.mark.parametrize("spec", GOLDEN, ids=lambda p: p.parent.name)
def test_the_checked_in_output_is_what_the_generator_makes(spec: Path) -> None:
    result = check(spec, spec.parent / "generated")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_changed_byte_fails(tmp_path: Path) -> None:
    spec = GOLDEN[0]
    copy = tmp_path / "generated"
    subprocess.run(["cp", "-r", str(spec.parent / "generated"), str(copy)], check=True)
    target = copy / "rcsdk" / "_constants.py"
    target.write_text(target.read_text().replace("10.0", "11.0", 1))
    result = check(spec, copy)
    assert result.returncode == 1
    assert "generated/rcsdk/_constants.py (fresh)" in result.stdout


def test_only_rendered_files_are_checked_in_and_static_ones_by_hash() -> None:
    generated = GOLDEN[0].parent / "generated"
    manifest = json.loads((generated / ".manifest.json").read_text())
    listed = {entry["path"] for entry in manifest["files"]}
    on_disk = {p.relative_to(generated).as_posix() for p in generated.rglob("*") if p.is_file()}
    spec = build.build(load.load(GOLDEN[0], "spec/spec.yaml"))
    static: set[str] = set()
    render.render(spec, ROOT / "templates", static_paths=static)  # what the generator copies
    assert {"rcsdk/_session.py", "js/src/session.ts", "rcsdk/store/save.lua"} <= static
    assert not static & on_disk
    assert on_disk == (listed - static) | {".manifest.json"}


def test_a_changed_static_file_fails_by_its_hash(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("node_modules"))
    vendor = "docs/_vendor/node_modules"  # the docs page's search library, installed by npm
    (templates / vendor).symlink_to(ROOT / "templates" / vendor)
    session = templates / "rcsdk" / "_session.py"
    session.write_text(session.read_text() + "\n# one more line\n")
    spec = GOLDEN[0]
    result = check(spec, spec.parent / "generated", "--templates", str(templates))
    assert result.returncode == 1
    assert "generated/.manifest.json (fresh)" in result.stdout


@pytest.mark.parametrize("spec", GOLDEN, ids=lambda p: p.parent.name)
def test_the_golden_python_package_works(spec: Path, tmp_path: Path) -> None:
    """The golden spec makes a working package, not only the bytes of one: generated whole (its
    static files too), it logs in to its own local platform and makes its API calls."""
    out = tmp_path / "generated"
    subprocess.run(
        [sys.executable, "-m", "generator", "-q", "--spec", str(spec), "--out", str(out)],
        cwd=ROOT,
        check=True,
    )
    script = (
        "from rcsdk import RCSDK\n"
        "from rcsdk.testing import LOCAL_CREDENTIALS as C, LocalPlatform\n"
        "with LocalPlatform() as local:\n"
        "    platform = RCSDK(C['RC_APP_KEY'], C['RC_APP_SECRET'], local.url).get_platform()\n"
        "    platform.login_jwt(C['RC_JWT'])\n"
        "    print(platform.read_extension().name)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(out)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
