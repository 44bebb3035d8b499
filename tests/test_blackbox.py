"""Issue #20, checked black-box: the attacks of tests/cases/security.json, and the ones that cannot
be rows (a tokens.json read by a platform for another server, a FIFO at the token path, every
serialization, a poisoned redactor), run against each language's package *as a user installs it*,
from a program outside the checkout that uses the public API only.

Each package is installed offline into a temporary folder: Python from a wheel of generated/ into a
fresh venv (pip --no-index; requests from the project's venv), JavaScript from `npm pack` of the
built package (npm install --offline), PHP by Composer from a path repository (copied, not
linked; packagist off), Go as a copy of generated/go that a temporary module requires through a
replace directive (GOPROXY=off). The program (tests/blackbox/attacks.*, one per language, the same
ops) reads one attack per line and reports what each call raised and what the store held; this
file judges, against hostile loopback listeners, and counts per language:

* leak: a foreign listener or a proxy got anything it should not, or a secret is in any error's
  or public object's string form;
* hang: no answer within the step's deadline (the program is killed);
* crash: an error that is not the package's typed error, or the program died;
* lost session: a store's session (or the token file another server's platform read) changed
  when it must not, or the session's own platform can no longer use it;
* wrong: a typed error of another class than the row expects (or none where one is expected);
* memory: the program's peak RSS grew by the gzip bomb's inflated size (48 MiB of its 64) while
  the response-size rows ran (they run first, so the peak is the start-up's until then).

All six must be 0. Secrets are never printed: a failure names the attack and the kind, not the
text. The last tests put the defects of points 1 and 2 back into an installed copy (Python's,
JavaScript's) and see each caught.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import select
import shutil
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import requests

from rcsdk.testing import LocalPlatform

from _loopback import Flood, Listener
from _support import CREDS, ROOT

TABLE = json.loads((ROOT / "tests" / "cases" / "security.json").read_text())
PROGRAMS = ROOT / "tests" / "blackbox"
GENERATED = ROOT / "generated"
STEP_SECONDS = 20.0  # no attack may take longer: past it, the program hangs
MEMORY_GROWTH = 48 << 20  # less than the 64 MiB the gzip bomb inflates to
EXTRA_SECRETS = {
    "RC_PASSWORD": "password-in-the-environment",
    "RC_AUTH_CODE": "auth-code-in-the-environment",
    "RC_CODE_VERIFIER": "code-verifier-in-the-environment-0123456789",
    "RC_ACCESS_TOKEN": "access-token-in-the-environment",
    "RC_REFRESH_TOKEN": "refresh-token-in-the-environment",
}
SECRETS = {
    CREDS["RC_APP_SECRET"],
    CREDS["RC_JWT"],
    CREDS["RC_PASSWORD"],
    *EXTRA_SECRETS.values(),
    base64.b64encode(f"{CREDS['RC_APP_KEY']}:{CREDS['RC_APP_SECRET']}".encode()).decode(),
    "case-access-token-0001",
    "case-refresh-token-0001",
}
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
CREDENTIALS = {
    "app_key": CREDS["RC_APP_KEY"],
    "app_secret": CREDS["RC_APP_SECRET"],
    "jwt": CREDS["RC_JWT"],
}


# --- installing each package as a user would, offline ---------------------------------------------


def offline_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RC_", "npm_", "COMPOSER"))}
    for name in [*PROXY_VARIABLES, *(name.upper() for name in PROXY_VARIABLES)]:
        env.pop(name, None)
    env.pop("VIRTUAL_ENV", None)
    env.pop("PYTHONPATH", None)
    env.update(
        HOME=str(home),
        npm_config_offline="true",
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        npm_config_cache=str(home / ".npm"),
        COMPOSER_HOME=str(home / ".composer"),
        COMPOSER_DISABLE_NETWORK="1",
        COMPOSER_NO_INTERACTION="1",
        COMPOSER_ALLOW_SUPERUSER="1",
        GOFLAGS="-mod=mod",
        GOPROXY="off",
        GOWORK="off",
        GOTOOLCHAIN="local",
    )
    return env


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{argv[:3]}: {done.stdout[-2000:]}{done.stderr[-2000:]}"


def wheel(out: Path) -> Path:
    """A wheel of generated/ (what `pip wheel .` builds, by pyproject's package list), written
    here: building one with setuptools would fetch it from PyPI."""
    match = re.search(r'__version__ = "(.+)"', (GENERATED / "rcsdk" / "_constants.py").read_text())
    assert match is not None
    version = match.group(1)
    dist = f"rcsdk-{version}.dist-info"
    files: dict[str, bytes] = {}
    for path in sorted((GENERATED / "rcsdk").rglob("*")):
        packaged = path.suffix in (".py", ".lua") or path.name == "py.typed"
        if path.is_file() and packaged and "__pycache__" not in path.parts:
            files[path.relative_to(GENERATED).as_posix()] = path.read_bytes()
    files[f"{dist}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: rcsdk\nVersion: {version}\nRequires-Python: >=3.10\n"
        "Requires-Dist: requests<3,>=2.28\n\n"
    ).encode()
    files[f"{dist}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: rcsdk-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    for name, data in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = ("\n".join(record) + "\n").encode()
    path = out / f"rcsdk-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def install_python(place: Path, env: dict[str, str]) -> tuple[list[str], Path]:
    venv = place / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)], place, env)
    python = venv / "bin" / "python"
    built = wheel(place)
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet"]
    run([*pip, "--no-index", "--no-deps", str(built)], place, env)
    # rcsdk's one dependency, from the project's venv (no index here): its folder, not its .pth
    # files, so the checkout's editable rcsdk stays out of sight.
    [site] = (venv / "lib").glob("python*/site-packages")
    (site / "rcsdk_blackbox_deps.pth").write_text(str(Path(requests.__file__).parent.parent) + "\n")
    app = place / "app"
    app.mkdir()
    shutil.copy(PROGRAMS / "attacks.py", app / "attacks.py")
    return [str(python), "-I", "attacks.py"], site / "rcsdk"


def install_javascript(place: Path, env: dict[str, str]) -> tuple[list[str], Path]:
    built = ROOT / "build" / "js"
    assert (built / "dist" / "index.js").is_file(), "run `make build-js` first"
    pack = ["npm", "pack", str(built), "--pack-destination", str(place), "--silent"]
    run([*pack, "--ignore-scripts"], place, env)
    [tarball] = place.glob("rcsdk-*.tgz")
    app = place / "app"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "bb", "private": True, "type": "module"}))
    run(["npm", "install", "--offline", "--ignore-scripts", "--silent", str(tarball)], app, env)
    shutil.copy(PROGRAMS / "attacks.mjs", app / "attacks.mjs")
    installed = app / "node_modules" / "rcsdk"
    assert installed.is_dir() and not installed.is_symlink()
    return ["node", "attacks.mjs"], installed


def install_php(place: Path, env: dict[str, str]) -> tuple[list[str], Path]:
    app = place / "app"
    app.mkdir()
    manifest = {
        "name": "blackbox/app",
        "require": {"rcsdk/rcsdk": "*"},
        "repositories": [
            {"type": "path", "url": str(GENERATED / "php"), "options": {"symlink": False}},
            {"packagist.org": False},
        ],
    }
    (app / "composer.json").write_text(json.dumps(manifest))
    run(["composer", "install", "--quiet", "--no-interaction"], app, env)
    shutil.copy(PROGRAMS / "attacks.php", app / "attacks.php")
    installed = app / "vendor" / "rcsdk" / "rcsdk"
    assert installed.is_dir() and not installed.is_symlink()
    # PHP's default without a php.ini: a trace's arguments are kept (issue #20 point 10).
    return [
        "php",
        "-d",
        "zend.exception_ignore_args=0",
        "-d",
        "memory_limit=128M",
        "attacks.php",
    ], installed


def install_go(place: Path, env: dict[str, str]) -> tuple[list[str], Path]:
    module = place / "rcsdk-go"
    shutil.copytree(GENERATED / "go", module)
    app = place / "app"
    app.mkdir()
    (app / "go.mod").write_text(
        "module example.local/blackbox\n\ngo 1.22\n\nrequire rcsdk.local/rcsdk v0.0.0\n\n"
        f"replace rcsdk.local/rcsdk => {module}\n"
    )
    shutil.copy(PROGRAMS / "attacks.go", app / "main.go")
    cache = subprocess.run(["go", "env", "GOCACHE"], capture_output=True, text=True, check=True)
    env = {**env, "GOCACHE": cache.stdout.strip()}
    # -trimpath: the build cache serves the same sources from any folder.
    run(["go", "build", "-trimpath", "-o", "attacks", "."], app, env)
    return [str(app / "attacks")], module


INSTALLERS: dict[str, Callable[[Path, dict[str, str]], tuple[list[str], Path]]] = {
    "python": install_python,
    "javascript": install_javascript,
    "php": install_php,
    "go": install_go,
}


# --- the program under attack ---------------------------------------------------------------------


class Hang(Exception):
    pass


class Died(Exception):
    pass


class Attacker:
    """The installed package's program: one attack in, one JSON line out, within a deadline."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.errors = open(cwd / "stderr.txt", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
        )
        self.buffer = b""
        self.last = "hello"
        self.hello = self.answer(STEP_SECONDS * 3)

    def answer(self, seconds: float | None = None) -> dict[str, Any]:
        assert self.proc.stdout is not None
        deadline = time.monotonic() + (STEP_SECONDS if seconds is None else seconds)
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Hang
            ready, _, _ = select.select([self.proc.stdout], [], [], left)
            if ready:
                data = os.read(self.proc.stdout.fileno(), 1 << 20)
                if not data:
                    raise Died
                self.buffer += data
        line, self.buffer = self.buffer.split(b"\n", 1)
        answer: dict[str, Any] = json.loads(line)
        return answer

    def ask(self, attack: dict[str, Any]) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.last = attack.get("row", {}).get("id", attack["op"])
        try:
            self.proc.stdin.write(json.dumps(attack).encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise Died from None
        return self.answer()

    def peak_rss(self) -> int:
        status = Path(f"/proc/{self.proc.pid}/status").read_text()
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
        return int(match.group(1)) << 10 if match else 0

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.errors.close()


class Tally:
    """What went wrong, by kind; each entry names the attack, never a secret."""

    KINDS = ("leak", "hang", "crash", "lost session", "wrong", "memory")

    def __init__(self) -> None:
        self.found: dict[str, list[str]] = {kind: [] for kind in self.KINDS}
        self.attacks = 0

    def add(self, kind: str, what: str) -> None:
        self.found[kind].append(what)

    def counts(self) -> dict[str, int]:
        return {kind: len(found) for kind, found in self.found.items()}

    def outcome(self, what: str, result: dict[str, Any], secrets: set[str]) -> None:
        """One call's outcome: typed, and no secret in any of its forms."""
        if result["error"] is None:
            return
        if not result["typed"]:
            self.add("crash", f"{what}: untyped {result['error']}")
        shown = sum(1 for secret in secrets if any(secret in text for text in result["texts"]))
        if shown:
            self.add("leak", f"{what}: {shown} secret(s) in the error")


def fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace(name, replacement)
        return value
    if isinstance(value, dict):
        return {fill(k, names): fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    return value


def outside_in(case: dict[str, Any]) -> bool:
    """The rows a user's program can run the same way in every language: not the ones about a
    language's own argument types (null options, a declared type refusing the call), nor the
    store-path constructor (its own attacks below)."""
    args = case.get("args", {})
    return not (
        case.get("signature_refuses")
        or case["action"] in ("file_store", "authorize_url")
        or "options" in args
        or ("jwt" in args and args["jwt"] is None)
        or "clock" in case.get("options", {})
    )


ROWS = sorted((c for c in TABLE["cases"] if outside_in(c)), key=lambda c: c["platform"] != "answer")


@contextlib.contextmanager
def platform_for(case: dict[str, Any], local: LocalPlatform) -> Iterator[tuple[str, Any]]:
    """The case's platform: the shared local one, a redirecting listener or a flood."""
    if case["platform"] == "answer":
        flood = Flood(case["answer"])
        try:
            yield flood.host, flood
        finally:
            flood.close()
    elif case["platform"] == "redirect":
        body = {"access_token": "redirected-token", "token_type": "bearer", "expires_in": 3600}
        listener = Listener(status=case["redirect"]["status"], body=body)
        try:
            yield listener.host, listener
        finally:
            listener.close()
    else:
        yield local.url.split("//", 1)[1], None


def attack_rows(
    attacker: Attacker, tally: Tally, local: LocalPlatform, foreign: Listener, proxy: Listener
) -> None:
    closed = Listener()
    closed_host = closed.host
    closed.close()
    base_peak = attacker.peak_rss()
    for raw in ROWS:
        with platform_for(raw, local) as (host, server):
            names = {
                "{platform}": host,
                "{foreign}": foreign.host,
                "{remote}": f"0.0.0.0:{host.rsplit(':', 1)[1]}",
                "{jwt}": CREDS["RC_JWT"],
                "{closed}": closed_host,
                "{app_key}": CREDS["RC_APP_KEY"],
                "{proxy}": proxy.host,
            }
            case = fill(raw, names)
            if case["action"] == "from_env":
                # A user's environment holds every secret but the variable the row leaves out.
                missing = " ".join(case["expect"]["message"])
                secrets = {**EXTRA_SECRETS, **{k: CREDS[k] for k in ("RC_APP_SECRET", "RC_JWT")}}
                extra = {k: v for k, v in secrets.items() if k not in missing}
                case["args"]["env"] = {**extra, **case["args"]["env"]}
            if case["platform"] == "redirect":
                server.headers["Location"] = case["redirect"]["location"]
            expect = case["expect"]
            what = f"row {case['id']}"
            foreign_before, proxied = foreign.received, len(proxy.requests)
            tally.attacks += 1
            attack = {"op": "row", "row": case, "creds": CREDENTIALS, "platform": f"http://{host}"}
            result = attacker.ask(attack)
            if foreign.received != foreign_before:
                tally.add("leak", f"{what}: the foreign listener was reached")
            if len(proxy.requests) - proxied != expect.get("proxy_requests", 0):
                tally.add("leak", f"{what}: the proxy got {len(proxy.requests) - proxied}")
            lacks = set(expect.get("message_lacks", []))
            tally.outcome(what, result["outcome"], SECRETS | lacks)
            got = result["outcome"]["error"]
            if got != expect["error"] and (got is None or result["outcome"]["typed"]):
                tally.add("wrong", f"{what}: {got}, expected {expect['error']}")
            if expect.get("store") == "unchanged" and result["store"] != result["held"]:
                tally.add("lost session", f"{what}: the store's session changed")
            elif isinstance(expect.get("store"), dict):
                now = result["store"] or {}
                if {k: now.get(k) for k in expect["store"]} != expect["store"]:
                    tally.add("lost session", f"{what}: the store holds other fields")
        if case["platform"] == "answer":
            grown = attacker.peak_rss() - base_peak
            if grown >= MEMORY_GROWTH:
                tally.add("memory", f"{what}: peak memory grew {grown >> 20} MiB")


def attack_file_session(
    writer: Attacker, readers: dict[str, Attacker], tally: Tally, local: LocalPlatform, folder: Path
) -> None:
    """Point 1 from outside: a tokens.json that ``writer`` wrote for server A (the local platform),
    read by each reader's platform for server B (a listener that counts, by address and by name):
    B receives nothing, the file stays byte-identical, and each reader's platform for A uses the
    session without logging in again."""
    path = folder / "tokens.json"
    folder.mkdir(mode=0o700)
    other = Listener(body={"access_token": "b-token", "token_type": "bearer", "expires_in": 60})
    try:
        tally.attacks += 1
        base = {"creds": CREDENTIALS, "path": str(path)}
        logged = writer.ask({"op": "file_login", "server": local.url, **base})["outcome"]
        tally.outcome("file session: login to A", logged, SECRETS)
        if logged["error"] is not None or not path.is_file():
            tally.add("lost session", "file session: the login to A saved nothing")
            return
        written = path.read_bytes()
        for name, reader in readers.items():
            what = f"file session read by {name}"
            for server in (other.url, other.url.replace("127.0.0.1", "localhost")):
                used = reader.ask({"op": "file_use", "server": server, **base})["outcome"]
                tally.outcome(f"{what}: B's call", used, SECRETS)
                if used["error"] is None:
                    tally.add("leak", f"{what}: B's call succeeded on A's session")
            if other.received:
                tally.add("leak", f"{what}: B received {other.received}")
            if path.read_bytes() != written:
                tally.add("lost session", f"{what}: A's file changed")
            again = reader.ask({"op": "file_use", "server": local.url, **base})["outcome"]
            tally.outcome(f"{what}: A's call", again, SECRETS)
            if again["error"] is not None:
                tally.add("lost session", f"{what}: A's own call failed ({again['error']})")
    finally:
        other.close()


def attack_fifo(attacker: Attacker, tally: Tally, local: LocalPlatform, place: Path) -> None:
    """Point 6 from outside: a FIFO at the token path; every call returns."""
    folder = place / "fifo"
    folder.mkdir(mode=0o700)
    os.mkfifo(folder / "tokens.json", 0o600)
    tally.attacks += 1
    result = attacker.ask(
        {
            "op": "fifo",
            "server": local.url,
            "path": str(folder / "tokens.json"),
            "creds": CREDENTIALS,
        }
    )
    for number, outcome in enumerate(result["outcomes"]):
        tally.outcome(f"fifo call {number}", outcome, SECRETS)


def attack_serializations(attacker: Attacker, tally: Tally, local: LocalPlatform) -> None:
    """Point 10 from outside: every serialization of the table, of the installed package."""
    env = {**CREDS, **EXTRA_SECRETS, "RC_SERVER": local.url}
    cases = TABLE["serialization"]["cases"]
    tally.attacks += len(cases)
    result = attacker.ask({"op": "serialize", "env": env, "cases": cases})
    secrets = SECRETS | set(result["tokens"])
    assert len(result["tokens"]) == 2 and all(result["tokens"])
    for case in cases:
        text = result["texts"][case["id"]]
        shown = sum(1 for secret in secrets if secret in text)
        if shown:
            tally.add("leak", f"serialization {case['id']}: {shown} secret(s) shown")


POISONS = (
    # (what, app secret, first JWT, whether the credentials are the platform's own)
    ("a JWT of 40,000 characters", CREDS["RC_APP_SECRET"], "{a*40000}", True),
    ("a lone surrogate in the JWT", CREDS["RC_APP_SECRET"], "eyJ{lone_surrogate}x", True),
    ("a lone surrogate in the app secret", CREDS["RC_APP_SECRET"] + "{lone_surrogate}", "x", False),
    ("an app secret of 1 MB", "{s*1000000}", "x", False),
)


def attack_redactor(attacker: Attacker, tally: Tally, local: LocalPlatform) -> None:
    """Point 11 from outside: after a hostile credential or JWT, later errors stay typed and
    the platform still logs in with good credentials."""
    for what, secret, jwt, good in POISONS:
        tally.attacks += 1
        attack = {
            "op": "poison",
            "server": local.url,
            "creds": CREDENTIALS,
            "app_secret": secret,
            "jwt": jwt,
        }
        outcomes = attacker.ask(attack)["outcomes"]
        for number, outcome in enumerate(outcomes):
            tally.outcome(f"poison ({what}) call {number}", outcome, SECRETS)
        if good and (len(outcomes) < 4 or outcomes[2]["error"] is not None):
            tally.add("lost session", f"poison ({what}): the good login failed afterwards")
        if len(outcomes) == 4 and outcomes[3]["error"] is None:
            tally.add("wrong", f"poison ({what}): a missing resource answered")


def install(language: str, place: Path) -> tuple[list[str], Path, dict[str, str]]:
    """Install ``language``'s package in ``place``: the program's command, the installed copy and
    the environment it runs in."""
    home = place / "home"
    home.mkdir()
    env = offline_env(home)
    argv, installed = INSTALLERS[language](place, env)
    return argv, installed, env


def attack(
    language: str,
    argv: list[str],
    place: Path,
    env: dict[str, str],
    scratch: Path,
    only: str | None = None,
) -> Tally:
    """Every attack (or the ``only`` step's) on the program ``argv`` (in ``place``/app) of the
    installed package; its files (a token file, a FIFO) in ``scratch``."""
    tally = Tally()
    foreign = Listener(body={"stolen": True})
    proxy = Listener(status=502, body={"proxy": "no"})
    # No limit on logins: the attacks log in more often than the platform's 5 a minute.
    local = LocalPlatform(auth_rate_limit=None).start()
    attacker = Attacker(argv, place / "app", env)
    try:
        assert attacker.hello["hello"] == language, attacker.hello
        assert Path(attacker.hello["package"]).resolve().is_relative_to(place.resolve())
        steps: dict[str, Callable[[Attacker], None]] = {
            "rows": lambda a: attack_rows(a, tally, local, foreign, proxy),
            "file session": lambda a: attack_file_session(
                a, {language: a}, tally, local, scratch / "session"
            ),
            "fifo": lambda a: attack_fifo(a, tally, local, scratch),
            "serializations": lambda a: attack_serializations(a, tally, local),
            "redactor": lambda a: attack_redactor(a, tally, local),
        }
        for name, step in steps.items():
            if only is not None and name != only:
                continue
            try:
                step(attacker)
            except Hang:
                tally.add("hang", f"{name} ({attacker.last}): no answer in {STEP_SECONDS:.0f} s")
                attacker.stop()
                attacker = Attacker(argv, place / "app", env)
            except Died:
                tally.add("crash", f"the program died: {attacker.proc.wait()}")
                attacker.stop()
                attacker = Attacker(argv, place / "app", env)
        if foreign.received:
            tally.add("leak", f"the foreign listener received {foreign.received}")
    finally:
        attacker.stop()
        local.stop()
        foreign.close()
        proxy.close()
    return tally


Installed = Callable[[str], tuple[list[str], Path, dict[str, str]]]


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Each language's package, installed once per test process when a test first asks."""
    done: dict[str, tuple[list[str], Path, dict[str, str]]] = {}

    def get(language: str) -> tuple[list[str], Path, dict[str, str]]:
        if language not in done:
            place = tmp_path_factory.mktemp(f"installed-{language}")
            argv, _, env = install(language, place)
            done[language] = (argv, place, env)
        return done[language]

    return get


def assert_none(tally: Tally, what: str) -> None:
    found = {kind: found for kind, found in tally.found.items() if found}
    assert not found, f"{what}: {tally.counts()} in {tally.attacks} attacks: {found}"


@pytest.mark.parametrize("language", list(INSTALLERS))
def test_the_installed_package_survives_every_attack(
    language: str, installed: Installed, tmp_path: Path
) -> None:
    argv, place, env = installed(language)
    tally = attack(language, argv, place, env, tmp_path)
    assert tally.attacks > len(ROWS)
    assert_none(tally, language)


def test_a_token_file_stays_with_its_server_whichever_language_reads_it(
    installed: Installed, tmp_path: Path
) -> None:
    """Point 1 across the installed packages: the tokens.json each language writes for server A,
    read by every language's platform for server B (16 writer -> reader pairs)."""
    tally = Tally()
    local = LocalPlatform(auth_rate_limit=None).start()
    attackers: dict[str, Attacker] = {}
    try:
        for language in INSTALLERS:
            argv, place, env = installed(language)
            attackers[language] = Attacker(argv, place / "app", env)
        for writer, attacker in attackers.items():
            attack_file_session(attacker, attackers, tally, local, tmp_path / writer)
    finally:
        for attacker in attackers.values():
            attacker.stop()
        local.stop()
    assert tally.attacks == len(INSTALLERS)
    assert_none(tally, "writer -> reader pairs")


# Defects of issue #20, put back into an installed copy: the files (in the installed package and
# in the checkout it came from), the edits, the attack step that must catch it, what it reports.
class Defect(NamedTuple):
    language: str
    files: dict[str, str | None]  # installed file -> the checkout's file it came from
    edits: tuple[tuple[str, str], ...]
    step: str
    caught: str


DEFECTS = {
    # Point 2, as the JavaScript package had it: neither the backslash refusal nor the host check
    # (its '@' and host:port rules each stop the attack too). Node's URL parser then reads
    # http://{foreign}\\@{platform} as host {foreign}, which receives the login.
    "javascript-backslash-host": Defect(
        "javascript",
        {"dist/options.js": "build/js/dist/options.js", "dist/cjs/options.js": None},
        ((' || server.includes("\\\\")', ""), ("    checkHost(server);\n", "")),
        "rows",
        "row server-backslash-before-at: the foreign listener was reached",
    ),
    # Point 1, as every language had it: a session is the platform's whatever server it was for,
    # so server B receives server A's access token.
    "python-session-binding": Defect(
        "python",
        {"_auth.py": "generated/rcsdk/_auth.py"},
        (
            (
                "return None if theirs == (self.origin, self.app_key) else theirs",
                "return None",
            ),
        ),
        "file session",
        "file session read by python: B received",
    ),
    # Point 5, as the Python package had it: a gzip answer inflated whole before its size is
    # checked (the 64 MiB of the bomb held at once).
    "python-whole-inflate": Defect(
        "python",
        {"_wire.py": "generated/rcsdk/_wire.py"},
        (("decoder.decompress(chunk, limit - size + 1)", "decoder.decompress(chunk)"),),
        "rows",
        "row response-too-large-gzip-bomb: peak memory grew",
    ),
    # Point 6, as the JavaScript package had it: the token file opened blocking, whatever it is;
    # a FIFO's open waits for a writer that never comes.
    "javascript-fifo-opened": Defect(
        "javascript",
        {"dist/store.js": "build/js/dist/store.js"},
        (
            (
                "        if (!seen.isFile())\n"
                "            throw new TokenStoreError(`token store ${this.path} is not a regular"
                " file (${kind(seen)})`);\n",
                "",
            ),
            (
                "constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK",
                "constants.O_RDONLY",
            ),
        ),
        "fifo",
        "fifo (fifo): no answer",
    ),
    # Point 10, as the PHP package had it: the server URL an ordinary argument of RCSDK's
    # constructor, so a refused server's password is in the error's trace.
    "php-server-in-the-trace": Defect(
        "php",
        {"src/RCSDK.php": "generated/php/src/RCSDK.php"},
        (("#[\\SensitiveParameter] string $server", "string $server"),),
        "rows",
        "row server-bad-url-with-credentials: 1 secret(s) in the error",
    ),
}


@pytest.mark.parametrize("defect", list(DEFECTS))
def test_the_check_catches_a_defect_put_back_into_the_installed_package(
    defect: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A shorter deadline: the attacks of one step answer in well under a second when nothing hangs.
    monkeypatch.setattr(sys.modules[__name__], "STEP_SECONDS", 5.0)
    language, files, edits, step, caught = DEFECTS[defect]
    argv, installed, env = install(language, tmp_path)
    for name in files:
        code = (installed / name).read_text()
        for old, new in edits:
            assert code.count(old) == 1, (name, old)
            code = code.replace(old, new)
        (installed / name).write_text(code)
    tally = attack(language, argv, tmp_path, env, tmp_path, only=step)
    found = [what for kind in tally.found.values() for what in kind]
    assert any(what.startswith(caught) for what in found), tally.found
    for source in filter(None, files.values()):  # the checkout is untouched
        code = (ROOT / source).read_text()
        assert all(code.count(old) == 1 for old, _ in edits), source
