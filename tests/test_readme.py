"""The README's install and quickstart of each language, run as written, from a project outside
the checkout: its commands in bash (`/path/to/rcsdk` is the checkout), its files as it names
them, against the local platform its `run` line starts.

Python installs into a fresh venv from a copy of the checkout (pip writes build files next to
what it installs); npm and Composer run offline (the packages have no dependencies), and the
JavaScript package goes into an ESM project, a CommonJS project (npm init's default) and a
TypeScript project (strict, with the package's types). Nothing is built first: the npm command
builds its package, Composer takes generated/php as it is.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

from _support import ROOT

README = (ROOT / "README.md").read_text()
QUICKSTART_OUTPUT = "Local User\nrefreshed\nlogged out\n"
TSC = ROOT / "tests" / "js" / "node_modules" / ".bin" / "tsc"  # the pinned TypeScript


def section(title: str) -> str:
    """The README's ``### title`` section (up to the next heading)."""
    return re.split(r"^#{2,3} ", README.split(f"\n### {title}", 1)[1], flags=re.M)[0]


def commands(text: str) -> str:
    """The section's first ``sh`` block: what a user types."""
    blocks: list[str] = re.findall(r"^```sh\n(.*?)^```$", text, flags=re.M | re.S)
    return blocks[0]


def files(text: str) -> dict[str, str]:
    """The files the section names: "`app.py`:" (or "`app.cjs` (...):") then a code block."""
    found = re.findall(r"`(app\.\w+)`(?: \([^)]*\))?:\n\n```\w+\n(.*?)^```$", text, re.M | re.S)
    return dict(found)


