"""Loopback listeners for the PHP security table runner (SecurityTableTest.php), in one child.

Prints `foreign HOST`, `redirect HOST` and `proxy HOST`, then answers lines on stdin:
  `set STATUS LOCATION` -> the redirect listener answers STATUS with that Location; prints `ok`
  `flood KIND`          -> a new `answer` listener (_loopback.Flood); prints `flood HOST`
  `counts`              -> prints {"foreign": connections + requests, "redirect": requests,
                           "proxy": requests, "flood": requests}
PHP is single-threaded (its client blocks), so these listen in another process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _loopback import Flood, Listener


def main() -> None:
    body = {"access_token": "redirected-token", "token_type": "bearer", "expires_in": 3600}
    flood: Flood | None = None
    with (
        Listener(body={"stolen": True}) as foreign,
        Listener(status=302, body=body) as redirect,
        Listener(status=502, body={"proxy": "no"}) as proxy,
    ):
        print(f"foreign {foreign.host}", flush=True)
        print(f"redirect {redirect.host}", flush=True)
        print(f"proxy {proxy.host}", flush=True)
        for line in sys.stdin:
            words = line.split()
            if words[:1] == ["set"]:
                redirect.status = int(words[1])
                redirect.headers["Location"] = words[2]
                print("ok", flush=True)
            elif words[:1] == ["flood"]:
                if flood is not None:
                    flood.close()
                flood = Flood(words[1])
                print(f"flood {flood.host}", flush=True)
            elif words[:1] == ["counts"]:
                counts = {
                    "foreign": foreign.received,
                    "redirect": len(redirect.requests),
                    "proxy": len(proxy.requests),
                    "flood": len(flood.requests) if flood is not None else 0,
                }
                print(json.dumps(counts), flush=True)
        if flood is not None:
            flood.close()


if __name__ == "__main__":
    main()
