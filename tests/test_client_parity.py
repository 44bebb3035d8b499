"""Every language's client against the Python one, by execution on the cassettes: each scenario
sends the same requests, the parity index has the language's column, and a form field renamed in
that language's templates alone breaks its parity (the mutation that shows the check can fail).
One table row per language: adding a language adds a row here."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from _parity import CLIENTS, client_parity, index_problems, parity
from _scenarios import SCENARIOS
from _support import ROOT

GENERATED = ROOT / "generated"


@dataclass(frozen=True)
class Language:
    method_prefix: str
    """How the parity index names a method (``Platform.loginJwt``, ``Platform::loginJwt``)."""
    template: str
    """The template holding the JWT login's form fields, under templates/."""
    field_line: str
    """The line of it that names a form field, which the mutation renames."""
    output: str
    """The file it renders, under generated/."""
    renamed: str
    """What that file then says for the JWT's field."""


LANGUAGES = {
    "javascript": Language(
        "Platform.",
        "js/src/platform.ts.j2",
        "    form[{{ p.name | js }}] = String(",
        "js/src/platform.ts",
        'form["jwt"] = String(jwt)',
    ),
    "php": Language(
        "Platform::",
        "php/src/Platform.php.j2",
        "        $form[{{ p.name | php }}] = {{ value }};",
        "php/src/Platform.php",
        "$form['jwt'] = $jwt;",
    ),
    "go": Language(
        "Platform.",
        "go/platform.go.j2",
        "	form = append(form, field{ {{ p.name | go }}, {{ text(p) }} })",
        "go/platform.go",
        'field{"jwt", jwt}',
    ),
}

_BUILDS: dict[str, Path] = {}


@pytest.fixture(scope="module")
def build(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Each language's client built from generated/, once per module."""

    def get(language: str) -> Path:
        if language not in _BUILDS:
            _BUILDS[language] = CLIENTS[language].build(
                GENERATED, tmp_path_factory.mktemp(language)
            )
        return _BUILDS[language]

    return get


def test_every_client_language_has_a_row() -> None:
    assert set(LANGUAGES) == set(CLIENTS) - {"python"}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_index_has_the_languages_column(language: str) -> None:
    rows = parity(GENERATED)
    assert all(row[language].startswith(LANGUAGES[language].method_prefix) for row in rows)
    assert index_problems(GENERATED) == []
    assert f"| {language} |" in (GENERATED / "PARITY.md").read_text()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_client_sends_what_python_sends(build: object, language: str, name: str) -> None:
    assert callable(build)
    result = client_parity(language, build(language), name)
    assert result.problems == []
    assert len(result.curl) == len(result.python) >= 1


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_a_field_renamed_only_in_one_language_breaks_its_parity(
    language: str, tmp_path: Path
) -> None:
    row = LANGUAGES[language]
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates, ignore=shutil.ignore_patterns("node_modules"))
    vendor = "docs/_vendor/node_modules"  # the docs page's search library, installed by npm
    (templates / vendor).symlink_to(ROOT / "templates" / vendor)
    template = templates / row.template
    text = template.read_text()
    renamed = row.field_line.replace("p.name |", 'p.name | replace("assertion", "jwt") |')
    broken = text.replace(row.field_line, renamed, 1)
    assert broken != text
    template.write_text(broken)
    out = tmp_path / "generated"
    command = [sys.executable, "-m", "generator", "-q", "--templates", str(templates)]
    subprocess.run([*command, "--out", str(out)], cwd=ROOT, check=True)
    assert row.renamed in (out / row.output).read_text()
    built = CLIENTS[language].build(out, tmp_path)
    problems = client_parity(language, built, "login-jwt").problems
    assert any("form" in problem and "jwt" in problem for problem in problems), problems
