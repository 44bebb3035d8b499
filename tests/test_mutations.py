"""Each shared decision table can fail in every language that runs it (issue #22).

tests/mutations.json lists, per table and language, one deliberate change to one decision: a
text found exactly once in a file of that language's built runtime, and what replaces it. Each
row is applied to a temporary copy of the build (never generated/ or build/ themselves), and
that language's runner of the table, restricted to the row's `only` selector, runs against the
copy: it must pass on the unmutated copy and fail on the mutated one, with the same number of
tests run, so a failure is the table catching the change and not a copy that did not load.

The copies are found by each runner's own switch: PYTHONPATH for Python, RCSDK_DIST for the
Node runners (tests/js/_support.mjs), RCSDK_PHP_AUTOLOAD for PHPUnit (tests/php/bootstrap.php),
and a go.work whose replace directive points rcsdk.local/rcsdk at the copy for Go.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from _support import ROOT

MUTATIONS: list[dict[str, Any]] = json.loads((ROOT / "tests" / "mutations.json").read_text())[
    "mutations"
]

# Each language's built runtime, as the table runners load it; the rows' `file` is inside it.
BUILT = {
    "python": ROOT / "generated",  # the package rcsdk/ (and its store/ scripts)
    "js": ROOT / "build" / "js",  # dist/, store/, package.json
    "php": ROOT / "build" / "php",  # src/, store/, vendor/ (its autoloader is relative)
    "go": ROOT / "generated" / "go",  # the module rcsdk.local/rcsdk
}

# Each table's runner per language (the shared tables: generated/cases.json,
# tests/cases/security.json, tests/cases/store.json).
RUNNERS = {
    ("python", "cases"): "tests/test_cases.py",
    ("python", "security"): "tests/test_security.py",
    ("python", "store"): "tests/test_redis_protocol.py",
    ("js", "cases"): "tests/js/cases.test.mjs",
    ("js", "security"): "tests/js/security_table.test.mjs",
    ("js", "store"): "tests/js/redis.test.mjs",
    ("php", "cases"): "CasesTest",
    ("php", "security"): "SecurityTableTest",
    ("php", "store"): "RedisStoreTest",
    ("go", "cases"): "TestCases",
    ("go", "security"): "TestSecurityTable",
}

TIMEOUT = 240  # seconds per run; a run takes a few seconds on an idle machine


@dataclass
class Run:
    code: int
    passed: int
    failed: int
    output: str

    @property
    def total(self) -> int:
        return self.passed + self.failed


def ident(row: dict[str, Any]) -> str:
    return f"{row['table']}-{row['language']}-{Path(row['file']).stem}"


def test_every_table_and_language_has_a_mutation() -> None:
    assert {(row["language"], row["table"]) for row in MUTATIONS} == set(RUNNERS)
    assert len({ident(row) for row in MUTATIONS}) == len(MUTATIONS)
    assert all(row["only"] and row["about"] for row in MUTATIONS)


@pytest.mark.parametrize("row", MUTATIONS, ids=ident)
def test_the_mutated_text_is_found_exactly_once(row: dict[str, Any]) -> None:
    """A refactor that moves the code fails here, instead of silently mutating nothing."""
    text = (BUILT[row["language"]] / row["file"]).read_text()
    assert text.count(row["find"]) == 1, (row["file"], row["find"])
    assert row["replace"] != row["find"]


def copy_build(language: str, into: Path) -> Path:
    """A copy of the language's built runtime under `into`; returns the copy's root."""
    source = BUILT[language]
    ignore = shutil.ignore_patterns("__pycache__", "node_modules")
    if language == "python":
        shutil.copytree(source / "rcsdk", into / "rcsdk", ignore=ignore)
        return into
    root = into / language
    shutil.copytree(source, root, ignore=ignore)
    if language == "js":  # the optional peer dependency (redis), as build/js has it
        (root / "node_modules").symlink_to(source / "node_modules")
    return root


def run_table(language: str, table: str, only: str, copy: Path, tmp: Path) -> Run:
    """The language's runner of `table`, restricted by `only`, against the build at `copy`."""
    env = dict(os.environ)
    for name in list(env):
        if name.startswith(("PYTEST_", "COV_")):
            del env[name]
    runner = RUNNERS[(language, table)]
    cwd = ROOT
    if language == "python":
        env["PYTHONPATH"] = str(copy)
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        command = [sys.executable, "-m", "pytest", "-q", "-n", "0", "-p", "no:cacheprovider"]
        command += [runner, "-k", only]
    elif language == "js":
        env["RCSDK_DIST"] = str(copy / "dist")
        command = ["node", "--test", "--test-reporter=tap", f"--test-name-pattern={only}", runner]
    elif language == "php":
        env["RCSDK_PHP_AUTOLOAD"] = str(copy / "vendor" / "autoload.php")
        command = ["phpunit", "--configuration", "tests/php/phpunit.xml"]
        command += ["--filter", f"{runner}::{only}"]
    else:
        work = tmp / "go.work"
        tests_mod = (ROOT / "tests" / "go" / "go.mod").read_text()
        version = re.search(
            r"^go (\S+)$", tests_mod, re.M
        )  # a work file's go is at least its modules'
        assert version is not None, "tests/go/go.mod names no go version"
        work.write_text(
            f"go {version[1]}\n\nuse {ROOT / 'tests' / 'go'}\n\n"
            f"replace rcsdk.local/rcsdk => {copy}\n"
        )
        env["GOWORK"] = str(work)
        env.setdefault("RCSDK_PYTHON", sys.executable)
        cwd = ROOT / "tests" / "go"
        command = ["go", "test", "-count=1", "-v", "-run", f"{runner}/{only}", "."]
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )
    output = done.stdout + done.stderr
    return Run(done.returncode, *counts(language, output), output)


