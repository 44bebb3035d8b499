"""With RC_SERVER unset, every language says which server it uses: production, named with its
URL, on the warning sink each has by default (Python: logging's last-resort handler; JavaScript:
process.emitWarning; PHP: error_log; Go: the standard logger). A sandbox or local app's
credentials fail in production with an error that does not say why, so the line is the clue. Each
client is made the way its quickstart makes it, in a process of its own with no logging set up;
nothing is sent.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import rcsdk
from rcsdk import PRODUCTION_SERVER

from _support import ROOT, go_firstuse

LINE = f"rcsdk: no server given (RC_SERVER is not set): using production, {PRODUCTION_SERVER}"

JS_PACKAGE = (ROOT / "build/js/dist/index.js").as_uri()  # `make build-js`, before the suites
PROGRAMS = {
    "python": [
        sys.executable,
        "-c",
        "from rcsdk import RCSDK\nprint(RCSDK.from_env().get_platform().server)",
    ],
    "javascript": [
        "node",
        "--input-type=module",
        "-e",
        f"const {{ RCSDK }} = await import({json.dumps(JS_PACKAGE)});\n"
        "for (const sdk of [\n"
        "  new RCSDK({ appKey: process.env.RC_APP_KEY, server: process.env.RC_SERVER }),\n"
        "  RCSDK.fromEnv(),\n"
        "]) console.log(sdk.getPlatform().server);",
    ],
    "php": [
        "php",
        "-r",
        f"require {json.dumps(str(ROOT / 'build/php/vendor/autoload.php'))};\n"
        'echo Rcsdk\\RCSDK::fromEnv()->getPlatform()->server, "\\n";',
    ],
    "go": ["{firstuse}", "from-env"],
}


def command(language: str) -> list[str]:
    return [go_firstuse() if part == "{firstuse}" else part for part in PROGRAMS[language]]


@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_an_unset_rc_server_is_named_as_production(language: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RC_")}
    env["RC_APP_KEY"] = "app-key"
    result = subprocess.run(
        command(language), env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    servers = result.stdout.split()
    assert servers and set(servers) == {PRODUCTION_SERVER}
    assert result.stderr.count(LINE) == len(servers), result.stderr


@pytest.mark.parametrize("language", sorted(PROGRAMS))
def test_a_set_rc_server_is_used_without_a_word(language: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RC_")}
    env.update(RC_APP_KEY="app-key", RC_SERVER="http://127.0.0.1:9")
    result = subprocess.run(
        command(language), env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"http://127.0.0.1:9"}
    assert "rcsdk" not in result.stderr


GUIDE = (ROOT / "docs" / "PRODUCTION.md").read_text()


def test_the_production_guide_quotes_the_line_and_the_servers_of_the_spec() -> None:
    assert f"    {LINE}\n" in GUIDE
    for constant in ("PRODUCTION_SERVER", "SANDBOX_SERVER"):
        assert f"`{getattr(rcsdk, constant)}`" in GUIDE, constant
