"""One scenario per client operation: recorded into tests/cassettes by record.py, replayed by
test_cassettes.py and test_parity.py. Each takes a platform and the credentials, and returns
what it got."""

from __future__ import annotations

import urllib.parse
import warnings
from collections.abc import Callable, Mapping

import requests

from rcsdk import ExtensionInfo, InvalidGrantError, Platform, TokenInfo

Credentials = Mapping[str, str]


def password_login(platform: Platform, creds: Credentials) -> TokenInfo:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return platform.authorize(creds["RC_USERNAME"], creds["RC_EXTENSION"], creds["RC_PASSWORD"])


def jwt_login(platform: Platform, creds: Credentials) -> TokenInfo:
    return platform.login_jwt(creds["RC_JWT"])


def auth_code_login(platform: Platform, creds: Credentials) -> TokenInfo:
    request = platform.authorize_url(creds["RC_REDIRECT_URI"])
    # The browser's part: the local platform redirects at once, with the code.
    location = requests.get(request.url, allow_redirects=False, timeout=10).headers["Location"]
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    return platform.login_auth_code(
        query["code"], redirect_uri=request.redirect_uri, code_verifier=request.code_verifier
    )


def refresh(platform: Platform, creds: Credentials) -> TokenInfo:
    platform.login_jwt(creds["RC_JWT"])
    return platform.refresh()


def logout(platform: Platform, creds: Credentials) -> bool:
    platform.login_jwt(creds["RC_JWT"])
    platform.logout()
    return platform.is_authorized()


def read_extension(platform: Platform, creds: Credentials) -> ExtensionInfo:
    platform.login_jwt(creds["RC_JWT"])
    return platform.read_extension()


def wrong_password(platform: Platform, creds: Credentials) -> InvalidGrantError:
    try:
        password_login(platform, {**creds, "RC_PASSWORD": "not-the-password"})
    except InvalidGrantError as error:
        return error
    raise AssertionError("a wrong password was accepted")


# Keyed by the operation's file stem (its cURL snippet's name); the extra one is an error case.
SCENARIOS: dict[str, Callable[[Platform, Credentials], object]] = {
    "authorize": password_login,
    "login-jwt": jwt_login,
    "login-auth-code": auth_code_login,
    "refresh": refresh,
    "logout": logout,
    "read-extension": read_extension,
    "authorize-wrong-password": wrong_password,
}
