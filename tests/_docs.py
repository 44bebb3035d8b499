"""Running the docs' samples: every tab of one language, in page order, as one program, against
the local platform, in a directory outside the repository, as a reader would paste them.

RUNNERS is the table a language adds itself to (see templates/docs/_samples/README.md): how its
samples are joined into one program and how that program runs. Placeholders in the samples
(``'<your app key>'`` on an ``export RC_APP_KEY=`` line) are filled from what
``python -m rcsdk.testing serve`` exports (``LocalPlatform.env()``), as a reader fills them.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rcsdk.testing import LocalPlatform

EXPORT = re.compile(r"^(export (RC_\w+)=)(.*)$", flags=re.M)
PLACEHOLDER = re.compile(r"<[^<>\n]*>")


@dataclass(frozen=True)
class Runner:
    """How the samples of one language run."""

    file: str
    """The program's file name in the work directory."""
    command: Callable[[Path], list[str]]
    """The command line that runs the program (given its path)."""
    prelude: str = ""
    joiner: str = "\n\n"
    postlude: str = ""
    env_from_platform: bool = True
    """Start the program with the platform's RC_* variables (False: the samples set them)."""
    prepare: Callable[[Path, Path], Mapping[str, str]] = field(default=lambda workdir, gen: {})
    """Set up the work directory (given it and generated/); returns extra environment."""


def _copy_snippets(workdir: Path, generated: Path) -> Mapping[str, str]:
    """The cURL samples source ``./rcsdk.bash`` (the snippets' guards and helpers) and call the
    snippets as ``./login-jwt.sh``: the docs' install tab says to copy generated/curl/ from the
    checkout into the project, and so does this."""
    for snippet in sorted((generated / "curl").glob("*")):
        shutil.copy2(snippet, workdir / snippet.name)
    return {}


def _package(generated: Path, workdir: Path, language: str, built_marker: str) -> Path:
    """The ``language`` package built from ``generated``/<language>: build/<language> when it
    was built from the same sources (``make`` does that), else a fresh build in ``workdir`` by
    tests/<language>/build.sh."""
    root = Path(__file__).resolve().parent.parent
    source, built = generated / language, root / "build" / language
    files = sorted(p for p in source.rglob("*") if p.is_file())
    if (built / built_marker).is_file() and all(
        (built / p.relative_to(source)).is_file()
        and (built / p.relative_to(source)).read_bytes() == p.read_bytes()
        for p in files
    ):
        return built
    out = workdir / ".rcsdk-build" / language
    script = root / "tests" / language / "build.sh"
    subprocess.run(
        ["bash", str(script), str(source), str(out)], check=True, capture_output=True, timeout=300
    )
    return out


def js_package(generated: Path, workdir: Path) -> Path:
    """The JavaScript package built from ``generated``/js (compiled by tsc)."""
    return _package(generated, workdir, "js", "dist/index.js")


def _install_js(workdir: Path, generated: Path) -> Mapping[str, str]:
    """The package built from ``generated``, linked into the project's node_modules: what the
    install tab's command gives (tests/test_js_install.py runs that command as written)."""
    (workdir / "node_modules").mkdir(exist_ok=True)
    (workdir / "node_modules" / "rcsdk").symlink_to(js_package(generated, workdir))
    return {}


def php_package(generated: Path, workdir: Path) -> Path:
    """The PHP package built from ``generated``/php (its autoloader by Composer)."""
    return _package(generated, workdir, "php", "vendor/autoload.php")


def _install_php(workdir: Path, generated: Path) -> Mapping[str, str]:
    """``composer require rcsdk/rcsdk`` from a path repository, as the install tab says: the
    project's vendor/autoload.php loads the package (Composer's autoloader, made by build.sh)."""
    autoload = php_package(generated, workdir) / "vendor" / "autoload.php"
    (workdir / "vendor").mkdir(exist_ok=True)
    (workdir / "vendor" / "autoload.php").write_text(f"<?php\nrequire {str(autoload)!r};\n")
    return {}


