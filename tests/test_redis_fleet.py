"""Fleets of worker processes on one session through Redis, against the local platform: one
refresh per rotation under strict single-use refresh tokens, survivors untouched by workers
SIGKILLed at random or in the middle of a refresh, and a login storm that meets the Auth limit
with at most one 429 per window. Short runs here; `make bench` runs the full-size fleet."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time

from rcsdk import Platform
from rcsdk.redis import RedisTokenStore
from rcsdk.testing import Fault

from _fleet import CountingPlatform, rotations
from _support import CREDS

REFRESH = "refresh_token"


def test_a_fleet_refreshes_once_per_rotation(redis_url: str) -> None:
    run = rotations(redis_url, workers=4, threads=2, duration=5.0, strict=True)
    assert run["failed"] == 0, run["errors"]
    assert run["logouts"] == 0 and run["refresh_errors"] == 0
    assert run["refresh_requests"] == run["rotations"] >= 2  # 2 s tokens for 5 s
    assert run["refreshes"] == run["rotations"]  # each one by one worker, seen by it alone
    assert run["calls"] > 0 and run["session_kept"]


def test_workers_killed_at_random_cost_the_survivors_nothing(redis_url: str) -> None:
    run = rotations(redis_url, workers=5, threads=2, duration=5.0, kills=2, strict=False)
    assert run["workers"] == 3
    assert run["failed"] == 0, run["errors"]
    assert run["logouts"] == 0
    assert run["all_authorized"] and run["session_kept"]


HANGS_IN_SAVE = """
import sys, time
from rcsdk import Platform
from rcsdk.redis import RedisTokenStore

server, url, key, mode, app_key, app_secret = sys.argv[1:7]

class Hangs(RedisTokenStore):
    def save_if(self, data, expected):
        if mode == "after-save":
            super().save_if(data, expected)
        print("hanging", flush=True)
        time.sleep(600)

Platform(app_key, app_secret, server, store=Hangs(key, url=url, lease=1.0)).refresh()
"""


def killed_in_save(redis_url: str, mode: str, strict: bool) -> dict[str, object]:
    """A worker refreshes and is SIGKILLed in ``save`` (``before-save`` or ``after-save``),
    lock held; then another worker, whose access token the rotation ended, makes a call."""
    key = f"rcsdk:killed:{mode}"
    with CountingPlatform(auth_rate_limit=None, strict_refresh=strict) as local:
        survivor = Platform(
            CREDS["RC_APP_KEY"],
            CREDS["RC_APP_SECRET"],
            local.url,
            store=RedisTokenStore(key, url=redis_url, lease=1.0),
        )
        survivor.login_jwt(CREDS["RC_JWT"])
        args = [local.url, redis_url, key, mode, CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"]]
        victim = subprocess.Popen(
            [sys.executable, "-c", HANGS_IN_SAVE, *args],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert victim.stdout is not None and victim.stdout.readline() == "hanging\n"
        os.killpg(victim.pid, signal.SIGKILL)
        killed = time.monotonic()
        victim.wait()
        extension = survivor.read_extension()  # its access token died with the rotation
        return {
            "id": extension.id,
            "waited": time.monotonic() - killed,
            "refresh_requests": local.grant_count(REFRESH),
            "rotations": local.rotations,
            "authorized": survivor.is_authorized(),
        }


def test_tokens_saved_by_a_killed_worker_are_used(redis_url: str) -> None:
    run = killed_in_save(redis_url, "after-save", strict=True)
    assert run["id"] == 1234567890 and run["authorized"]
    assert run["refresh_requests"] == 1  # the killed worker's; the survivor used its tokens
    assert isinstance(run["waited"], float) and run["waited"] <= 1.0 + 0.5  # at most the lease


def test_tokens_a_killed_worker_never_saved_are_refreshed_again_within_the_grace(
    redis_url: str,
) -> None:
    run = killed_in_save(redis_url, "before-save", strict=False)
    assert run["id"] == 1234567890 and run["authorized"]
    assert run["refresh_requests"] == 2  # the spent refresh token, again, within its grace
    assert isinstance(run["waited"], float) and run["waited"] <= 1.0 + 0.5


def test_a_call_whose_retry_meets_another_rotation_uses_the_newest_tokens(
    redis_url: str,
) -> None:
    """Worker B's call gets a 401; B refreshes and retries; while the retry is in flight,
    worker A rotates again (its old access token dies): B's retry gets a 401 too, and B sends
    once more with the tokens A stored instead of failing the call."""
    token_error = json.dumps({"errors": [{"errorCode": "OAU-213", "message": "Token not found"}]})
    extension = "GET /restapi/v1.0/account/~/extension/~"
    with CountingPlatform(auth_rate_limit=None, strict_refresh=True) as local:
        a, b = (
            Platform(
                CREDS["RC_APP_KEY"],
                CREDS["RC_APP_SECRET"],
                local.url,
                store=RedisTokenStore("rcsdk:test:retry", url=redis_url),
            )
            for _ in range(2)
        )
        a.login_jwt(CREDS["RC_JWT"])
        b.read_extension()
        local.inject(Fault("/restapi/v1.0/", status=401, body=token_error))
        local.inject(Fault("/restapi/v1.0/", status=401, body=token_error, delay=0.5))
        before = local.counts[extension]

        def rotate_while_the_retry_waits() -> None:
            deadline = time.monotonic() + 10
            while local.faults:  # both taken: the retry is waiting out its delay
                assert time.monotonic() < deadline
                time.sleep(0.01)
            a.refresh()

        rotator = threading.Thread(target=rotate_while_the_retry_waits)
        rotator.start()
        assert b.read_extension().id == 1234567890
        rotator.join()
        assert local.grant_count(REFRESH) == local.rotations == 2  # B's, then A's
        assert local.counts[extension] == before + 1  # the two 401s were the faults
        assert b.get_auth_data() == a.get_auth_data()
