"""The PHP client against the Python one: parity by execution on the cassettes (with a mutation
that must fail), auth data and FileTokenStore files across Python, JavaScript and PHP, and the
cross-process refresh storm (8 PHP and 4 Python processes on one store). PHPUnit (tests/php/,
``make test-php``) covers the rest of the PHP client's behaviour."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rcsdk import RCSDK, FileTokenStore, RCSDKError
from rcsdk.testing import LocalPlatform

from _cross import check_file_store_shared_with_python
from _loopback import Listener
from _parity import CLIENTS
from _php import storm, worker_env
from _support import CREDS, ROOT

GENERATED = ROOT / "generated"
PHP = ROOT / "tests" / "php"


@pytest.fixture(scope="module")
def php_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The PHP package built from generated/ (once for this module)."""
    return CLIENTS["php"].build(GENERATED, tmp_path_factory.mktemp("php"))


# --- one auth data format, across the three languages -----------------------------------------


@pytest.fixture
def local() -> Iterator[LocalPlatform]:
    with LocalPlatform(auth_rate_limit=None) as platform:
        yield platform


def _env(local: LocalPlatform, php_build: Path, **extra: object) -> dict[str, str]:
    return worker_env(local, php_build, **extra)


def run_php(php_build: Path, local: LocalPlatform, mode: str, **kwargs: Any) -> dict[str, Any]:
    env = _env(local, php_build, **kwargs.pop("extra_env", {}))
    result = subprocess.run(
        ["php", str(PHP / "auth_data.php"), mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )
    assert result.returncode == 0, result.stderr[-800:] + result.stdout[-800:]
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def test_auth_data_round_trips_python_to_php_to_javascript_and_back(
    php_build: Path, local: LocalPlatform, tmp_path: Path
) -> None:
    python = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    python.login_jwt(CREDS["RC_JWT"])
    extension_id = python.read_extension().id
    data = python.get_auth_data()
    answer = run_php(php_build, local, "set-call-get", input=json.dumps(data))
    assert answer["extension"] == extension_id
    from_php = answer["auth"]
    assert from_php.keys() == data.keys()
    assert from_php["token"]["refresh_token"] != data["token"]["refresh_token"]  # PHP rotated it
    # JavaScript takes what PHP wrote, calls, rotates, and gives it back.
    js = ROOT / "build" / "js"  # made by `make build-js` before the suites run
    if not (js / "dist" / "index.js").exists():
        js = CLIENTS["javascript"].build(GENERATED, tmp_path)
    node = subprocess.run(
        ["node", str(ROOT / "tests" / "js" / "auth_data.mjs"), "set-call-get"],
        env={**_env(local, php_build), "RCSDK_DIST": str(js / "dist" / "index.js")},
        input=json.dumps(from_php),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert node.returncode == 0, node.stderr[-800:]
    from_js = json.loads(node.stdout)["auth"]
    assert from_js["token"]["refresh_token"] != from_php["token"]["refresh_token"]
    # PHP takes what JavaScript wrote, and Python what PHP wrote last (the old tokens are dead).
    last = run_php(php_build, local, "set-call-get", input=json.dumps(from_js))["auth"]
    again = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    again.set_auth_data(last)
    assert again.read_extension().id == extension_id
    assert again.get_auth_data() == last


def test_a_file_token_store_is_shared_by_python_and_php(
    php_build: Path, local: LocalPlatform, tmp_path: Path
) -> None:
    check_file_store_shared_with_python(
        lambda step, env: run_php(php_build, local, step, extra_env=dict(env)), local, tmp_path
    )


# --- a session is bound to its origin, in every language -----------------------------------------

LANGUAGES = ("python", "javascript", "php", "go")


@pytest.fixture(scope="module")
def go_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go scenario program (its store-login and store-use modes), built once."""
    return CLIENTS["go"].build(GENERATED, tmp_path_factory.mktemp("go"))


def _origin_step(
    language: str,
    mode: str,
    server: str,
    store: Path,
    builds: tuple[Path, Path],
    tmp_path: Path,
) -> dict[str, Any]:
    """One language's step on a FileTokenStore: ``store-login`` (log in into it) or ``store-use``
    (a call with it; the error's class and message)."""
    if language == "python":
        platform = RCSDK(
            CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], server, store=FileTokenStore(store)
        ).get_platform()
        if mode == "store-login":
            platform.login_jwt(CREDS["RC_JWT"])
            return {"ok": True}
        try:
            platform.read_extension()
        except RCSDKError as error:
            authorized = platform.is_authorized()
            return {"error": type(error).__name__, "message": str(error), "authorized": authorized}
        return {"error": None}
    php_build, go_build = builds
    js = ROOT / "build" / "js"  # made by `make build-js` before the suites run
    if not (js / "dist" / "index.js").exists():
        js = CLIENTS["javascript"].build(GENERATED, tmp_path)
    script = {
        "javascript": ["node", str(ROOT / "tests" / "js" / "auth_data.mjs")],
        "go": [str(go_build / "scenario")],
    }.get(language, ["php", str(PHP / "auth_data.php")])
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RC_")},
        "RC_APP_KEY": CREDS["RC_APP_KEY"],
        "RC_APP_SECRET": CREDS["RC_APP_SECRET"],
        "RC_JWT": CREDS["RC_JWT"],
        "RC_SERVER": server,
        "RC_STORE": str(store),
        "RCSDK_DIST": str(js / "dist" / "index.js"),
        "RCSDK_PHP_AUTOLOAD": str(php_build / "vendor" / "autoload.php"),
    }
    done = subprocess.run(
        [*script, mode], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-800:] + done.stdout[-800:]
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


@pytest.mark.parametrize("reader", LANGUAGES)
@pytest.mark.parametrize("writer", LANGUAGES)
def test_no_language_sends_another_origins_file_store(
    writer: str,
    reader: str,
    php_build: Path,
    go_build: Path,
    local: LocalPlatform,
    tmp_path: Path,
) -> None:
    """Issue #20 point 1, all sixteen writer -> reader pairs of Python, JS, PHP and Go: a
    tokens.json written for one server is never sent to another by any language (the other
    server receives nothing), the reader gets a SessionOriginError naming the file and both
    origins, and the file is left as it was (its own platform goes on using it)."""
    store = tmp_path / "tokens.json"
    builds = (php_build, go_build)
    _origin_step(writer, "store-login", local.url, store, builds, tmp_path)
    written = store.read_bytes()
    data = json.loads(written)
    port = local.url.rsplit(":", 1)[1]
    assert (data["origin"], data["app_key"]) == (f"http://127.0.0.1:{port}", CREDS["RC_APP_KEY"])
    with Listener(body={"stolen": True}) as other:
        answer = _origin_step(reader, "store-use", other.url, store, builds, tmp_path)
        assert other.received == 0, f"{reader} sent {writer}'s tokens to another origin"
    assert answer["error"] == "SessionOriginError", answer
    assert not answer["authorized"]
    for part in (str(store), f"http://127.0.0.1:{port}", f"http://{other.host}"):
        assert part in answer["message"], (part, answer["message"])
    assert store.read_bytes() == written
    owner = RCSDK(
        CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url, store=FileTokenStore(store)
    ).get_platform()
    assert owner.read_extension().id


# --- processes, not threads ---------------------------------------------------------------------


def test_eight_php_and_four_python_processes_on_a_due_token_refresh_once(
    php_build: Path, tmp_path: Path
) -> None:
    rotations, reports, _ = storm(php_build, tmp_path / "tokens.json", php=8, python=4)
    assert [r["errors"] for r in reports if r["failed"]] == []
    assert sum(r["calls"] for r in reports) == 12
    assert sum(r["refreshes"] for r in reports) == 1
    assert rotations == 1


# --- the package, as a user installs it ----------------------------------------------------------


def test_composer_installs_the_package_from_a_path_repository(tmp_path: Path) -> None:
    """As the docs' install tab says (packagist.org off: no registry is reachable here)."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "composer.json").write_text("{}")
    env = {**os.environ, "COMPOSER_ALLOW_SUPERUSER": "1", "COMPOSER_HOME": str(tmp_path / "h")}
    for command in (
        ["config", "repositories.packagist.org", "false"],
        ["config", "repositories.rcsdk", "path", str(GENERATED / "php")],
        ["require", "rcsdk/rcsdk", "--no-interaction"],
    ):
        done = subprocess.run(
            ["composer", *command], cwd=project, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr
    version = json.loads((GENERATED / "php" / "composer.json").read_text())["version"]
    smoke = "require 'vendor/autoload.php'; echo Rcsdk\\Constants::VERSION;"
    result = subprocess.run(["php", "-r", smoke], cwd=project, capture_output=True, text=True)
    assert result.stdout == version, result.stderr
