"""The shared case table (generated/cases.json, built from the spec by
generator/targets/cases.py), run by the Python client. tests/js/cases.test.mjs runs the same
table with the JavaScript client, so the two cannot drift apart."""

from __future__ import annotations

import json
from typing import Any

import pytest

import rcsdk
from rcsdk import RCSDK, RCSDKError

from _scripted import scripted
from _support import ROOT, FakeClock

TABLE: dict[str, Any] = json.loads((ROOT / "generated" / "cases.json").read_text())
# Cases of an open issue that the Python client does not pass yet (issue number: reason);
# strict, so that they fail (and must be unmarked) the moment it does.
PYTHON_PENDING: dict[int, str] = {}


def params() -> list[Any]:
    out = []
    for case in TABLE["cases"]:
        marks = []
        if case.get("issue") in PYTHON_PENDING:
            marks.append(pytest.mark.xfail(strict=True, reason=PYTHON_PENDING[case["issue"]]))
        out.append(pytest.param(case, id=case["name"], marks=marks))
    return out


def run(case: dict[str, Any]) -> tuple[object, list[list[str]], list[float], bool]:
    clock = FakeClock(float(TABLE["now"]))
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
        if case["operation"] != "login":
            platform.set_auth_data(TABLE["auth_data"])
        outcome: object
        try:
            if case["operation"] == "login":
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
        return outcome, server.seen, clock.sleeps, platform.is_authorized()


@pytest.mark.parametrize("case", params())
def test_case(case: dict[str, Any]) -> None:
    outcome, seen, sleeps, authorized = run(case)
    if case["outcome"] == "ok":
        assert not isinstance(outcome, Exception), outcome
    else:
        assert type(outcome).__name__ == case["outcome"], repr(outcome)
        for name in case["is"] + case["also"]:
            assert isinstance(outcome, getattr(rcsdk, name)), name
    assert seen == case["requests"]
    assert len(sleeps) == len(case["sleeps"])
    for slept, expected in zip(sleeps, case["sleeps"], strict=True):
        if isinstance(expected, list):
            assert expected[0] <= slept <= expected[1]
        else:
            assert slept == pytest.approx(expected)
    if "error_codes" in case:
        assert list(getattr(outcome, "error_codes", ())) == case["error_codes"]
    if "error" in case:
        assert getattr(outcome, "error", None) == case["error"]
    if "retry_after" in case:
        assert getattr(outcome, "retry_after", None) == case["retry_after"]
    if "authorized_after" in case:
        assert authorized is case["authorized_after"]


def test_the_table_covers_every_error_code_and_status() -> None:
    names = " ".join(case["name"] for case in TABLE["cases"])
    for code in ("OAU-140", "OAU-211", "OAU-128", "CMN-301", "CMN-201"):
        assert f"{code} in errors[]" in names and f"{code} top-level" in names
    for status in (400, 401, 403, 404, 415, 429, 500, 502, 503, 504):
        assert f"{status} with {{}}" in names
