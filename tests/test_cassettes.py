"""Every client operation, replayed from its cassette: the client must send exactly the
recorded requests (method, URL and form body) and make sense of the recorded answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from rcsdk import RCSDK, ExtensionInfo, InvalidGrantError, TokenInfo
from rcsdk._constants import LOCAL_SERVER
from rcsdk.testing import LOCAL_CREDENTIALS

from _cassettes import CASSETTES, recorder
from _scenarios import SCENARIOS


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
    if isinstance(result, TokenInfo):
        assert result.access_token == last_body(name)["access_token"]
        assert platform.get_auth_data()["token"] == last_body(name)
    elif isinstance(result, ExtensionInfo):
        assert result == ExtensionInfo.from_json(last_body(name))
        assert result.name
    elif isinstance(result, InvalidGrantError):
        body = last_body(name)
        assert result.error == body["error"]
        assert result.error_codes == tuple(e["errorCode"] for e in body["errors"])
    else:
        assert name == "logout"
        assert result is False
        assert recorded(name)[-1]["request"]["uri"].endswith("/restapi/oauth/revoke")


def test_a_changed_request_does_not_match() -> None:
    """The matching is real: a request the cassette does not hold is refused."""
    from vcr.errors import CannotOverwriteExistingCassetteException

    platform = RCSDK("other-app", "other-secret", LOCAL_SERVER, max_retries=0).get_platform()
    with (
        recorder(LOCAL_SERVER, "none").use_cassette("login-jwt.yaml"),
        pytest.raises(CannotOverwriteExistingCassetteException),
    ):
        platform.login_jwt("some-jwt", scope="ReadAccounts")
