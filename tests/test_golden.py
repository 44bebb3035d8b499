"""Golden records: each fixture spec under tests/golden/ has its generated output checked in,
compared byte for byte, so a template change shows its effect on more than one spec."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from _support import ROOT

GOLDEN = sorted((ROOT / "tests" / "golden").glob("*/spec.yaml"))


def check(spec: Path, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "generator", "--check", "--spec", str(spec), "--out", str(out)],
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


@pytest.mark.parametrize("spec", GOLDEN, ids=lambda p: p.parent.name)
def test_the_golden_python_package_works(spec: Path) -> None:
    """The checked-in output is a working package, not only the bytes of one: it logs in to its
    own local platform and makes its API calls."""
    script = (
        "from rcsdk import RCSDK\n"
        "from rcsdk.testing import LOCAL_CREDENTIALS as C, LocalPlatform\n"
        "with LocalPlatform() as local:\n"
        "    platform = RCSDK(C['RC_APP_KEY'], C['RC_APP_SECRET'], local.url).get_platform()\n"
        "    platform.login_jwt(C['RC_JWT'])\n"
        "    print(platform.read_extension().name)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(spec.parent / "generated")}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=spec.parent, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
