"""`make bench`: every figure the README refers to, on loopback, in one run.

The per-call tables come from calls.py (all clients of a language in one process, interleaved
blocks, a noise floor, instructions from callgrind). The other rows (logins, refresh storms,
import time, generation, the fleet) run here; the local platform runs in this process, every
client in processes of its own. Prints the tables, writes bench/results.json, and writes
docs/BENCH.md (with the date and the machine), which the README links to.
"""

from __future__ import annotations

import json
import os
import platform as machine
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the fleet and the redis-server the tests use

import calls  # noqa: E402

from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform  # noqa: E402

from _fleet import login_storm, rotations  # noqa: E402
from _mixed import steady as mixed_steady  # noqa: E402
from _php import storm as php_storm  # noqa: E402
from _redis import RedisServer  # noqa: E402

BENCH = ROOT / "bench"
OFFICIAL_VENV = BENCH / ".venv-official"
OFFICIAL = "ringcentral==0.9.2"
IMPORTS = 31
THREADS = 32
SIZES = (10, 100, 1000, 5000)
PHP_BUILD = ROOT / "build" / "php"  # `make build-php`
PHP_PROCESSES = 8
OFFICIAL_JS_DIR = BENCH / ".node-official"
OFFICIAL_JS = "@ringcentral/sdk@5.0.11"
JS_KINDS = ("rcsdk", "fetch", "official")
JS_IMPORTS = 11
LANGUAGES = ["python", "javascript", "php"]


