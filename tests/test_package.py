"""`pip install .` gives a working, typed package in a fresh virtual environment."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from _support import ROOT


def test_pip_install_into_a_fresh_venv(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "generated", source / "generated", ignore=shutil.ignore_patterns("__pycache__")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            str(source),
        ],
        check=True,
        capture_output=True,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    probe = (
        "import importlib.resources, rcsdk, rcsdk.testing; "
        "from rcsdk import RCSDK; "
        "print(rcsdk.__version__, rcsdk.__file__, "
        "importlib.resources.files('rcsdk').joinpath('py.typed').is_file())"
    )
    result = subprocess.run(
        [str(python), "-c", probe], cwd=elsewhere, capture_output=True, text=True, check=True
    )
    version, location, typed = result.stdout.split()
    expected = re.search(
        r'__version__ = "(.+)"', (ROOT / "generated/rcsdk/_constants.py").read_text()
    )
    assert expected is not None and version == expected.group(1)
    assert Path(location).is_relative_to(venv)
    assert typed == "True"
