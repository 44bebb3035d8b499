"""The OAuth endpoints of the local platform: token, revoke and authorize, and bearer checks.

It speaks the wire contract closely enough to test a client for real: Basic client auth or
``client_id`` for public apps, form encoding (415 otherwise), the required fields of every
grant, PKCE, refresh-token rotation (the old access token dies at once; the old refresh token
keeps RingCentral's grace period, or none in strict mode), expiry against a clock that tests
can move, revoke ending the whole session, RingCentral's Auth rate limit, and errors in
RingCentral's shape (``error``, ``error_description``, ``errors[]``).
"""

from __future__ import annotations

import base64
import collections
import secrets
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any

from rcsdk.testing._limits import RateLimits
from rcsdk.testing._records import (
    ApiError,
    App,
    Code,
    Rotation,
    Session,
    Token,
    User,
    new_token,
    pkce_matches,
    same,
    ttl,
)
from rcsdk.testing._tables import CLIENT_ASSERTION_TYPE, GRANTS, LOCAL_CREDENTIALS

AUTH_CODE_TTL = 60
GRACE_AFTER_USE = 10.0
"""Seconds the previous refresh token still works once the new access token has been used."""
GRACE_UNUSED = 3600.0
"""Seconds it still works while the new access token is unused."""
CHALLENGE_METHODS = ("plain", "S256")
DISPLAYS = ("page", "popup", "touch", "mobile")
PUBLIC_APP_KEY = "local-public-app"


