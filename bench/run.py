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


def import_time() -> dict[str, float]:
    # pip byte-compiles what it installs; the editable install of the checkout does not, and
    # PYTHONDONTWRITEBYTECODE may be set. Compile first, so both sides load bytecode.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", str(ROOT / "generated" / "rcsdk")], check=True
    )
    times: dict[str, list[float]] = {"rcsdk": [], "requests": []}
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
    out = {f"{module}_ms": statistics.median(values) for module, values in times.items()}
    out["ratio"] = out["rcsdk_ms"] / out["requests_ms"]
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
        f"Import (median of {IMPORTS} fresh processes): rcsdk {imports['rcsdk_ms']:.1f} ms, "
        f"requests {imports['requests_ms']:.1f} ms (ratio {imports['ratio']:.2f}).",
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
    lines += ["", "| generation | operations | seconds | ms per operation |", "|---|---|---|---|"]
    for name, g in results["generation"].items():
        lines.append(f"| {name} | {g['operations']} | {g['seconds']:.3f} | {g['ms_per_op']:.2f} |")
    lines += fleet_table(results)
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
    if sys.argv[1:] == ["fleet"]:  # only the fleet rows, into the last full run's results
        last: dict[str, Any] = json.loads((BENCH / "results.json").read_text())
        last["fleet"] = fleet()
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
    print("refresh storms ...", flush=True)
    results["storm"] = storms()
    print("import time ...", flush=True)
    results["import"] = import_time()
    print("generation ...", flush=True)
    results["generation"] = generation()
    print("fleet ...", flush=True)
    results["fleet"] = fleet()
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
