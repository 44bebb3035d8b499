"""A broken spec stops the generator with one line, `spec/FILE:LINE: yaml.path: message`,
and exit status 2: no traceback, nothing written."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from _support import ROOT

SPEC = (ROOT / "spec" / "ringcentral-auth.yaml").read_text()


def line_of(text: str, needle: str, start: str = "") -> int:
    """1-based line of the first ``needle`` after the first ``start``."""
    offset = text.index(start) if start else 0
    return text.count("\n", 0, text.index(needle, offset)) + 1


def generate(tmp_path: Path, spec_text: str) -> subprocess.CompletedProcess[str]:
    spec = tmp_path / "spec" / "ringcentral-auth.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(spec_text)
    return subprocess.run(
        [sys.executable, "-m", "generator", "--spec", str(spec), "--out", str(tmp_path / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


def replace_once(old: str, new: str) -> str:
    assert SPEC.count(old) >= 1, old
    return SPEC.replace(old, new, 1)


CASES = {
    "unknown key": (
        replace_once(
            "    kind: token\n    grant_type: password\n",
            "    kind: token\n    grant_typ: password\n",
        ),
        ("grant_typ:", "- id: authorize"),
        "operations[0].grant_typ",
        "unknown key 'grant_typ'",
    ),
    "missing required field": (
        replace_once(
            "  - id: loginJwt\n    summary: Log in with a JWT credential\n", "  - id: loginJwt\n"
        ),
        ("- id: loginJwt", ""),
        "operations[1]",
        "missing required key 'summary'",
    ),
    "wrong type": (
        replace_once("  timeout_seconds: 30\n", "  timeout_seconds: thirty\n"),
        ("timeout_seconds:", ""),
        "defaults.timeout_seconds",
        "expected an integer, got a string",
    ),
    "undefined schema": (
        replace_once("    response: ExtensionInfo\n", "    response: ExtensionInfos\n"),
        ("response: ExtensionInfos", ""),
        "operations[6].response",
        "undefined schema 'ExtensionInfos'",
    ),
    "undefined operation": (
        replace_once("    after: authorizeUrl\n", "    after: authorizeURL\n"),
        ("after: authorizeURL", ""),
        "operations[3].after",
        "undefined operation 'authorizeURL'",
    ),
    "undefined nested schema": (
        replace_once("        ref: AccountRef\n", "        ref: Account\n"),
        ("ref: Account\n", ""),
        "schemas.ExtensionInfo.fields[6].ref",
        "undefined schema 'Account'",
    ),
    "invalid YAML": (
        replace_once(
            "  title: RingCentral Authentication API\n",
            "  title: RingCentral: [Authentication API\n",
        ),
        ("title: RingCentral: [", ""),
        "(syntax)",
        "invalid YAML",
    ),
    "duplicate key": (
        replace_once("  package: rcsdk\n", "  package: rcsdk\n  package: other\n"),
        ("package: other", ""),
        "info.package",
        "duplicate key",
    ),
    "a name that cannot be an identifier": (
        replace_once("  - name: login_success\n", '  - name: login"success\n'),
        ('login"success', ""),
        "events[0].name",
        "is not an identifier",
    ),
    "renamed event the runtime relies on": (
        replace_once("  - name: access_violation\n", "  - name: access_denied\n"),
        ("events:", ""),
        "events",
        "no event 'access_violation', which the Python runtime",
    ),
    "removed grant the runtime relies on": (
        replace_once("    grant_type: refresh_token\n", "    grant_type: refresh\n"),
        ("operations:", ""),
        "operations",
        "no token operation with grant_type 'refresh_token'",
    ),
    "operation the docs name": (
        replace_once("  - id: readExtension\n", "  - id: readTheExtension\n"),
        ("operations:", ""),
        "operations",
        "no operation id 'readExtension', which the reference docs",
    ),
    "cycle in after": (
        replace_once("    after: loginJwt\n", "    after: logout\n").replace(
            "    after: loginJwt\n", "    after: refresh\n", 1
        ),
        ("after: logout", ""),
        "operations[4].after",
        "'after' cycle refresh -> logout -> refresh",
    ),
    "session-ending code no refresh lists": (
        replace_once(
            "message: Password grant is not allowed because MFA is required}",
            "message: Password grant is not allowed because MFA is required, ends_session: true}",
        ),
        ("OAU-168, status", ""),
        "error_codes[19].ends_session",
        "OAU-168 ends a session, but no refresh operation lists it",
    ),
    "a retry status that is no 5xx": (
        replace_once("  retry_statuses: [502, 503, 504]", "  retry_statuses: [502, 200, 504]"),
        ("retry_statuses", ""),
        "defaults.retry_statuses[1]",
        "200 is not a 5xx status",
    ),
    "an idempotent method in lower case": (
        replace_once("  idempotent_methods: [GET,", "  idempotent_methods: [get,"),
        ("idempotent_methods", ""),
        "defaults.idempotent_methods[0]",
        "'get' is not an HTTP method in capitals",
    ),
    "a lock timeout of zero": (
        replace_once("  lock_timeout_seconds: 120", "  lock_timeout_seconds: 0"),
        ("lock_timeout_seconds", ""),
        "defaults.lock_timeout_seconds",
        "must be positive",
    ),
    "a shared store's lease of zero": (
        replace_once("  store_lease_seconds: 10", "  store_lease_seconds: 0"),
        ("store_lease_seconds", ""),
        "defaults.store_lease_seconds",
        "must be positive",
    ),
    "an example field its schema lacks": (
        replace_once(
            '        extensionNumber: "101"\n', '        extensionNumber: "101"\n        nick: Lu\n'
        ),
        ("nick: Lu", ""),
        "operations[6].example.response.nick",
        "ExtensionInfo has no field 'nick'",
    ),
    "an example value of the wrong type": (
        replace_once("        id: 1234567890\n", "        id: one\n"),
        ("id: one", ""),
        "operations[6].example.response.id",
        "expected integer, got str 'one'",
    ),
    "an API call with ids but no 404": (
        replace_once("OAU-213, CMN-405, CMN-102, CMN-301]", "OAU-213, CMN-405, CMN-301]"),
        ("errors: [OAU-128", ""),
        "operations[6].errors",
        "list a 404 error code (CMN-102)",
    ),
    # A shape the templates do not expect (a required argument that no variable gives, which
    # the samples read as `p.env.name`): the error names the parameter, not a Jinja traceback.
    "a template meeting an unexpected shape": (
        replace_once(
            "    response: ExtensionInfo\n",
            "      - name: view\n        in: query\n        type: string\n        required: true\n"
            "        description: A required parameter that no variable gives.\n"
            "    response: ExtensionInfo\n",
        ),
        ("- name: view", ""),
        "operations[6].params[2]",
        "templates/_macros/python.j2:4 cannot render this: UndefinedError",
    ),
    "a form variant of a call that is no browser's": (
        replace_once(
            "    kind: token\n    grant_type: password\n",
            "    kind: token\n    form_variant: true\n    grant_type: password\n",
        ),
        ("form_variant: true", ""),
        "operations[0].form_variant",
        "only a browser operation has a form variant",
    ),
    "schema that nests itself": (
        replace_once("        ref: AccountRef\n", "        ref: ExtensionInfo\n"),
        ("ref: ExtensionInfo", ""),
        "schemas.ExtensionInfo.fields[6].ref",
        "schema cycle ExtensionInfo -> ExtensionInfo",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_spec_gives_one_clear_line(tmp_path: Path, case: str) -> None:
    text, (needle, start), path, message = CASES[case]
    result = generate(tmp_path, text)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    match = re.fullmatch(r"spec/ringcentral-auth\.yaml:(\d+): (\S+): (.*)", lines[0])
    assert match, lines[0]
    if case != "invalid YAML":
        assert int(match.group(1)) == line_of(text, needle, start)
    else:
        assert abs(int(match.group(1)) - line_of(text, needle, start)) <= 1
    assert match.group(2) == path
    assert message in match.group(3)
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_the_real_spec_is_valid(tmp_path: Path) -> None:
    result = generate(tmp_path, SPEC)
    assert result.returncode == 0, result.stderr