class OAuth:
    """The platform's accounts, sessions and tokens, and its OAuth endpoints."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        access_ttl: int = 3600,
        refresh_ttl: int = 604800,
        auth_rate_limit: tuple[int, float] | None = (5, 60.0),
        api_rate_limits: bool = False,
        strict_refresh: bool = False,
    ) -> None:
        creds = LOCAL_CREDENTIALS
        self.clock = clock
        self.skew = 0.0
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.strict_refresh = strict_refresh
        self.limits = RateLimits(auth_rate_limit, api_rate_limits)
        self.apps: dict[str, App] = {}
        self.users: list[User] = []
        redirect = (creds["RC_REDIRECT_URI"],)
        self.add_app(App(creds["RC_APP_KEY"], creds["RC_APP_SECRET"], redirect))
        self.add_app(App(PUBLIC_APP_KEY, None, redirect))
        self.add_user(
            User(creds["RC_USERNAME"], creds["RC_PASSWORD"], creds["RC_EXTENSION"], creds["RC_JWT"])
        )
        if creds.get("RC_PARTNER_JWT"):
            # A partner's user (the partner JWT grant): another person, with limits of its own.
            self.add_user(User("partner", "", jwt=creds["RC_PARTNER_JWT"], extension_id=1234567891))
        self.counts: collections.Counter[str] = collections.Counter()
        self.denials = 0
        self._lock = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._access: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}
        self._rotated: dict[str, Rotation] = {}
        self._codes: dict[str, Code] = {}

    @property
    def auth_rate_limit(self) -> tuple[int, float] | None:
        return self.limits.auth

    def now(self) -> float:
        """The platform's time: its clock, moved by ``move_clock``."""
        return self.clock() + self.skew

    # --- set-up and control -------------------------------------------------------------------

    def add_app(self, app: App) -> None:
        self.apps[app.key] = app

    def add_user(self, user: User) -> None:
        self.users.append(user)

    def revoke_all(self) -> None:
        """End every session, as an admin or a password change would."""
        with self._lock:
            for session in self._sessions.values():
                session.active = False

    def expire_access_tokens(self) -> None:
        """Make every access token expired now (refresh tokens stay valid)."""
        with self._lock:
            for token in self._access.values():
                token.expires_at = self.now() - 1

    def move_clock(self, seconds: float) -> None:
        """Move the platform's time forward (expiry, codes, grace periods, rate windows)."""
        with self._lock:
            self.skew += seconds

    def deny_consent(self, count: int = 1) -> None:
        """The next ``count`` authorizations are denied by the user (``access_denied``)."""
        with self._lock:
            self.denials += count

    def grant_count(self, grant_type: str) -> int:
        return self.counts[f"grant:{grant_type}"]

    # --- request parts ------------------------------------------------------------------------

    def _form(self, headers: Any, body: bytes) -> dict[str, str]:
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            shown = content_type.encode("ascii", "replace").decode()[:100] or "none"
            raise ApiError.invalid(f"Unsupported Media Type: {shown}", "Content-Type", 415)
        pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        return _unique(pairs)

    def _client(self, headers: Any, form: dict[str, str]) -> App:
        auth = headers.get("Authorization")
        kind = form.get("client_assertion_type")
        if kind is not None and kind != CLIENT_ASSERTION_TYPE:
            raise ApiError.invalid("Unsupported client_assertion_type", "client_assertion_type")
        if form.get("client_assertion"):
            # No app here holds a key to check a signed assertion with.
            raise ApiError.coded("OAU-146", "invalid_client")
        if auth:
            scheme, _, value = auth.partition(" ")
            if scheme.lower() != "basic":
                raise ApiError.coded("OAU-123", "invalid_client")
            try:
                key, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                raise ApiError.coded("OAU-123", "invalid_client") from None
            app = self.apps.get(key)
            if app is None or app.secret is None or not same(app.secret, secret):
                raise ApiError.coded("OAU-146", "invalid_client")
            return app
        app = self.apps.get(form.get("client_id", ""))
        if app is None or app.secret is not None:
            raise ApiError.coded("OAU-123", "invalid_client", "Client authentication is required")
        return app

    def _count_auth(self, app: App, user: User | None) -> dict[str, str]:
        """Count a token request against the Auth group of its user (or of the app)."""
        return self.limits.hit("Auth", f"{app.key}:{user.username if user else ''}", self.now())

    # --- POST /restapi/oauth/token ------------------------------------------------------------

    def token(self, headers: Any, body: bytes) -> tuple[dict[str, Any], dict[str, str]]:
        """The token response and the rate-limit headers that go with it."""
        form = self._form(headers, body)
        app = self._client(headers, form)
        grant = form.get("grant_type", "")
        with self._lock:
            self.counts[f"grant:{grant}"] += 1
        if not grant:
            raise ApiError.invalid("Required parameter [grant_type] is missing", "grant_type")
        if grant not in GRANTS:
            raise ApiError.invalid(
                "Unsupported grant type", "grant_type", error="unsupported_grant_type"
            )
        for name in GRANTS[grant]:
            if not form.get(name):
                raise ApiError.invalid(f"Required parameter [{name}] is missing", name)
        if grant not in app.grants:
            raise ApiError.coded("OAU-112", "unauthorized_client")
        refused = [scope for scope in form.get("scope", "").split() if scope not in app.scopes]
        if refused:
            raise ApiError.invalid(
                f"The application is not registered for scope [{refused[0][:50]}]",
                "scope",
                error="invalid_scope",
            )
        with self._lock:
            if grant == "refresh_token":
                record = self._refresh.get(form["refresh_token"])
                rotation = self._rotated.get(form["refresh_token"])
                owner = record or (rotation and self._refresh.get(rotation.refresh))
                limits = self._count_auth(app, owner.session.user if owner else None)
                return self._rotate(app, form["refresh_token"], form), limits
            try:
                user = self._authenticate(app, grant, form)
            except ApiError as exc:
                exc.headers.update(self._count_auth(app, None))
                raise
            limits = self._count_auth(app, user)
            session = Session(secrets.token_hex(8), user, app)
            self._sessions[session.id] = session
            return self._issue(session, form), limits

    def _authenticate(self, app: App, grant: str, form: dict[str, str]) -> User:
        if grant == "password":
            username = form["username"]
            extension = form.get("extension", "")
            if "*" in username:
                username, _, extension = username.partition("*")
            for user in self.users:
                if (
                    same(user.username, username)
                    and (not extension or same(user.extension, extension))
                    and same(user.password, form["password"])
                ):
                    return user
            raise ApiError.coded("OAU-140", "invalid_grant")
        if grant == "authorization_code":
            code = self._codes.pop(form["code"], None)
            if code is None or code.app.key != app.key:
                raise ApiError.coded("OAU-106", "invalid_grant")
            if self.now() >= code.expires_at:
                raise ApiError.coded("OAU-108", "invalid_grant")
            sent = form.get("redirect_uri", code.redirect_uri or "")
            if code.redirect_uri and not same(code.redirect_uri, sent):
                raise ApiError.coded("OAU-109", "invalid_grant")
            if code.challenge is not None and not pkce_matches(
                code.challenge, code.method, form.get("code_verifier", "")
            ):
                raise ApiError.coded("OAU-106", "invalid_grant", "Invalid code verifier")
            return code.user
        for user in self.users:
            if user.jwt and same(user.jwt, form["assertion"]):
                return user
        raise ApiError.coded("OAU-140", "invalid_grant", "Invalid JWT assertion")

    def _issue(self, session: Session, form: dict[str, str]) -> dict[str, Any]:
        now = self.now()
        access_ttl = ttl(form.get("access_token_ttl"), self.access_ttl, 600)
        refresh_ttl = ttl(form.get("refresh_token_ttl"), self.refresh_ttl, 1)
        access, refresh = new_token("LA"), new_token("LR")
        self._access[access] = Token(session, now + access_ttl)
        self._refresh[refresh] = Token(session, now + refresh_ttl)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": access_ttl,
            "refresh_token": refresh,
            "refresh_token_expires_in": refresh_ttl,
            "scope": " ".join(form.get("scope", "").split() or session.app.scopes),
            "owner_id": str(session.user.extension_id),
            "endpoint_id": form.get("endpoint_id") or secrets.token_urlsafe(16),
            "session_id": session.id,
        }

    def _rotate(self, app: App, refresh_token: str, form: dict[str, str]) -> dict[str, Any]:
        record = self._refresh.pop(refresh_token, None)
        if record is None:
            return self._reuse(app, refresh_token)
        if not record.session.active or record.session.app.key != app.key:
            raise ApiError.coded("OAU-211", "invalid_grant")
        if self.now() >= record.expires_at:
            raise ApiError.coded("OAU-210", "invalid_grant")
        # The old access tokens of the session die at once.
        for token in [t for t, r in self._access.items() if r.session is record.session]:
            del self._access[token]
        issued = self._issue(record.session, form)
        self._rotated[refresh_token] = Rotation(
            record.session, issued["access_token"], issued["refresh_token"], issued, self.now()
        )
        return issued

    def _reuse(self, app: App, refresh_token: str) -> dict[str, Any]:
        """The previous refresh token, again: within the grace period, the same new pair."""
        rotation = self._rotated.get(refresh_token)
        if self.strict_refresh or rotation is None or rotation.session.app.key != app.key:
            raise ApiError.coded("OAU-211", "invalid_grant")
        access = self._access.get(rotation.access)
        now = self.now()
        if access is None or rotation.refresh not in self._refresh:
            deadline = 0.0  # the new pair was itself rotated or revoked
        elif access.first_used is not None:
            deadline = access.first_used + GRACE_AFTER_USE
        else:
            deadline = rotation.at + GRACE_UNUSED
        if not rotation.session.active or now >= deadline or access is None:
            self._rotated.pop(refresh_token, None)
            raise ApiError.coded("OAU-211", "invalid_grant")
        refresh = self._refresh[rotation.refresh]
        return {
            **rotation.issued,
            "expires_in": max(int(access.expires_at - now), 0),
            "refresh_token_expires_in": max(int(refresh.expires_at - now), 0),
        }

    # --- POST /restapi/oauth/revoke -----------------------------------------------------------

    def revoke(self, headers: Any, body: bytes, query: str) -> None:
        form = self._form(headers, body) if body else {}
        self._client(headers, form)
        in_query = _unique(urllib.parse.parse_qsl(query, keep_blank_values=True))
        token = form.get("token") or in_query.get("token")
        if not token:
            raise ApiError.invalid("Required parameter [token] is missing", "token")
        with self._lock:
            record = self._access.get(token) or self._refresh.get(token)
            if record is not None:
                record.session.active = False

    # --- GET /restapi/oauth/authorize ---------------------------------------------------------

    def authorize(self, query: str) -> str:
        """The ``Location`` the browser is sent to: the redirect URI, with a code or an error.

        Until the redirect URI is known, errors are 400 (RFC 6749 section 4.1.2.1).
        """
        args = _unique(urllib.parse.parse_qsl(query, keep_blank_values=True))
        app = self.apps.get(args.get("client_id", ""))
        if app is None:
            raise ApiError.coded("OAU-146", "invalid_client", status=400)
        if not app.redirect_uris:
            raise ApiError.coded("OAU-113", "invalid_request", status=400)
        redirect_uri = args.get("redirect_uri") or app.redirect_uris[0]
        if redirect_uri not in app.redirect_uris:
            raise ApiError.coded("OAU-109", "invalid_request", status=400)
        if not args.get("redirect_uri") and len(app.redirect_uris) > 1:
            raise ApiError.coded("OAU-109", "invalid_request", "redirect_uri is required", 400)
        reply = self._grant_code(app, args)
        if "state" in args:
            reply["state"] = args["state"]
        joiner = "&" if "?" in redirect_uri else "?"
        return f"{redirect_uri}{joiner}{urllib.parse.urlencode(reply)}"

    def _grant_code(self, app: App, args: dict[str, str]) -> dict[str, str]:
        """``code`` and ``expires_in``, or ``error`` and ``error_description``."""
        # Empty parameters count as absent (RingCentral's own JavaScript SDK sends display=).
        method = args.get("code_challenge_method") or "plain"
        problem: tuple[str, str] | None = None
        if args.get("response_type") != "code":
            problem = ("unsupported_response_type", "response_type must be code")
        elif method not in CHALLENGE_METHODS:
            problem = ("invalid_request", "code_challenge_method must be plain or S256")
        elif (args.get("display") or "page") not in DISPLAYS:
            problem = ("invalid_request", "display must be page, popup, touch or mobile")
        with self._lock:
            if problem is None and self.denials > 0:
                self.denials -= 1
                problem = ("access_denied", "The user denied the authorization request")
            if problem is not None:
                return {"error": problem[0], "error_description": problem[1]}
            code = secrets.token_urlsafe(24)
            # The local platform logs the first user in at once: there is no login page.
            self._codes[code] = Code(
                self.users[0],
                app,
                args.get("redirect_uri"),
                args.get("code_challenge") or None,
                method,
                self.now() + AUTH_CODE_TTL,
            )
        return {"code": code, "expires_in": str(AUTH_CODE_TTL)}

    # --- Bearer tokens on API calls -----------------------------------------------------------

    def session_of(self, headers: Any) -> Session:
        auth = headers.get("Authorization") or ""
        scheme, _, token = auth.partition(" ")
        if not auth:
            raise ApiError.coded("CMN-405")
        if scheme.lower() != "bearer" or not token:
            raise ApiError.coded("OAU-151")
        with self._lock:
            record = self._access.get(token)
            if record is None or not record.session.active:
                raise ApiError.coded("OAU-213")
            now = self.now()
            if now >= record.expires_at:
                raise ApiError.coded("OAU-128")
            if record.first_used is None:
                record.first_used = now
            return record.session


def _unique(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Parameters as a dict; a parameter sent twice is OAU-111 (RFC 6749 section 3.1)."""
    out: dict[str, str] = {}
    for key, value in pairs:
        if key in out:
            raise ApiError.coded("OAU-111", "invalid_request")
        out[key] = value
    return out
