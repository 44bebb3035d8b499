"""Loopback listeners for the PHP security table runner (SecurityTableTest.php), in one child.

Prints `foreign HOST` and `redirect HOST`, then answers lines on stdin:
  `set STATUS LOCATION` -> the redirect listener answers STATUS with that Location; prints `ok`
  `counts`              -> prints {"foreign": connections + requests, "redirect": requests}
PHP is single-threaded (its client blocks), so these listen in another process.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _loopback import Listener


def main() -> None:
    body = {"access_token": "redirected-token", "token_type": "bearer", "expires_in": 3600}
    with Listener(body={"stolen": True}) as foreign, Listener(status=302, body=body) as redirect:
        print(f"foreign {foreign.host}", flush=True)
        print(f"redirect {redirect.host}", flush=True)
        for line in sys.stdin:
            words = line.split()
            if words[:1] == ["set"]:
                redirect.status = int(words[1])
                redirect.headers["Location"] = words[2]
                print("ok", flush=True)
            elif words[:1] == ["counts"]:
                counts = {"foreign": foreign.received, "redirect": len(redirect.requests)}
                print(json.dumps(counts), flush=True)


if __name__ == "__main__":
    main()
