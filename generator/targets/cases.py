"""The cases target: generated/cases.json, the behaviour every client must show, as data.

One table of retry, status and error-code cases, built from the spec (its error codes, exception
tree, OAuth errors and retry defaults), that each language's test suite runs against a loopback
server answering the listed responses in order (tests/test_cases.py for Python,
tests/js/cases.test.mjs for JavaScript). A language that disagrees with the table fails its
own suite, so the clients cannot drift apart.

A case: ``operation`` (``login``: a JWT login; ``refresh``; ``api``: a call with ``method`` to
``path`` with the ``auth_data`` below), ``responses`` (served in order, whatever the path),
``options`` for the platform, and what must come of it: ``requests`` (method and path, in order),
``sleeps`` (each an exact number of seconds or ``[low, high]`` for jittered backoff), ``outcome``
(``ok`` or the error class name), ``is`` (the error's class and its bases, which it must be an
instance of), ``also`` (the classes of its status beyond those: a 400 ``invalid_grant`` is a
``BadRequestError`` too; Python and JavaScript check them), ``announced`` (the waits announced
with a warning line and the ``rate_limit_wait`` event, whose ``RateLimitError`` carries the wait:
those on a 429 longer than ``announce_wait_seconds``) and the optional ``error``,
``error_codes``, ``retry_after``, ``authorized_after`` and ``expires_at`` (the access token's
expiry in the auth data afterwards). ``advance`` moves the clock that many
seconds after the auth data is set; ``callers`` makes that many calls at once (threads in Python,
concurrent promises in JavaScript, one after another in PHP), each of which must succeed.
"""

from __future__ import annotations

import email.utils
import json
from typing import Any

from generator.model import Spec
from generator.targets import Contract, Target

NOW = 1_800_000_000
API_PATH = "/restapi/v1.0/account/~/extension/~"
JSON = {"Content-Type": "application/json"}


def _ancestors(spec: Spec, name: str) -> list[str]:
    out = []
    current: str | None = name
    while current is not None:
        out.append(current)
        current = next(e.base for e in spec.exceptions if e.name == current)
    return out


def _by_status(spec: Spec, name: str, status: int | None) -> list[str]:
    """The classes an error is an instance of by its status, beyond its own and their bases (a
    400 ``invalid_grant`` is a BadRequestError too): ``also`` in a case."""
    own = _ancestors(spec, name)
    out: list[str] = []
    for exc in spec.exceptions:
        if status in exc.statuses:
            out += [c for c in _ancestors(spec, exc.name) if c not in own and c not in out]
    return out


def _reply(status: int, body: Any = None, headers: dict[str, str] | None = None) -> dict[str, Any]:
    text = "" if body is None else body if isinstance(body, str) else json.dumps(body)
    head = dict(headers or {})
    if body is not None and not isinstance(body, str):
        head = {**JSON, **head}
    return {"status": status, "headers": head, "body": text}


def _oauth(status: int, error: str, code: str | None) -> dict[str, Any]:
    """An OAuth error answer, with its RingCentral error code in ``errors[]`` if any."""
    body: dict[str, Any] = {"error": error, "error_description": "described"}
    if code is not None:
        body["errors"] = [{"errorCode": code, "message": "described"}]
    return _reply(status, body)


