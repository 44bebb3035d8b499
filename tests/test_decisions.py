"""The decision table (tests/cases/decisions.json), run against the Python runtime's pure
functions (rcsdk._decide); tests/js/decisions.test.mjs, tests/php/DecisionsTest.php and
tests/go/decisions_test.go run the same table. Each section is one function: its rows give the
arguments and what it returns. A deliberate change to each function, made in a copy of its
source, must fail that function's section: the table can fail.
"""

from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from rcsdk import _decide
from rcsdk._constants import REFRESH_REJECTED_CODES

from _support import ROOT

TABLE = json.loads((ROOT / "tests" / "cases" / "decisions.json").read_text())["decisions"]

# One deliberate change per decision (text in rcsdk/_decide.py -> its replacement).
MUTATIONS = {
    "expiry": ("0 < seconds <= MAX_LIFETIME", "0 <= seconds <= MAX_LIFETIME"),
    "access_due": ("min(margin, known / 2)", "min(margin, known)"),
    "can_refresh": ("now < refresh_token_expires_at", "now <= refresh_token_expires_at"),
    "ends_session": ("400 <= status < 500", "400 <= status"),
    "after_rejection": ('"lost": "drop"', '"lost": "end"'),
    "after_401": ("sends >= 3", "sends >= 2"),  # the one retry JavaScript and PHP made
    "after_read": ('"other" and not fenced', '"other"'),  # a fenced store decided by the clocks
}


def failures(decide: types.ModuleType) -> list[str]:
    """The rows ``decide``'s functions answer otherwise than the table, as ``section: row``."""
    failed = []
    for name, section in TABLE.items():
        function = getattr(decide, name)
        for row in section["rows"]:
            got = function(*(row[arg] for arg in section["args"]))
            expect = row["expect"]
            if got != expect or isinstance(got, bool) != isinstance(expect, bool):
                failed.append(f"{name}: {row['name']} (got {got!r})")
    return failed


def test_every_decision_answers_as_the_table_says() -> None:
    assert failures(_decide) == []


def test_every_decision_has_a_section_and_a_mutation() -> None:
    assert set(TABLE) == set(_decide.__all__) == set(MUTATIONS)


def test_the_session_ending_codes_are_the_specs() -> None:
    """The table's invalid_grant rows name every code the spec marks ``ends_session``, each in a
    row of its own that ends the session, and no other code ends one."""
    rows = [r for r in TABLE["ends_session"]["rows"] if r["error"] == "invalid_grant"]
    ending = {r["error_codes"][0] for r in rows if r["expect"] and len(r["error_codes"]) == 1}
    assert ending == REFRESH_REJECTED_CODES
    assert all(r["expect"] for r in rows if set(r["error_codes"]) & REFRESH_REJECTED_CODES)


@pytest.mark.parametrize("section", sorted(MUTATIONS))
def test_a_changed_decision_fails_its_section(section: str) -> None:
    old, new = MUTATIONS[section]
    source = Path(_decide.__file__).read_text()
    assert source.count(old) == 1, old
    mutant = types.ModuleType(f"mutant_{section}")
    exec(compile(source.replace(old, new), mutant.__name__, "exec"), mutant.__dict__)
    failed = failures(mutant)
    assert any(line.startswith(f"{section}: ") for line in failed), failed
