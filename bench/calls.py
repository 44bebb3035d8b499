"""Per-call cost of every client, measured so that the figures reproduce (``make bench``).

For each language, all of its clients run in one process (calls_py.py, calls.mjs,
calls_php.php), interleaved in blocks whose order rotates every round, timed in client CPU and
wall; each ratio is the median of per-round ratios to the language's floor (bare http.client,
bare node:http, bare curl). A second copy of the floor, measured the same way, is the noise
floor of the method. Each language runs in PROCESSES processes; the table shows medians.
(JavaScript's rounds alternate direction, and each block starts after a young-generation
collection, so that no client pays for the garbage of the one before it.)

Beside them, instructions per call under callgrind, which repeats within a fraction of a percent
whatever else the machine does: each client runs twice, with two call counts, and the difference
of the two totals divided by the difference of the counts is the cost of one call (start-up and
login cancel out). Python's is measured again with ENV_EXTRA more environment variables (a
typical Kubernetes pod).

``python bench/calls.py`` measures and prints the section; ``run.py`` puts it into docs/BENCH.md.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
PROCESSES = 3
ROUNDS = 20
BLOCK = {"python": 100, "javascript": 200, "php": 200}
COUNTS = {"python": (100, 400), "javascript": (200, 1200), "php": (200, 1200)}
ENV_EXTRA = 135
CALLGRIND = {
    "python": ("http.client", "rcsdk", "urllib3", "httpx", "requests"),
    "javascript": ("node:http", "rcsdk", "fetch"),
    "php": ("curl", "rcsdk get", "curl+json", "rcsdk readExtension", "curl copy"),
}
FLOORS = {"python": "http.client", "javascript": "node:http", "php": "curl"}


def command(language: str, *args: str) -> list[str]:
    if language == "python":
        return [sys.executable, str(BENCH / "calls_py.py"), *args]
    if language == "javascript":
        return ["node", "--expose-gc", str(BENCH / "calls.mjs"), *args]
    return ["php", str(BENCH / "calls_php.php"), *args]


def blocks(language: str, server: str, creds: str) -> dict[str, Any]:
    """Medians over PROCESSES processes of each client's per-call figures."""
    runs = []
    for _ in range(PROCESSES):
        args = ["blocks", server, creds, str(ROUNDS), str(BLOCK[language])]
        result = subprocess.run(
            command(language, *args), capture_output=True, text=True, check=False, timeout=900
        )
        if result.returncode != 0:
            raise RuntimeError(f"{language} blocks failed:\n{result.stderr}")
        runs.append(json.loads(result.stdout.strip().splitlines()[-1]))
    out: dict[str, Any] = {}
    for kind in runs[0]:
        out[kind] = {
            key: statistics.median(run[kind][key] for run in runs)
            for key in ("cpu_us", "wall_us", "cpu_ratio", "wall_ratio")
        }
        out[kind]["against"] = runs[0][kind].get("against", FLOORS[language])
        out[kind]["cpu_ratios"] = [run[kind]["cpu_ratio"] for run in runs]
    return out


def instructions(
    language: str, kind: str, server: str, creds: str, env: dict[str, str] | None = None
) -> float:
    """Instructions of one call of ``kind`` under callgrind (two counts, the difference)."""
    totals = []
    low, high = COUNTS[language]
    for count in (low, high):
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                *command(language, "single", server, creds, kind, str(count)),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
            env=env,
        )
        found = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode != 0 or found is None:
            raise RuntimeError(f"callgrind {language} {kind} failed:\n{result.stderr[-3000:]}")
        totals.append(int(found.group(1)))
    return (totals[1] - totals[0]) / (high - low)


# Node compiles its hot functions (TurboFan) during the first few thousand calls: callgrind counts
# that work too (its threads), and over calls 200-1200 it is more than half of every client's
# count. So JavaScript's clients are counted in one process in two windows (cumulative call
# counts, a callgrind dump at each): calls 200-1200, compiling included as in the other
# languages' count, and calls 3000-4000, once the compiler has settled (the per-call cost of a
# long-running client, which the CPU blocks mostly measure too).
JS_MARKS = (200, 1200, 3000, 4000)


def js_instructions(kind: str, server: str, creds: str) -> dict[str, float]:
    """Instructions of one call of ``kind`` under callgrind: ``warming`` (calls 200-1200) and
    ``settled`` (calls 3000-4000), from the dumps calls.mjs asks for after each mark."""
    with tempfile.TemporaryDirectory(prefix="rcsdk-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--dump-before=*ResourceUsage*",
                f"--callgrind-out-file={out}",
                *command("javascript", "single", server, creds, kind, *map(str, JS_MARKS)),
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=3600,
        )
        totals = []
        for dump in range(1, len(JS_MARKS) + 1):
            path = Path(f"{out}.{dump}")
            text = path.read_text() if path.exists() else ""
            found = re.search(r"^(?:summary|totals): (\d+)", text, re.M)
            if result.returncode != 0 or found is None:
                raise RuntimeError(f"callgrind javascript {kind} failed:\n{result.stderr[-3000:]}")
            totals.append(int(found.group(1)))
    return {
        "warming": totals[1] / (JS_MARKS[1] - JS_MARKS[0]),
        "settled": totals[3] / (JS_MARKS[3] - JS_MARKS[2]),
    }


