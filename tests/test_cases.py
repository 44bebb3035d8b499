"""The shared case table (generated/cases.json, built from the spec by
generator/targets/cases.py), run by the Python client. tests/js/cases.test.mjs runs the same
table with the JavaScript client, so the two cannot drift apart."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
import yaml

import rcsdk
from rcsdk import RCSDK, Event, RateLimitError, RCSDKError
from rcsdk._budget import POLL
from rcsdk._exceptions import ERROR_CODES

from _scripted import scripted
from _support import ROOT, FakeClock, at_once

TABLE: dict[str, Any] = json.loads((ROOT / "generated" / "cases.json").read_text())


def params() -> list[Any]:
    return [pytest.param(case, id=case["name"]) for case in TABLE["cases"]]


class Announced(logging.Handler):
    """The waits a case announced: its rate_limit_wait events and its WARNING lines."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.events: list[float | None] = []
        self.lines: list[str] = []

    def event(self, error: RateLimitError) -> None:
        self.events.append(error.retry_after)

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def run(
    case: dict[str, Any],
) -> tuple[object, list[list[str]], list[float], bool, Announced, object]:
    clock = FakeClock(float(TABLE["now"]))
    announced = Announced()
    creds = TABLE["credentials"]
    options = case["options"]
    with scripted(case["responses"]) as server:
        platform = RCSDK(
            creds["app_key"],
            creds["app_secret"],
            server.url,
            clock=clock,
            sleep=clock.sleep,
            max_retries=options.get("max_retries", TABLE["defaults"]["max_retries"]),
        ).get_platform()
        platform.on(Event.RATE_LIMIT_WAIT, announced.event)
        logging.getLogger("rcsdk").addHandler(announced)
        if case["operation"] != "login":
            platform.set_auth_data(TABLE["auth_data"])
        clock.advance(case.get("advance", 0))
        outcome: object
        try:
            if "callers" in case:
                results = at_once(
                    lambda: platform.request(case["method"], case["path"]), case["callers"]
                )
                failures = [r for r in results if isinstance(r, Exception)]
                if failures:
                    raise failures[0]
                outcome = results[0]
            elif case["operation"] == "login":
                outcome = platform.login_jwt(creds["jwt"])
            elif case["operation"] == "refresh":
                outcome = platform.refresh()
            else:
                body: dict[str, Any] | None = (
                    {} if case["method"] in ("POST", "PUT", "PATCH") else None
                )
                outcome = platform.request(case["method"], case["path"], json=body)
        except RCSDKError as error:
            outcome = error
        finally:
            logging.getLogger("rcsdk").removeHandler(announced)
        expires_at = platform.get_auth_data().get("expires_at")
        return outcome, server.seen, clock.sleeps, platform.is_authorized(), announced, expires_at


@pytest.mark.parametrize("case", params())
def test_case(case: dict[str, Any]) -> None:
    outcome, seen, sleeps, authorized, announced, expires_at = run(case)
    if case["outcome"] == "ok":
        assert not isinstance(outcome, Exception), outcome
    else:
        assert type(outcome).__name__ == case["outcome"], repr(outcome)
        for name in case["is"] + case["also"]:
            assert isinstance(outcome, getattr(rcsdk, name)), name
    assert seen == case["requests"]
    if "callers" in case:
        # Concurrent callers also wait for the rate-limit budget's first request on a route
        # (rcsdk._budget), however the threads are scheduled: those waits are not the case's.
        sleeps = [s for s in sleeps if s != POLL]
    assert len(sleeps) == len(case["sleeps"])
    for slept, expected in zip(sleeps, case["sleeps"], strict=True):
        if isinstance(expected, list):
            assert expected[0] <= slept <= expected[1]
        else:
            assert slept == pytest.approx(expected)
    assert announced.events == pytest.approx(case["announced"])
    assert len(announced.lines) == len(case["announced"]), announced.lines
    if "error_codes" in case:
        assert list(getattr(outcome, "error_codes", ())) == case["error_codes"]
    if "error" in case:
        assert getattr(outcome, "error", None) == case["error"]
    if "retry_after" in case:
        assert getattr(outcome, "retry_after", None) == case["retry_after"]
    if "authorized_after" in case:
        assert authorized is case["authorized_after"]
    if "expires_at" in case:
        assert expires_at == case["expires_at"]


def test_the_table_covers_every_error_code_and_status() -> None:
    """Read from the spec's own YAML (not the generator's model), and from the client's map."""
    spec = yaml.safe_load((ROOT / "spec" / "ringcentral-auth.yaml").read_text())
    codes = {c["code"] for c in spec["error_codes"]}
    assert codes == set(ERROR_CODES) and len(codes) >= 20
    names = " ".join(case["name"] for case in TABLE["cases"])
    for code in sorted(codes):
        assert f"{code} in errors[]" in names and f"{code} top-level" in names, code
    statuses = {s for exc in spec["exceptions"] for s in exc.get("statuses", ())}
    assert {400, 401, 403, 404, 429, 500, 503} <= statuses
    for status in sorted(statuses):
        assert f"{status} with {{}}" in names and f"{status} with an HTML page" in names, status
