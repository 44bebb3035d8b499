"""The reference docs: every section of the original docs, both tabs everywhere, no TODO,
and Python samples that parse and run (in order, against the local platform)."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

from _parity import code_blocks, run_docs_samples
from _support import ROOT

DOCS = ROOT / "generated" / "docs" / "index.md"
TEXT = DOCS.read_text()
ORIGINAL_SECTIONS = [
    "How do I get started",
    "Install the SDK",
    "Instantiate the SDK",
    "Authentication",
    "How the successful authentication response looks",
    "How should I store authentication between sessions / runs",
    "How do I handle access or authentication exceptions while the application is running?",
]
NEW_SECTIONS = [
    "Log in with a JWT credential",
    "Authorization code flow with PKCE",
    "Refresh the access token",
    "Revoke the session",
    "Read the current user's extension",
    "Errors",
]


def sections() -> dict[str, str]:
    """Each heading and the text under it, up to the next heading (code blocks skipped)."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    fenced = False
    for line in TEXT.split("\n---\n", 1)[1].splitlines():
        if line.startswith("```"):
            fenced = not fenced
        if not fenced and re.match(r"#{1,2} ", line):
            current = found.setdefault(line.lstrip("# ").strip(), [])
        else:
            current.append(line)
    return {title: "\n".join(lines) + "\n" for title, lines in found.items()}


def test_front_matter_has_the_two_tabs() -> None:
    front = TEXT.split("\n---\n", 1)[0]
    assert "language_tabs:\n  - python: Python\n  - shell: cURL" in front


@pytest.mark.parametrize("title", ORIGINAL_SECTIONS + NEW_SECTIONS)
def test_section_exists(title: str) -> None:
    assert title in sections()


def test_every_section_with_code_has_both_tabs() -> None:
    found = sections()
    with_code = [t for t, body in found.items() if "```" in body]
    assert len(with_code) >= 12
    for title in with_code:
        body = found[title]
        assert code_blocks(body, "python"), f"{title}: no Python tab"
        assert code_blocks(body, "shell"), f"{title}: no cURL tab"


def test_no_todo_anywhere() -> None:
    assert "TODO" not in TEXT


def test_every_python_block_parses() -> None:
    samples = code_blocks(TEXT, "python")
    assert len(samples) >= 12
    for sample in samples:
        ast.parse(sample)


def test_every_shell_block_is_valid_bash() -> None:
    for sample in code_blocks(TEXT, "shell"):
        result = subprocess.run(["bash", "-n"], input=sample, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr + sample


def test_python_samples_run_in_order(tmp_path: Path) -> None:
    result = run_docs_samples(ROOT / "generated", tmp_path)
    assert result.returncode == 0, result.stderr
    # The last sample prints what the failed login said: the error code of a bad JWT.
    assert result.stdout.strip().splitlines()[-1] == "401 invalid_grant ('OAU-140',)"
    assert (tmp_path / "_cache" / "platform.json").exists()
