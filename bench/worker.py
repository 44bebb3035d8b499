"""One benchmark measurement in a fresh process: `python worker.py KIND MODE SERVER ...`.

KIND is rcsdk, raw (a requests.Session with a hand-made Bearer header: the floor for our
dependency) or official (RingCentral's `ringcentral` package, run from its own venv). Prints one
JSON object. Kept free of rcsdk imports at module level so each KIND loads only its client.
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PATH = "/restapi/v1.0/account/~/extension/~"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def client(kind: str, server: str, creds: dict[str, str]) -> tuple[Callable[[], Any], Any]:
    """Log in, and return (one authenticated GET, the client object)."""
    if kind == "rcsdk":
        from rcsdk import RCSDK

        platform = RCSDK(creds["RC_APP_KEY"], creds["RC_APP_SECRET"], server).get_platform()
        platform.login_jwt(creds["RC_JWT"])
        return lambda: platform.get(PATH), platform
    if kind == "raw":
        import requests

        session = requests.Session()
        token = session.post(
            server + "/restapi/oauth/token",
            data={"grant_type": JWT_GRANT, "assertion": creds["RC_JWT"]},
            auth=(creds["RC_APP_KEY"], creds["RC_APP_SECRET"]),
            timeout=30,
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

        def call() -> Any:
            response = session.get(server + PATH, headers=headers, timeout=30)
            response.raise_for_status()
            return response

        return call, session
    if kind == "official":
        import warnings

        from ringcentral import SDK

        warnings.simplefilter("ignore")
        platform = SDK(creds["RC_APP_KEY"], creds["RC_APP_SECRET"], server).platform()
        platform.login(jwt=creds["RC_JWT"])
        return lambda: platform.get(PATH), platform
    raise SystemExit(f"unknown kind {kind}")


def calls(kind: str, server: str, creds: dict[str, str], count: int) -> dict[str, Any]:
    call, _ = client(kind, server, creds)
    for _ in range(50):  # warm up: connection, caches
        call()
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "wall_us": wall / count * 1e6,
        "cpu_us": cpu / count * 1e6,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def load(kind: str) -> None:
    """Import the client's package, so that a cold login measures the login, not the import."""
    __import__({"rcsdk": "rcsdk", "raw": "requests", "official": "ringcentral"}[kind])


def login(kind: str, server: str, creds: dict[str, str]) -> dict[str, Any]:
    load(kind)
    start = time.perf_counter()
    _, platform = client(kind, server, creds)
    cold = time.perf_counter() - start
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        if kind == "rcsdk":
            platform.login_jwt(creds["RC_JWT"])
        else:
            platform.login(jwt=creds["RC_JWT"])
        warm.append(time.perf_counter() - start)
    return {"cold_ms": cold * 1e3, "warm_ms": sorted(warm)[len(warm) // 2] * 1e3}


def storm(kind: str, server: str, creds: dict[str, str], threads: int) -> dict[str, Any]:
    call, platform = client(kind, server, creds)
    if kind == "rcsdk":
        data = platform.get_auth_data()
        platform.set_auth_data({**data, "expires_at": time.time() - 1})
    else:
        auth = platform.auth()
        auth.set_data({**auth.data(), "expire_time": time.time() - 1})
    barrier = threading.Barrier(threads)
    failures: list[str] = []

    def run() -> None:
        barrier.wait()
        try:
            call()
        except Exception as exc:  # the official SDK raises bare Exceptions
            failures.append(type(exc).__name__)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"failures": len(failures), "errors": sorted(set(failures))}


def main() -> None:
    kind, mode, server = sys.argv[1:4]
    creds = json.loads(sys.argv[4])
    if mode == "calls":
        result = calls(kind, server, creds, int(sys.argv[5]))
    elif mode == "login":
        result = login(kind, server, creds)
    else:
        result = storm(kind, server, creds, int(sys.argv[5]))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
