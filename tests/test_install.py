"""The Makefile's install path on a simulated clean machine: every Debian package comes from one
apt-get call, and no two apt-get runs ever overlap, as `make` and `make test` run it.

The machine is a temporary folder holding the Makefile, tools/ and the lock files its targets
depend on, with PATH reduced to a folder of basic tools (bash, make, coreutils, ...) and a
stand-in `apt-get`. The stand-in holds a lock (mkdir) while it runs and fails when a second call
finds it held, as dpkg does ("Could not get lock /var/lib/apt/lists/lock"); it records its calls
and "installs" a stand-in executable for each package into a folder on PATH (php-cli a `php` whose
`php -m` lists the extension packages installed so far), so a tool used before apt-get installed
it is "command not found", as on a clean machine. pip and the builds are taken as done (their
stamp files exist), npm is a stand-in that apt-get installs, and PY=true stands in for the venv's
Python: what is checked is the order of the installs, not the installs themselves.

The previous Makefile (one apt-get call per suite's prerequisite: browser, redis-server, php,
openssl) fails test_make_test_installs_once: its suites' prerequisites ran apt-get side by side.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from _support import ROOT

# What the Makefile's recipes call on a clean machine before apt-get has run.
BASIC_TOOLS = (
    "bash",
    "sh",
    "make",
    "awk",
    "grep",
    "sed",
    "cat",
    "mkdir",
    "rmdir",
    "touch",
    "sleep",
    "printf",
    "env",
    "dirname",
    "basename",
    "rm",
    "cp",
    "mv",
    "ls",
    "find",
    "sort",
    "cut",
    "tr",
    "head",
    "tail",
    "wc",
    "uname",
    "mktemp",
    "chmod",
    "ln",
    "true",
    "false",
    "test",
    "tee",
    "xargs",
    "id",
    "readlink",
)

# Every package tools/system-packages.sh installs on a machine that has none of them.
ALL_PACKAGES = {
    "curl",
    "openssl",
    "nodejs",
    "npm",
    "chromium",
    "redis-server",
    "php-cli",
    "php-curl",
    "php-mbstring",
    "php-xml",
    "composer",
    "phpunit",
    "golang-go",
    "php-redis",
}

APT_GET = r"""#!/bin/bash
# Stand-in apt-get: fails when another call is running (dpkg's lock), records each call, and
# "installs" a stand-in executable per package into $SYSBIN.
state=__STATE__
if ! mkdir "$state/lock" 2>/dev/null; then
  echo "E: Could not get lock /var/lib/apt/lists/lock" >&2
  echo "$*" >> "$state/overlaps"
  exit 100
fi
trap 'rmdir "$state/lock"' EXIT
echo "$*" >> "$state/calls"
sleep 0.5   # long enough for a call started beside this one to find the lock held
[ "$1" = update ] && exit 0
stub() {  # stub NAME: an executable that records its call and succeeds
  printf '#!/bin/bash\necho "%s $*" >> %s/tools\n' "$1" "$state" > "__SYSBIN__/$1"
  chmod +x "__SYSBIN__/$1"
}
for package in "$@"; do
  case $package in
    -*) ;;
    install) ;;
    php-cli)
      cat > __SYSBIN__/php <<'EOF'
#!/bin/bash
[ "$1" = -m ] && { echo '[PHP Modules]'; cat __STATE__/php-modules 2>/dev/null; }
exit 0
EOF
      chmod +x __SYSBIN__/php ;;
    php-xml) echo dom >> "$state/php-modules" ;;
    php-*) echo "${package#php-}" >> "$state/php-modules" ;;
    nodejs) stub node ;;
    golang-go)
      # A Go new enough that tools/go-toolchain.sh fetches no other.
      cat > __SYSBIN__/go <<'EOF'
#!/bin/bash
[ "$1 $2" = "env GOVERSION" ] && { echo go1.26.0; exit 0; }
[ "$1" = install ] && mkdir -p "$GOBIN"
echo "go $*" >> __STATE__/tools
EOF
      chmod +x __SYSBIN__/go
      stub gofmt ;;
    npm)
      # npm ci: records the call and leaves a node_modules folder where npm would.
      cat > __SYSBIN__/npm <<'EOF'
#!/bin/bash
echo "npm $*" >> __STATE__/tools
prefix=.
while [ $# -gt 0 ]; do [ "$1" = --prefix ] && prefix=$2; shift; done
mkdir -p "$prefix/node_modules"
EOF
      chmod +x __SYSBIN__/npm ;;
    *) stub "$package" ;;
  esac
