"""The Composer package as a user adds it: the documented commands (a path repository to the
checkout's generated/php, then `composer require`), in a Composer project outside the checkout,
with nothing built first, then the quickstart against the local platform.

Composer runs with its network disabled: the path repository is the only source of rcsdk/rcsdk
(a repository named in composer.json comes before Packagist and is canonical for what it holds).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from _support import ROOT

INSTALL = (
    f"composer config repositories.rcsdk path {ROOT / 'generated' / 'php'}"
    " && composer require rcsdk/rcsdk"
)

QUICKSTART = """<?php
require 'vendor/autoload.php';

$platform = Rcsdk\\RCSDK::fromEnv()->getPlatform();
$platform->loginJwt((string) getenv('RC_JWT'));
echo $platform->readExtension()->name, "\\n";
$platform->logout();
echo $platform->isAuthorized() ? 'true' : 'false', "\\n";
"""


def composer_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "COMPOSER"))}
    env.update(
        HOME=str(home),
        COMPOSER_HOME=str(home / ".composer"),
        COMPOSER_DISABLE_NETWORK="1",
        COMPOSER_NO_INTERACTION="1",
    )
    return env


def test_the_documented_composer_commands_install_the_package(tmp_path: Path) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "composer.json").write_text('{"name": "me/app", "require": {}}\n')
    env = composer_env(tmp_path)
    install = subprocess.run(
        ["bash", "-c", INSTALL], cwd=project, env=env, capture_output=True, text=True, timeout=300
    )
    assert install.returncode == 0, install.stdout + install.stderr
    assert (project / "vendor" / "rcsdk" / "rcsdk" / "composer.json").is_file()
    (project / "main.php").write_text(QUICKSTART)
    run = subprocess.run(
        [sys.executable, "-m", "rcsdk.testing", "run", "--", "php", "main.php"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n") == ["Local User", "false", ""], run.stdout
