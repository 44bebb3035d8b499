"""``LocalPlatform``: the local RingCentral-compatible platform, its routes and its controls.

The OAuth logic is in ``_oauth``, the HTTP layer in ``_http``, the HTTP controls in
``_control`` and the spec's tables in ``_tables``. It also counts what it saw (requests per
grant and per path, TCP connections) and can inject faults on demand.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from rcsdk.testing import _control
from rcsdk.testing._examples import answer as api_answer
from rcsdk.testing._http import Server
from rcsdk.testing._limits import api_group
from rcsdk.testing._oauth import PUBLIC_APP_KEY, OAuth
from rcsdk.testing._records import ApiError, Fault, User
from rcsdk.testing._tables import (
    API_ROUTES,
    AUTHORIZE_PATH,
    FORM_VARIANT_PATHS,
    LOCAL_CREDENTIALS,
    REVOKE_PATH,
    TOKEN_PATH,
)

Reply = tuple[int, dict[str, str], bytes]
STANDARD_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _route_pattern(template: str) -> re.Pattern[str]:
    """``/a/{id}/b`` -> a pattern matching ``/a/<anything but a slash>/b`` exactly."""
    parts = re.split(r"\{[^}]*\}", template)
    return re.compile("([^/]+)".join(re.escape(part) for part in parts) + "$")


_OAUTH_ROUTES = {(TOKEN_PATH, "POST"), (REVOKE_PATH, "POST"), (AUTHORIZE_PATH, "GET")} | {
    (path, "POST") for path in FORM_VARIANT_PATHS
}
_API_ROUTES = tuple((method, _route_pattern(path), op) for method, path, op in API_ROUTES)


class LocalPlatform(OAuth):
    """The platform, served on ``127.0.0.1`` from a background thread.

    Use it as a context manager; ``url`` is where it listens. ``clock`` decides expiry, so a
    test can move time instead of sleeping (``move_clock`` moves it too). Refresh tokens
    follow RingCentral: the previous one still works, returning the same new pair, for 10 s
    after the new access token is first used (an hour while it is unused);
    ``strict_refresh=True`` makes them strictly single-use. ``auth_rate_limit`` is the Auth
    group, ``(requests, window seconds)`` per user on the token endpoint, 5 a minute by default
    (``None`` turns it off); ``api_rate_limits=True`` enforces the Light/Medium/Heavy groups on
    API calls too, with their headers. Over a limit: a 429 with Retry-After.
    ``counts`` tells how many requests each grant (and each path) got, and ``connections`` how
    many TCP connections were opened.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
        access_ttl: int = 3600,
        refresh_ttl: int = 604800,
        auth_rate_limit: tuple[int, float] | None = (5, 60.0),
        api_rate_limits: bool = False,
        strict_refresh: bool = False,
    ) -> None:
        super().__init__(
            clock=clock,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
            auth_rate_limit=auth_rate_limit,
            api_rate_limits=api_rate_limits,
            strict_refresh=strict_refresh,
        )
        self.connections = 0
        self.faults: list[Fault] = []
        self._server = Server((host, port), self)
        self._thread: threading.Thread | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> LocalPlatform:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # so that stop() returns quickly
            name="rcsdk-local-platform",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalPlatform:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """``RC_*`` variables that point a client or a snippet at this platform."""
        return {"RC_SERVER": self.url, **LOCAL_CREDENTIALS}

    @property
    def public_app(self) -> str:
        """The key of the public app: no secret, ``client_id`` in the body, PKCE."""
        return PUBLIC_APP_KEY

    # --- control ------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Serve ``fault`` to the next ``fault.count`` requests whose path starts with its path."""
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, path: str) -> Fault | None:
        if path.startswith(_control.PREFIX):
            return None
        with self._lock:
            for fault in self.faults:
                if path.startswith(fault.path):
                    fault.count -= 1
                    if fault.count <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def count_connection(self) -> None:
        with self._lock:
            self.connections += 1

    # --- the endpoints ------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: Any, body: bytes, peer: str = "127.0.0.1"
    ) -> Reply:
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        try:
            if path.startswith(_control.PREFIX) or path == _control.PREFIX.rstrip("/"):
                if not _control.is_loopback(peer):
                    raise ApiError(403, None, "Controls answer loopback callers only", "CMN-101")
                return self._json(200, _control.control(self, method, path + "/", body))
            with self._lock:
                self.counts[f"{method} {path}"] += 1
            return self._route(method, path, parsed.query, headers, body)
        except ApiError as exc:
            status, extra, payload = self._json(exc.status, exc.body())
            return status, {**extra, **exc.headers}, payload

    def _route(self, method: str, path: str, query: str, headers: Any, body: bytes) -> Reply:
        if (path, method) == (TOKEN_PATH, "POST"):
            answer, limits = self.token(headers, body)
            status, extra, payload = self._json(200, answer)
            return status, {**extra, **limits, "Cache-Control": "no-store"}, payload
        if (path, method) == (REVOKE_PATH, "POST"):
            self.revoke(headers, body, query)
            return 200, {"Content-Length": "0"}, b""
        if (path, method) == (AUTHORIZE_PATH, "GET"):
            location = self.authorize(query)
            return 302, {"Location": location, "Content-Length": "0"}, b""
        if method == "POST" and path == AUTHORIZE_PATH and path in FORM_VARIANT_PATHS:
            # The form variant: the same parameters, in a form body.
            location = self.authorize(urllib.parse.urlencode(self._form(headers, body)))
            return 302, {"Location": location, "Content-Length": "0"}, b""
        for route_method, pattern, op_id in _API_ROUTES:
            match = pattern.match(path)
            if match and method == route_method:
                session = self.session_of(headers)
                who = f"{session.app.key}:{session.user.username}"
                limits = self.limits.hit(api_group(method), who, self.now())
                _check_ids(session.user, match.groups())
                status, extra, payload = self._json(*api_answer(op_id, session.user, self.url))
                return status, {**extra, **limits}, payload
        allowed = self.allowed_methods(path)
        if allowed or method not in STANDARD_METHODS:
            allow = ", ".join(allowed or STANDARD_METHODS)
            error = ApiError(405, None, f"Method {method[:20]} is not allowed", "CMN-101")
            error.headers["Allow"] = allow
            raise error
        raise ApiError.coded("CMN-102", detail=f"Resource for {path[:200]} is not found")

    def allowed_methods(self, path: str) -> tuple[str, ...]:
        """The methods served on ``path`` (empty for an unknown path)."""
        found = [m for p, m in _OAUTH_ROUTES if p == path]
        found += [m for m, pattern, _op in _API_ROUTES if pattern.match(path)]
        return tuple(sorted(set(found)))

    def _json(self, status: int, body: dict[str, Any]) -> Reply:
        # RingCentral's own style: spaces around the colon ("access_token" : "...").
        payload = json.dumps(body, indent=2, separators=(",", " : ")).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        return status, headers, payload


def _check_ids(user: User, values: tuple[str, ...]) -> None:
    """Path ids must be ``~`` or the user's own account or extension id."""
    known = {"~", user.account_id, str(user.extension_id)}
    for value in values:
        if urllib.parse.unquote(value) not in known:
            raise ApiError.coded(
                "CMN-102", detail=f"Resource for parameter [{value[:50]}] is not found"
            )
