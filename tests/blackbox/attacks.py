"""The black-box attack program for the installed Python package (tests/test_blackbox.py).

It runs outside the checkout, in a virtual environment where rcsdk was installed from a wheel, and
uses rcsdk's public API only. It reads one attack per line on stdin (JSON) and answers each with one
line of JSON on stdout: what each call raised (its class, whether it is an rcsdk error, and every
string form of it) and what the store held. The harness judges; this program only reports. The
same program exists for every language (attacks.mjs, attacks.php, attacks.go), with the same ops.
"""

from __future__ import annotations

import json
import os
import pickle
import re
import sys
import traceback
from typing import Any

import rcsdk
from rcsdk import RCSDK, FileTokenStore, MemoryTokenStore, Platform

PROXY_VARIABLES = (
    "http_proxy",
    "HTTP_PROXY",
    "https_proxy",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
)


def expand(text: str) -> str:
    """The table's placeholders {lone_surrogate} and {X*N} (X repeated N times)."""
    text = text.replace("{lone_surrogate}", "\ud800")
    return re.sub(r"\{(.)\*(\d+)\}", lambda m: m.group(1) * int(m.group(2)), text)


def outcome(call: Any) -> dict[str, Any]:
    """What ``call()`` did: no error, or the error's class, whether it is typed, its forms."""
    try:
        call()
    except Exception as exc:  # the harness counts an untyped one as a crash
        forms = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        return {
            "error": type(exc).__name__,
            "typed": isinstance(exc, rcsdk.RCSDKError),
            "texts": forms,
        }
    return {"error": None}


def valid_tokens() -> dict[str, Any]:
    far = 4_000_000_000.0
    return {
        "version": 1,
        "token": {
            "access_token": "case-access-token-0001",
            "token_type": "bearer",
            "expires_in": 3600,
            "refresh_token": "case-refresh-token-0001",
            "refresh_token_expires_in": 604800,
            "scope": "ReadAccounts",
            "owner_id": "1",
            "endpoint_id": "e",
        },
        "expires_at": far,
        "refresh_token_expires_at": far,
    }


def sdk_in(env: dict[str, str], make: Any) -> Any:
    """``make()`` with every proxy variable unset but ``env``: the proxy is chosen then."""
    saved = {name: os.environ.pop(name, None) for name in PROXY_VARIABLES}
    os.environ.update(env)
    try:
        return make()
    finally:
        for name in PROXY_VARIABLES:
            os.environ.pop(name, None)
            if saved[name] is not None:
                os.environ[name] = str(saved[name])


def row(attack: dict[str, Any]) -> dict[str, Any]:
    case, creds = attack["row"], attack["creds"]
    server = case.get("server", attack["platform"])
    options: dict[str, Any] = dict(case.get("options", {}))
    store: MemoryTokenStore | None = None
    held: Any = None
    if "store" in case or "store" in case["expect"]:
        store = MemoryTokenStore()
        options["store"] = store
    if "store" in case:
        if case["store"]["tokens"] == "issued":
            other = RCSDK(creds["app_key"], creds["app_secret"], attack["platform"]).platform
            other.login_jwt(creds["jwt"])
            data = other.get_auth_data()
        else:
            data = valid_tokens()
        data = {k: v for k, v in data.items() if k not in ("origin", "app_key")}
        data.update({k: case["store"][k] for k in ("origin", "app_key") if k in case["store"]})
        store.save(data)  # type: ignore[union-attr]
        held = store.load()  # type: ignore[union-attr]
    credentials = case.get("credentials", {})
    args = case.get("args", {})

    def run() -> None:
        if case["action"] == "from_env":
            sdk = RCSDK.from_env(args["env"])
            if args.get("then") == "login_jwt":
                sdk.platform.login_jwt()  # Python's login_jwt() reads the settings' JWT
            return
        sdk = sdk_in(
            case.get("env", {}),
            lambda: RCSDK(
                credentials.get("app_key", creds["app_key"]),
                credentials.get("app_secret", creds["app_secret"]),
                server,
                **options,
            ),
        )
        platform: Platform = sdk.platform
        if case["tokens"] == "valid":
            platform.set_auth_data(valid_tokens())
        elif case["tokens"] == "login":
            platform.login_jwt(creds["jwt"])
        act(platform, case["action"], args)

    result = outcome(run)
    return {"outcome": result, "held": held, "store": store.load() if store else None}


