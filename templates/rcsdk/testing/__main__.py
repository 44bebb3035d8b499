"""``python -m rcsdk.testing``: serve the local platform, or run a command against it."""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
import threading

from rcsdk.testing._platform import LocalPlatform
from rcsdk.testing._tables import DEFAULT_PORT


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rcsdk.testing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve until interrupted; print the RC_* exports")
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    run = commands.add_parser("run", help="serve while COMMAND runs with RC_* set for it")
    run.add_argument("--port", type=int, default=0)
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)

    with LocalPlatform(port=args.port) as platform:
        if args.command == "serve":
            for key, value in platform.env().items():
                print(f"export {key}={shlex.quote(value)}", flush=True)
            try:
                threading.Event().wait()
            except KeyboardInterrupt:
                return 0
        cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        if not cmd:
            parser.error("run needs a command after --")
        return subprocess.call(cmd, env={**os.environ, **platform.env()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
