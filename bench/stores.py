"""Per call through each token store, once the tokens are in use: memory, file and Redis.

Run by ``bench/run.py stores`` under ``python -m rcsdk.testing run`` (the local platform in a
process of its own, so this process's CPU time is the client's alone). One platform per store,
each logged in once; then blocks of authenticated GETs in rotating order, client CPU and wall
per call, medians over blocks. Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from rcsdk import RCSDK, FileTokenStore, MemoryTokenStore, TokenStore
from rcsdk.redis import RedisTokenStore

from _redis import RedisServer

BLOCKS, CALLS = 15, 200
PATH = "/restapi/v1.0/account/~/extension/~"


def main() -> None:
    env = os.environ
    with RedisServer() as server, tempfile.TemporaryDirectory() as tmp:
        stores: dict[str, TokenStore] = {
            "memory": MemoryTokenStore(),
            "file": FileTokenStore(Path(tmp) / "tokens.json"),
            "redis": RedisTokenStore("rcsdk:bench", url=server.url),
        }
        platforms = {}
        for name, store in stores.items():
            platform = RCSDK(
                env["RC_APP_KEY"], env["RC_APP_SECRET"], env["RC_SERVER"], store=store
            ).get_platform()
            platform.login_jwt(env["RC_JWT"])
            platform.get(PATH)  # connections open, tokens in use
            platforms[name] = platform
        names = list(platforms)
        cpu: dict[str, list[float]] = {name: [] for name in names}
        wall: dict[str, list[float]] = {name: [] for name in names}
        for block in range(BLOCKS):
            for name in names[block % len(names) :] + names[: block % len(names)]:
                platform = platforms[name]
                began, began_cpu = time.perf_counter(), time.process_time()
                for _ in range(CALLS):
                    platform.get(PATH)
                cpu[name].append((time.process_time() - began_cpu) / CALLS * 1e6)
                wall[name].append((time.perf_counter() - began) / CALLS * 1e6)
    out = {
        "blocks": BLOCKS,
        "calls": CALLS,
        "cpu_us": {name: statistics.median(values) for name, values in cpu.items()},
        "wall_us": {name: statistics.median(values) for name, values in wall.items()},
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