def act(platform: Platform, action: str, args: dict[str, Any]) -> None:
    if action == "construct":
        return
    if action == "login_jwt":
        platform.login_jwt(args["jwt"])
    elif action == "login_password":
        platform.authorize(args["username"], args["extension"], args["password"])
    elif action == "refresh":
        platform.refresh()
    elif action == "revoke":
        platform.logout()
    elif action == "request":
        platform.request(args["method"], args["path"], headers=args.get("headers"))
    elif action == "login_auth_code":
        platform.login_auth_code(args["code"])
    elif action == "read_extension":
        platform.read_extension()
    elif action == "get":
        platform.get(args["path"], args.get("query"))
    elif action == "set_auth_data":
        platform.set_auth_data({**valid_tokens(), **args["binding"]})
    else:
        raise SystemExit(f"unknown action {action}")


def file_platform(attack: dict[str, Any]) -> Platform:
    creds = attack["creds"]
    store = FileTokenStore(attack["path"])
    return RCSDK(creds["app_key"], creds["app_secret"], attack["server"], store=store).platform


def file_login(attack: dict[str, Any]) -> dict[str, Any]:
    jwt = attack["creds"]["jwt"]
    return {"outcome": outcome(lambda: file_platform(attack).login_jwt(jwt))}


def file_use(attack: dict[str, Any]) -> dict[str, Any]:
    """A platform on the file's session, without logging in: one API call."""
    return {"outcome": outcome(lambda: file_platform(attack).read_extension())}


def fifo(attack: dict[str, Any]) -> dict[str, Any]:
    """A FIFO at the token path: every call returns (a typed error or an answer)."""
    made: list[Platform] = []
    jwt = attack["creds"]["jwt"]
    outcomes = [outcome(lambda: made.append(file_platform(attack)))]
    if made:
        outcomes.append(outcome(made[0].is_authorized))
        outcomes.append(outcome(lambda: made[0].login_jwt(jwt)))
    return {"outcomes": outcomes}


def serialized(value: object, method: str) -> str:
    """Issue #20 point 10's ways for Python (tests/cases/security.json, serialization)."""
    try:
        if method == "json":
            return json.dumps(value, default=repr)
        if method == "string":
            return str(value)
        if method == "debug":
            return repr(value)
        if method == "export":
            return pickle.dumps(value).decode("latin-1")
        if method == "spread":
            return repr(vars(value))
        if method == "trace":
            assert isinstance(value, BaseException)
            return "".join(traceback.format_exception(value))
    except Exception as exc:  # a refusal passes when it says nothing secret
        return f"{type(exc).__name__}: {exc}"
    raise SystemExit(f"unknown method {method}")


def serialize(attack: dict[str, Any]) -> dict[str, Any]:
    sdk = RCSDK.from_env(attack["env"])
    platform = sdk.platform
    heard: list[object] = []
    platform.on("login_success", heard.append)
    token = platform.login_jwt()
    tokens = platform.get_auth_data()["token"]
    error: BaseException | None = None
    try:
        platform.get("/restapi/v1.0/no-such-resource")
    except rcsdk.RCSDKError as exc:
        error = exc
    objects = {
        "sdk": sdk,
        "settings": sdk.settings,
        "platform": platform,
        "token_info": token,
        "login_event": heard[0] if heard else None,
    }
    texts = {}
    for case in attack["cases"]:
        value = error if case["method"] == "trace" else objects[case["object"]]
        texts[case["id"]] = serialized(value, case["method"])
    return {"texts": texts, "tokens": [tokens["access_token"], tokens["refresh_token"]]}


def poison(attack: dict[str, Any]) -> dict[str, Any]:
    """A hostile credential or JWT first, then ordinary calls: each stays a typed error or works."""
    creds = attack["creds"]
    made: list[Platform] = []

    def make() -> None:
        sdk = RCSDK(creds["app_key"], expand(attack["app_secret"]), attack["server"])
        made.append(sdk.platform)

    outcomes = [outcome(make)]
    if made:
        platform = made[0]
        outcomes.append(outcome(lambda: platform.login_jwt(expand(attack["jwt"]))))
        outcomes.append(outcome(lambda: platform.login_jwt(creds["jwt"])))
        outcomes.append(outcome(lambda: platform.get("/restapi/v1.0/no-such-resource")))
    return {"outcomes": outcomes}


OPS = {
    "row": row,
    "file_login": file_login,
    "file_use": file_use,
    "fifo": fifo,
    "serialize": serialize,
    "poison": poison,
}


def main() -> None:
    hello = {"hello": "python", "package": rcsdk.__file__, "version": rcsdk.__version__}
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        attack = json.loads(line)
        print(json.dumps(OPS[attack["op"]](attack), default=repr), flush=True)


if __name__ == "__main__":
    main()
