# Copied verbatim from templates/rcsdk/testing/_control.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/testing/_control.py and run `make generate`.
"""HTTP controls of the local platform, for clients in any language (loopback callers only).

They do over HTTP what ``LocalPlatform``'s methods do in Python; each answers 200 with a JSON
summary, 400 for a bad body, 403 for a caller that is not on loopback.
"""

from __future__ import annotations

import ipaddress
import json
from typing import TYPE_CHECKING, Any

from rcsdk.testing._records import ApiError, Fault

if TYPE_CHECKING:
    from rcsdk.testing._platform import LocalPlatform

PREFIX = "/rcsdk-testing/"

HELP = f"""\
HTTP controls (POST, from loopback only; JSON bodies are optional):
  {PREFIX}expire-tokens     every access token expires now (refresh tokens stay valid)
  {PREFIX}revoke-sessions   end every session, as a password change would
  {PREFIX}clock             move the platform's time: {{"advance": 3600}}
  {PREFIX}fault             answer the next requests to a path with a failure:
                              {{"path": "/restapi/oauth/token", "status": 503, "body": "",
                                "headers": {{}}, "delay": 0, "drop": false, "count": 1}}
  {PREFIX}deny-consent      the next authorizations are denied: {{"count": 1}}
  {PREFIX}reset-limits      forget the rate-limit counters
GET {PREFIX} shows the request counts."""

FAULT_FIELDS: dict[str, type | tuple[type, ...]] = {
    "path": str,
    "status": int,
    "body": str,
    "headers": dict,
    "delay": (int, float),
    "drop": bool,
    "count": int,
}


def is_loopback(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return bool(ip.is_loopback or (mapped is not None and mapped.is_loopback))


def control(platform: LocalPlatform, method: str, path: str, body: bytes) -> dict[str, Any]:
    """Run one control; raises ApiError for an unknown control or a bad body."""
    name = path[len(PREFIX) :].strip("/")
    if name == "" and method == "GET":
        return {"counts": dict(platform.counts), "connections": platform.connections}
    if method != "POST":
        raise ApiError(405, None, "Controls take POST", "CMN-101", {"Allow": "POST"})
    args = _json(body)
    if name == "expire-tokens":
        platform.expire_access_tokens()
    elif name == "revoke-sessions":
        platform.revoke_all()
    elif name == "clock":
        platform.move_clock(_number(args, "advance"))
    elif name == "deny-consent":
        platform.deny_consent(int(_number(args, "count", 1)))
    elif name == "reset-limits":
        platform.limits.reset()
    elif name == "fault":
        platform.inject(_fault(args))
    else:
        raise ApiError(404, None, f"No control {name!r}; see --help", "CMN-102")
    return {"done": name}


def _json(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        value = json.loads(body)
    except ValueError:
        raise ApiError.invalid("The body is not JSON", "body") from None
    if not isinstance(value, dict):
        raise ApiError.invalid("The body is not a JSON object", "body")
    return value


def _number(args: dict[str, Any], key: str, default: float | None = None) -> float:
    value = args.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ApiError.invalid(f"{key} must be a number", key)
    return float(value)


def _fault(args: dict[str, Any]) -> Fault:
    if not isinstance(args.get("path"), str):
        raise ApiError.invalid("path is required", "path")
    for key, value in args.items():
        kind = FAULT_FIELDS.get(key)
        if kind is None or not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            raise ApiError.invalid(f"bad fault field {key!r}", key)
    headers = args.get("headers", {})
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise ApiError.invalid("headers must map strings to strings", "headers")
    return Fault(**args)
