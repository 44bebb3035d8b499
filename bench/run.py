"""`make bench`: rcsdk against raw requests and the official SDK, on loopback, in one run.

The local platform runs in this process; every client runs in fresh processes of its own,
interleaved round by round so that drift on the machine hits all of them alike. Prints a table,
writes bench/results.json, and puts the table into README.md between the bench markers.
"""

from __future__ import annotations

import json
import os
import platform as machine
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

from generator import build, load, render, write  # noqa: E402
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform  # noqa: E402

from _fleet import login_storm, rotations  # noqa: E402
from _mixed import steady as mixed_steady  # noqa: E402
from _php import storm as php_storm  # noqa: E402
from _redis import RedisServer  # noqa: E402

BENCH = ROOT / "bench"
OFFICIAL_VENV = BENCH / ".venv-official"
OFFICIAL = "ringcentral==0.9.2"
CALLS = 2000
ROUNDS = 5
IMPORTS = 31
THREADS = 32
SIZES = (10, 100, 1000)
KINDS = ("rcsdk", "raw", "official")
PHP_KINDS = ("rcsdk", "raw")
PHP_BUILD = ROOT / "build" / "php"  # `make build-php`
PHP_PROCESSES = 8
OFFICIAL_JS_DIR = BENCH / ".node-official"
OFFICIAL_JS = "@ringcentral/sdk@5.0.11"
JS_KINDS = ("rcsdk", "fetch", "official")
JS_IMPORTS = 11


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
    per call, TCP connections, login, the storm of concurrent calls on an expired token, and
    the time a fresh Node process takes to start and import the client."""
    official_js()
    creds = json.dumps(LOCAL_CREDENTIALS)
    out: dict[str, Any] = {"per_call": {}, "login": {}, "storm": {}, "startup": {}}
    with LocalPlatform(auth_rate_limit=None) as local:
        samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in JS_KINDS}
        connections: dict[str, int] = {}
        for _ in range(ROUNDS):
            for kind in JS_KINDS:
                before = local.connections
                samples[kind].append(node_worker("calls", kind, local.url, creds, str(CALLS)))
                connections[kind] = local.connections - before
        for kind in JS_KINDS:
            out["per_call"][kind] = {
                "wall_us": statistics.median(s["wall_us"] for s in samples[kind]),
                "cpu_us": statistics.median(s["cpu_us"] for s in samples[kind]),
                "max_rss_mb": max(s["max_rss_mb"] for s in samples[kind]),
                "connections": connections[kind],
            }
        base = out["per_call"]["fetch"]
        for kind in JS_KINDS:
            row = out["per_call"][kind]
            row["wall_vs_fetch"] = row["wall_us"] / base["wall_us"]
            row["cpu_vs_fetch"] = row["cpu_us"] / base["cpu_us"]
        pairs = [node_worker("pair", "rcsdk", local.url, creds) for _ in range(ROUNDS)]
        out["paired"] = {key: statistics.median(p[key] for p in pairs) for key in pairs[0]}
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
        f"JavaScript (Node {js.get('node', '')}): rcsdk (build/js) against bare `fetch` and the "
        f"official `{OFFICIAL_JS}`, {CALLS} authenticated GETs, median of {ROUNDS} rounds:",
        "",
        "| client | µs per call | vs fetch | client CPU µs per call | vs fetch | TCP connections "
        "| peak RSS MB | process start + import ms | import ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for kind in JS_KINDS:
        c, s = js["per_call"][kind], js["startup"][kind]
        lines.append(
            f"| {kind} | {c['wall_us']:.0f} | {c['wall_vs_fetch']:.3f} | {c['cpu_us']:.0f} "
            f"| {c['cpu_vs_fetch']:.3f} | {c['connections']} | {c['max_rss_mb']:.1f} "
            f"| {s['process_ms']:.0f} | {s['import_ms']:.1f} |"
        )
    if "paired" in js:
        p = js["paired"]
        lines += [
            "",
            f"In one process, adjacent blocks of 50 calls in rotating order, 40 rounds "
            f"({ROUNDS} processes, medians): rcsdk {p['rcsdk_us']:.0f} µs, bare fetch "
            f"{p['fetch_us']:.0f} µs per call; median ratio of adjacent blocks "
            f"{p['ratio']:.3f}"
            + (
                f" (client CPU {p['rcsdk_cpu_us']:.0f} against {p['fetch_cpu_us']:.0f} µs, "
                f"ratio {p['cpu_ratio']:.3f}; a second bare fetch client measured the same "
                f"way: {p['noise_ratio']:.3f}, CPU {p['noise_cpu_ratio']:.3f}, the method's "
                f"noise floor; bare node:http, the stack rcsdk sends with: "
                f"{p['http_ratio']:.3f}, CPU {p['http_cpu_ratio']:.3f})."
                if "cpu_ratio" in p
                else "."
            ),
        ]
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


def per_call(local: LocalPlatform) -> dict[str, Any]:
    creds = json.dumps(LOCAL_CREDENTIALS)
    samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in KINDS}
    connections: dict[str, int] = {}
    for _ in range(ROUNDS):
        for kind in KINDS:
            before = local.connections
            samples[kind].append(worker(kind, "calls", local.url, creds, str(CALLS)))
            connections[kind] = local.connections - before
    out: dict[str, Any] = {}
    for kind in KINDS:
        out[kind] = {
            "wall_us": statistics.median(s["wall_us"] for s in samples[kind]),
            "cpu_us": statistics.median(s["cpu_us"] for s in samples[kind]),
            "max_rss_mb": max(s["max_rss_mb"] for s in samples[kind]),
            "connections": connections[kind],
        }
    for kind in KINDS:
        out[kind]["wall_vs_raw"] = out[kind]["wall_us"] / out["raw"]["wall_us"]
        out[kind]["cpu_vs_raw"] = out[kind]["cpu_us"] / out["raw"]["cpu_us"]
    return out


def php_worker(kind: str, local: LocalPlatform) -> dict[str, Any]:
    creds = json.dumps(LOCAL_CREDENTIALS)
    result = subprocess.run(
        ["php", str(BENCH / "php_worker.php"), kind, "calls", local.url, creds, str(CALLS)],
        env={**os.environ, "RCSDK_PHP_AUTOLOAD": str(PHP_BUILD / "vendor" / "autoload.php")},
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"php {kind} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def php_blocks(local: LocalPlatform) -> dict[str, float]:
    """Both PHP clients in one process, adjacent blocks in alternating order (5 processes)."""
    runs = [php_worker("blocks", local) for _ in range(ROUNDS)]
    keys = ("rcsdk_us", "raw_us", "ratio", "noise_ratio")
    keys_cpu = ("rcsdk_cpu_us", "raw_cpu_us", "cpu_ratio", "cpu_noise_ratio")
    return {key: statistics.median(r[key] for r in runs) for key in keys + keys_cpu}


def php_per_call(local: LocalPlatform) -> dict[str, Any]:
    """The PHP client against one bare curl handle, interleaved round by round."""
    samples: dict[str, list[dict[str, Any]]] = {kind: [] for kind in PHP_KINDS}
    connections: dict[str, int] = {}
    for _ in range(ROUNDS):
        for kind in PHP_KINDS:
            before = local.connections
            samples[kind].append(php_worker(kind, local))
            connections[kind] = local.connections - before
    out: dict[str, Any] = {}
    for kind in PHP_KINDS:
        out[kind] = {
            "wall_us": statistics.median(s["wall_us"] for s in samples[kind]),
            "cpu_us": statistics.median(s["cpu_us"] for s in samples[kind]),
            "max_rss_mb": max(s["max_rss_mb"] for s in samples[kind]),
            "connections": connections[kind],
        }
    for kind in PHP_KINDS:
        out[kind]["wall_vs_raw"] = out[kind]["wall_us"] / out["raw"]["wall_us"]
        out[kind]["cpu_vs_raw"] = out[kind]["cpu_us"] / out["raw"]["cpu_us"]
    return out


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
    """The PHP client's rows: per call against bare curl, and the process storm."""
    print("PHP per-call cost ...", flush=True)
    version = subprocess.run(
        ["php", "-r", "echo PHP_VERSION;"], capture_output=True, text=True, check=True
    ).stdout
    with LocalPlatform(auth_rate_limit=None) as local:
        per_call_result = php_per_call(local)
        per_call_result["blocks"] = php_blocks(local)
    print("PHP process storm ...", flush=True)
    return {"php": version, "php_per_call": per_call_result, "php_storm": php_process_storm()}


