"""Parity proven by execution: the index, cURL against the Python client's cassettes, the docs'
samples, and broken renderings that these checks must catch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path

import pytest

from rcsdk import RCSDK
from rcsdk._pkce import s256_challenge
from rcsdk.testing import LOCAL_CREDENTIALS

from _parity import curl_parity, docs_problems, index_problems, parity
from _scenarios import SCENARIOS
from _support import ROOT, SPEC

GENERATED = ROOT / "generated"


def test_the_index_is_complete() -> None:
    rows = parity(GENERATED)
    assert [row["id"] for row in rows] == [op.id for op in SPEC.operations]
    assert index_problems(GENERATED) == []


def test_every_operation_with_requests_has_a_cassette() -> None:
    stems = {row["curl"].removeprefix("curl/").removesuffix(".sh") for row in parity(GENERATED)}
    browser = {op.file_stem for op in SPEC.ops_of_kind("browser")}  # a URL: no request to record
    assert stems - browser <= set(SCENARIOS)
    assert stems & browser == browser


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_curl_sends_what_the_python_client_sends(name: str) -> None:
    result = curl_parity(GENERATED, name)
    assert result.problems == []
    assert len(result.curl) == len(result.python) >= 1


def test_authorization_urls_agree() -> None:
    env = {**os.environ, **LOCAL_CREDENTIALS, "RC_SERVER": "http://127.0.0.1:8089"}
    script = (
        f". {GENERATED}/curl/authorize-url.sh > /dev/null\n"
        'printf "%s\\n%s\\n" "$RC_AUTHORIZE_URL" "$RC_CODE_VERIFIER"'
    )
    run = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    shell_url, shell_verifier = run.stdout.split()
    platform = RCSDK(LOCAL_CREDENTIALS["RC_APP_KEY"], None, env["RC_SERVER"]).get_platform()
    python = platform.authorize_url(LOCAL_CREDENTIALS["RC_REDIRECT_URI"])

    def query(url: str) -> dict[str, str]:
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))

    shell_query, python_query = query(shell_url), query(python.url)
    assert shell_url.split("?")[0] == python.url.split("?")[0]
    assert shell_query.keys() == python_query.keys()
    for key in ("response_type", "client_id", "redirect_uri", "code_challenge_method"):
        assert shell_query[key] == python_query[key]
    assert shell_query["code_challenge"] == s256_challenge(shell_verifier)
    assert python_query["code_challenge"] == s256_challenge(python.code_verifier)


# --- the checks catch broken renderings ------------------------------------------------------


def render_broken(tmp_path: Path, file: str, edit: Callable[[str], str]) -> Path:
    """Render a copy of templates/ in which ``file`` was edited."""
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    target = templates / file
    before = target.read_text()
    target.write_text(edit(before))
    assert target.read_text() != before
    out = tmp_path / "generated"
    command = [sys.executable, "-m", "generator", "-q", "--templates", str(templates)]
    subprocess.run([*command, "--out", str(out)], cwd=ROOT, check=True)
    return out


def test_a_missing_snippet_breaks_the_index(tmp_path: Path) -> None:
    out = render_broken(
        tmp_path,
        "curl/[operation].sh.j2",
        lambda text: '{% if operation.id != "refresh" %}\n' + text + "{% endif %}\n",
    )
    assert not (out / "curl" / "refresh.sh").exists()
    assert "refresh: curl/refresh.sh does not exist" in index_problems(out)


def test_a_field_renamed_only_in_curl_breaks_parity(tmp_path: Path) -> None:
    out = render_broken(
        tmp_path,
        "_macros/shell.j2",
        lambda text: text.replace(
            'data-urlencode "{{ p.name }}=',
            'data-urlencode "{{ p.name | replace("assertion", "jwt") }}=',
        ),
    )
    assert "jwt=$RC_JWT" in (out / "curl" / "login-jwt.sh").read_text()
    problems = curl_parity(out, "login-jwt").problems
    assert any("form" in problem for problem in problems), problems


def test_a_raising_docs_sample_is_caught(tmp_path: Path) -> None:
    out = render_broken(
        tmp_path,
        "docs/_samples/python/read-extension.md.j2",
        lambda text: text.replace(
            "print(extension.id, extension.name, extension.status)",
            'raise RuntimeError("a broken sample")',
        ),
    )
    problems = docs_problems(out, tmp_path)
    assert problems and "a broken sample" in problems[0]
