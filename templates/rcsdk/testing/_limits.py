"""RingCentral's user-level rate limits, as the local platform applies them.

Every token request counts against the ``Auth`` group of its user (5 a minute by default, the
only limit enforced unless asked); API calls count against ``Light`` (GET), ``Medium`` (POST,
PUT, PATCH) or ``Heavy`` (DELETE). Every response of an enforced group carries
``X-Rate-Limit-Group``, ``-Limit``, ``-Remaining`` and ``-Window``; over the limit the answer is
a 429 CMN-301 with ``Retry-After``. Groups that are not enforced send no headers: a remaining
budget of 0 that is never enforced would tell clients to wait for nothing.
"""

from __future__ import annotations

import threading

from rcsdk.testing._records import ApiError

API_GROUPS: dict[str, tuple[int, float]] = {
    "Light": (50, 60.0),
    "Medium": (40, 60.0),
    "Heavy": (10, 60.0),
}
"""RingCentral's default plans: requests per window (seconds), per user and app."""

METHOD_GROUPS = {"GET": "Light", "POST": "Medium", "PUT": "Medium", "PATCH": "Medium"}


def api_group(method: str) -> str:
    return METHOD_GROUPS.get(method, "Heavy")


def parse_limit(text: str) -> tuple[int, float] | None:
    """``"5/60"`` -> ``(5, 60.0)``; ``"off"`` -> ``None``. Raises ValueError otherwise."""
    if text.strip().lower() == "off":
        return None
    count, _, window = text.partition("/")
    limit = (int(count), float(window or 60))
    if limit[0] < 1 or limit[1] <= 0:
        raise ValueError("the limit and the window must be positive")
    return limit


class RateLimits:
    """Sliding-window counters per (group, user), and the headers that report them."""

    def __init__(self, auth: tuple[int, float] | None, enforce_api: bool) -> None:
        self.auth = auth
        self.enforce_api = enforce_api
        self._hits: dict[tuple[str, str], list[float]] = {}
        self._lock = threading.Lock()
        self.refused = 0
        """How many requests were answered 429."""

    def limit_of(self, group: str) -> tuple[int, float] | None:
        return self.auth if group == "Auth" else API_GROUPS[group]

    def hit(self, group: str, who: str, now: float) -> dict[str, str]:
        """Count one request; the headers to send, or ApiError 429 when over an enforced limit."""
        limit = self.limit_of(group)
        if limit is None or not (group == "Auth" or self.enforce_api):
            return {}
        count, window = limit
        with self._lock:
            hits = [t for t in self._hits.get((group, who), []) if t > now - window]
            over = len(hits) >= count
            if over:
                self.refused += 1
            else:
                hits.append(now)
            self._hits[(group, who)] = hits
            remaining = max(count - len(hits), 0)
        headers = {
            "X-Rate-Limit-Group": group,
            "X-Rate-Limit-Limit": str(count),
            "X-Rate-Limit-Remaining": str(remaining),
            "X-Rate-Limit-Window": str(int(window)),
        }
        if over:
            headers["Retry-After"] = str(int(window))  # RingCentral's penalty: one window
            raise ApiError(429, None, "Request rate exceeded", "CMN-301", headers)
        return headers

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()
