"""Re-record tests/cassettes: `make record`.

Against a real server when RC_SERVER, RC_APP_KEY and a credential (RC_JWT and/or RC_USERNAME
with RC_PASSWORD) are set in the environment; otherwise against the local platform. Every
cassette is scrubbed of secrets as it is written (see _cassettes.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rcsdk import RCSDK, RCSDKError, Settings
from rcsdk.testing import LOCAL_CREDENTIALS, LocalPlatform

from _cassettes import CASSETTES, recorder
from _scenarios import SCENARIOS


def record(server: str, creds: dict[str, str]) -> int:
    failures = 0
    CASSETTES.mkdir(exist_ok=True)
    for name, scenario in SCENARIOS.items():
        path = CASSETTES / f"{name}.yaml"
        path.unlink(missing_ok=True)
        with recorder(server, "all").use_cassette(path.name):
            platform = RCSDK(
                creds["RC_APP_KEY"], creds.get("RC_APP_SECRET"), server, max_retries=0
            ).get_platform()
            try:
                scenario(platform, creds)
            except (RCSDKError, KeyError, AssertionError) as exc:
                failures += 1
                print(f"{name}: FAILED ({type(exc).__name__}: {exc})", file=sys.stderr)
                continue
        print(f"{name}: recorded {path.relative_to(Path.cwd())}")
    return 1 if failures else 0


def main() -> int:
    settings = Settings.from_env()
    if settings.server and settings.app_key and (settings.jwt or settings.password):
        print(f"recording against {settings.server}")
        creds = {k: v for k, v in os.environ.items() if k.startswith("RC_")}
        return record(settings.server, creds)
    # Seven logins in a row would trip the Auth rate limit: it is not what is recorded here.
    with LocalPlatform(auth_rate_limit=None) as local:
        print("recording against the local platform (set RC_SERVER and credentials for a real one)")
        return record(local.url, dict(LOCAL_CREDENTIALS))


if __name__ == "__main__":
    sys.exit(main())
