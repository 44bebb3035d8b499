# Copied verbatim from templates/rcsdk/testing/_oauth.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/testing/_oauth.py and run `make generate`.
"""The OAuth endpoints of the local platform: token, revoke and authorize, and bearer checks.

It speaks the wire contract closely enough to test a client for real: Basic client auth or
``client_id`` for public apps, form encoding (415 otherwise), the required fields of every
grant, PKCE, single-use refresh tokens (a rotation kills the old access token at once), expiry
against an injectable clock, revoke ending the whole session, RingCentral's Auth rate limit,
and errors in RingCentral's shape (``error``, ``error_description``, ``errors[]``).
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

from rcsdk.testing._records import (
    ApiError,
    App,
    Code,
    Session,
    Token,
    User,
    new_token,
    pkce_matches,
    same,
    ttl,
)
from rcsdk.testing._tables import GRANTS, LOCAL_CREDENTIALS

AUTH_CODE_TTL = 60


class OAuth:
    """The platform's accounts, sessions and tokens, and its OAuth endpoints."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        access_ttl: int = 3600,
        refresh_ttl: int = 604800,
        auth_rate_limit: tuple[int, float] | None = (5, 60.0),
    ) -> None:
        creds = LOCAL_CREDENTIALS
        self.clock = clock
        self.access_ttl = access_ttl
        self.refresh_ttl = refresh_ttl
        self.auth_rate_limit = auth_rate_limit
        self.apps: dict[str, App] = {}
        self.users: list[User] = []
        self.add_app(App(creds["RC_APP_KEY"], creds["RC_APP_SECRET"], (creds["RC_REDIRECT_URI"],)))
        self.add_app(App("local-public-app", None, (creds["RC_REDIRECT_URI"],)))
        self.add_user(
            User(
                creds["RC_USERNAME"],
                creds["RC_PASSWORD"],
                creds["RC_EXTENSION"],
                jwt=creds["RC_JWT"],
            )
        )
        self.counts: collections.Counter[str] = collections.Counter()
        self._lock = threading.RLock()
        self._sessions: dict[str, Session] = {}
        self._access: dict[str, Token] = {}
        self._refresh: dict[str, Token] = {}
        self._codes: dict[str, Code] = {}
        self._auth_hits: dict[str, list[float]] = {}

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
                token.expires_at = self.clock() - 1

    def grant_count(self, grant_type: str) -> int:
        return self.counts[f"grant:{grant_type}"]

    # --- request parts ------------------------------------------------------------------------

    def _form(self, headers: Any, body: bytes) -> dict[str, str]:
        content_type = (headers.get("Content-Type") or "").split(";")[0].strip()
        if content_type != "application/x-www-form-urlencoded":
            raise ApiError(
                415, "invalid_request", f"Unsupported Media Type: {content_type or 'none'}"
            )
        pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        form: dict[str, str] = {}
        for key, value in pairs:
            if key in form:
                raise ApiError.coded("OAU-111", "invalid_request")
            form[key] = value
        return form

    def _client(self, headers: Any, form: dict[str, str]) -> App:
        auth = headers.get("Authorization")
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

    def _rate_limit(self, app: App, user: User | None) -> None:
        """Count a token request against the Auth group of its user (or of the app)."""
        if self.auth_rate_limit is None:
            return
        limit, window = self.auth_rate_limit
        key = f"{app.key}:{user.username if user else ''}"
        now = self.clock()
        with self._lock:
            hits = [t for t in self._auth_hits.get(key, []) if t > now - window]
            headers = {
                "X-Rate-Limit-Group": "auth",
                "X-Rate-Limit-Limit": str(limit),
                "X-Rate-Limit-Window": str(int(window)),
            }
            if len(hits) >= limit:
                self._auth_hits[key] = hits
                headers["Retry-After"] = str(int(window))
                headers["X-Rate-Limit-Remaining"] = "0"
                raise ApiError(429, None, "Request rate exceeded", "CMN-301", headers)
            hits.append(now)
            self._auth_hits[key] = hits

    # --- POST /restapi/oauth/token ------------------------------------------------------------

    def token(self, headers: Any, body: bytes) -> dict[str, Any]:
        form = self._form(headers, body)
        app = self._client(headers, form)
        grant = form.get("grant_type", "")
        with self._lock:
            self.counts[f"grant:{grant}"] += 1
        if grant not in GRANTS:
            raise ApiError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
        for name in GRANTS[grant]:
            if not form.get(name):
                raise ApiError(400, "invalid_request", f"Required parameter [{name}] is missing")
        if grant not in app.grants:
            raise ApiError.coded("OAU-112", "unauthorized_client")
        with self._lock:
            if grant == "refresh_token":
                record = self._refresh.get(form["refresh_token"])
                self._rate_limit(app, record.session.user if record else None)
                return self._rotate(app, form["refresh_token"], form)
            try:
                user = self._authenticate(app, grant, form)
            except ApiError:
                self._rate_limit(app, None)
                raise
            self._rate_limit(app, user)
            session = Session(secrets.token_hex(8), user, app)
            self._sessions[session.id] = session
            return self._issue(session, form)

    def _authenticate(self, app: App, grant: str, form: dict[str, str]) -> User:
        if grant == "password":
            username = form["username"]
            extension = form.get("extension", "")
            if "*" in username:
                username, _, extension = username.partition("*")
            for user in self.users:
                if (
                    user.username == username
                    and (not extension or extension == user.extension)
                    and same(user.password, form["password"])
                ):
                    return user
            raise ApiError.coded("OAU-140", "invalid_grant")
        if grant == "authorization_code":
            code = self._codes.pop(form["code"], None)
            if code is None or code.app.key != app.key:
                raise ApiError.coded("OAU-106", "invalid_grant")
            if self.clock() >= code.expires_at:
                raise ApiError.coded("OAU-108", "invalid_grant")
            if (
                code.redirect_uri
                and form.get("redirect_uri", code.redirect_uri) != code.redirect_uri
            ):
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
        now = self.clock()
        access_ttl = ttl(form.get("access_token_ttl"), self.access_ttl, 600)
        refresh_ttl = ttl(form.get("refresh_token_ttl"), self.refresh_ttl, 1)
        access, refresh = new_token("LA"), new_token("LR")
        self._access[access] = Token(session, now + access_ttl)
        self._refresh[refresh] = Token(session, now + refresh_ttl)
        user = session.user
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": access_ttl,
            "refresh_token": refresh,
            "refresh_token_expires_in": refresh_ttl,
            "scope": form.get("scope") or "ReadAccounts EditExtensions",
            "owner_id": str(user.extension_id),
            "endpoint_id": form.get("endpoint_id") or secrets.token_urlsafe(16),
            "session_id": session.id,
        }

    def _rotate(self, app: App, refresh_token: str, form: dict[str, str]) -> dict[str, Any]:
        record = self._refresh.pop(refresh_token, None)
        if record is None or not record.session.active:
            raise ApiError.coded("OAU-211", "invalid_grant")
        if record.session.app.key != app.key:
            raise ApiError.coded("OAU-211", "invalid_grant")
        if self.clock() >= record.expires_at:
            raise ApiError.coded("OAU-210", "invalid_grant")
        # Single use: the old refresh token is gone, and so are the session's access tokens.
        for token in [t for t, r in self._access.items() if r.session is record.session]:
            del self._access[token]
        return self._issue(record.session, form)

    # --- POST /restapi/oauth/revoke -----------------------------------------------------------

    def revoke(self, headers: Any, body: bytes, query: str) -> None:
        form = self._form(headers, body) if body else {}
        self._client(headers, form)
        token = form.get("token") or urllib.parse.parse_qs(query).get("token", [""])[0]
        with self._lock:
            record = self._access.get(token) or self._refresh.get(token)
            if record is not None:
                record.session.active = False

    # --- GET /restapi/oauth/authorize ---------------------------------------------------------

    def authorize(self, query: str) -> str:
        """The ``Location`` the browser is sent to."""
        args = {key: values[0] for key, values in urllib.parse.parse_qs(query).items()}
        if args.get("response_type") != "code":
            raise ApiError(400, "unsupported_response_type", "response_type must be code")
        app = self.apps.get(args.get("client_id", ""))
        if app is None:
            raise ApiError.coded("OAU-146", "invalid_client")
        redirect_uri = args.get("redirect_uri") or (app.redirect_uris or ("",))[0]
        if not app.redirect_uris:
            raise ApiError.coded("OAU-113", "invalid_request")
        if redirect_uri not in app.redirect_uris:
            raise ApiError.coded("OAU-109", "invalid_request")
        code = secrets.token_urlsafe(24)
        with self._lock:
            # The local platform logs the first user in at once: there is no login page.
            self._codes[code] = Code(
                self.users[0],
                app,
                args.get("redirect_uri"),
                args.get("code_challenge"),
                args.get("code_challenge_method", "plain"),
                self.clock() + AUTH_CODE_TTL,
            )
        reply = {"code": code, "expires_in": str(AUTH_CODE_TTL)}
        if "state" in args:
            reply["state"] = args["state"]
        return f"{redirect_uri}?{urllib.parse.urlencode(reply)}"

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
                raise ApiError(401, None, "Token not found", "OAU-213", {})
            if self.clock() >= record.expires_at:
                raise ApiError.coded("OAU-128")
            return record.session
