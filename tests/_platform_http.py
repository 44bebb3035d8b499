"""Raw HTTP helpers for the local platform's tests: Basic auth, a JWT login, a refresh and an
extension read, each one request with ``requests``."""

from __future__ import annotations

import base64
from typing import Any

import requests

from rcsdk.testing import LocalPlatform

from _support import CREDS

JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def basic(key: str = CREDS["RC_APP_KEY"], secret: str = CREDS["RC_APP_SECRET"]) -> str:
    return "Basic " + base64.b64encode(f"{key}:{secret}".encode()).decode()


def jwt_login(local: LocalPlatform) -> dict[str, Any]:
    response = requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": JWT_GRANT, "assertion": CREDS["RC_JWT"]},
        headers={"Authorization": basic()},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refresh_with(local: LocalPlatform, refresh_token: str) -> requests.Response:
    return requests.post(
        local.url + "/restapi/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        headers={"Authorization": basic()},
        timeout=5,
    )


def read_with(local: LocalPlatform, access_token: str) -> requests.Response:
    return requests.get(
        local.url + "/restapi/v1.0/account/~/extension/~",
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=5,
    )
