"""The docs' diagrams, as data for generator/sequence.py: the token lifecycle, one refresh
between two workers, the PKCE redirect flow and the Redis lease.

Numbers, paths and names come from the spec (the refresh margin, the example token's life, the
operations' paths, the event), so a spec change redraws them. The docs target writes each as
``generated/docs/<name>.svg`` and shows it inline where ``index.md`` has ``![...](<name>.svg)``.
"""

from __future__ import annotations

from collections.abc import Callable

from generator.model import Spec
from generator.sequence import Diagram, Message, Note, Phase

LEASE_SECONDS = 10
"""The Redis lock's default lease (``DEFAULT_LEASE`` of rcsdk.redis; a test holds them equal)."""


def _margin(spec: Spec, life: int) -> int:
    """The refresh margin the SDK uses for a token of ``life`` seconds: capped at half of it."""
    return min(spec.defaults.refresh_margin_seconds, life // 2)


def token_lifecycle(spec: Spec) -> Diagram:
    refresh = spec.operation("refresh")
    token = f"{refresh.method} {refresh.path}"
    margin = spec.defaults.refresh_margin_seconds
    # The refresh example's token, and one that lives only as long as the margin (the cap).
    answer = refresh.example.response
    life = answer.get("expires_in") if isinstance(answer, dict) else None
    lives = [t for t in (life, margin) if isinstance(t, int) and t > 0]
    due = ", ".join(f"at {t - _margin(spec, t)} s of a {t} s token" for t in lives)
    violation = next(e for e in spec.events if e.name == "access_violation").wire_name
    return Diagram(
        name="token-lifecycle",
        title="The token lifecycle",
        summary=(
            f"Before a call, the SDK refreshes the access token when less than the refresh margin "
            f"is left: min({margin} s, half the token's life). A 401 "
            "token error causes one refresh and one retry of the call. A refresh token just used "
            "still works for a grace period. Only invalid_grant for the stored refresh token ends "
            f"the session, firing {violation} once; network errors and 5xx keep the tokens."
        ),
        participants=("Your code", "SDK", "Platform"),
        steps=(
            Phase("1. Before each call: is the access token due?"),
            Message("Your code", "SDK", "platform.get(path)"),
            Note(
                ("SDK",),
                f"Due when less than min({margin} s, life ÷ 2) is left: {due}",
            ),
            Message("SDK", "Platform", f"{token} (refresh_token)"),
            Message("Platform", "SDK", "200: a new access and refresh token", reply=True),
            Message("SDK", "Platform", f"{spec.operation('readExtension').method} path"),
            Message("Platform", "SDK", "200", reply=True),
            Message("SDK", "Your code", "the response", reply=True),
            Phase("2. A 401 token error: one refresh, one retry"),
            Message("SDK", "Platform", "GET path"),
            Message("Platform", "SDK", "401: token expired or revoked", reply=True),
            Message("SDK", "Platform", "refresh (once)"),
            Message("Platform", "SDK", "200: new tokens", reply=True),
            Message("SDK", "Platform", "GET path again: the one retry"),
            Message("Platform", "SDK", "200 (a second 401 is raised)", reply=True),
            Phase("3. The grace period"),
            Note(
                ("SDK", "Platform"),
                "A refresh token just used still works for a short while: a refresh whose answer "
                "was lost is sent again with it and gets the same new pair",
                kind="ok",
            ),
            Phase("4. The only verdict that ends a session"),
            Message("SDK", "Platform", "refresh"),
            Message("Platform", "SDK", "400 invalid_grant for the stored token", reply=True),
            Note(
                ("SDK",),
                f"Session ended for every process on the store; {violation} fires once",
                kind="stop",
            ),
            Message("SDK", "Your code", "raises: send the user to log in", reply=True),
            Note(
                ("Your code", "Platform"),
                "A network error, a timeout, a 5xx or a 429 during a refresh keeps the tokens: "
                "the next call tries again",
            ),
        ),
    )


def refresh_race(spec: Spec) -> Diagram:
    refresh = spec.operation("refresh")
    return Diagram(
        name="refresh-race",
        title="One refresh between two workers",
        summary=(
            "Two workers find the token due at once. Worker A takes the store's lock, reads the "
            "store again, refreshes and saves the new tokens, then unlocks. Worker B waits for "
            "the lock, reads the store again, finds it already refreshed and skips its refresh: "
            "a single-use refresh token is sent once."
        ),
        participants=("Worker A", "Token store", "Worker B", "Platform"),
        steps=(
            Note(("Worker A", "Worker B"), "Both find the access token due at the same moment"),
            Message("Worker A", "Token store", "lock"),
            Message("Token store", "Worker A", "locked", reply=True),
            Message("Worker B", "Token store", "lock"),
            Note(("Worker B",), "waits for the lock"),
            Message("Worker A", "Token store", "read again"),
            Message("Token store", "Worker A", "the same tokens: still due", reply=True),
            Message("Worker A", "Platform", f"{refresh.method} {refresh.path} (refresh)"),
            Message("Platform", "Worker A", "200: new tokens", reply=True),
            Message("Worker A", "Token store", "save, unlock"),
            Message("Token store", "Worker B", "locked", reply=True),
            Message("Worker B", "Token store", "read again"),
            Message("Token store", "Worker B", "new tokens", reply=True),
            Note(("Worker B",), "already refreshed: skip", kind="ok"),
            Message("Worker B", "Token store", "unlock"),
            Note(
                ("Worker A", "Platform"),
                "One refresh per rotation, however many threads, processes or hosts find the "
                "token due",
            ),
        ),
    )


def pkce_flow(spec: Spec) -> Diagram:
    authorize = spec.operation("authorizeUrl")
    code = spec.operation("loginAuthCode")
    return Diagram(
        name="pkce-flow",
        title="The authorization code flow with PKCE",
        summary=(
            "The app makes a random code verifier, its S256 challenge and a random state, and "
            "sends the browser to the authorize URL with the challenge. The user logs in; the "
            "platform redirects back with a code and the state. The app checks the state and "
            "trades the code and the verifier for tokens; the platform checks the verifier "
            "against the challenge."
        ),
        participants=("Browser", "Your app (SDK)", "Platform"),
        steps=(
            Note(
                ("Your app (SDK)",),
                "a random verifier and state; the challenge: SHA-256 of the verifier, base64url",
            ),
            Message("Your app (SDK)", "Browser", "redirect to the authorize URL", reply=True),
            Message(
                "Browser",
                "Platform",
                f"{authorize.method} {authorize.path}: client_id, redirect_uri, "
                "code_challenge (S256), state",
            ),
            Note(("Platform",), "the user logs in and consents"),
            Message("Platform", "Browser", "302 to redirect_uri?code&state", reply=True),
            Message("Browser", "Your app (SDK)", "GET redirect_uri?code&state"),
            Note(("Your app (SDK)",), "the state is the one it made? else stop"),
            Message(
                "Your app (SDK)",
                "Platform",
                f"{code.method} {code.path}: code, code_verifier, redirect_uri",
            ),
            Note(("Platform",), "SHA-256 of the verifier matches the challenge?"),
            Message("Platform", "Your app (SDK)", "200: tokens", reply=True),
        ),
    )


def redis_lease(spec: Spec) -> Diagram:
    lease_ms = LEASE_SECONDS * 1000
    return Diagram(
        name="redis-lease",
        title="The refresh lock as a Redis lease",
        summary=(
            f"Worker A takes the lock with SET NX and a {LEASE_SECONDS} s expiry holding a "
            "random token, renews it while it refreshes, saves the tokens and deletes the lock "
            "only if it still holds its token. Worker B waits, then takes the lock and finds the "
            "tokens already rotated. If A dies holding the lock, the lease expires and B "
            "refreshes with what the store holds, which the grace period accepts."
        ),
        participants=("Worker A", "Redis", "Worker B"),
        steps=(
            Message("Worker A", "Redis", f"SET lock <A's random token> NX PX {lease_ms}"),
            Message("Redis", "Worker A", "OK: A holds the lease", reply=True),
            Message("Worker B", "Redis", "SET lock <B's token> NX"),
            Message("Redis", "Worker B", "nil: wait and try again", reply=True),
            Note(("Worker A",), "reads the store again; refreshes"),
            Message("Worker A", "Redis", "renew (PEXPIRE) if the lock holds A's token"),
            Message("Worker A", "Redis", "SET the auth data, TTL = the refresh token's life"),
            Message("Worker A", "Redis", "DEL the lock if it holds A's token"),
            Message("Worker B", "Redis", "SET lock <B's token> NX"),
            Message("Redis", "Worker B", "OK", reply=True),
            Message("Worker B", "Redis", "GET the auth data"),
            Message("Redis", "Worker B", "already rotated", reply=True),
            Note(("Worker B",), "skips the refresh; deletes its lock", kind="ok"),
            Phase("If A dies holding the lock"),
            Note(
                ("Worker A", "Worker B"),
                f"The lease ends within {LEASE_SECONDS} s; B takes the lock and refreshes with "
                "what the store holds, which the grace period for a just-used refresh token "
                "accepts. No worker is logged out",
            ),
        ),
    )


DIAGRAMS: tuple[Callable[[Spec], Diagram], ...] = (
    token_lifecycle,
    refresh_race,
    pkce_flow,
    redis_lease,
)


def diagrams(spec: Spec) -> dict[str, Diagram]:
    """The docs' diagrams by name (their file names without ``.svg``)."""
    return {d.name: d for d in (make(spec) for make in DIAGRAMS)}
