"""``python -m rcsdk.testing``: serve the local platform, or run a command against it."""

from __future__ import annotations

import argparse
import errno
import os
import shlex
import subprocess
import sys
import threading

from rcsdk.testing._control import HELP
from rcsdk.testing._limits import parse_limit
from rcsdk.testing._platform import LocalPlatform
from rcsdk.testing._tables import DEFAULT_PORT

SERVE_HELP = f"""\
It prints the RC_* exports of the confidential app and its user, then the public app (no
secret: PKCE, client_id in the body), and listens until Ctrl-C.

Refresh tokens follow RingCentral's grace period: the previous one still works, returning the
same new pair, for 10 s after the new access token is first used (an hour while it is unused).
--strict-refresh makes every refresh token single-use.

{HELP}
"""


def _limit(text: str) -> tuple[int, float] | None:
    try:
        return parse_limit(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N/SECONDS or off, got {text!r}") from None


def _options(parser: argparse.ArgumentParser, port: int) -> None:
    parser.add_argument("--port", type=int, default=port, help=f"default {port}; 0 = any free")
    parser.add_argument(
        "--auth-rate-limit",
        type=_limit,
        default=(5, 60.0),
        metavar="N/SECONDS|off",
        help="token requests per user per window (RingCentral's Auth group; default 5/60)",
    )
    parser.add_argument(
        "--api-rate-limits",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="enforce and report (X-Rate-Limit-* on every API response) RingCentral's "
        "Light/Medium/Heavy limits on API calls, as the platform does (default: on)",
    )
    parser.add_argument(
        "--strict-refresh", action="store_true", help="no grace period for a used refresh token"
    )


def limits(auth_rate_limit: tuple[int, float] | None, api_rate_limits: bool) -> list[str]:
    """What serve says about its rate limits when it starts, and how to lift them: a client
    that meets one waits out the window (and says so), which reads as a freeze otherwise."""
    lines = []
    if auth_rate_limit is not None:
        count, window = auth_rate_limit
        lines.append(
            f"# limits: {count} logins and refreshes per user per {window:g} s (RingCentral's Auth"
            " group); one more waits out the window. Lift it: --auth-rate-limit off"
        )
    if api_rate_limits:
        lines.append(
            "# limits: API calls by RingCentral's Light/Medium/Heavy groups."
            " Lift them: --no-api-rate-limits"
        )
    return lines or ["# limits: none (--auth-rate-limit off --no-api-rate-limits)"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m rcsdk.testing", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve until interrupted; print the RC_* exports",
        description="Serve the local RingCentral-compatible platform on 127.0.0.1.",
        epilog=SERVE_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options(serve, DEFAULT_PORT)
    run = commands.add_parser(
        "run",
        help="serve while COMMAND runs with RC_* set for it",
        epilog=HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _options(run, 0)
    run.add_argument("cmd", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    try:
        platform = LocalPlatform(
            port=args.port,
            auth_rate_limit=args.auth_rate_limit,
            api_rate_limits=args.api_rate_limits,
            strict_refresh=args.strict_refresh,
        )
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(
            f"rcsdk.testing: port {args.port} on 127.0.0.1 is taken (is another serve running?);"
            " choose another with --port N, or --port 0 for any free one",
            file=sys.stderr,
        )
        return 1
    with platform:
        if args.command == "serve":
            for key, value in platform.env().items():
                print(f"export {key}={shlex.quote(value)}")
            print(
                f"# public app (PKCE, no secret): RC_APP_KEY={platform.public_app}"
                " RC_APP_SECRET= (client_id in the body)"
            )
            for line in limits(args.auth_rate_limit, args.api_rate_limits):
                print(line)
            print(f"listening on {platform.url} (Ctrl-C to stop)", flush=True)
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
