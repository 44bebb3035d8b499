"""The guides stay true: the README (short, for users, every number in its prose checked, every
link resolving), ARCHITECTURE.md's concept -> file table against the runtime files, the files
CONTRIBUTING.md names, and the exports the README and PRODUCTION.md show, pasted into bash.

What the README's code does is run by tests/test_readme.py.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from rcsdk import PRODUCTION_SERVER

from _support import ROOT

README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"
RUNTIMES = {  # the table's columns, and where their files live
    "Python": ROOT / "templates" / "rcsdk",
    "JavaScript": ROOT / "templates" / "js" / "src",
    "PHP": ROOT / "templates" / "php" / "src",
    "Go": ROOT / "templates" / "go",
}
# Guides that other work writes (security, fleet, bench): linked from here, checked once there.
ELSEWHERE = {"docs/SECURITY.md", "docs/FLEET.md", "docs/BENCH.md"}


def prose(markdown: str) -> str:
    """The text outside fenced code blocks and inline code."""
    text = re.sub(r"^```.*?^```$", "", markdown, flags=re.M | re.S)
    return re.sub(r"`[^`\n]*`", "", text)


def test_the_readme_is_short() -> None:
    assert len(README.splitlines()) <= 162


def test_every_number_in_the_readme_prose_is_checked_here() -> None:
    """A figure in prose drifts unless something checks it: each number the README's text holds
    is one of these, each compared with where it comes from."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    package = json.loads((ROOT / "generated" / "js" / "package.json").read_text())
    composer = json.loads((ROOT / "generated" / "php" / "composer.json").read_text())
    checked = {
        "3.10": 'requires-python = ">=3.10"' in pyproject,
        "18": package["engines"]["node"] == ">=18",
        "8.2": composer["require"]["php"] == ">=8.2",
        "1.22": "\ngo 1.22\n" in (ROOT / "generated" / "go" / "go.mod").read_text(),
    }
    numbers = set(re.findall(r"(?<![\w.])\d+(?:\.\d+)*", prose(README)))
    assert numbers == set(checked), numbers ^ set(checked)
    assert all(checked.values()), checked


@pytest.mark.parametrize("guide", ["README.md", "docs/PRODUCTION.md", "docs/CONTRIBUTING.md"])
def test_every_local_link_resolves(guide: str) -> None:
    path = ROOT / guide
    for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", path.read_text()):
        resolved = (path.parent / target).resolve()
        name = resolved.relative_to(ROOT).as_posix()
        assert resolved.exists() or name in ELSEWHERE, f"{guide}: {target}"


@pytest.mark.parametrize("guide", ["README.md", "docs/PRODUCTION.md"])
def test_the_exports_work_as_pasted(guide: str) -> None:
    """Pasted into bash as they stand, the exports set every variable the quickstarts read, to
    the text shown (no bracket or quote left in a value); the server is production."""
    text = (ROOT / guide).read_text()
    (block,) = [b for b in re.findall(r"^```sh\n(.*?)^```$", text, re.M | re.S) if "export" in b]
    result = subprocess.run(
        ["bash", "-c", f"set -eu\n{block}\nenv"],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    for name in ("RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET", "RC_JWT"):
        assert re.fullmatch(r"[\w:/.-]+", env[name]), (name, env[name])
        assert f"export {name}={env[name]}\n" in block
    assert env["RC_SERVER"] == PRODUCTION_SERVER


# --- ARCHITECTURE.md's concept -> file table ----------------------------------------------------


def concept_table() -> list[dict[str, list[str]]]:
    """The rows of the table, each language's cell as its list of file names."""
    text = (DOCS / "ARCHITECTURE.md").read_text()
    table = text.split("## The runtimes: concept → file", 1)[1].split("\n\n", 2)[2]
    lines = [line for line in table.split("\n\n", 1)[0].splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["concept", *RUNTIMES], header
    rows = []
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        rows.append(
            {lang: re.findall(r"`([^`]+)`", cell) for lang, cell in zip(header, cells, strict=True)}
        )
    return rows


def runtime_files(root: Path) -> set[str]:
    return {
        path.relative_to(root).as_posix()
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }


def test_every_file_the_architecture_table_names_exists() -> None:
    rows = concept_table()
    assert len(rows) > 10
    for row in rows:
        for language, root in RUNTIMES.items():
            for name in row[language]:
                assert (root / name).is_file(), f"{language}: {name}"


def test_every_runtime_file_is_in_the_architecture_table() -> None:
    rows = concept_table()
    for language, root in RUNTIMES.items():
        named = [name for row in rows for name in row[language]]
        assert len(named) == len(set(named)), f"{language}: a file is named twice"
        assert runtime_files(root) - set(named) == set(), language


def test_the_files_contributing_names_exist() -> None:
    text = (DOCS / "CONTRIBUTING.md").read_text()
    paths = {
        re.split(r"[<*]", name, maxsplit=1)[0].rstrip("/")
        for name in re.findall(r"`((?:spec|generator|templates|tests|tools)/[^`\s]*)`", text)
    }
    assert len(paths) > 10
    for path in sorted(paths):
        assert (ROOT / path).exists(), path