GO_WORKER = ROOT / "build" / "go-bench" / "go_worker"


def go_worker(*args: str) -> dict[str, Any]:
    result = subprocess.run(
        [str(GO_WORKER), *args], capture_output=True, text=True, check=False, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(f"go_worker {args[0]} failed:\n{result.stderr}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def go_rows() -> dict[str, Any]:
    """The Go client's rows: per call against bare net/http with a keep-alive client (adjacent
    blocks in one process, 5 processes), 32 goroutines on a due token, and process start."""
    print("Go per-call cost ...", flush=True)
    subprocess.run(
        ["go", "build", "-o", str(GO_WORKER), "."], cwd=BENCH / "go", check=True, timeout=600
    )
    version = subprocess.run(
        ["go", "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    creds = json.dumps(LOCAL_CREDENTIALS)
    with LocalPlatform(auth_rate_limit=None) as local:
        runs = [go_worker("blocks", local.url, creds) for _ in range(ROUNDS)]
        storm = go_worker("storm", local.url, creds)
    blocks = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    starts = []
    for _ in range(31):
        began = time.perf_counter()
        subprocess.run([str(GO_WORKER), "startup"], check=True)
        starts.append((time.perf_counter() - began) * 1000)
    return {
        "go": version,
        "blocks": blocks,
        "storm": storm,
        "startup_ms": statistics.median(starts),
    }


def go_table(results: dict[str, Any]) -> list[str]:
    if "go" not in results:
        return []
    go = results["go"]
    b, storm = go["blocks"], go["storm"]
    return [
        "",
        f"Go ({go['go']}): in one process, adjacent blocks of 50 authenticated GETs in "
        f"alternating order, 80 rounds ({ROUNDS} processes, medians): rcsdk {b['rcsdk_us']:.0f} "
        f"µs, bare net/http (a keep-alive client sending the same request) {b['raw_us']:.0f} µs "
        f"per call; median ratio of adjacent blocks {b['ratio']:.3f} (two bare clients measured "
        f"the same way: {b['noise_ratio']:.3f}, the method's noise floor). CPU time of the same "
        f"blocks: rcsdk {b['rcsdk_cpu_us']:.0f} µs, bare {b['raw_cpu_us']:.0f} µs per call; "
        f"median ratio {b['cpu_ratio']:.3f} (noise floor {b['cpu_noise_ratio']:.3f}). "
        f"{storm['goroutines']} goroutines on a due token: {storm['refreshes']} refresh, "
        f"{storm['failures']} failed calls. Process start with `rcsdk.New`: "
        f"{go['startup_ms']:.1f} ms (median of 31).",
    ]


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


def generate_once(spec_path: Path, out: Path) -> float:
    start = time.perf_counter()
    spec = build.build(load.load(spec_path, "spec/" + spec_path.name))
    files = render.render(spec, ROOT / "templates")
    write.write(files, out, render.header_lines(spec))
    return time.perf_counter() - start


def generation() -> dict[str, Any]:
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
            runs = [generate_once(path, Path(tmp) / f"out-{i}") for i in range(3)]
            ops = len(yaml.safe_load(path.read_text())["operations"])
            seconds = statistics.median(runs)
            out[name] = {"operations": ops, "seconds": seconds, "ms_per_op": seconds / ops * 1e3}
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


MIXED_WORKERS = {"python": 6, "node": 5, "php": 5}
MIXED_CALLERS, MIXED_SECONDS = 4, 20.0


def mixed() -> dict[str, Any]:
    """16 worker processes across Python, Node and PHP on one Redis key (docs/FLEET.md), 4
    callers each (PHP: one, it has no threads), 2 s access tokens, strict refresh, 20 s."""
    print("  mixed fleet: 16 workers in three languages ...", flush=True)
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
    calls, imports = results["per_call"], results["import"]
    lines = [
        f"Measured {results['date']} on {results['machine']} ({results['cpus']} CPUs), "
        f"Python {results['python']}, loopback, local platform.",
        "",
        f"Per call ({CALLS} authenticated GETs, median of {ROUNDS} interleaved rounds):",
        "",
        "| client | µs per call | vs raw | client CPU µs per call | vs raw | TCP connections "
        "| peak RSS MB |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        c = calls[kind]
        lines.append(
            f"| {kind} | {c['wall_us']:.0f} | {c['wall_vs_raw']:.3f} | {c['cpu_us']:.0f} "
            f"| {c['cpu_vs_raw']:.3f} | {c['connections']} | {c['max_rss_mb']:.1f} |"
        )
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
    if "php_per_call" in results:
        php, php_storm_result = results["php_per_call"], results["php_storm"]
        lines += [
            "",
            f"PHP {results.get('php', '')} ({CALLS} authenticated GETs, median of {ROUNDS} "
            "interleaved rounds; raw is one bare curl handle with a Bearer header and a "
            "User-Agent as long as rcsdk's, so that both send the same request):",
            "",
            "| PHP client | µs per call | vs raw | client CPU µs per call | vs raw "
            "| TCP connections | peak RSS MB |",
            "|---|---|---|---|---|---|---|",
        ]
        for kind in PHP_KINDS:
            c = php[kind]
            lines.append(
                f"| {kind} | {c['wall_us']:.0f} | {c['wall_vs_raw']:.3f} | {c['cpu_us']:.0f} "
                f"| {c['cpu_vs_raw']:.3f} | {c['connections']} | {c['max_rss_mb']:.1f} |"
            )
        blocks = php.get("blocks")
        if blocks:
            lines += [
                "",
                f"In one process, adjacent blocks of 50 calls in alternating order, 40 rounds "
                f"({ROUNDS} processes, medians): rcsdk {blocks['rcsdk_us']:.0f} µs, bare curl "
                f"{blocks['raw_us']:.0f} µs per call; median ratio of adjacent blocks "
                f"{blocks['ratio']:.3f} (two bare curl handles measured the same way: "
                f"{blocks.get('noise_ratio', float('nan')):.3f}, the method's noise floor here).",
            ]
            if "cpu_ratio" in blocks:
                lines[-1] += (
                    f" CPU time of the same blocks: rcsdk {blocks['rcsdk_cpu_us']:.0f} µs, bare "
                    f"curl {blocks['raw_cpu_us']:.0f} µs per call; median ratio "
                    f"{blocks['cpu_ratio']:.3f} (noise floor {blocks['cpu_noise_ratio']:.3f})."
                )
        lines += [
            "",
            f"{php_storm_result['processes']} PHP processes on one FileTokenStore with a due "
            f"token: {php_storm_result['refreshes']} refresh, {php_storm_result['failures']} "
            f"failed calls, {php_storm_result['seconds']:.2f} s from go to the last answer.",
        ]
    lines += ["", "| generation | operations | seconds | ms per operation |", "|---|---|---|---|"]
    for name, g in results["generation"].items():
        lines.append(f"| {name} | {g['operations']} | {g['seconds']:.3f} | {g['ms_per_op']:.2f} |")
    lines += js_table(results)
    lines += go_table(results)
    lines += fleet_table(results)
    lines += mixed_table(results)
    return "\n".join(lines)


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in content and end in content:
        head, rest = content.split(start, 1)
        _, tail = rest.split(end, 1)
        readme.write_text(f"{head}{start}\n{text}\n{end}{tail}")


def main() -> int:
    if sys.argv[1:] in (["fleet"], ["js"], ["php"], ["ttl"], ["python"], ["go"], ["mixed"]):
        last: dict[str, Any] = json.loads((BENCH / "results.json").read_text())
        if sys.argv[1] == "python":  # the Python client's per-call cost and import time
            official_python()
            with LocalPlatform(auth_rate_limit=None) as local:
                last["per_call"] = per_call(local)
            last["import"] = import_time()
            last["date"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        elif sys.argv[1] == "fleet":
            last["fleet"] = fleet()
        elif sys.argv[1] == "mixed":
            last["mixed"] = mixed()
        elif sys.argv[1] == "php":
            last.update(php_rows())
        elif sys.argv[1] == "go":
            last["go"] = go_rows()
        elif sys.argv[1] == "ttl":
            last["short_ttl"] = short_ttl_storms()
        else:
            last["javascript"] = javascript()
            last["javascript"]["node"] = node_version()
        (BENCH / "results.json").write_text(json.dumps(last, indent=2) + "\n")
        text = table(last)
        print(text)
        update_readme(text)
        return 0
    began = time.perf_counter()
    official_python()
    results: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{machine.system()} {machine.machine()}",
        "cpus": os.cpu_count(),
        "python": machine.python_version(),
    }
    with LocalPlatform(auth_rate_limit=None) as local:
        print("per-call cost ...", flush=True)
        results["per_call"] = per_call(local)
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
    results["seconds"] = time.perf_counter() - began
    (BENCH / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    print()
    print(text)
    print(f"\n(bench took {results['seconds']:.0f} s; written to bench/results.json and README.md)")
    update_readme(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
