# Copied verbatim from templates/rcsdk/_session.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_session.py and run `make generate`.
"""The token lifecycle: logins, single-flight refresh, the store, and authorized calls.

Built for RingCentral's single-use refresh tokens:

* the access token is refreshed ``refresh_margin`` seconds before it expires, and once more
  (with one retry of the call) when a call gets a 401 token error;
* any number of threads that find the token due cause one refresh; the others wait and use
  its result. With a ``FileTokenStore``, the same holds across processes;
* a refresh that fails on the network keeps the tokens; one the platform rejects ends the
  session and fires ``Event.ACCESS_VIOLATION`` once.

The spec's operations (which form a login or a refresh sends) live in the generated
``Platform``; this module only runs them.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Mapping
from typing import Any

import requests

from rcsdk._auth import AuthState
from rcsdk._constants import TOKEN_PATH
from rcsdk._emitter import Emitter
from rcsdk._events import Event
from rcsdk._exceptions import (
    APIStatusError,
    AuthenticationError,
    LoginRequiredError,
    RCSDKError,
)
from rcsdk._models import TokenInfo
from rcsdk._store import TokenStore
from rcsdk._transport import Transport, is_token_failure

__all__ = ["TokenSession"]

FormBuilder = Callable[[AuthState], dict[str, str]]


class TokenSession:
    """The tokens of one platform: where they are kept, when they are refreshed, who hears.

    ``refresh_form`` builds the refresh request's form from the current tokens (the generated
    ``Platform`` knows its fields).
    """

    def __init__(
        self,
        transport: Transport,
        store: TokenStore,
        *,
        refresh_margin: float,
        auto_refresh: bool,
        emitter: Emitter,
        refresh_form: FormBuilder,
    ) -> None:
        self.transport = transport
        self.store = store
        self.refresh_margin = refresh_margin
        self.auto_refresh = auto_refresh
        self.emitter = emitter
        self._refresh_form = refresh_form
        self._lock = threading.Lock()
        self._state: AuthState | None = None
        _SESSIONS.add(self)

    def _after_fork(self) -> None:
        """In a forked child: a fresh refresh lock (the thread holding it is not here)."""
        self._lock = threading.Lock()

    # --- logins and logout --------------------------------------------------------------------

    def login(self, form: dict[str, str], success: Event, failure: Event) -> TokenInfo:
        """Send a token request with ``form``; keep and return the tokens."""
        transport = self.transport
        try:
            response = transport.send(
                "POST", TOKEN_PATH, data=transport.client_form(form), client=True
            )
            token = transport.token_from(response)
        except RCSDKError as exc:
            self.emitter.emit(failure, exc)
            raise
        state = AuthState.issued(token, transport.clock())
        with self._lock, self.store.lock():
            self._keep(state)
        self.emitter.emit(success, token)
        return token

    def revoke(self, path: str, form: FormBuilder, success: Event, failure: Event) -> None:
        """Revoke the tokens at ``path`` (when there are any) and forget them in any case."""
        state = self.current()
        error: RCSDKError | None = None
        if state is not None:
            transport = self.transport
            try:
                transport.send("POST", path, data=transport.client_form(form(state)), client=True)
            except RCSDKError as exc:
                error = exc
        with self._lock, self.store.lock():
            self._keep(None)
        if error is not None:
            self.emitter.emit(failure, error)
            raise error
        self.emitter.emit(success, None)

    # --- refresh ------------------------------------------------------------------------------

    def refresh(self, seen: AuthState | None) -> AuthState:
        """Refresh unless another thread or process already replaced ``seen``; return the tokens.

        ``seen`` is the state the caller found due or rejected; ``None`` forces a refresh.
        """
        events: list[tuple[Event, object]] = []
        transport = self.transport
        try:
            with self._lock, self.store.lock():
                current = self._reload()
                now = transport.clock()
                if current is None:
                    raise LoginRequiredError("no tokens: log in first")
                if (
                    seen is not None
                    and current.token.access_token != seen.token.access_token
                    and not current.access_due(now, self.refresh_margin)
                ):
                    return current
                if not current.can_refresh(now):
                    error = LoginRequiredError(
                        "the session has expired (no usable refresh token): log in again"
                    )
                    self._keep(None)
                    events += [(Event.REFRESH_ERROR, error), (Event.ACCESS_VIOLATION, error)]
                    raise error
                try:
                    response = transport.send(
                        "POST",
                        TOKEN_PATH,
                        data=transport.client_form(self._refresh_form(current)),
                        client=True,
                    )
                    token = transport.token_from(response)
                except APIStatusError as exc:
                    events.append((Event.REFRESH_ERROR, exc))
                    if exc.status_code in (400, 401) or isinstance(exc, AuthenticationError):
                        # The platform rejected the refresh token: the session is over.
                        self._keep(None)
                        events.append((Event.ACCESS_VIOLATION, exc))
                    raise
                except RCSDKError as exc:
                    # Network trouble: the refresh token may still be good, so keep it.
                    events.append((Event.REFRESH_ERROR, exc))
                    raise
                fresh = AuthState.issued(token, transport.clock())
                self._keep(fresh)
                events.append((Event.REFRESH_SUCCESS, token))
                return fresh
        finally:
            for event, payload in events:
                self.emitter.emit(event, payload)

    # --- auth data ----------------------------------------------------------------------------

    def get_auth_data(self) -> dict[str, Any]:
        state = self.current()
        return state.to_json() if state is not None else {}

    def set_auth_data(self, data: Mapping[str, Any] | None) -> None:
        state = AuthState.from_json(data)
        with self._lock, self.store.lock():
            self._keep(state)

    def is_authorized(self) -> bool:
        state = self.current()
        return state is not None and state.usable(self.transport.clock())

    def current(self) -> AuthState | None:
        """The tokens in use; with none, the store is asked (another process may have logged in)."""
        if self._state is None:
            return self._reload()
        return self._state

    def _reload(self) -> AuthState | None:
        """Read the store: another platform or process may have written newer tokens."""
        state = AuthState.from_json(self.store.load())
        self._state = state
        if state is not None:
            self.transport.redactor.add_tokens(state.token.access_token, state.token.refresh_token)
        return state

    def _keep(self, state: AuthState | None) -> None:
        """Save tokens to the store, then use them (callers hold the refresh lock)."""
        self.store.save(state.to_json() if state is not None else None)
        self._state = state
        if state is not None:
            self.transport.redactor.add_tokens(state.token.access_token, state.token.refresh_token)

    # --- authorized calls ---------------------------------------------------------------------

    def access(self) -> AuthState:
        """Tokens fit for a call: refreshed first when they are due."""
        state = self.current()
        if state is None:
            raise LoginRequiredError("no tokens: log in first")
        if self.auto_refresh and state.access_due(self.transport.clock(), self.refresh_margin):
            state = self.refresh(seen=state)
        return state

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the API with the access token; a 401 token error gets one refresh and retry."""
        state = self.access()
        send = self.transport.send
        try:
            return send(method, path, bearer=state.token.access_token, **kwargs)
        except AuthenticationError as exc:
            if not is_token_failure(exc):
                raise
            if not self.auto_refresh:
                # A central refresher may have rotated the tokens: use them if so.
                with self._lock, self.store.lock():
                    fresh = self._reload()
                if fresh is None or fresh.token.access_token == state.token.access_token:
                    raise
            else:
                fresh = self.refresh(seen=state)
            return send(method, path, bearer=fresh.token.access_token, **kwargs)


# Token sessions of this process: a forked child gets a fresh lock in each.
_SESSIONS: weakref.WeakSet[TokenSession] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for session in list(_SESSIONS):
        session._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
