"""Stage 5: put rendered files into generated/, or compare them with what is there.

generated/.manifest.json lists what the generator made (path and sha256). Writing replaces
changed files only, deletes files it wrote before and no longer makes, and touches nothing
else. ``compare`` is the drift check behind `make check`.

A golden fixture (tests/golden/) keeps only what its spec renders: the files named in ``hashed``
(static runtime copies, the same for every spec) are listed in the manifest with their hash but
not written, so the drift check still sees any change to them without a second copy of each.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".manifest.json"
IGNORED_PARTS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
IGNORED_SUFFIXES = (".pyc", ".egg-info")


@dataclass
class Report:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)


def with_manifest(files: dict[str, str], header: list[str]) -> dict[str, str]:
    """Add the manifest (itself generated, so the drift check covers it)."""
    entries = [
        {"path": path, "sha256": hashlib.sha256(text.encode()).hexdigest()}
        for path, text in sorted(files.items())
    ]
    manifest = {"generated_by": " ".join(header), "files": entries}
    return {**files, MANIFEST: json.dumps(manifest, indent=2) + "\n"}


def mode_for(path: str) -> int:
    return 0o755 if path.endswith(".sh") else 0o644


def write(
    files: dict[str, str], out_dir: Path, header: list[str], hashed: frozenset[str] = frozenset()
) -> Report:
    report = Report()
    files = {p: t for p, t in with_manifest(files, header).items() if p not in hashed}
    previous = _manifest_paths(out_dir)
    for path, text in files.items():
        target = out_dir / path
        data = text.encode()
        if target.is_file() and target.read_bytes() == data:
            report.unchanged.append(path)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(target.name + ".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, target)
            report.written.append(path)
        if (target.stat().st_mode & 0o777) != mode_for(path):
            target.chmod(mode_for(path))
    for path in sorted(previous - set(files)):
        target = out_dir / path
        if target.is_file():
            target.unlink()
            report.deleted.append(path)
            _remove_empty_parents(target.parent, out_dir)
    return report


def _manifest_paths(out_dir: Path) -> set[str]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
        return {entry["path"] for entry in data["files"]} | {MANIFEST}
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def tree(root: Path) -> dict[str, bytes]:
    """The files under ``root`` that the drift check looks at (caches are ignored)."""
    out: dict[str, bytes] = {}
    if not root.is_dir():
        return out
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if IGNORED_PARTS.intersection(rel.parts) or any(
            part.endswith(IGNORED_SUFFIXES) for part in rel.parts
        ):
            continue
        if path.is_file():
            out[rel.as_posix()] = path.read_bytes()
    return out


def compare(expected: Path, actual: Path) -> list[str]:
    """Differences between a fresh generation and generated/, as printable lines."""
    want, have = tree(expected), tree(actual)
    lines: list[str] = []
    for path in sorted(want.keys() | have.keys()):
        if path not in have:
            lines.append(f"missing: generated/{path} (the generator makes it)")
        elif path not in want:
            lines.append(f"extra: generated/{path} (the generator does not make it)")
        elif want[path] != have[path]:
            lines.extend(
                difflib.unified_diff(
                    have[path].decode(errors="replace").splitlines(),
                    want[path].decode(errors="replace").splitlines(),
                    f"generated/{path} (committed)",
                    f"generated/{path} (fresh)",
                    lineterm="",
                )
            )
        elif path.endswith(".sh") and not os.access(actual / path, os.X_OK):
            lines.append(f"mode: generated/{path} should be executable")
    return lines
