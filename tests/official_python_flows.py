"""RingCentral's official Python SDK (``ringcentral``) runs its auth flows against ``serve``.

Run by tests/test_official_python_sdk.py with the interpreter of .venv-official (``make
official-python``), never imported by the tests: ``python official_python_flows.py`` with the
``RC_*`` variables of ``serve`` set. Prints one JSON object: each flow's results, or its error.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import urllib.parse
import warnings
from collections.abc import Callable
from typing import Any

import requests
from ringcentral import SDK

ENV = os.environ
EXTENSION = "/restapi/v1.0/account/~/extension/~"


def platform() -> Any:
    sdk = SDK(ENV["RC_APP_KEY"], ENV["RC_APP_SECRET"], ENV["RC_SERVER"])
    return sdk.platform()


def read(p: Any) -> dict[str, Any]:
    body: dict[str, Any] = p.get(EXTENSION).json_dict()
    return {"id": body["id"], "name": body["name"]}


def status_with(token: str) -> int:
    """The status of an extension read with a bare access token."""
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(ENV["RC_SERVER"] + EXTENSION, headers=headers, timeout=10).status_code


def password() -> dict[str, Any]:
    p = platform()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        p.login(ENV["RC_USERNAME"], ENV["RC_EXTENSION"], ENV["RC_PASSWORD"])
    return {"logged_in": p.logged_in(), "extension": read(p)}


def jwt_refresh_logout() -> dict[str, Any]:
    p = platform()
    p.login(jwt=ENV["RC_JWT"])
    first = dict(p.auth().data())
    extension = read(p)
    p.refresh()
    second = dict(p.auth().data())
    after_refresh = read(p)
    old_token_status = status_with(first["access_token"])
    # The previous refresh token, again, inside the grace period: the same new pair.
    other = platform()
    other.auth().set_data(first)
    other.refresh()
    reused = dict(other.auth().data())
    p.logout()
    return {
        "extension": extension,
        "after_refresh": after_refresh,
        "rotated": second["access_token"] != first["access_token"],
        "old_access_token_status": old_token_status,
        "reuse_returns_the_same_pair": reused["access_token"] == second["access_token"]
        and reused["refresh_token"] == second["refresh_token"],
        "logged_in_after_logout": p.auth().access_token_valid(),
        "token_status_after_logout": status_with(second["access_token"]),
    }


def auth_code_with_pkce() -> dict[str, Any]:
    p = platform()
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    state = secrets.token_urlsafe(16)
    # By hand: the SDK's own login_url raises NameError (it never imports urllib.parse).
    query = {
        "response_type": "code",
        "client_id": ENV["RC_APP_KEY"],
        "redirect_uri": ENV["RC_REDIRECT_URI"],
        "state": state,
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    url = ENV["RC_SERVER"] + "/restapi/oauth/authorize?" + urllib.parse.urlencode(query)
    # The browser's part: the local platform logs its user in and redirects at once.
    answer = requests.get(url, allow_redirects=False, timeout=10)
    back = urllib.parse.parse_qs(urllib.parse.urlsplit(answer.headers["Location"]).query)
    p.login(code=back["code"][0], redirect_uri=ENV["RC_REDIRECT_URI"], verifier=verifier)
    return {
        "redirect_status": answer.status_code,
        "state_echoed": back["state"] == [state],
        "extension": read(p),
    }


def reuse_after_the_grace_period() -> dict[str, Any]:
    p = platform()
    p.login(jwt=ENV["RC_JWT"])
    first = dict(p.auth().data())
    p.refresh()
    read(p)  # the new access token is used: 10 s of grace from now
    clock = requests.post(ENV["RC_SERVER"] + "/rcsdk-testing/clock", json={"advance": 11})
    other = platform()
    other.auth().set_data(first)
    try:
        other.refresh()
        outcome = "refreshed"
    except Exception as exc:  # the SDK raises a bare Exception carrying the response
        outcome = str(exc)
    return {"clock_status": clock.status_code, "outcome": outcome}


FLOWS: dict[str, Callable[[], dict[str, Any]]] = {
    "password": password,
    "jwt_refresh_logout": jwt_refresh_logout,
    "auth_code_with_pkce": auth_code_with_pkce,
    "reuse_after_the_grace_period": reuse_after_the_grace_period,
}

if __name__ == "__main__":
    results: dict[str, Any] = {}
    for name, flow in FLOWS.items():
        try:
            results[name] = {"ok": True, **flow()}
        except Exception as exc:
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(results))