def measure(server: str, credentials: dict[str, str], languages: list[str]) -> dict[str, Any]:
    creds = json.dumps(credentials)
    out: dict[str, Any] = {}
    for language in languages:
        print(f"per call: {language} ...", flush=True)
        result: dict[str, Any] = {"clients": blocks(language, server, creds)}
        if shutil.which("valgrind") and language == "javascript":
            windows = {kind: js_instructions(kind, server, creds) for kind in CALLGRIND[language]}
            result["instructions"] = {kind: w["settled"] for kind, w in windows.items()}
            result["instructions_warming"] = {kind: w["warming"] for kind, w in windows.items()}
        elif shutil.which("valgrind"):
            counted = {
                kind: instructions(language, kind, server, creds) for kind in CALLGRIND[language]
            }
            result["instructions"] = counted
            if language == "python":
                crowded = {**os.environ, **{f"BENCH_EXTRA_{i}": "x" * 40 for i in range(ENV_EXTRA)}}
                result["instructions_crowded_env"] = {
                    kind: instructions(language, kind, server, creds, crowded)
                    for kind in ("rcsdk", "httpx")
                }
        out[language] = result
    return out


LABELS = {"python": "Python", "javascript": "JavaScript", "php": "PHP"}


def section(results: dict[str, Any]) -> list[str]:
    """The per-call tables, in Markdown."""
    lines = [
        "## Per call",
        "",
        f"One authenticated GET on a keep-alive loopback connection, body read whole. All "
        f"clients of a language in one process, {ROUNDS} rounds of interleaved blocks in "
        f"rotating order, {PROCESSES} processes (medians). Ratios are medians of per-round "
        "ratios to the language's floor; the floor's copy is the noise floor of the method. "
        "Instructions per call from callgrind (two call counts, the difference).",
    ]
    for language, result in results.items():
        counted = result.get("instructions", {})
        lines += [
            "",
            f"### {LABELS[language]}",
            "",
            "| client | CPU µs per call | CPU ratio | wall µs per call | wall ratio "
            "| instructions per call | instructions ratio | against |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for kind, c in result["clients"].items():
            against = c["against"]
            count = counted.get(kind)
            base = counted.get(against)
            shown = f"{count / 1e3:.0f} k" if count else "-"
            ratio = f"{count / base:.3f}" if count and base else "-"
            lines.append(
                f"| {kind} | {c['cpu_us']:.1f} | {c['cpu_ratio']:.3f} | {c['wall_us']:.1f} "
                f"| {c['wall_ratio']:.3f} | {shown} | {ratio} | {against} |"
            )
        peers = {"python": ("rcsdk", "httpx"), "javascript": ("rcsdk", "node:http")}
        if language in peers and all(kind in counted for kind in peers[language]):
            ours, theirs = peers[language]
            cpu = result["clients"]
            by_medians = cpu[ours]["cpu_us"] / cpu[theirs]["cpu_us"]
            shown_cpu = f"{by_medians:.3f}x"
            if theirs == FLOORS[language]:  # the per-round ratio, the method's figure, exists
                shown_cpu = (
                    f"{cpu[ours]['cpu_ratio']:.3f}x (median of the per-round ratios; "
                    f"{by_medians:.3f}x as the ratio of the median µs)"
                )
            lines += [
                "",
                f"rcsdk against {theirs}: CPU {shown_cpu}, "
                f"instructions {counted[ours] / counted[theirs]:.3f}x.",
            ]
        warming = result.get("instructions_warming")
        if warming and language == "javascript":
            floor = FLOORS[language]
            cpu = result["clients"]
            lines += [
                "",
                f"Instructions above: calls {JS_MARKS[2]}-{JS_MARKS[3]} of one process, once "
                f"Node's compiler has settled. Calls {JS_MARKS[0]}-{JS_MARKS[1]}, while it still "
                "compiles the hot functions (its threads counted too): "
                + ", ".join(
                    f"{kind} {count / 1e3:.0f} k ({count / warming[floor]:.3f}x)"
                    for kind, count in warming.items()
                )
                + ".",
            ]
            for kind in ("rcsdk", f"{floor} copy"):
                if kind in cpu and "cpu_ratios" in cpu[kind]:
                    ratios = ", ".join(f"{r:.3f}" for r in cpu[kind]["cpu_ratios"])
                    lines.append(
                        f"CPU ratio to {floor}, {kind}, per process: {ratios} (median "
                        f"{cpu[kind]['cpu_ratio']:.3f})."
                    )
        crowded = result.get("instructions_crowded_env")
        if crowded and "rcsdk" in counted and "httpx" in counted:
            lines.append(
                f"With {ENV_EXTRA} more environment variables: rcsdk "
                f"{crowded['rcsdk'] / 1e3:.0f} k instructions per call "
                f"({crowded['rcsdk'] / counted['rcsdk']:.3f}x its count in this environment), "
                f"httpx {crowded['httpx'] / 1e3:.0f} k "
                f"({crowded['httpx'] / counted['httpx']:.3f}x)."
            )
    return lines


def main() -> int:
    sys.path.insert(0, str(ROOT / "generated"))
    from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform

    languages = sys.argv[1:] or ["python", "javascript", "php"]
    with LocalPlatform(auth_rate_limit=None) as local:
        results = measure(local.url, dict(LOCAL_CREDENTIALS), languages)
    (BENCH / "calls.json").write_text(json.dumps(results, indent=2) + "\n")
    print("\n".join(section(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