class Cases(Target):
    name = "cases"
    description = "generated/cases.json (retry, status and error-code cases every client runs)"
    contracts = (
        Contract(
            operations=("loginJwt", "refresh"),
            exceptions=("RCSDKError", "APIStatusError", "RateLimitError", "InternalServerError"),
            why="the shared case table (generator/targets/cases.py)",
        ),
    )

    def data(self, spec: Spec) -> dict[str, str]:
        token = spec.operation("refresh").example.response
        login = spec.operation("loginJwt").example.response
        d = spec.defaults
        auth_data = {
            "version": 1,
            "token": {
                "access_token": "ACCESS_TOKEN_0",
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_token": "REFRESH_TOKEN_0",
                "refresh_token_expires_in": 604800,
                "scope": "ReadAccounts",
                "session_id": "1",
            },
            "expires_at": NOW + 3600,
            "refresh_token_expires_at": NOW + 604800,
        }
        cases: list[dict[str, Any]] = []

        def error(name: str, status: int, body: Any, cls: str, **extra: Any) -> None:
            case: dict[str, Any] = {
                "name": name,
                "operation": "login",
                "options": {"max_retries": 0},
                "responses": [_reply(status, body)],
                "requests": [["POST", "/restapi/oauth/token"]],
                "sleeps": [],
                "announced": [],
                "outcome": cls,
                "is": _ancestors(spec, cls),
                "also": _by_status(spec, cls, status),
            }
            case.update(extra)
            cases.append(case)

        # Every error code of the spec, as RingCentral sends it: in errors[] and top-level.
        for code in spec.error_codes:
            error(
                f"{code.code} in errors[] ({code.status})",
                code.status,
                {"errors": [{"errorCode": code.code, "message": code.message}]},
                code.exception,
                error_codes=[code.code],
            )
            error(
                f"{code.code} top-level ({code.status})",
                code.status,
                {"errorCode": code.code, "message": code.message},
                code.exception,
                error_codes=[code.code],
            )
        # Every OAuth error, whatever the status.
        for exc in spec.exceptions:
            for oauth in exc.oauth_errors:
                for status in (400, 401, 403):
                    error(
                        f"{oauth} ({status})",
                        status,
                        {"error": oauth, "error_description": "described"},
                        exc.name,
                        error=oauth,
                    )
        # Every status the tree names, with an empty JSON body and with a proxy's HTML page.
        for exc in spec.exceptions:
            for status in exc.statuses:
                error(f"{status} with {{}}", status, {}, exc.name)
                error(f"{status} with an HTML page", status, "<html>proxy</html>", exc.name)
        error("418, unknown to the tables", 418, {}, "APIStatusError")
        error("599, an unknown 5xx", 599, {}, "InternalServerError")

        ok_token = _reply(200, token)

        def retry(
            name: str, operation: str, responses: list[dict[str, Any]], **expect: Any
        ) -> None:
            method = expect.pop("method", "GET")
            path = {"api": API_PATH}.get(operation, "/restapi/oauth/token")
            requests = expect.pop("requests", None)
            if requests is None:
                requests = [[method if operation == "api" else "POST", path]] * expect.pop("count")
            outcome = expect.pop("outcome", "ok")
            case: dict[str, Any] = {
                "name": name,
                "operation": operation,
                "method": method,
                "path": path,
                "options": expect.pop("options", {}),
                "responses": responses,
                "requests": requests,
                "sleeps": expect.pop("sleeps", []),
                "outcome": outcome,
                "is": [] if outcome == "ok" else _ancestors(spec, outcome),
                "also": []
                if outcome == "ok"
                else _by_status(spec, outcome, responses[-1]["status"]),
            }
            case["announced"] = [
                wait
                for reply, wait in zip(responses, case["sleeps"], strict=False)
                if reply["status"] == 429 and wait > d.announce_wait_seconds
            ]
            case.update(expect)
            cases.append(case)

        ok = _reply(200, {"id": 1, "name": "Case"})
        fallback = d.rate_limit_fallback_seconds
        date = email.utils.formatdate(NOW + 30, usegmt=True)
        first, second = [0.25, 0.5], [0.5, 1.0]
        retry(
            "429 Retry-After seconds",
            "api",
            [_reply(429, {}, {"Retry-After": "2"}), ok],
            count=2,
            sleeps=[2],
        )
        retry(
            "429 Retry-After just over the announce threshold",
            "api",
            [_reply(429, {}, {"Retry-After": str(d.announce_wait_seconds + 1)}), ok],
            count=2,
            sleeps=[d.announce_wait_seconds + 1],
        )
        retry(
            "429 Retry-After HTTP date",
            "api",
            [_reply(429, {}, {"Retry-After": date}), ok],
            count=2,
            sleeps=[30],
        )
        retry(
            "429 X-Rate-Limit-Window",
            "api",
            [_reply(429, {}, {"X-Rate-Limit-Window": "5"}), ok],
            count=2,
            sleeps=[5],
        )
        retry(
            "429 without a delay: the fallback",
            "api",
            [_reply(429, {}), ok],
            count=2,
            sleeps=[fallback],
        )
        retry(
            "429 asking for more than the total wait",
            "api",
            [_reply(429, {}, {"Retry-After": str(d.max_retry_wait_seconds + 1)})],
            count=1,
            outcome="RateLimitError",
            retry_after=d.max_retry_wait_seconds + 1,
        )
        half = d.max_retry_wait_seconds // 2 + 1
        retry(
            "429 twice, over the total wait the second time",
            "api",
            [_reply(429, {}, {"Retry-After": str(half)})] * 2,
            count=2,
            sleeps=[half],
            outcome="RateLimitError",
        )
        retry(
            "503 until retries run out",
            "api",
            [_reply(503, {})] * (d.max_retries + 1),
            count=d.max_retries + 1,
            sleeps=[first, second][: d.max_retries],
            outcome="InternalServerError",
        )
        retry(
            "503 with Retry-After",
            "api",
            [_reply(503, {}, {"Retry-After": "3"}), ok],
            count=2,
            sleeps=[3],
        )
        retry("502 then 200", "api", [_reply(502, {}), ok], count=2, sleeps=[first])
        retry(
            "500 is not retried", "api", [_reply(500, {})], count=1, outcome="InternalServerError"
        )
        retry(
            "max_retries 0 fails fast",
            "api",
            [_reply(503, {})],
            count=1,
            options={"max_retries": 0},
            outcome="InternalServerError",
        )
        retry(
            "POST 502 is not replayed",
            "api",
            [_reply(502, {})],
            method="POST",
            count=1,
            outcome="InternalServerError",
        )
        retry(
            "POST 503 (not processed) is retried",
            "api",
            [_reply(503, {}), ok],
            method="POST",
            count=2,
            sleeps=[first],
        )
        retry(
            "login 502 is never replayed",
            "login",
            [_reply(502, {})],
            count=1,
            outcome="InternalServerError",
        )
        retry(
            "login 503 (not processed) is retried",
            "login",
            [_reply(503, {}), _reply(200, login)],
            count=2,
            sleeps=[first],
        )
        retry(
            "login 429 waits and retries",
            "login",
            [_reply(429, {}, {"Retry-After": "1"}), _reply(200, login)],
            count=2,
            sleeps=[1],
        )
        retry(
            "refresh 502 is never replayed",
            "refresh",
            [_reply(502, {})],
            count=1,
            outcome="InternalServerError",
            authorized_after=True,
        )
        token_path = ["POST", "/restapi/oauth/token"]
        retry(
            "401 token error: one refresh, one retry",
            "api",
            [_reply(401, {"errorCode": "OAU-128"}), ok_token, ok],
            requests=[["GET", API_PATH], token_path, ["GET", API_PATH]],
        )
        retry(
            "401 token error twice: no second refresh",
            "api",
            [
                _reply(401, {"errorCode": "OAU-128"}),
                ok_token,
                _reply(401, {"errorCode": "OAU-128"}),
            ],
            requests=[["GET", API_PATH], token_path, ["GET", API_PATH]],
            outcome="TokenError",
        )
        retry(
            "401 naming no cause counts as a token error",
            "api",
            [_reply(401, {}), ok_token, ok],
            requests=[["GET", API_PATH], token_path, ["GET", API_PATH]],
        )
        retry(
            "401 invalid_client on a call is not a token error",
            "api",
            [_reply(401, {"error": "invalid_client"})],
            count=1,
            outcome="InvalidClientError",
        )
        retry(
            "refresh answered invalid_client keeps the session",
            "refresh",
            [_reply(401, {"error": "invalid_client", "errors": [{"errorCode": "OAU-123"}]})],
            count=1,
            outcome="InvalidClientError",
            authorized_after=True,
            issue=16,
        )
        retry(
            "refresh answered by a proxy's HTML 400 keeps the session",
            "refresh",
            [_reply(400, "<html>bad gateway config</html>")],
            count=1,
            outcome="BadRequestError",
            authorized_after=True,
            issue=16,
        )
        # Only a verdict on the refresh token ends the session: invalid_grant with no error code
        # or a code the spec marks ``ends_session``. Anything else is no verdict (a proxy's page,
        # a wrong app secret, a bad request, an app without the grant): the session is kept.
        no_verdict = [
            ("a proxy's HTML 401", _reply(401, "<html>Unauthorized</html>"), "AuthenticationError"),
            (
                "invalid_client OAU-146",
                _oauth(401, "invalid_client", "OAU-146"),
                "InvalidClientError",
            ),
            (
                "invalid_request CMN-101",
                _oauth(400, "invalid_request", "CMN-101"),
                "BadRequestError",
            ),
            ("invalid_grant OAU-140", _oauth(400, "invalid_grant", "OAU-140"), "InvalidGrantError"),
            (
                "invalid_grant OAU-112 (403)",
                _oauth(403, "invalid_grant", "OAU-112"),
                "InvalidGrantError",
            ),
        ]
        for label, answer, raised in no_verdict:
            retry(
                f"refresh answered {label} keeps the session",
                "refresh",
                [answer],
                count=1,
                outcome=raised,
                authorized_after=True,
                issue=16,
            )
        verdicts: list[tuple[str | None, str]] = [(None, "no error code")]
        verdicts += [(c, c) for c in spec.session_ending_codes]
        for ending, label in verdicts:
            retry(
                f"refresh rejected with invalid_grant, {label}, ends the session",
                "refresh",
                [_oauth(400, "invalid_grant", ending)],
                count=1,
                outcome="InvalidGrantError",
                authorized_after=False,
                issue=16,
            )
        if any(e.name == "RedirectError" for e in spec.exceptions):
            for status in (301, 302, 303, 307, 308):
                moved = _reply(status, login, {"Location": "http://127.0.0.1:9/elsewhere"})
                retry(
                    f"login answered {status} is a redirect, never followed",
                    "login",
                    [moved],
                    count=1,
                    outcome="RedirectError",
                )
                retry(
                    f"a call answered {status} is a redirect, never followed",
                    "api",
                    [moved],
                    count=1,
                    outcome="RedirectError",
                    issue=15,
                )
        retry(
            "a token response without access_token is unusable",
            "login",
            [_reply(200, {"token_type": "bearer"})],
            count=1,
            outcome="ResponseFormatError",
        )
        # Issue #26.4: another caller's refresh is recognised by a generation, never by comparing
        # token strings: a server that hands out the same tokens again gets one refresh for 32
        # callers finding the token expired (JavaScript: 32 concurrent calls; PHP, which has no
        # threads: 32 calls one after another).
        same = {**token, "access_token": "ACCESS_TOKEN_0", "refresh_token": "REFRESH_TOKEN_0"}
        retry(
            "a refresh answering the same tokens again is one refresh for 32 callers",
            "api",
            [_reply(200, same)] + [ok] * 32,
            requests=[token_path] + [["GET", API_PATH]] * 32,
            callers=32,
            advance=3600,
            issue=26,
        )
        # Issue #21: a token's lifetime counts from its request, not from its answer. An answer
        # read late (here after a rate limit's wait; in a fleet, by a worker paused before it
        # read it, whose pair another worker may have been using all along) never makes the
        # tokens look younger than they are: a Redis key written back with such an expiry had
        # the whole fleet send an expired access token, and its 401's retry send it again.
        retry(
            "a token's lifetime counts from its request, not from a late answer",
            "refresh",
            [_reply(429, {}, {"Retry-After": "5"}), _reply(200, {**token, "expires_in": 1800})],
            count=2,
            sleeps=[5],
            expires_at=NOW + 1800,
            issue=21,
        )

        table = {
            "generated_by": f"Generated by rcsdk's generator from {spec.file}. Do not edit.",
            "about": (__doc__ or "").split("\n\n", 1)[1].replace("\n", " ").strip(),
            "now": NOW,
            "credentials": {
                "app_key": "case-app-key",
                "app_secret": "case-app-secret",
                "jwt": "JWT",
            },
            "defaults": {
                "max_retries": d.max_retries,
                "max_retry_wait": d.max_retry_wait_seconds,
                "rate_limit_fallback": d.rate_limit_fallback_seconds,
                "announce_wait": d.announce_wait_seconds,
                "refresh_margin": d.refresh_margin_seconds,
            },
            "auth_data": auth_data,
            "cases": cases,
        }
        return {"cases.json": json.dumps(table, indent=1, ensure_ascii=False) + "\n"}


TARGET = Cases()
