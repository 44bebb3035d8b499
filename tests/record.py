"""Record tests/cassettes: `make record` records every scenario that has no cassette yet (an
operation just added to the spec, say) and leaves the others as they are; `make record OP=id`
(an operation id or a scenario name) re-records that one; `make record OP=all` re-records all.

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
from _scenarios import SCENARIOS, load


def chosen(which: str | None) -> list[str]:
    """The scenarios to record: those without a cassette, one by operation id or name, or all."""
    if not which:
        return [name for name in SCENARIOS if not (CASSETTES / f"{name}.yaml").exists()]
    if which == "all":
        return list(SCENARIOS)
    by_id = {s["operation"]: s["name"] for s in load()["scenarios"]}
    name = by_id.get(which, which)
    if name not in SCENARIOS:
        known = ", ".join(sorted({*SCENARIOS, *by_id}))
        raise SystemExit(f"OP={which}: no such operation or scenario (known: {known})")
    return [name]


def record(server: str, creds: dict[str, str], names: list[str]) -> int:
    failures = 0
    CASSETTES.mkdir(exist_ok=True)
    for name in names:
        scenario = SCENARIOS[name]
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
        print(f"{name}: recorded {path.relative_to(CASSETTES.parent.parent)}")
    return 1 if failures else 0


def main() -> int:
    names = chosen(os.environ.get("OP") or None)
    if not names:
        print("every scenario has a cassette (OP=id re-records one, OP=all every one)")
        return 0
    settings = Settings.from_env()
    if settings.server and settings.app_key and (settings.jwt or settings.password):
        print(f"recording against {settings.server}")
        creds = {k: v for k, v in os.environ.items() if k.startswith("RC_")}
        return record(settings.server, creds, names)
    # Seven logins in a row would trip the Auth rate limit: it is not what is recorded here.
    with LocalPlatform(auth_rate_limit=None) as local:
        print("recording against the local platform (set RC_SERVER and credentials for a real one)")
        return record(local.url, dict(LOCAL_CREDENTIALS), names)


if __name__ == "__main__":
    sys.exit(main())
