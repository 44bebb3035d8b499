"""A long wait on a 429 is seen without any logging set up, in every language.

Which waits are announced (a warning line and the ``rate_limit_wait`` event) is a shared rule:
the ``announced`` field of generated/cases.json, run by all three suites with a logger attached.
What this file checks is language-only by nature: where each language's warning goes when the
application configured nothing (Python: logging's last-resort handler; JavaScript:
process.emitWarning; PHP: error_log, stderr from the CLI; Go: the standard logger, stderr). Each
client runs in a process of its own, as a user's script does, against a server whose first answer
is a 429 asking for a wait just over the threshold.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from _scripted import scripted
from _support import ROOT, go_firstuse

TABLE: dict[str, Any] = json.loads((ROOT / "generated" / "cases.json").read_text())
WAIT = TABLE["defaults"]["announce_wait"] + 1
TOKEN = next(
    case["responses"][-1]
    for case in TABLE["cases"]
    if case["operation"] == "login" and case["outcome"] == "ok"
)
RESPONSES = [
    {
        "status": 429,
        "headers": {"Retry-After": str(WAIT), "X-Rate-Limit-Group": "Auth"},
        "body": "{}",
    },
    TOKEN,
]

JS_PACKAGE = (ROOT / "build/js/dist/index.js").as_uri()  # `make build-js`, before the suites
SCRIPTS: dict[str, Callable[[str], list[str]]] = {
    "python": lambda url: [
        sys.executable,
        "-c",
        "from rcsdk import RCSDK\n"
        f"RCSDK('app-key', 'app-secret', {url!r}).get_platform().login_jwt('JWT')\n"
        "print('logged in')",
    ],
    "javascript": lambda url: [
        "node",
        "--input-type=module",
        "-e",
        f"const {{ RCSDK }} = await import({json.dumps(JS_PACKAGE)});\n"
        f"const sdk = new RCSDK({{ appKey: 'app-key', appSecret: 'app', server: '{url}' }});\n"
        "await sdk.getPlatform().loginJwt('JWT');\n"
        "console.log('logged in');",
    ],
    "php": lambda url: [
        "php",
        "-r",
        f"require {json.dumps(str(ROOT / 'build/php/vendor/autoload.php'))};\n"
        f"(new Rcsdk\\RCSDK('app-key', 'app-secret', '{url}'))->getPlatform()->loginJwt('JWT');\n"
        'echo "logged in\\n";',
    ],
    "go": lambda url: [go_firstuse(), "login", url],
}


def run(language: str) -> subprocess.CompletedProcess[str]:
    with scripted(RESPONSES) as server:
        return subprocess.run(
            SCRIPTS[language](server.url),
            cwd=Path("/"),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )


def test_every_language_says_it_waits_without_any_logging_set_up() -> None:
    go_firstuse()  # built before the clock of any wait starts
    languages = sorted(SCRIPTS)
    with ThreadPoolExecutor(len(languages)) as pool:  # the waits overlap: one wait in all
        results = dict(zip(languages, pool.map(run, languages), strict=True))
    for language, result in results.items():
        assert result.returncode == 0, f"{language}: {result.stderr}"
        assert result.stdout.strip() == "logged in", language
        assert "rate limited (Auth group)" in result.stderr, f"{language}: {result.stderr!r}"
        assert f"waiting {WAIT} s before retrying" in result.stderr, language


@pytest.mark.parametrize("wait", [TABLE["defaults"]["announce_wait"]])
def test_a_short_wait_stays_quiet(wait: int) -> None:
    """At the threshold nothing is printed (Python; the table covers the rest): the warning
    above comes from the rule, not from every retry."""
    responses = [{**RESPONSES[0], "headers": {"Retry-After": str(wait)}}, TOKEN]
    with scripted(responses) as server:
        result = subprocess.run(
            SCRIPTS["python"](server.url), capture_output=True, text=True, timeout=60, check=False
        )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
