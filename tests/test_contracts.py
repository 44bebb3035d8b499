"""Each runtime's contract is checked against what its files reference (generator/contracts.py):
a name the code uses that no contract lists, or a listed name no code uses, stops the generator."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator import contracts
from generator.targets import all_targets

from _support import ROOT

RUNTIMES = {t.name: t for t in all_targets() if t.scan is not None}
# How each runtime writes an exception and an event (the mutations below use them).
SPELLING = {
    "python": ("{}Error", "Event.ACCESS_VIOLATION"),
    "javascript": ("{}Error", "Events.accessViolation"),
    "php": ("{}Error", "Event::ACCESS_VIOLATION"),
    "go": ("Err{}", "EventAccessViolation"),
}


def has_static_runtime(folder: Path) -> bool:
    """A templates/ folder holding static source (copied verbatim; ``_`` folders emit nothing)."""
    if not folder.is_dir():
        return False
    for path in folder.rglob("*"):
        parts = path.relative_to(folder).parts
        if "node_modules" in parts or any(part.startswith("_") for part in parts[:-1]):
            continue
        if path.is_file() and not path.name.endswith(".j2"):
            return True
    return False


# Targets with static files that are no client runtime, and why they need no scan.
NO_RUNTIME = {"store": "the store protocol's Lua scripts name no spec exception or event"}


def test_every_target_with_a_static_runtime_scans_it() -> None:
    # A runtime without a scan would have its contract go unchecked.
    runtimes = {
        t.name
        for t in all_targets()
        for f in t.templates
        if has_static_runtime(ROOT / "templates" / f)
    }
    assert runtimes - set(NO_RUNTIME) == set(RUNTIMES)
    assert set(SPELLING) == runtimes - set(NO_RUNTIME)


@pytest.mark.parametrize("name", sorted(RUNTIMES))
def test_contracts_agree_with_the_code(name: str) -> None:
    assert contracts.problems(RUNTIMES[name], ROOT / "templates") == []


def copy_templates(tmp_path: Path) -> Path:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("node_modules"))
    return templates


@pytest.mark.parametrize("name", sorted(RUNTIMES))
def test_an_unlisted_exception_in_the_code_is_reported(name: str, tmp_path: Path) -> None:
    target = RUNTIMES[name]
    templates = copy_templates(tmp_path)
    listed = {e for c in target.contracts for e in c.exceptions}
    assert "PermissionDeniedError" not in listed  # the mutation below must be a new name
    assert target.scan is not None
    victim = next(p for p in sorted((templates / target.scan.folder).iterdir()) if p.is_file())
    victim.write_text(victim.read_text() + "\n// " + SPELLING[name][0].format("PermissionDenied"))
    found = contracts.problems(target, templates)
    assert len(found) == 1
    assert "'PermissionDeniedError', which no contract" in found[0]
    assert found[0].startswith(f"templates/{target.scan.folder}/{victim.name}:")


@pytest.mark.parametrize("name", sorted(RUNTIMES))
def test_a_listed_name_no_code_uses_is_stale(name: str, tmp_path: Path) -> None:
    target = RUNTIMES[name]
    assert target.scan is not None
    templates = copy_templates(tmp_path)
    # Rename every reference to one listed event away: the listing is then stale.
    assert "access_violation" in {e for c in target.contracts for e in c.events}
    written = SPELLING[name][1]
    for path in (templates / target.scan.folder).rglob("*"):
        if path.is_file():
            path.write_text(path.read_text(errors="replace").replace(written, "Renamed"))
    found = contracts.problems(target, templates)
    stale = "contract lists event 'access_violation', which no file"
    assert any(stale in line for line in found), found


def test_the_generator_stops_on_drift(tmp_path: Path) -> None:
    templates = copy_templates(tmp_path)
    core = templates / "rcsdk" / "_session.py"
    core.write_text(core.read_text() + "\n# NotFoundError\n")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, "-m", "generator", "--templates", str(templates), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 2
    assert "references exception 'NotFoundError'" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()