def official_python() -> Path:
    python = OFFICIAL_VENV / "bin" / "python"
    if not python.exists():
        print(f"installing {OFFICIAL} into {OFFICIAL_VENV.relative_to(ROOT)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(OFFICIAL_VENV)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, OFFICIAL], check=True)
    return python


def worker(kind: str, *args: str) -> dict[str, Any]:
    python = official_python() if kind == "official" else Path(sys.executable)
    result = subprocess.run(
        [str(python), str(BENCH / "worker.py"), kind, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{kind} {args[0]} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def official_js() -> None:
    """RingCentral's official JavaScript SDK, pinned, in the bench's own folder."""
    if not (OFFICIAL_JS_DIR / "node_modules" / "@ringcentral" / "sdk").is_dir():
        print(f"installing {OFFICIAL_JS} into {OFFICIAL_JS_DIR.relative_to(ROOT)}", flush=True)
        OFFICIAL_JS_DIR.mkdir(exist_ok=True)
        npm = ["npm", "install", "--prefix", str(OFFICIAL_JS_DIR), "--no-audit", "--no-fund"]
        subprocess.run([*npm, "--loglevel=error", OFFICIAL_JS], check=True)


def node_worker(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        ["node", str(BENCH / "worker.mjs"), *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"node {args[:2]} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def javascript() -> dict[str, Any]:
    """The JavaScript client (build/js) against bare fetch and the official @ringcentral/sdk:
    login, the storm of concurrent calls on an expired token, and the time a fresh Node process
    takes to start and import the client (per call: calls.py)."""
    official_js()
    creds = json.dumps(LOCAL_CREDENTIALS)
    out: dict[str, Any] = {"login": {}, "storm": {}, "startup": {}}
    with LocalPlatform(auth_rate_limit=None) as local:
        for kind in ("rcsdk", "official"):
            out["login"][kind] = node_worker("login", kind, local.url, creds)
    for kind in ("rcsdk", "official"):
        with LocalPlatform(auth_rate_limit=None) as local:
            result = node_worker("storm", kind, local.url, creds, str(THREADS))
            result["refreshes"] = local.grant_count("refresh_token")
            out["storm"][kind] = result
    for kind in JS_KINDS:
        process_ms, import_ms = [], []
        for _ in range(JS_IMPORTS):
            start = time.perf_counter()
            import_ms.append(node_worker("import", kind)["import_ms"])
            process_ms.append((time.perf_counter() - start) * 1e3)
        out["startup"][kind] = {
            "process_ms": statistics.median(process_ms),
            "import_ms": statistics.median(import_ms),
        }
    return out


def node_version() -> str:
    return subprocess.run(
        ["node", "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()


def js_table(results: dict[str, Any]) -> list[str]:
    js = results.get("javascript")
    if not js:
        return []
    lines = [
        "",
        f"JavaScript (Node {js.get('node', '')}): process start + import, rcsdk (build/js) "
        f"against bare `fetch` and the official `{OFFICIAL_JS}`:",
        "",
        "| client | process start + import ms | import ms |",
        "|---|---|---|",
    ]
    for kind in JS_KINDS:
        start = js["startup"][kind]
        lines.append(f"| {kind} | {start['process_ms']:.0f} | {start['import_ms']:.1f} |")
    lines += [
        "",
        "| JavaScript | login cold ms | login warm ms | refreshes, 32 concurrent calls on an "
        "expired token | failed calls |",
        "|---|---|---|---|---|",
    ]
    for kind in ("rcsdk", "official"):
        login, storm = js["login"][kind], js["storm"][kind]
        lines.append(
            f"| {kind} | {login['cold_ms']:.1f} | {login['warm_ms']:.1f} "
            f"| {storm['refreshes']} | {storm['failures']} |"
        )
    return lines


def php_process_storm() -> dict[str, Any]:
    """8 PHP processes on one FileTokenStore whose token is due: refreshes and failed calls."""
    with tempfile.TemporaryDirectory(prefix="rcsdk-bench-") as tmp:
        refreshes, reports, seconds = php_storm(
            PHP_BUILD, Path(tmp) / "tokens.json", php=PHP_PROCESSES, python=0
        )
    return {
        "processes": PHP_PROCESSES,
        "refreshes": refreshes,
        "failures": sum(r["failed"] for r in reports),
        "seconds": seconds,
    }


def php_rows() -> dict[str, Any]:
    """The PHP client's process storm (per call: calls.py)."""
    version = subprocess.run(
        ["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True, check=True
    ).stdout
    print("PHP process storm ...", flush=True)
    return {"php": version, "php_storm": php_process_storm()}


GO_WORKER = ROOT / "build" / "go-bench" / "go_worker"


def go_worker(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [str(GO_WORKER), *args], capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"go_worker {args[0]} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


GO_ROUNDS = 5  # Go's per-call blocks run in this many processes (medians)
GO_COUNTS = (200, 2200)  # callgrind: the calls of the two runs (the difference is what counts)
GO_KINDS = ("rcsdk", "raw")
# Callgrind cannot follow Go's asynchronous preemption signals; one P keeps the scheduler's
# spinning threads, which vary from run to run, out of the count.
GO_CALLGRIND_ENV = {"GODEBUG": "asyncpreemptoff=1", "GOMAXPROCS": "1"}


def go_instructions(server: str, creds: str) -> dict[str, float]:
    """Instructions of one call of rcsdk and of bare net/http under callgrind (two call counts,
    the difference), as calls.py counts them for the other languages."""
    out = {}
    for kind in GO_KINDS:
        totals = []
        for count in GO_COUNTS:
            result = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    str(GO_WORKER),
                    "single",
                    server,
                    creds,
                    kind,
                    str(count),
                ],
                capture_output=True,
                text=True,
                check=False,
                timeout=1800,
                env={**os.environ, **GO_CALLGRIND_ENV},
            )
            found = re.search(r"Collected : (\d+)", result.stderr)
            if result.returncode != 0 or found is None:
                raise RuntimeError(f"callgrind go {kind} failed:\n{result.stderr[-3000:]}")
            totals.append(int(found.group(1)))
        out[kind] = (totals[1] - totals[0]) / (GO_COUNTS[1] - GO_COUNTS[0])
    return out


def go_rows() -> dict[str, Any]:
    """The Go client's rows: per call against bare net/http with a keep-alive client (adjacent
    blocks in one process, 5 processes; allocations; instructions under callgrind), 32
    goroutines on a due token (and on the short tokens of the Python rows), and process start."""
    print("Go per-call cost ...", flush=True)
    subprocess.run(
        ["go", "build", "-o", str(GO_WORKER), "."], cwd=BENCH / "go", check=True, timeout=600
    )
    version = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    creds = json.dumps(LOCAL_CREDENTIALS)
    with LocalPlatform(auth_rate_limit=None) as local:
        runs = [go_worker("blocks", local.url, creds) for _ in range(GO_ROUNDS)]
        storm = go_worker("storm", local.url, creds)
        instructions = go_instructions(local.url, creds) if shutil.which("valgrind") else {}
    short_ttl = {}
    for ttl in SHORT_TTLS:
        with LocalPlatform(auth_rate_limit=None, access_ttl=ttl, strict_refresh=True) as local:
            result = go_worker("storm", local.url, creds)
            result["refreshes"] = local.grant_count("refresh_token")
            short_ttl[str(ttl)] = result
    blocks = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    starts = []
    for _ in range(31):
        began = time.perf_counter()
        subprocess.run([str(GO_WORKER), "startup"], check=True)
        starts.append((time.perf_counter() - began) * 1000)
    return {
        "go": version,
        "blocks": blocks,
        "instructions": instructions,
        "storm": storm,
        "short_ttl": short_ttl,
        "startup_ms": statistics.median(starts),
    }


def go_table(results: dict[str, Any]) -> list[str]:
    if "go" not in results:
        return []
    go = results["go"]
    b = go["blocks"]
    lines = [
        "",
        f"### Go ({go['go']})",
        "",
        "One authenticated GET on a keep-alive loopback connection, body read whole: rcsdk "
        "against bare net/http (a keep-alive client sending the same request), in one process, "
        f"{b['rounds']:.0f} rounds of one block of {b['block']:.0f} calls per client, in all six "
        "orders in turn "
        f"({GO_ROUNDS} processes, medians); ratios are medians of per-round ratios, and a second "
        "bare client measured the same way gives the method's noise floor. Allocations "
        f"from runtime.MemStats; instructions from callgrind ({GO_COUNTS[0]} and "
        f"{GO_COUNTS[1]} calls, the difference; one P, asynchronous preemption off).",
        "",
        "| client | CPU µs per call | CPU ratio | wall µs per call | wall ratio "
        "| allocations per call | bytes per call | instructions per call | instructions ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    counted = go.get("instructions", {})
    rows = [
        ("rcsdk", "rcsdk", b["cpu_ratio"], b["ratio"]),
        ("bare net/http", "raw", 1.0, 1.0),
        ("bare net/http (noise floor)", "raw", b["cpu_noise_ratio"], b["noise_ratio"]),
    ]
    for label, kind, cpu_ratio, wall_ratio in rows:
        floor = label.endswith("(noise floor)")
        count = counted.get(kind)
        shown = f"{count / 1e3:.1f} k" if count and not floor else "-"
        ratio = f"{count / counted['raw']:.3f}" if count and not floor else "-"
        allocs = f"{b[kind + '_allocs']:.1f}" if kind + "_allocs" in b and not floor else "-"
        size = f"{b[kind + '_bytes']:.0f}" if kind + "_bytes" in b and not floor else "-"
        lines.append(
            f"| {label} | {b[kind + '_cpu_us']:.0f} | {cpu_ratio:.3f} | {b[kind + '_us']:.0f} "
            f"| {wall_ratio:.3f} | {allocs} | {size} | {shown} | {ratio} |"
        )
    return lines


def go_other_table(results: dict[str, Any]) -> list[str]:
    if "go" not in results:
        return []
    go = results["go"]
    storm = go["storm"]
    lines = [
        "",
        f"| rcsdk (Go {go['go']}), {storm['goroutines']} goroutines | refreshes | failed calls |",
        "|---|---|---|",
        f"| due token | {storm['refreshes']} | {storm['failures']} |",
    ]
    for ttl, short in go.get("short_ttl", {}).items():
        lines.append(f"| {ttl} s tokens | {short['refreshes']} | {short['failures']} |")
    lines += ["", f"Process start with `rcsdk.New`: {go['startup_ms']:.1f} ms (median of 31)."]
    return lines


PAIRED_IMPORT = """
import time
t0 = time.perf_counter()
import requests
t1 = time.perf_counter()
import rcsdk
t2 = time.perf_counter()
rcsdk.RCSDK("app-key", "app-secret", "http://127.0.0.1:9")
t3 = time.perf_counter()
print(t1 - t0, t2 - t1, t3 - t2)
"""


def import_time() -> dict[str, float]:
    """``import rcsdk`` against ``import requests``, two ways, interleaved round by round.

    Separate processes (``rcsdk_ms``, ``requests_ms``, ``ratio``): the median time of each
    import in fresh processes of its own; their ratio is one median over another, each as
    noisy as the machine. In one process (``paired_*``, the ratio to read): ``import
    requests`` (t_req), then the rest of ``import rcsdk`` (t_rest); the ratio
    (t_req + t_rest) / t_req is taken per process, so drift between processes cancels out,
    and its median is reported. ``paired_sdk_ms``: then building ``RCSDK(...)``, so that
    nothing is left to import lazily at first use unmeasured.
    """
    # pip byte-compiles what it installs; the editable install of the checkout does not, and
    # PYTHONDONTWRITEBYTECODE may be set. Compile first, so both sides load bytecode.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "generated" / "rcsdk")], check=True
    )
    times: dict[str, list[float]] = {"rcsdk": [], "requests": []}
    paired: list[tuple[float, float, float]] = []
    for _ in range(IMPORTS):
        for module in times:
            code = (
                "import time; t = time.perf_counter(); import "
                f"{module}; print(time.perf_counter() - t)"
            )
            result = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            times[module].append(float(result.stdout) * 1e3)
        result = subprocess.run(
            [sys.executable, "-c", PAIRED_IMPORT], capture_output=True, text=True, check=True
        )
        t_req, t_rest, t_sdk = (float(value) * 1e3 for value in result.stdout.split())
        paired.append((t_req, t_rest, t_sdk))
    out = {f"{module}_ms": statistics.median(values) for module, values in times.items()}
    out["ratio"] = out["rcsdk_ms"] / out["requests_ms"]
    out["paired_requests_ms"] = statistics.median(p[0] for p in paired)
    out["paired_rest_ms"] = statistics.median(p[1] for p in paired)
    out["paired_sdk_ms"] = statistics.median(p[2] for p in paired)
    out["paired_ratio"] = statistics.median((p[0] + p[1]) / p[0] for p in paired)
    return out


def logins(local: LocalPlatform) -> dict[str, Any]:
    creds = json.dumps(LOCAL_CREDENTIALS)
    return {kind: worker(kind, "login", local.url, creds) for kind in ("rcsdk", "official")}


def storms() -> dict[str, Any]:
    out = {}
    creds = json.dumps(LOCAL_CREDENTIALS)
    for kind in ("rcsdk", "official"):
        with LocalPlatform(auth_rate_limit=None) as local:
            result = worker(kind, "storm", local.url, creds, str(THREADS))
            result["refreshes"] = local.grant_count("refresh_token")
            out[kind] = result
    return out


SHORT_TTLS = (1, 61)


def short_ttl_storms() -> dict[str, Any]:
    """The storm again, with tokens of 1 s and 61 s lifetime (at or under the 60 s margin):
    the margin is capped at half the token's lifetime, so one refresh, not one per thread."""
    out = {}
    creds = json.dumps(LOCAL_CREDENTIALS)
    for ttl in SHORT_TTLS:
        with LocalPlatform(auth_rate_limit=None, access_ttl=ttl, strict_refresh=True) as local:
            result = worker("rcsdk", "storm", local.url, creds, str(THREADS))
            result["refreshes"] = local.grant_count("refresh_token")
            out[str(ttl)] = result
    return out


def synthetic_spec(source: dict[str, Any], operations: int) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(json.dumps(source))
    template = next(op for op in spec["operations"] if op["id"] == "readExtension")
    for index in range(operations - len(spec["operations"])):
        extra = json.loads(json.dumps(template))
        extra["id"] = f"readThing{index}"
        extra["summary"] = f"Read thing {index}"
        extra["path"] = f"/restapi/v1.0/things/{index}/{{accountId}}/{{extensionId}}"
        spec["operations"].append(extra)
    return spec


GENERATION_RUNS = 3


def generate_once(spec_path: Path, out: Path) -> tuple[float, float]:
    """One `python -m generator` in a process of its own, as `make generate` runs it (the
    imports, the contract scan, the formatters it starts): wall seconds, and CPU seconds of the
    process and its children (ruff, gofmt). A fresh process each time, so nothing one run keeps
    in memory is reused by the next; the templates' compiled bytecode in build/ is, as by every
    `make generate` after the first (the first run of each size fills it if it is empty)."""
    command = [sys.executable, "-m", "generator", "--spec", str(spec_path), "--out", str(out)]
    start = time.perf_counter()
    child = subprocess.Popen([*command, "-q"], cwd=ROOT)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({status})")
    return seconds, usage.ru_utime + usage.ru_stime


def load_average() -> float:
    """The machine's load over the last minute (other work shares its cores)."""
    return os.getloadavg()[0]


def generation() -> dict[str, Any]:
    """Generation from our spec and from synthetic specs of SIZES operations (copies of
    readExtension): the median of GENERATION_RUNS runs, wall and CPU, with the load average
    around them."""
    source_path = ROOT / "spec" / "ringcentral-auth.yaml"
    source = yaml.safe_load(source_path.read_text())
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="rcsdk-bench-") as tmp:
        cases = {f"ours ({len(source['operations'])} ops)": source_path}
        for size in SIZES:
            path = Path(tmp) / f"spec-{size}" / "ringcentral-auth.yaml"
            path.parent.mkdir()
            path.write_text(yaml.safe_dump(synthetic_spec(source, size), sort_keys=False))
            cases[f"{size} ops"] = path
        for name, path in cases.items():
            load_before = load_average()
            runs = [generate_once(path, Path(tmp) / f"out-{i}") for i in range(GENERATION_RUNS)]
            ops = len(yaml.safe_load(path.read_text())["operations"])
            seconds = statistics.median(wall for wall, _ in runs)
            cpu = statistics.median(cpu for _, cpu in runs)
            out[name] = {
                "operations": ops,
                "seconds": seconds,
                "cpu_seconds": cpu,
                "ms_per_op": cpu / ops * 1e3,
                "load": max(load_before, load_average()),
                "runs": GENERATION_RUNS,
            }
            print(f"  generation, {name}: {seconds:.2f} s wall, {cpu:.2f} s CPU", flush=True)
    return out


FLEET_WORKERS, FLEET_THREADS, FLEET_SECONDS, FLEET_KILLS = 16, 4, 30.0, 3


def fleet() -> dict[str, Any]:
    """16 worker processes x 4 threads on one session through Redis, 2 s access tokens, 30 s;
    the same with 3 workers SIGKILLed at random moments; 16 workers logging in at once against
    the Auth limit of 5 a minute."""
    out: dict[str, Any] = {}
    with RedisServer() as server:
        for name, kills in (("steady", 0), ("killed", FLEET_KILLS)):
            print(f"  fleet: {FLEET_WORKERS} x {FLEET_THREADS}, {kills} killed ...", flush=True)
            out[name] = rotations(
                server.url,
                workers=FLEET_WORKERS,
                threads=FLEET_THREADS,
                duration=FLEET_SECONDS,
                kills=kills,
                strict=True,
            )
        print("  fleet: 16 logins at once, Auth 5/60 s (about 3 minutes) ...", flush=True)
        out["logins"] = login_storm(server.url, workers=FLEET_WORKERS, limit=5, window=60.0)
    return out


def stores() -> dict[str, Any]:
    """Per call through each token store once the tokens are in use (bench/stores.py, under a
    local platform of its own process): memory, file and Redis, interleaved blocks."""
    print("  per call through each store ...", flush=True)
    command = [sys.executable, "-m", "rcsdk.testing", "run", "--auth-rate-limit", "off"]
    command += ["--no-api-rate-limits", "--", sys.executable, str(BENCH / "stores.py")]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=600)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def stores_table(results: dict[str, Any]) -> list[str]:
    s = results.get("stores")
    if not s:
        return []
    cpu, wall = s["cpu_us"], s["wall_us"]
    return [
        "",
        f"Per call through each token store, tokens in use (Python, one process, {s['blocks']} "
        f"blocks of {s['calls']} calls in rotating order, medians; the platform in a process of "
        f"its own): CPU µs memory {cpu['memory']:.0f}, file {cpu['file']:.0f}, Redis "
        f"{cpu['redis']:.0f} (Redis / file {cpu['redis'] / cpu['file']:.3f}; memory / file "
        f"{cpu['memory'] / cpu['file']:.3f}, the noise between stores that do nothing per call); "
        f"wall µs {wall['memory']:.0f}, {wall['file']:.0f}, {wall['redis']:.0f} (Redis / file "
        f"{wall['redis'] / wall['file']:.3f}).",
    ]


MIXED_WORKERS = {"python": 4, "node": 4, "php": 4, "go": 4}
MIXED_CALLERS, MIXED_SECONDS = 4, 20.0


def mixed() -> dict[str, Any]:
    """16 worker processes across Python, Node, PHP and Go on one Redis key (docs/FLEET.md), 4
    callers each (PHP: one, it has no threads), 2 s access tokens, strict refresh, 20 s."""
    print("  mixed fleet: 16 workers in four languages ...", flush=True)
    with RedisServer() as server:
        return mixed_steady(server.url, MIXED_WORKERS, MIXED_CALLERS, MIXED_SECONDS)


def mixed_table(results: dict[str, Any]) -> list[str]:
    m = results.get("mixed")
    if not m:
        return []
    workers = ", ".join(f"{count} {language}" for language, count in m["workers"].items())
    per_rotation = m["refresh_requests"] / m["rotations"] if m["rotations"] else float("nan")
    return [
        "",
        f"Mixed fleet on one Redis key ({workers} workers, {m['callers']} callers each, PHP one; "
        f"2 s access tokens, strict refresh, {m['seconds']:.0f} s): {m['calls_per_second']:.0f} "
        f"calls/s, {m['refresh_requests']} refresh requests for {m['rotations']} rotations "
        f"({per_rotation:.2f} per rotation), {m['failed']} failed calls, {m['logouts']} logouts, "
        f"session kept: {'yes' if m['session_kept'] else 'NO'}.",
    ]


def fleet_table(results: dict[str, Any]) -> list[str]:
    f = results.get("fleet")
    if not f:
        return []
    lines = [
        "",
        f"Fleet (`RedisTokenStore`): {FLEET_WORKERS} worker processes x {FLEET_THREADS} threads, "
        "each its own process group and RCSDK, one session, 2 s access tokens, strict "
        "single-use refresh:",
        "",
        "| run | seconds | survivors | calls | failed calls | refresh requests | rotations "
        "| logouts | session kept |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, label in (("steady", "all workers"), ("killed", f"{FLEET_KILLS} SIGKILLed")):
        r = f[name]
        lines.append(
            f"| {label} | {r['duration']:.0f} | {r['workers']} | {r['calls']} | {r['failed']} "
            f"| {r['refresh_requests']} | {r['rotations']} | {r['logouts']} "
            f"| {'yes' if r['session_kept'] else 'NO'} |"
        )
    s = f["logins"]
    lines += [
        "",
        f"Login storm: {s['workers']} workers log in at once, Auth limit {s['limit']} per "
        f"{s['window']:.0f} s: {s['rate_limited']} 429 reached the platform (at most "
        f"{s['most_429_in_a_window']} in any window), {s['logins'] - s['rate_limited']} logins, "
        f"{s['failed']} failed, all logged in: {'yes' if s['all_authorized'] else 'NO'}, "
        f"in {s['seconds']:.0f} s.",
    ]
    return lines


def import_lines(imports: dict[str, float]) -> list[str]:
    separate = (
        f"rcsdk {imports['rcsdk_ms']:.1f} ms, requests {imports['requests_ms']:.1f} ms "
        f"(ratio {imports['ratio']:.2f})"
    )
    if "paired_ratio" not in imports:  # results.json from before the paired measurement
        return [f"Import (median of {IMPORTS} fresh processes): {separate}."]
    return [
        f"Import (median of {IMPORTS} fresh processes, each `import requests` then `import "
        f"rcsdk`): requests {imports['paired_requests_ms']:.1f} ms, then rcsdk "
        f"{imports['paired_rest_ms']:.1f} ms more (ratio {imports['paired_ratio']:.3f}, "
        f"median of the per-process ratios); `RCSDK(...)` then {imports['paired_sdk_ms']:.2f} "
        f"ms. Each alone in processes of its own: {separate}.",
    ]


def table(results: dict[str, Any]) -> str:
    imports = results["import"]
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` on {results['date']}, {results['machine']} "
        f"({results['cpus']} CPUs{', ' + results['cpu'] if results.get('cpu') else ''}), "
        f"Python {results['python']}, Node {results.get('javascript', {}).get('node', '?')}, "
        f"PHP {results.get('php', '?')}; loopback, the local platform. Nothing here is edited "
        "by hand: `make bench` writes this file.",
        *(
            [
                "",
                "Re-measured since, by `python bench/run.py ROWS`: "
                + ", ".join(f"{rows} ({when})" for rows, when in results["remeasured"].items())
                + ".",
            ]
            if results.get("remeasured")
            else []
        ),
        "",
        *calls.section(results["calls"]),
        *go_table(results),
        "",
        "## Other measurements",
    ]
    lines += [
        "",
        *import_lines(imports),
        "",
        "| | login cold ms | login warm ms | refreshes, 32 threads on an expired token "
        "| failed calls |",
        "|---|---|---|---|---|",
    ]
    for kind in ("rcsdk", "official"):
        login, storm = results["login"][kind], results["storm"][kind]
        lines.append(
            f"| {kind} | {login['cold_ms']:.1f} | {login['warm_ms']:.1f} "
            f"| {storm['refreshes']} | {storm['failures']} |"
        )
    if "short_ttl" in results:
        lines += [
            "",
            f"| rcsdk, {THREADS} threads on a due token | refreshes | failed calls |",
            "|---|---|---|",
        ]
        for ttl, storm in results["short_ttl"].items():
            lines.append(f"| {ttl} s tokens | {storm['refreshes']} | {storm['failures']} |")
    if "php_storm" in results:
        php_storm_result = results["php_storm"]
        lines += [
            "",
            f"{php_storm_result['processes']} PHP processes on one FileTokenStore with a due "
            f"token: {php_storm_result['refreshes']} refresh, {php_storm_result['failures']} "
            f"failed calls, {php_storm_result['seconds']:.2f} s from go to the last answer.",
        ]
    lines += generation_table(results)
    lines += js_table(results)
    lines += go_other_table(results)
    lines += fleet_table(results)
    lines += mixed_table(results)
    lines += stores_table(results)
    return "\n".join(lines)


def generation_table(results: dict[str, Any]) -> list[str]:
    rows = results["generation"]
    runs = max(g.get("runs", 3) for g in rows.values())
    lines = [
        "",
        f"Generation (`python -m generator` in a fresh process; median of {runs} runs; CPU is"
        " the process and the formatters it starts; load: the machine's 1-minute load average"
        f" on its {os.cpu_count()} CPUs while it ran):",
        "",
        "| generation | operations | wall s | CPU s | CPU ms per operation | load |",
        "|---|---|---|---|---|---|",
    ]
    for name, g in rows.items():
        cpu = f"{g['cpu_seconds']:.2f}" if "cpu_seconds" in g else "-"  # not measured then
        load = f"{g['load']:.1f}" if "load" in g else "-"
        lines.append(
            f"| {name} | {g['operations']} | {g['seconds']:.2f} | {cpu} | {g['ms_per_op']:.2f} "
            f"| {load} |"
        )
    return lines


def write_results(text: str) -> None:
    """docs/BENCH.md: the tables of the last run (the README links to it)."""
    (ROOT / "docs" / "BENCH.md").write_text(text + "\n")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def main() -> int:
    only = sys.argv[1:]
    rows = ["fleet", "js", "php", "ttl", "python", "calls", "generation", "go", "stores", "mixed"]
    if len(only) > 1 and only[0] == "calls" and set(only[1:]) <= set(LANGUAGES):
        # `python bench/run.py calls javascript`: the per-call tables of these languages only.
        kept: dict[str, Any] = json.loads((BENCH / "results.json").read_text())
        with LocalPlatform(auth_rate_limit=None) as local:
            kept["calls"].update(calls.measure(local.url, dict(LOCAL_CREDENTIALS), only[1:]))
        kept.setdefault("remeasured", {})[" ".join(only)] = datetime.now(timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
        (BENCH / "results.json").write_text(json.dumps(kept, indent=2) + "\n")
        text = table(kept)
        print(text)
        write_results(text)
        return 0
    if len(only) == 1 and only[0] in rows:
        last: dict[str, Any] = json.loads((BENCH / "results.json").read_text())
        if only == ["python"]:  # import time
            last["import"] = import_time()
        elif only == ["calls"]:
            with LocalPlatform(auth_rate_limit=None) as local:
                last["calls"] = calls.measure(local.url, dict(LOCAL_CREDENTIALS), LANGUAGES)
        elif only == ["generation"]:
            last["generation"] = generation()
        elif only == ["fleet"]:
            last["fleet"] = fleet()
        elif only == ["mixed"]:
            last["mixed"] = mixed()
        elif only == ["stores"]:
            last["stores"] = stores()
        elif only == ["php"]:
            last.update(php_rows())
        elif only == ["go"]:
            last["go"] = go_rows()
        elif only == ["ttl"]:
            last["short_ttl"] = short_ttl_storms()
        else:
            last["javascript"] = javascript()
            last["javascript"]["node"] = node_version()
        # The other rows keep the date of the run that measured them.
        last.setdefault("remeasured", {})[only[0]] = datetime.now(timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC"
        )
        (BENCH / "results.json").write_text(json.dumps(last, indent=2) + "\n")
        text = table(last)
        print(text)
        write_results(text)
        return 0
    began = time.perf_counter()
    official_python()
    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{machine.system()} {machine.machine()}",
        "cpu": cpu_model(),
        "cpus": os.cpu_count(),
        "python": machine.python_version(),
    }
    with LocalPlatform(auth_rate_limit=None) as local:
        results["calls"] = calls.measure(local.url, dict(LOCAL_CREDENTIALS), LANGUAGES)
        print("logins ...", flush=True)
        results["login"] = logins(local)
    results.update(php_rows())
    print("refresh storms ...", flush=True)
    results["storm"] = storms()
    results["short_ttl"] = short_ttl_storms()
    print("import time ...", flush=True)
    results["import"] = import_time()
    print("javascript ...", flush=True)
    results["javascript"] = javascript()
    results["javascript"]["node"] = node_version()
    results["go"] = go_rows()
    print("generation ...", flush=True)
    results["generation"] = generation()
    print("fleet ...", flush=True)
    results["fleet"] = fleet()
    results["mixed"] = mixed()
    results["stores"] = stores()
    results["seconds"] = time.perf_counter() - began
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    print()
    print(text)
    print(f"\n(bench took {results['seconds']:.0f} s; written to docs/BENCH.md)")
    write_results(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
