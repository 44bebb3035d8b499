"""The Go client against the Python one: parity by execution on the cassettes, with a mutation
that must fail. go test (tests/go/, ``make test-go``) covers the rest of the Go client: the
shared case and security tables and the Go-only behaviour."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _docs import readme_blocks, run_readme_example
from _parity import CLIENTS, client_parity, index_problems, parity
from _scenarios import SCENARIOS
from _support import ROOT

GENERATED = ROOT / "generated"
MODULE = "rcsdk.local/rcsdk"


@pytest.fixture(scope="module")
def go_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go scenario program built against generated/go (once for this module)."""
    return CLIENTS["go"].build(GENERATED, tmp_path_factory.mktemp("go"))


def test_the_index_has_a_go_column() -> None:
    rows = parity(GENERATED)
    assert all(row["go"].startswith("Platform.") for row in rows)
    assert index_problems(GENERATED) == []
    assert "| go |" in (GENERATED / "PARITY.md").read_text()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_go_sends_what_python_sends(go_build: Path, name: str) -> None:
    result = client_parity("go", go_build, name)
    assert result.problems == []
    assert len(result.curl) == len(result.python) >= 1


def test_a_field_renamed_only_in_go_breaks_parity(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("node_modules"))
    shutil.copytree(
        ROOT / "templates" / "docs" / "_vendor" / "node_modules",
        templates / "docs" / "_vendor" / "node_modules",
        symlinks=True,
    )
    platform = templates / "go" / "platform.go.j2"
    text = platform.read_text()
    broken = text.replace(
        "	form = append(form, field{ {{ p.name | go }}, {{ text(p) }} })",
        '	form = append(form, field{ {{ p.name | replace("assertion", "jwt") | go }}, '
        "{{ text(p) }} })",
        1,
    )
    assert broken != text
    platform.write_text(broken)
    out = tmp_path / "generated"
    command = [sys.executable, "-m", "generator", "-q", "--templates", str(templates)]
    subprocess.run([*command, "--out", str(out)], cwd=ROOT, check=True)
    assert 'field{"jwt", jwt}' in (out / "go" / "platform.go").read_text()
    built = CLIENTS["go"].build(out, tmp_path)
    problems = client_parity("go", built, "login-jwt").problems
    assert any("form" in problem and "jwt" in problem for problem in problems), problems


def test_the_readme_go_example_runs_as_written(tmp_path: Path) -> None:
    """The README's Go block, as main.go of a module outside the checkout whose go.mod requires
    generated/go as the README says, run twice: the second run reuses the session in
    tokens.json (one login for both)."""
    (program,) = readme_blocks("go")
    (tmp_path / "main.go").write_text(program)
    subprocess.run(["go", "mod", "init", "example.local/app"], cwd=tmp_path, check=True)
    edit = [f"-require={MODULE}@v0.0.0", f"-replace={MODULE}={GENERATED / 'go'}"]
    subprocess.run(["go", "mod", "edit", *edit], cwd=tmp_path, check=True)
    subprocess.run(["go", "build", "-o", "app", "."], cwd=tmp_path, check=True, timeout=300)
    assert run_readme_example([str(tmp_path / "app")], tmp_path) == 1
