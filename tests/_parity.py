"""The parity checks, as functions over a generated tree, so that tests can run them on the
committed tree and on deliberately broken renderings alike.

* ``index_problems``: every cell of parity.json points at something real.
* ``curl_parity``: a snippet chain and the Python scenario run against a loopback server that
  replays the operation's cassette; both must send what the cassette holds, and the same thing.
* ``client_parity``: the same for a client of another language (CLIENTS: language -> how to
  build it from a generated tree and the command that runs one scenario), against Python and
  the cassette.
* ``docs_problems``: the docs' Python samples run (tests/_docs.py runs every language).
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from rcsdk import RCSDK, Platform, RCSDKError
from rcsdk.testing import LOCAL_CREDENTIALS

from _cassettes import CASSETTES, Scrubber
from _docs import samples_problems
from _scenarios import SCENARIOS
from _support import ROOT

# The browser's part of the authorization code flow, in bash (the Python side is in
# _scenarios.auth_code_login): follow the URL once and take the code from the redirect.
BROWSER = (
    'RC_LOCATION=$(curl -s -o /dev/null -w "%{redirect_url}" "$RC_AUTHORIZE_URL")\n'
    "export RC_AUTH_CODE=$(python3 -c 'import sys, urllib.parse as u; "
    'print(dict(u.parse_qsl(u.urlsplit(sys.argv[1]).query))["code"])\' "$RC_LOCATION")\n'
)


def parity(generated: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((generated / "parity.json").read_text())["operations"]
    return rows


def index_problems(generated: Path) -> list[str]:
    problems = []
    docs = (generated / "docs" / "index.md").read_text()
    html_path = generated / "docs" / "index.html"
    html = html_path.read_text() if html_path.exists() else ""
    for row in parity(generated):
        for cell in ("python", "curl", "docs", "html"):
            if not row.get(cell):
                problems.append(f"{row['id']}: no {cell}")
        method = row["python"].removeprefix("Platform.")
        if not callable(getattr(Platform, method, None)):
            problems.append(f"{row['id']}: Platform has no method {method}")
        if "javascript" in row:
            platform_ts = (generated / "js" / "src" / "platform.ts").read_text()
            method = row["javascript"].removeprefix("Platform.")
            if f"  async {method}(" not in platform_ts and f"  {method}(" not in platform_ts:
                problems.append(f"{row['id']}: the JavaScript Platform has no method {method}")
        if "php" in row:
            platform_php = (generated / "php" / "src" / "Platform.php").read_text()
            method = row["php"].removeprefix("Platform::")
            if f"    public function {method}(" not in platform_php:
                problems.append(f"{row['id']}: the PHP Platform has no method {method}")
        if "go" in row:
            platform_go = (generated / "go" / "platform.go").read_text()
            method = row["go"].removeprefix("Platform.")
            if f"func (p *Platform) {method}(" not in platform_go:
                problems.append(f"{row['id']}: the Go Platform has no method {method}")
        if not (generated / row["curl"]).is_file():
            problems.append(f"{row['id']}: {row['curl']} does not exist")
        anchor = row["docs"].split("#", 1)[1]
        if f'<a id="{anchor}"></a>' not in docs:
            problems.append(f"{row['id']}: docs have no anchor #{anchor}")
        if f'id="{row["html"].split("#", 1)[1]}"' not in html:
            problems.append(f"{row['id']}: the HTML page has no anchor for it")
    return problems


@dataclass
class Seen:
    """One request as the replay server received it."""

    method: str
    path: str
    query: list[tuple[str, str]]
    content_type: str
    authorization: str
    form: list[tuple[str, str]]
    scrubbed_query: list[tuple[str, str]] = field(default_factory=list)
    scrubbed_form: list[tuple[str, str]] = field(default_factory=list)
    scrubbed_authorization: str = ""


class Replay(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cassette: Path) -> None:
        super().__init__(("127.0.0.1", 0), _ReplayHandler)
        self.interactions: list[dict[str, Any]] = yaml.safe_load(cassette.read_text())[
            "interactions"
        ]
        self.seen: list[Seen] = []
        self.problems: list[str] = []
        self.lock = threading.Lock()
        self.scrubber = Scrubber(self.url)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


def _pairs(text: str) -> list[tuple[str, str]]:
    return sorted(urllib.parse.parse_qsl(text, keep_blank_values=True))


class _ReplayHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # see rcsdk.testing: no 40 ms delayed-ACK stalls
    wbufsize = -1
    server: Replay

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urllib.parse.urlsplit(self.path)
        headers = {k: v for k, v in self.headers.items()}
        seen = Seen(
            method=self.command,
            path=parts.path,
            query=_pairs(parts.query),
            content_type=(headers.get("Content-Type") or "").split(";")[0].strip(),
            authorization=headers.get("Authorization", ""),
            form=_pairs(body.decode()),
        )
        with self.server.lock:
            scrubbed = self.server.scrubber.request(
                _Request(self.server.url + self.path, dict(headers), body)
            )
            scrubbed_parts = urllib.parse.urlsplit(scrubbed.uri)
            seen.scrubbed_query = _pairs(scrubbed_parts.query)
            seen.scrubbed_form = _pairs(scrubbed.body.decode())
            seen.scrubbed_authorization = scrubbed.headers.get("Authorization", "")
            index = len(self.server.seen)
            self.server.seen.append(seen)
            interactions = self.server.interactions
            if index >= len(interactions):
                self.server.problems.append(f"request {index + 1} is one more than recorded")
                self._reply(599, {}, b"not in the cassette")
                return
            recorded = interactions[index]
            problems = compare_to_cassette(seen, recorded["request"])
            self.server.problems += [f"request {index + 1}: {p}" for p in problems]
        response = recorded["response"]
        headers_out = {k: v[0] for k, v in response["headers"].items()}
        payload = response["body"]["string"]
        payload = payload.encode() if isinstance(payload, str) else payload
        self._reply(response["status"]["code"], headers_out, payload)

    def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


@dataclass
class _Request:
    """The shape of a vcr request that Scrubber.request works on."""

    uri: str
    headers: dict[str, str]
    body: bytes


def compare_to_cassette(seen: Seen, recorded: dict[str, Any]) -> list[str]:
    problems = []
    parts = urllib.parse.urlsplit(recorded["uri"])
    if seen.method != recorded["method"]:
        problems.append(f"method {seen.method} != {recorded['method']}")
    if seen.path != parts.path:
        problems.append(f"path {seen.path} != {parts.path}")
    if seen.scrubbed_query != _pairs(parts.query):
        problems.append(f"query {seen.scrubbed_query} != {_pairs(parts.query)}")
    headers = {k.lower(): v[0] for k, v in recorded["headers"].items()}
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if seen.content_type != content_type and (seen.form or recorded["body"]):
        problems.append(f"content type {seen.content_type!r} != {content_type!r}")
    if seen.scrubbed_authorization != headers.get("authorization", ""):
        problems.append(
            f"authorization {seen.scrubbed_authorization!r} != {headers.get('authorization')!r}"
        )
    body = recorded["body"] or ""
    if seen.scrubbed_form != _pairs(body if isinstance(body, str) else body.decode()):
        problems.append(f"form {seen.scrubbed_form} != {_pairs(body)}")
    return problems


@contextmanager
def replaying(name: str) -> Iterator[Replay]:
    server = Replay(CASSETTES / f"{name}.yaml")
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def shell_chain(generated: Path, name: str) -> tuple[str, dict[str, str]]:
    """The bash that does what scenario ``name`` does, with the snippets, as the docs show."""
    env: dict[str, str] = {}
    op_name = name
    if name == "authorize-wrong-password":
        op_name, env = "authorize", {"RC_PASSWORD": "not-the-password"}
    rows = {row["curl"].removeprefix("curl/").removesuffix(".sh"): row for row in parity(generated)}
    by_id = {row["id"]: row for row in parity(generated)}
    lines = []
    for op_id in [*rows[op_name]["after"], rows[op_name]["id"]]:
        lines.append(f". {generated / by_id[op_id]['curl']} > /dev/null")
        if op_id == "authorizeUrl":
            lines.append(BROWSER)
    return "set -u\n" + "\n".join(lines) + "\n", env


@dataclass
class Parity:
    problems: list[str]
    curl: list[Seen]
    python: list[Seen]


def compare_clients(name_a: str, a: list[Seen], name_b: str, b: list[Seen]) -> list[str]:
    """Every difference between what two clients sent, request by request."""
    problems = []
    if len(a) != len(b):
        problems.append(f"{name_a} sent {len(a)} requests, {name_b} {len(b)}")
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        for attribute in ("method", "path", "content_type", "authorization"):
            if getattr(x, attribute) != getattr(y, attribute):
                problems.append(
                    f"request {index + 1}: {name_a} {attribute} {getattr(x, attribute)!r}"
                    f" != {name_b} {getattr(y, attribute)!r}"
                )
        for attribute in ("scrubbed_query", "scrubbed_form"):
            if getattr(x, attribute) != getattr(y, attribute):
                problems.append(
                    f"request {index + 1}: {attribute} differs: {name_a} {getattr(x, attribute)}"
                    f" != {name_b} {getattr(y, attribute)}"
                )
    return problems


def python_seen(name: str) -> tuple[list[Seen], list[str]]:
    """What the Python client sends for scenario ``name`` (and its problems) on a replay."""
    problems: list[str] = []
    with replaying(name) as server:
        platform = RCSDK(
            LOCAL_CREDENTIALS["RC_APP_KEY"],
            LOCAL_CREDENTIALS["RC_APP_SECRET"],
            server.url,
            max_retries=0,
        ).get_platform()
        try:
            SCENARIOS[name](platform, LOCAL_CREDENTIALS)
        except RCSDKError as error:
            problems.append(f"python raised {error!r}")
        problems += [f"python {p}" for p in server.problems]
        return server.seen, problems


@dataclass(frozen=True)
class Client:
    """How the parity runner runs one language's client (add a language here)."""

    build: Callable[[Path, Path], Path]
    """Build the client from a generated tree into a work folder; returns what ``command`` needs."""
    command: Callable[[Path, str], list[str]]
    """The command that runs scenario ``name`` (env: RC_SERVER and the local credentials)."""
    env: Callable[[Path], Mapping[str, str]] = field(default=lambda built: {})