def _install_go(workdir: Path, generated: Path) -> Mapping[str, str]:
    """``go mod edit -require ... -replace ...=/path/to/rcsdk/generated/go``, as the install tab
    says: a module of the reader's whose go.mod points at the checkout's generated/go, and the
    same for the Redis store's module (generated/go/redis, "Running many workers"), whose go.sum
    pins go-redis (downloaded by `make`: nothing is fetched here)."""
    go = (generated / "go").resolve()
    module = (go / "go.mod").read_text()
    path = re.search(r"^module (\S+)$", module, flags=re.M)
    assert path is not None, "generated/go/go.mod names no module"
    (workdir / "go.mod").write_text(
        f"module docs.local/samples\n\ngo 1.26.0\n\n"
        f"require {path[1]} v0.0.0\n\nrequire {path[1]}/redis v0.0.0\n\n"
        f"replace {path[1]} => {go}\n\nreplace {path[1]}/redis => {go / 'redis'}\n"
    )
    shutil.copy(go / "redis" / "go.sum", workdir / "go.sum")
    return {"GOFLAGS": "-mod=mod", "GOWORK": "off"}


# The Go samples are the body of main; this is what a reader's main.go has around them.
GO_PRELUDE = """package main

import (
\t"context"
\t"encoding/json"
\t"errors"
\t"fmt"
\t"log"
\t"net/http"
\t"net/url"
\t"os"
\t"strings"
\t"sync"

\t"rcsdk.local/rcsdk"
\t"rcsdk.local/rcsdk/redis"
)

func main() {
"""

RUNNERS: dict[str, Runner] = {
    "javascript": Runner(
        "docs_samples.mjs", lambda script: ["node", str(script)], prepare=_install_js
    ),
    "php": Runner(
        "docs_samples.php",
        lambda script: ["php", str(script)],
        prelude="<?php\n\ndeclare(strict_types=1);\n\n",
        prepare=_install_php,
    ),
    "python": Runner("docs_samples.py", lambda script: [sys.executable, str(script)]),
    "go": Runner(
        "main.go",
        lambda script: ["go", "run", "."],
        prelude=GO_PRELUDE,
        postlude="\n}\n",
        prepare=_install_go,
    ),
    "shell": Runner(
        "docs_samples.sh",
        lambda script: ["bash", str(script)],
        prelude="set -euo pipefail\n",
        joiner="\n",
        env_from_platform=False,
        prepare=_copy_snippets,
    ),
}


def code_blocks(markdown: str, language: str) -> list[str]:
    """The fenced code blocks of one language, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", markdown, flags=re.M | re.S)


def fill(sample: str, exports: Mapping[str, str]) -> str:
    """Replace each ``export RC_X=<placeholder>`` value by what ``serve`` exports for RC_X."""

    def value(match: re.Match[str]) -> str:
        if match.group(2) in exports and PLACEHOLDER.search(match.group(3)):
            return match.group(1) + shlex.quote(exports[match.group(2)])
        return match.group(0)

    return EXPORT.sub(value, sample)


def program(generated: Path, language: str, exports: Mapping[str, str]) -> str:
    runner = RUNNERS[language]
    samples = code_blocks((generated / "docs" / "index.md").read_text(), language)
    joined = runner.joiner.join(fill(sample, exports) for sample in samples)
    return runner.prelude + joined + runner.postlude


def run_samples(
    generated: Path, workdir: Path, language: str, local: LocalPlatform | None = None
) -> subprocess.CompletedProcess[str]:
    """Run every ``language`` sample of the docs, in order, in ``workdir``."""
    if local is None:
        with LocalPlatform() as platform:
            return run_samples(generated, workdir, language, platform)
    runner = RUNNERS[language]
    script = workdir / runner.file
    script.write_text(program(generated, language, local.env()))
    env = {k: v for k, v in os.environ.items() if not k.startswith("RC_")}
    if runner.env_from_platform:
        env.update(local.env())
    env.update(runner.prepare(workdir, generated))
    return subprocess.run(
        runner.command(script),
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def samples_problems(generated: Path, workdir: Path, language: str) -> list[str]:
    result = run_samples(generated, workdir, language)
    if result.returncode != 0:
        return [f"docs {language} samples failed ({result.returncode}): {result.stderr[-500:]}"]
    return []