def counts(language: str, output: str) -> tuple[int, int]:
    """(passed, failed) as the runner reports them; errors count as failures."""

    def number(pattern: str) -> int:
        found = re.findall(pattern, output, re.MULTILINE)
        return int(found[-1]) if found else 0

    if language == "python":
        failed = number(r"(\d+) failed") + number(r"(\d+) errors?\b")
        return number(r"(\d+) passed"), failed
    if language == "js":
        return number(r"^# pass (\d+)$"), number(r"^# fail (\d+)$")
    if language == "php":
        if re.search(r"^OK \(", output, re.MULTILINE):
            return number(r"^OK \((\d+) tests?"), 0
        failed = number(r"Failures: (\d+)") + number(r"Errors: (\d+)")
        return number(r"^Tests: (\d+)") - failed, failed
    return (
        len(re.findall(r"^\s*--- PASS: ", output, re.MULTILINE)),
        len(re.findall(r"^\s*--- FAIL: ", output, re.MULTILINE)),
    )


@pytest.mark.parametrize("row", MUTATIONS, ids=ident)
def test_the_table_fails_the_mutation(row: dict[str, Any], tmp_path: Path) -> None:
    language, table, only = row["language"], row["table"], row["only"]
    plain = copy_build(language, tmp_path / "plain")
    before = run_table(language, table, only, plain, tmp_path / "plain")
    assert before.code == 0 and before.failed == 0 and before.passed > 0, before.output[-3000:]

    mutant = copy_build(language, tmp_path / "mutant")
    target = mutant / row["file"]
    text = target.read_text()
    assert text.count(row["find"]) == 1, (row["file"], row["find"])
    target.write_text(text.replace(row["find"], row["replace"]))
    after = run_table(language, table, only, mutant, tmp_path / "mutant")
    # The same tests ran (the copy loaded), and some failed: the table caught the change.
    assert after.total == before.total, (row["about"], after.output[-3000:])
    assert after.code != 0 and after.failed > 0, (
        f"{row['about']}: {language}'s run of the {table} table still passes"
    )