done
"""

# The builds, standing in for tests/{js,php}/build.sh: each needs the tool apt-get installs.
BUILD_JS = 'command -v node >/dev/null && mkdir -p "$2/dist" && touch "$2/dist/index.js"\n'
BUILD_PHP = (
    'command -v composer >/dev/null && mkdir -p "$2/vendor" && touch "$2/vendor/autoload.php"\n'
)


def clean_machine(tmp_path: Path, makefile: str, *, built: bool) -> tuple[Path, dict[str, str]]:
    """A checkout in tmp_path/checkout on a machine with no Debian package installed; `built`
    also marks every npm install and build as done (as `make` leaves them), so only apt-get runs."""
    checkout = tmp_path / "checkout"
    checkout.mkdir()
    (checkout / "Makefile").write_text(makefile)
    shutil.copytree(ROOT / "tools", checkout / "tools")
    for name in (
        "pyproject.toml",
        "templates/docs/_vendor/package-lock.json",
        "tests/js/package-lock.json",
        "tests/official-js/package-lock.json",
        "tests/go/go.sum",
        "generated/go/redis/go.sum",
    ):
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, checkout / name)
    (checkout / "tests/js/build.sh").write_text(BUILD_JS)
    (checkout / "tests/php").mkdir(parents=True)
    (checkout / "tests/php/build.sh").write_text(BUILD_PHP)
    (checkout / "generated/examples/go").mkdir(parents=True)  # where the demo runs `go run .`
    stamps = [".venv/.installed", ".venv-official/.installed"]
    if built:
        stamps += [
            "templates/docs/_vendor/node_modules/.package-lock.json",
            "tests/js/node_modules/.installed",
            "tests/official-js/node_modules/.installed",
            "build/js/dist/index.js",
            "build/php/vendor/autoload.php",
        ]
    for stamp in stamps:  # made after the files they depend on, so make takes them as current
        (checkout / stamp).parent.mkdir(parents=True, exist_ok=True)
        (checkout / stamp).touch()

    state = tmp_path / "state"
    state.mkdir()
    bin_dir, sysbin = tmp_path / "bin", tmp_path / "sysbin"
    bin_dir.mkdir()
    sysbin.mkdir()
    for tool in BASIC_TOOLS:
        found = shutil.which(tool)
        assert found, f"{tool} is needed to simulate the machine"
        (bin_dir / tool).symlink_to(found)
    apt_get = bin_dir / "apt-get"
    apt_get.write_text(APT_GET.replace("__STATE__", str(state)).replace("__SYSBIN__", str(sysbin)))
    apt_get.chmod(0o755)
    env = {"PATH": f"{bin_dir}:{sysbin}", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    return checkout, env


def apt_calls(tmp_path: Path) -> tuple[list[list[str]], list[str]]:
    """The apt-get calls (argument lists) and the calls that found another one running."""

    def lines(name: str) -> list[str]:
        path = tmp_path / "state" / name
        return path.read_text().splitlines() if path.exists() else []

    return [line.split() for line in lines("calls")], lines("overlaps")


def assert_one_install(tmp_path: Path, result: subprocess.CompletedProcess[str]) -> None:
    calls, overlaps = apt_calls(tmp_path)
    assert overlaps == [], f"apt-get ran twice at once: {overlaps}\n{result.stderr}"
    assert result.returncode == 0, result.stdout + result.stderr
    assert [call[0] for call in calls] == ["update", "install"], calls
    installed = {word for word in calls[1][1:] if not word.startswith("-")}
    assert installed == ALL_PACKAGES


def run_make(checkout: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--no-print-directory", *args, "PY=true", "PYTHON=false"],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


MAKEFILE = (ROOT / "Makefile").read_text()


def test_make_test_installs_once(tmp_path: Path) -> None:
    """The suites of `make test`, side by side as it runs them, on a machine without a Debian
    package: one apt-get update and one install of everything, never two apt-get at once."""
    checkout, env = clean_machine(tmp_path, MAKEFILE, built=True)
    result = run_make(checkout, env, "-O", "-j3", "test-python", "test-js", "test-php")
    assert_one_install(tmp_path, result)
    tools = (tmp_path / "state" / "tools").read_text()
    assert "node --test" in tools and "phpunit --configuration" in tools  # the suites ran
    assert tools.count("go mod download") == 2  # Go's modules, once, in the install path


@pytest.mark.parametrize("jobs", ["-j1", "-j3"])
def test_make_installs_once(tmp_path: Path, jobs: str) -> None:
    """`make` (the `all` path: vendor, generate, build-js, build-php, demo) on a machine
    without a Debian package, npm install or build: every npm and build runs after apt-get
    installed its tool, and apt-get runs once, also with MAKEFLAGS asking for parallel jobs."""
    checkout, env = clean_machine(tmp_path, MAKEFILE, built=False)
    result = run_make(checkout, env, jobs)
    assert_one_install(tmp_path, result)
    npm_calls = [
        line for line in (tmp_path / "state" / "tools").read_text().splitlines() if "npm ci" in line
    ]
    assert len(npm_calls) == 2  # the docs page's search library, the Node toolchain
    assert (checkout / "build/php/vendor/autoload.php").exists()


def test_the_stand_in_catches_an_overlap(tmp_path: Path) -> None:
    """Two apt-get calls at once fail the stand-in, so the tests above can fail."""
    checkout, env = clean_machine(tmp_path, MAKEFILE, built=True)
    both = "apt-get install -y curl & apt-get install -y openssl; wait"
    subprocess.run(["bash", "-c", both], cwd=checkout, env=env, capture_output=True, check=False)
    assert len(apt_calls(tmp_path)[1]) == 1
    assert os.listdir(tmp_path / "state").count("lock") == 0


def test_a_go_older_than_the_tools_need_is_replaced_through_the_module_proxy(
    tmp_path: Path,
) -> None:
    """tools/go-toolchain.sh on a machine whose Go is Debian's 1.19: it fetches the release it
    names as the module golang.org/toolchain (here from a module proxy in a folder, GOPROXY=file://,
    so nothing leaves the machine) into build/go-toolchain, binaries made executable."""
    real_go = shutil.which("go")
    assert real_go, "the test drives the machine's go, pretending it is 1.19"
    script = (ROOT / "tools" / "go-toolchain.sh").read_text()
    release = re.search(r"^release=(go[\d.]+)$", script, re.M)
    assert release
    goos, goarch = (
        subprocess.run(
            [real_go, "env", name], capture_output=True, text=True, check=True
        ).stdout.strip()
        for name in ("GOOS", "GOARCH")
    )
    version = f"v0.0.1-{release[1]}.{goos}-{goarch}"
    proxy = tmp_path / "proxy" / "golang.org" / "toolchain" / "@v"
    proxy.mkdir(parents=True)
    (proxy / "list").write_text(version + "\n")
    (proxy / f"{version}.info").write_text(
        json.dumps({"Version": version, "Time": "2026-01-01T00:00:00Z"})
    )
    (proxy / f"{version}.mod").write_text("module golang.org/toolchain\n")
    prefix = f"golang.org/toolchain@{version}/"
    with zipfile.ZipFile(proxy / f"{version}.zip", "w") as archive:
        archive.writestr(prefix + "go.mod", "module golang.org/toolchain\n")
        archive.writestr(prefix + "bin/go", f"#!/bin/sh\necho go version {release[1]} fetched\n")
        archive.writestr(prefix + "bin/gofmt", "#!/bin/sh\n")
        archive.writestr(prefix + f"pkg/tool/{goos}_{goarch}/vet", "#!/bin/sh\n")
    old = tmp_path / "old"
    old.mkdir()
    pretend = '[ "$1 $2" = "env GOVERSION" ] && { echo go1.19.8; exit 0; }'
    (old / "go").write_text(f'#!/bin/sh\n{pretend}\nexec {real_go} "$@"\n')
    (old / "go").chmod(0o755)
    checkout = tmp_path / "checkout"
    shutil.copytree(ROOT / "tools", checkout / "tools")
    env = {
        **os.environ,
        "PATH": f"{old}:{os.environ['PATH']}",
        "GOPROXY": (tmp_path / "proxy").as_uri(),
        "GOSUMDB": "off",  # the stand-in module is in no checksum database
        "GOTOOLCHAIN": "local",
    }
    run = subprocess.run(
        ["bash", "tools/go-toolchain.sh"], cwd=checkout, env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "go1.19.8 is older than 1.26" in run.stdout
    fetched = checkout / "build" / "go-toolchain" / "bin" / "go"
    assert os.access(fetched, os.X_OK)
    assert (
        subprocess.run([fetched], capture_output=True, text=True)
        .stdout.strip()
        .endswith(f"{release[1]} fetched")
    )
    # A Go that is new enough is left alone: nothing fetched again.
    fetched.unlink()
    env["PATH"] = os.environ["PATH"]
    again = subprocess.run(["bash", "tools/go-toolchain.sh"], cwd=checkout, env=env, text=True)
    assert again.returncode == 0 and not fetched.exists()
