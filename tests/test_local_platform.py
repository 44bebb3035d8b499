"""The local platform holds the client to RingCentral's wire contract."""

from __future__ import annotations

import base64

import pytest
import requests

from rcsdk import RCSDK, BadRequestError, NotFoundError, Platform, Settings
from rcsdk.testing import LocalPlatform

from _support import CREDS, PlatformFactory

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def basic(key: str = CREDS["RC_APP_KEY"], secret: str = CREDS["RC_APP_SECRET"]) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def test_token_requests_must_be_form_encoded(local: LocalPlatform) -> None:
    response = requests.post(
        local.url + "/restapi/oauth/token",
        json={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert response.status_code == 415


@pytest.mark.parametrize(
    ("form", "missing"),
    [
        ({"grant_type": JWT_GRANT}, "assertion"),
        ({"grant_type": "password", "username": CREDS["RC_USERNAME"]}, "password"),
        ({"grant_type": "authorization_code"}, "code"),
        ({"grant_type": "refresh_token"}, "refresh_token"),
    ],
)
def test_each_grant_requires_its_fields(
    local: LocalPlatform, form: dict[str, str], missing: str
) -> None:
    response = requests.post(
        local.url + "/restapi/oauth/token", data=form, headers={"Authorization": basic()}, timeout=5
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert f"[{missing}]" in response.json()["error_description"]


def test_client_authentication_is_required(local: LocalPlatform) -> None:
    form = {"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]}
    response = requests.post(local.url + "/restapi/oauth/token", data=form, timeout=5)
    assert response.status_code == 401
    assert response.json()["errors"][0]["errorCode"] == "OAU-123"
    # A confidential app may not skip its secret by sending client_id.
    form["client_id"] = CREDS["RC_APP_KEY"]
    response = requests.post(local.url + "/restapi/oauth/token", data=form, timeout=5)
    assert response.status_code == 401


def test_refresh_tokens_are_single_use_and_kill_the_old_access_token(local: LocalPlatform) -> None:
    url = local.url + "/restapi/oauth/token"
    first = requests.post(
        url,
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    ).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = requests.post(url, data=refresh, headers={"Authorization": basic()}, timeout=5)
    assert second.status_code == 200
    again = requests.post(url, data=refresh, headers={"Authorization": basic()}, timeout=5)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    old = requests.get(
        local.url + "/restapi/v1.0/account/~/extension/~",
        headers={"Authorization": f"Bearer {first['access_token']}"},
        timeout=5,
    )
    assert old.status_code == 401
    assert old.json()["errors"][0]["errorCode"] == "OAU-213"


def test_spaced_json_like_ringcentral(local: LocalPlatform) -> None:
    response = requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert '"access_token" : "' in response.text


def test_from_env_reads_the_snippets_variables(local: LocalPlatform) -> None:
    sdk = RCSDK.from_env(local.env())
    assert sdk.settings == Settings.from_env(local.env())
    assert sdk.settings.jwt == CREDS["RC_JWT"]
    assert CREDS["RC_JWT"] not in repr(sdk.settings)
    sdk.get_platform().login_jwt(sdk.settings.jwt or "")
    assert sdk.get_platform().read_extension().id == 1234567890
    with pytest.raises(ValueError, match="RC_APP_KEY"):
        RCSDK.from_env({})


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_other_methods_send_the_bearer_token(
    make_platform: PlatformFactory, local: LocalPlatform, method: str
) -> None:
    platform: Platform = make_platform()
    platform.login_jwt(CREDS["RC_JWT"])
    call = getattr(platform, method)
    with pytest.raises(NotFoundError) as caught:
        call("/restapi/v1.0/nothing-here")
    assert caught.value.status_code == 404
    assert local.counts[f"{method.upper()} /restapi/v1.0/nothing-here"] == 1


def test_unsupported_media_type_is_a_bad_request_error(local: LocalPlatform) -> None:
    platform = RCSDK(CREDS["RC_APP_KEY"], CREDS["RC_APP_SECRET"], local.url).get_platform()
    with pytest.raises(BadRequestError):
        platform._transport.send(
            "POST", "/restapi/oauth/token", json={"grant_type": JWT_GRANT}, client=True
        )