def _build_js(generated: Path, workdir: Path) -> Path:
    out = workdir / "js-build" / "js"
    subprocess.run(
        ["bash", str(ROOT / "tests" / "js" / "build.sh"), str(generated / "js"), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _build_php(generated: Path, workdir: Path) -> Path:
    out = workdir / "php-build" / "php"
    subprocess.run(
        ["bash", str(ROOT / "tests" / "php" / "build.sh"), str(generated / "php"), str(out)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def _build_go(generated: Path, workdir: Path) -> Path:
    """tests/go/scenario built as a program of its own against ``generated``/go, with the
    tree's scenarios.json beside it (the program reads its scenarios from there)."""
    out = workdir / "go-build"
    out.mkdir(parents=True, exist_ok=True)
    (out / "main.go").write_bytes((ROOT / "tests" / "go" / "scenario" / "main.go").read_bytes())
    (out / "scenarios.json").write_bytes((generated / "scenarios.json").read_bytes())
    (out / "go.mod").write_text(
        "module parity.local/scenario\n\ngo 1.22\n\nrequire rcsdk.local/rcsdk v0.0.0\n\n"
        f"replace rcsdk.local/rcsdk => {(generated / 'go').resolve()}\n"
    )
    subprocess.run(
        ["go", "build", "-o", "scenario", "."],
        cwd=out,
        env={**os.environ, "GOWORK": "off", "GOFLAGS": "-mod=mod"},
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


CLIENTS: dict[str, Client] = {
    "javascript": Client(
        build=_build_js,
        command=lambda built, name: ["node", str(ROOT / "tests" / "js" / "scenario.mjs"), name],
        env=lambda built: {"RCSDK_DIST": str(built / "dist" / "index.js")},
    ),
    "php": Client(
        build=_build_php,
        command=lambda built, name: ["php", str(ROOT / "tests" / "php" / "scenario.php"), name],
        env=lambda built: {"RCSDK_PHP_AUTOLOAD": str(built / "vendor" / "autoload.php")},
    ),
    "go": Client(
        build=_build_go,
        command=lambda built, name: [str(built / "scenario"), name],
    ),
}


def client_parity(language: str, built: Path, name: str) -> Parity:
    """Run scenario ``name`` with ``language``'s client (built by ``CLIENTS[language].build``)
    and with the Python client, each against a replay of its cassette; report every difference
    from the cassette and between the two. (``Parity.curl`` holds the other client's requests.)"""
    client = CLIENTS[language]
    problems: list[str] = []
    with replaying(name) as server:
        env = {
            **os.environ,
            **LOCAL_CREDENTIALS,
            "RC_SERVER": server.url,
            **client.env(built),
        }
        result = subprocess.run(
            client.command(built, name), env=env, capture_output=True, text=True, timeout=60
        )
        if result.returncode != 0:
            problems.append(
                f"{language} exited {result.returncode}: {_ends(result.stderr.strip())}"
            )
        problems += [f"{language} {p}" for p in server.problems]
        if len(server.seen) != len(server.interactions):
            problems.append(
                f"{language} sent {len(server.seen)} of {len(server.interactions)} requests"
            )
        other = server.seen
    python, python_problems = python_seen(name)
    problems += python_problems
    problems += compare_clients(language, other, "python", python)
    return Parity(problems, other, python)


def curl_parity(generated: Path, name: str) -> Parity:
    """Run scenario ``name`` with the snippets and with the Python client, each against a
    replay of its cassette; report every difference from the cassette and between the two."""
    problems: list[str] = []
    script, extra = shell_chain(generated, name)
    with replaying(name) as server:
        env = {**os.environ, **LOCAL_CREDENTIALS, "RC_SERVER": server.url, **extra}
        result = subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=60
        )
        expected_failure = name.endswith("wrong-password")
        if (result.returncode != 0) != expected_failure:
            problems.append(f"bash exited {result.returncode}: {result.stderr.strip()[-300:]}")
        problems += [f"curl {p}" for p in server.problems]
        if len(server.seen) != len(server.interactions):
            problems.append(f"curl sent {len(server.seen)} of {len(server.interactions)} requests")
        curl = server.seen
    with replaying(name) as server:
        platform = RCSDK(
            LOCAL_CREDENTIALS["RC_APP_KEY"],
            LOCAL_CREDENTIALS["RC_APP_SECRET"],
            server.url,
            max_retries=0,
        ).get_platform()
        try:
            SCENARIOS[name](platform, LOCAL_CREDENTIALS)
        except RCSDKError as error:
            problems.append(f"python raised {error!r}")
        problems += [f"python {p}" for p in server.problems]
        python = server.seen
    for index, (a, b) in enumerate(zip(curl, python, strict=False)):
        for attribute in ("method", "path", "content_type", "authorization"):
            if getattr(a, attribute) != getattr(b, attribute):
                problems.append(
                    f"request {index + 1}: curl {attribute} {getattr(a, attribute)!r}"
                    f" != python {getattr(b, attribute)!r}"
                )
        for attribute in ("scrubbed_query", "scrubbed_form"):
            if getattr(a, attribute) != getattr(b, attribute):
                problems.append(f"request {index + 1}: {attribute} differs")
    return Parity(problems, curl, python)


def docs_problems(generated: Path, workdir: Path) -> list[str]:
    """The docs' Python samples run, in order, against the local platform (tests/_docs.py)."""
    return samples_problems(generated, workdir, "python")


def _ends(text: str) -> str:
    """The start of a program's error output (the message) and its end (where it was)."""
    return text if len(text) <= 1200 else f"{text[:800]} [...] {text[-400:]}"