def environment(home: Path) -> dict[str, str]:
    """A user's shell: no RC_* set, `python` the one with rcsdk (for the local platform), npm
    and Composer offline, a home of its own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "npm_", "COMPOSER"))}
    env.update(
        PATH=f"{ROOT / '.venv' / 'bin'}:{env['PATH']}",
        HOME=str(home),
        npm_config_offline="true",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        npm_config_cache=str(home / ".npm"),
        COMPOSER_HOME=str(home / ".composer"),
        COMPOSER_DISABLE_NETWORK="1",
        COMPOSER_NO_INTERACTION="1",
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def bash(script: str, project: Path, checkout: Path = ROOT) -> str:
    """Run what the README says to type, in ``project``; its stdout."""
    result = subprocess.run(
        ["bash", "-c", "set -euo pipefail\n" + script.replace("/path/to/rcsdk", str(checkout))],
        cwd=project,
        env=environment(project.parent),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def project(tmp_path: Path, name: str, manifest: dict[str, object] | None = None) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    if manifest is not None:
        (folder / ("composer.json" if name == "php" else "package.json")).write_text(
            json.dumps(manifest)
        )
    return folder


def test_python(tmp_path: Path) -> None:
    checkout = tmp_path / "rcsdk"
    checkout.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    shutil.copytree(
        ROOT / "generated", checkout / "generated", ignore=shutil.ignore_patterns("__pycache__")
    )
    text = section("Python")
    app = project(tmp_path, "app")
    for name, code in files(text).items():
        (app / name).write_text(code)
    assert list(files(text)) == ["app.py"]
    assert bash(commands(text), app, checkout).endswith(QUICKSTART_OUTPUT)
    assert (app / ".venv" / "bin" / "python").exists()  # it ran in the README's own venv


def test_javascript_from_esm_commonjs_and_typescript(tmp_path: Path) -> None:
    text = section("JavaScript")
    install, run = commands(text).splitlines()
    programs = files(text)
    assert sorted(programs) == ["app.mjs"]
    # CommonJS: "the same calls inside an `async function`, with" the require line the README gives.
    (require,) = re.findall(r"with\s+`(const \{ RCSDK \} = require\(\"rcsdk\"\);)`", text)
    calls = programs["app.mjs"].split("\n", 2)[2]  # after the import line and the blank line
    indented = "".join(f"  {line}\n" if line else "\n" for line in calls.splitlines())
    programs["app.cjs"] = f"{require}\n\nasync function main() {{\n{indented}}}\nmain();\n"
    esm = project(tmp_path, "esm", {"name": "esm-app", "private": True, "type": "module"})
    cjs = project(tmp_path, "cjs", {"name": "cjs-app", "version": "1.0.0", "main": "index.js"})
    ts = project(tmp_path, "ts", {"name": "ts-app", "private": True})
    for folder in (esm, cjs):
        for name, code in sorted(programs.items()):
            (folder / name).write_text(code)
    assert bash(f"{install}\n{run}", esm).endswith(QUICKSTART_OUTPUT)
    assert bash(f"{install}\n{run.replace('app.mjs', 'app.cjs')}", cjs).endswith(QUICKSTART_OUTPUT)
    # TypeScript, strict: the CommonJS program with types (env values may be undefined).
    program = (
        programs["app.cjs"]
        .replace('const { RCSDK } = require("rcsdk");', 'import { RCSDK } from "rcsdk";')
        .replace("async function main() {", "async function main(): Promise<void> {")
        .replace("process.env.RC_JWT", 'process.env.RC_JWT ?? ""')
    )
    (ts / "app.ts").write_text(program)
    (ts / "tsconfig.json").write_text(
        json.dumps(
            {
                "compilerOptions": {
                    "module": "NodeNext",
                    "moduleResolution": "NodeNext",
                    "target": "ES2022",
                    "strict": True,
                    "typeRoots": [str(TSC.parent.parent / "@types")],
                    "types": ["node"],
                },
                "files": ["app.ts"],
            }
        )
    )
    compiled = f"{install}\n{TSC} -p .\n{run.replace('app.mjs', 'app.js')}"
    assert bash(compiled, ts).endswith(QUICKSTART_OUTPUT)
    for folder in (esm, cjs, ts):  # installed as a copy: the project does not need the checkout
        installed = folder / "node_modules" / "rcsdk"
        assert installed.is_dir() and not installed.is_symlink()


def test_php(tmp_path: Path) -> None:
    text = section("PHP")
    app = project(tmp_path, "php", {"name": "me/app", "require": {}})
    for name, code in files(text).items():
        (app / name).write_text(code)
    assert list(files(text)) == ["app.php"]
    assert bash(commands(text), app).endswith(QUICKSTART_OUTPUT)
    assert json.loads((app / "composer.json").read_text())["require"]["rcsdk/rcsdk"]


def test_go(tmp_path: Path) -> None:
    text = section("Go")
    app = project(tmp_path, "go")
    for name, code in files(text).items():
        (app / name).write_text(code)
    assert list(files(text)) == ["app.go"]
    # No module to fetch (standard library only); the machine's build cache, not a cold one.
    cache = subprocess.run(["go", "env", "GOCACHE"], capture_output=True, text=True, check=True)
    env = f"export GOFLAGS=-mod=mod GOPROXY=off GOCACHE={cache.stdout.strip()}\n"
    script = f"{env}go mod init example.local/app 2>/dev/null\n{commands(text)}"
    assert bash(script, app).endswith(QUICKSTART_OUTPUT)


def test_the_shell(tmp_path: Path) -> None:
    text = section("The shell")
    app = project(tmp_path, "shell")
    for name, code in files(text).items():
        (app / name).write_text(code.replace("/path/to/rcsdk", str(ROOT)))
    assert list(files(text)) == ["app.sh"]
    (run,) = re.findall(r"`(python -m rcsdk\.testing run -- bash app\.sh)`", text)
    assert json.loads(bash(run, app))["name"] == "Local User"


def test_every_language_has_its_section_and_its_run_line() -> None:
    for title, program in (
        ("Python", "python app.py"),
        ("JavaScript", "node app.mjs"),
        ("PHP", "php app.php"),
        ("Go", "go run app.go"),
        ("The shell", "bash app.sh"),
    ):
        assert f"python -m rcsdk.testing run -- {program}" in section(title), title
