"""Generation from a hostile spec (tests/_hostile.py): the output passes ruff and mypy --strict,
tsc --strict, php -l with strict types, gofmt, go vet and staticcheck, and bash -n; the Python,
JavaScript, PHP and Go clients each log in and call both API operations against the hostile
package's own local platform; the spec's text arrives intact in docstrings, type declarations
and doc comments."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _hostile import HOSTILE, write_hostile_spec
from _support import ROOT

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    spec = write_hostile_spec(root)
    result = subprocess.run(
        [sys.executable, "-m", "generator", "--spec", str(spec), "--out", str(root / "out")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "out"


def run(*command: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(c) for c in command], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_it_passes_ruff(out: Path) -> None:
    config = ["--config", str(ROOT / "pyproject.toml")]
    for command in (["check"], ["format", "--check"]):
        result = run(BIN / "ruff", *command, *config, out / "rcsdk")
        assert result.returncode == 0, result.stdout + result.stderr


def test_it_passes_mypy_strict(out: Path) -> None:
    result = run(
        BIN / "mypy", "--strict", "--config-file", ROOT / "pyproject.toml", "rcsdk", cwd=out
    )
    assert result.returncode == 0, result.stdout + result.stderr


JS_SMOKE = """
const { RCSDK } = await import(process.argv[1]);
const env = process.env;
const sdk = new RCSDK({
  appKey: env.RC_APP_KEY, appSecret: env.RC_APP_SECRET, server: env.RC_SERVER,
});
const platform = sdk.getPlatform();
await platform.loginJwt(env.RC_JWT);
const extension = await platform.readExtension();
const phone = await platform.readPhoneNumber();
await platform.refresh();
await platform.logout();
console.log(JSON.stringify({
  extension: extension.name,
  phone: phone.constructor.name,
  authorized: await platform.isAuthorized(),
}));
"""


def against_its_platform(out: Path, *command: str | Path) -> dict[str, object]:
    """Run ``command`` with RC_* set for the hostile package's own local platform."""
    env = {**os.environ, "PYTHONPATH": str(out), "PYTHONDONTWRITEBYTECODE": "1"}
    serve = [sys.executable, "-m", "rcsdk.testing", "run", "--port", "0", "--"]
    result = subprocess.run(
        [*serve, *map(str, command)], cwd=out, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return seen


def test_the_javascript_package_passes_tsc_strict_and_works(out: Path, tmp_path: Path) -> None:
    assert (ROOT / "tests" / "js" / "node_modules" / ".bin" / "tsc").exists(), "make js-tools"
    result = run("bash", ROOT / "tests" / "js" / "build.sh", out / "js", tmp_path / "js")
    assert result.returncode == 0, result.stdout + result.stderr
    dist = tmp_path / "js" / "dist"
    seen = against_its_platform(
        out, "node", "--input-type=module", "-e", JS_SMOKE, dist / "index.js"
    )
    assert seen["extension"] and seen["phone"] == "PhoneNumberInfo" and seen["authorized"] is False
    # The spec's prose reaches the type declarations whole (only "*/" is defused).
    typed = " ".join((dist / "platform.d.ts").read_text().split())
    assert " ".join(HOSTILE.replace("*/", "*\\/").split()) in typed


def test_the_snippets_are_valid_bash(out: Path) -> None:
    for snippet in sorted((out / "curl").glob("*.sh")):
        result = run("bash", "-n", snippet)
        assert result.returncode == 0, f"{snippet.name}: {result.stderr}"


SMOKE = """
import json, sys
import rcsdk
from rcsdk.testing import LOCAL_CREDENTIALS as C, LocalPlatform

with LocalPlatform() as local:
    sdk = rcsdk.RCSDK(C["RC_APP_KEY"], C["RC_APP_SECRET"], local.url)
    platform = sdk.get_platform()
    platform.login_jwt(C["RC_JWT"])
    extension = platform.read_extension()
    phone = platform.read_phone_number()
    platform.refresh()
    platform.logout()
    print(json.dumps({
        "module": rcsdk.__file__,
        "extension": extension.name,
        "phone": type(phone).__name__,
        "doc": rcsdk.Platform.login_jwt.__doc__,
        "authorized": platform.is_authorized(),
    }))
"""


def test_it_works_against_its_own_local_platform(out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(out), "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", SMOKE], cwd=out, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["module"].startswith(str(out))
    assert seen["extension"]
    assert seen["phone"] == "PhoneNumberInfo"
    assert seen["authorized"] is False
    # The spec's prose reaches the docstring whole: quotes, backslashes and all.
    assert " ".join(HOSTILE.split()) in " ".join(seen["doc"].split())


PHP_SMOKE = """
require getenv('RCSDK_PHP_AUTOLOAD');
$env = getenv();
$sdk = new Rcsdk\\RCSDK($env['RC_APP_KEY'], $env['RC_APP_SECRET'], $env['RC_SERVER']);
$p = $sdk->getPlatform();
$p->loginJwt($env['RC_JWT']);
$extension = $p->readExtension();
$phone = $p->readPhoneNumber();
$p->refresh();
$p->logout();
echo json_encode([
    'extension' => $extension->name,
    'phone' => (new ReflectionClass($phone))->getShortName(),
    'authorized' => $p->isAuthorized(),
    'doc' => (new ReflectionMethod($p, 'loginJwt'))->getDocComment(),
]), "\\n";
"""


def test_the_php_package_passes_php_lint_and_works(out: Path, tmp_path: Path) -> None:
    lint = run("bash", ROOT / "tests" / "php" / "lint.sh", out / "php")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert "files ok" in lint.stdout
    build = run("bash", ROOT / "tests" / "php" / "build.sh", out / "php", tmp_path / "php")
    assert build.returncode == 0, build.stdout + build.stderr
    autoload = str(tmp_path / "php" / "vendor" / "autoload.php")
    seen = against_its_platform(
        out, "env", f"RCSDK_PHP_AUTOLOAD={autoload}", "php", "-r", PHP_SMOKE
    )
    assert seen["extension"] and seen["phone"] == "PhoneNumberInfo" and seen["authorized"] is False
    # The spec's prose reaches the doc comment whole (only "*/" is defused).
    assert isinstance(seen["doc"], str)
    assert " ".join(HOSTILE.replace("*/", "*\\/").split()) in " ".join(seen["doc"].split())


GO_SMOKE = """package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"rcsdk.local/rcsdk"
)

func main() {
	ctx := context.Background()
	sdk, err := rcsdk.FromEnv()
	if err != nil {
		panic(err)
	}
	p := sdk.Platform()
	if _, err := p.LoginJWT(ctx, os.Getenv("RC_JWT")); err != nil {
		panic(err)
	}
	extension, err := p.ReadExtension(ctx)
	if err != nil {
		panic(err)
	}
	phone, err := p.ReadPhoneNumber(ctx)
	if err != nil {
		panic(err)
	}
	if _, err := p.Refresh(ctx); err != nil {
		panic(err)
	}
	if err := p.Logout(ctx); err != nil {
		panic(err)
	}
	seen, _ := json.Marshal(map[string]any{
		"extension":  extension.Name,
		"phone":      fmt.Sprintf("%T", phone),
		"authorized": p.IsAuthorized(),
	})
	fmt.Println(string(seen))
}
"""


def test_the_go_module_passes_its_checks_and_works(out: Path, tmp_path: Path) -> None:
    lint = run("bash", ROOT / "tests" / "go" / "lint.sh", out / "go")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    (tmp_path / "main.go").write_text(GO_SMOKE)
    (tmp_path / "go.mod").write_text(
        "module hostile.local/smoke\n\ngo 1.22\n\nrequire rcsdk.local/rcsdk v0.0.0\n\n"
        f"replace rcsdk.local/rcsdk => {out / 'go'}\n"
    )
    build = run("go", "build", "-o", tmp_path / "smoke", ".", cwd=tmp_path)
    assert build.returncode == 0, build.stdout + build.stderr
    seen = against_its_platform(out, tmp_path / "smoke")
    assert seen == {
        "extension": seen["extension"],
        "phone": "*rcsdk.PhoneNumberInfo",
        "authorized": False,
    }
    assert seen["extension"]
    # The spec's prose reaches the doc comments whole (one line each).
    assert " ".join(HOSTILE.split()) in " ".join((out / "go" / "platform.go").read_text().split())
