"""Every client operation, replayed from its cassette: the client must send exactly the
recorded requests (method, URL and form body) and make sense of the recorded answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

import rcsdk
from rcsdk import RCSDK, InvalidGrantError
from rcsdk._constants import LOCAL_SERVER
from rcsdk._record import Record
from rcsdk.testing import LOCAL_CREDENTIALS

from _cassettes import CASSETTES, recorder
from _scenarios import SCENARIOS, load
from _support import SPEC

KINDS = {s["name"]: s["kind"] for s in load()["scenarios"]}


def recorded(name: str) -> list[dict[str, Any]]:
    data = yaml.safe_load((CASSETTES / f"{name}.yaml").read_text())
    interactions: list[dict[str, Any]] = data["interactions"]
    return interactions


def last_body(name: str) -> Any:
    return json.loads(recorded(name)[-1]["response"]["body"]["string"])


def test_every_scenario_has_a_cassette() -> None:
    assert sorted(p.stem for p in CASSETTES.glob("*.yaml")) == sorted(SCENARIOS)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_replay(name: str) -> None:
    platform = RCSDK(
        LOCAL_CREDENTIALS["RC_APP_KEY"],
        LOCAL_CREDENTIALS["RC_APP_SECRET"],
        LOCAL_SERVER,
        max_retries=0,
    ).get_platform()
    with recorder(LOCAL_SERVER, "none").use_cassette(f"{name}.yaml") as cassette:
        result = SCENARIOS[name](platform, LOCAL_CREDENTIALS)
        assert cassette.all_played, "the client skipped a recorded request"
    kind = KINDS.get(name)
    if isinstance(result, InvalidGrantError):
        body = last_body(name)
        assert result.error == body["error"]
        assert result.error_codes == tuple(e["errorCode"] for e in body["errors"])
    elif kind == "revoke":
        assert result is False
        revoke = next(op for op in SPEC.operations if op.kind == "revoke")
        assert recorded(name)[-1]["request"]["uri"].endswith(revoke.path)
    else:
        # The operation's record, read from the last recorded answer, is what the call returned.
        assert isinstance(result, Record)
        assert result == getattr(rcsdk, type(result).__name__).from_json(last_body(name))
        if kind == "token":
            assert platform.get_auth_data()["token"] == last_body(name)


def test_a_changed_request_does_not_match() -> None:
    """The matching is real: a request the cassette does not hold is refused."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    platform = RCSDK("other-app", "other-secret", LOCAL_SERVER, max_retries=0).get_platform()
    with (
        recorder(LOCAL_SERVER, "none").use_cassette("login-jwt.yaml"),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        platform.login_jwt("some-jwt", scope="ReadAccounts")
