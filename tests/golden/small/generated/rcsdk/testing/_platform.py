# Copied verbatim from templates/rcsdk/testing/_platform.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/testing/_platform.py and run `make generate`.
"""``LocalPlatform``: the local RingCentral-compatible platform, its routes and its controls.

The OAuth logic is in ``_oauth``, the HTTP layer in ``_http`` and the spec's tables in
``_tables``. It also counts what it saw (requests per grant and per path, TCP connections) and
can inject faults on demand.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from rcsdk.testing._http import Server
from rcsdk.testing._oauth import OAuth
from rcsdk.testing._records import ApiError, Fault
from rcsdk.testing._tables import (
    API_ROUTES,
    AUTHORIZE_PATH,
    LOCAL_CREDENTIALS,
    REVOKE_PATH,
    TOKEN_PATH,
)

Reply = tuple[int, dict[str, str], bytes]


def _route_pattern(template: str) -> re.Pattern[str]:
    """``/a/{id}/b`` -> a pattern matching ``/a/<anything but a slash>/b`` exactly."""
    parts = re.split(r"\{[^}]*\}", template)
    return re.compile("[^/]+".join(re.escape(part) for part in parts) + "$")


_ROUTES = tuple((method, _route_pattern(path), op) for method, path, op in API_ROUTES)


class LocalPlatform(OAuth):
    """The platform, served on ``127.0.0.1`` from a background thread.

    Use it as a context manager; ``url`` is where it listens. ``clock`` decides expiry, so a
    test can move time instead of sleeping. ``auth_rate_limit`` is RingCentral's Auth group:
    ``(requests, window seconds)`` per user on the token endpoint, 5 a minute by default
    (``None`` turns it off); over it, a 429 with Retry-After and the X-Rate-Limit-* headers.
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
    ) -> None:
        super().__init__(
            clock=clock,
            access_ttl=access_ttl,
            refresh_ttl=refresh_ttl,
            auth_rate_limit=auth_rate_limit,
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

    # --- control ------------------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Serve ``fault`` to the next ``fault.count`` requests whose path starts with its path."""
        with self._lock:
            self.faults.append(fault)

    def take_fault(self, path: str) -> Fault | None:
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

    def handle(self, method: str, raw_path: str, headers: Any, body: bytes) -> Reply:
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        with self._lock:
            self.counts[f"{method} {path}"] += 1
        try:
            if method == "POST" and path == TOKEN_PATH:
                return self._json(200, self.token(headers, body))
            if method == "POST" and path == REVOKE_PATH:
                self.revoke(headers, body, parsed.query)
                return 200, {"Content-Length": "0"}, b""
            if method == "GET" and path == AUTHORIZE_PATH:
                location = self.authorize(parsed.query)
                return 302, {"Location": location, "Content-Length": "0"}, b""
            for route_method, pattern, _op in _ROUTES:
                if method == route_method and pattern.match(path):
                    return self._json(200, self._api(headers))
            raise ApiError(404, None, f"Resource for {path} is not found", "CMN-102")
        except ApiError as exc:
            status, extra, payload = self._json(exc.status, exc.body())
            return status, {**extra, **exc.headers}, payload

    def _json(self, status: int, body: dict[str, Any]) -> Reply:
        # RingCentral's own style: spaces around the colon ("access_token" : "...").
        payload = json.dumps(body, indent=2, separators=(",", " : ")).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        return status, headers, payload

    def _api(self, headers: Any) -> dict[str, Any]:
        """Every API call answers with the extension of the token's user."""
        user = self.session_of(headers).user
        base = self.url + "/restapi/v1.0/account/" + user.account_id
        return {
            "uri": f"{base}/extension/{user.extension_id}",
            "id": user.extension_id,
            "extensionNumber": user.extension,
            "name": f"{user.first_name} {user.last_name}",
            "type": "User",
            "status": "Enabled",
            "account": {"id": user.account_id, "uri": base},
            "contact": {
                "firstName": user.first_name,
                "lastName": user.last_name,
                "email": f"{user.first_name}.{user.last_name}@example.com".lower(),
            },
        }
