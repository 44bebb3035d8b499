"""One scenario per operation that sends a request, from generated/scenarios.json (made from the
spec's ``kind`` and ``after:``): recorded into tests/cassettes by record.py, replayed by
test_cassettes.py and test_parity.py. Each takes a platform and the credentials, and returns
what the operation returned (a revoke: ``is_authorized()`` after it). The JavaScript and PHP
runners (tests/js/scenario.mjs, tests/php/scenario.php) read the same file.
"""

from __future__ import annotations

import json
import urllib.parse
import warnings
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

import requests

from rcsdk import AuthorizationRequest, InvalidGrantError, Platform

Credentials = Mapping[str, str]
GENERATED = Path(__file__).resolve().parent.parent / "generated"


def load(generated: Path = GENERATED) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((generated / "scenarios.json").read_text())
    return data


def run(scenario: Mapping[str, Any], platform: Platform, creds: Credentials) -> object:
    """Run the steps of ``scenario``: each operation with the arguments its variables give."""
    handed: dict[str, str | None] = {}  # what a browser step hands to the next, by wire name
    result: object = None
    for step in scenario["steps"]:
        method = getattr(platform, step["python"])
        args, kwargs = [], {}
        for arg in step["arguments"]:
            value = handed.get(arg["name"], creds.get(arg["env"]))
            if value is None:
                continue
            if arg["positional"]:
                args.append(value)
            else:
                kwargs[arg["python"]] = value
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # the retired password grant
            result = method(*args, **kwargs)
        if step["kind"] == "browser":
            assert isinstance(result, AuthorizationRequest)
            # The browser's part: the local platform redirects at once, with the code.
            location = requests.get(result.url, allow_redirects=False, timeout=10)
            query = dict(
                urllib.parse.parse_qsl(urllib.parse.urlsplit(location.headers["Location"]).query)
            )
            handed = {
                "code": query["code"],
                "code_verifier": result.code_verifier,
                "redirect_uri": result.redirect_uri,
            }
        elif step["kind"] == "revoke":
            result = platform.is_authorized()
    return result


def wrong_password(platform: Platform, creds: Credentials) -> InvalidGrantError:
    """The error case: the password login with a wrong password."""
    login = next(s for s in load()["scenarios"] if s["name"] == "authorize")
    try:
        run(login, platform, {**creds, "RC_PASSWORD": "not-the-password"})
    except InvalidGrantError as error:
        return error
    raise AssertionError("a wrong password was accepted")


def scenarios(generated: Path = GENERATED) -> dict[str, Callable[[Platform, Credentials], object]]:
    """Keyed by the operation's file stem (its cURL snippet's name); the extra one is an error
    case, written here (and in the JavaScript and PHP runners) by hand."""
    found: dict[str, Callable[[Platform, Credentials], object]] = {
        s["name"]: partial(run, s) for s in load(generated)["scenarios"]
    }
    found["authorize-wrong-password"] = wrong_password
    return found


SCENARIOS = scenarios()
