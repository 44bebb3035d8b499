"""Python clients per call, all in this one process: ``python calls_py.py MODE SERVER CREDS ...``.

Every client sends the same authenticated GET to the same keep-alive server and reads the whole
body (none parses it): rcsdk (``platform.get``), ``requests``, ``urllib3``, ``httpx`` and bare
``http.client`` (the floor), and a second bare ``http.client`` connection measured the same way
(``http.client copy``: the noise floor of the method).

MODE ``blocks ROUNDS BLOCK``: ROUNDS rounds; in each, every client makes BLOCK calls, in an order
that rotates by one client per round, timed in wall and in this process's CPU time. Prints one
JSON object: per client, the per-call medians over the rounds and the median of the per-round
ratios to the floor. MODE ``single KIND COUNT``: only KIND, COUNT calls after the warm-up (run
under callgrind twice, with two counts: the difference is the instructions of COUNT calls).
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

PATH = "/restapi/v1.0/account/~/extension/~"
WARM = 30
FLOOR = "http.client"


def clients(server: str, creds: dict[str, str], kinds: list[str]) -> dict[str, Callable[[], Any]]:
    """One call of each client in ``kinds``, each logged in (the others reuse rcsdk's token)."""
    from rcsdk import RCSDK

    platform = RCSDK(creds["RC_APP_KEY"], creds["RC_APP_SECRET"], server).platform
    platform.login_jwt(creds["RC_JWT"])
    token = platform.get_auth_data()["token"]["access_token"]
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json",
        "User-Agent": "bench/1.0",
    }
    url = server + PATH
    made = {kind: one_client(kind, server, url, headers, platform) for kind in kinds}
    for call in made.values():
        for _ in range(WARM):
            call()
    return made


def one_client(
    kind: str, server: str, url: str, headers: dict[str, str], platform: Any
) -> Callable[[], Any]:
    if kind == "rcsdk":
        return lambda: platform.get(PATH).content
    if kind == "requests":
        import requests

        session = requests.Session()
        return lambda: session.get(url, headers=headers, timeout=30).content
    if kind == "urllib3":
        import urllib3

        pool = urllib3.PoolManager()
        return lambda: pool.request("GET", url, headers=headers, timeout=30).data
    if kind == "httpx":
        import httpx

        client = httpx.Client(timeout=30)
        return lambda: client.get(url, headers=headers).content
    if kind.startswith(FLOOR):
        parts = urllib.parse.urlsplit(server)
        conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)

        def bare() -> bytes:
            conn.request("GET", PATH, headers=headers)
            return conn.getresponse().read()

        return bare
    raise SystemExit(f"unknown client {kind}")


def blocks(made: dict[str, Callable[[], Any]], rounds: int, block: int) -> dict[str, Any]:
    kinds = list(made)
    cpu: dict[str, list[float]] = {k: [] for k in kinds}
    wall: dict[str, list[float]] = {k: [] for k in kinds}
    for turn in range(rounds):
        order = kinds[turn % len(kinds) :] + kinds[: turn % len(kinds)]
        for kind in order:
            call = made[kind]
            c0, w0 = time.process_time(), time.perf_counter()
            for _ in range(block):
                call()
            cpu[kind].append((time.process_time() - c0) / block * 1e6)
            wall[kind].append((time.perf_counter() - w0) / block * 1e6)
    out: dict[str, Any] = {}
    for kind in kinds:
        out[kind] = {
            "cpu_us": statistics.median(cpu[kind]),
            "wall_us": statistics.median(wall[kind]),
            "cpu_ratio": statistics.median(
                a / b for a, b in zip(cpu[kind], cpu[FLOOR], strict=True)
            ),
            "wall_ratio": statistics.median(
                a / b for a, b in zip(wall[kind], wall[FLOOR], strict=True)
            ),
        }
    return out


def main() -> None:
    mode, server, creds_json, *rest = sys.argv[1:]
    creds = json.loads(creds_json)
    if mode == "blocks":
        rounds, block = int(rest[0]), int(rest[1])
        kinds = rest[2:] or [FLOOR, "rcsdk", "requests", "urllib3", "httpx", f"{FLOOR} copy"]
        print(json.dumps(blocks(clients(server, creds, kinds), rounds, block)))
    elif mode == "single":
        kind, count = rest[0], int(rest[1])
        call = clients(server, creds, [kind])[kind]
        for _ in range(count):
            call()
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
