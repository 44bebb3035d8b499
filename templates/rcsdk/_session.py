"""The token lifecycle: logins, single-flight refresh, the store, and authorized calls.

Built for RingCentral's single-use refresh tokens:

* the access token is refreshed ``refresh_margin`` seconds before it expires, and once more
  (with one retry of the call) when a call gets a 401 token error;
* any number of threads that find the token due cause one refresh; the others wait and use
  its result. With a ``FileTokenStore``, the same holds across processes;
* the margin is capped at half the token's own lifetime: a token that was just issued is
  never due, however short-lived (one refresh per rotation, not one per call);
* a refresh that fails keeps the tokens, unless the platform answers ``invalid_grant`` for
  the refresh token the store still holds: only that verdict ends the session (for every
  process sharing the store) and fires ``Event.ACCESS_VIOLATION`` once;
* tokens that cannot be written to the store are never dropped: they stay in use in memory,
  ``Event.STORE_ERROR`` reports a ``TokenStoreError``, and they are written at the next call
  that finds the store writable again (unless the store has newer tokens by then).

The spec's operations (which form a login or a refresh sends) live in the generated
``Platform``; this module only runs them.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.parse
import weakref
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import requests

from rcsdk._answers import is_token_failure
from rcsdk._auth import AuthState
from rcsdk._constants import REFRESH_REJECTED_CODES, TOKEN_PATH
from rcsdk._emitter import Emitter
from rcsdk._events import Event
from rcsdk._exceptions import (
    APIStatusError,
    AuthDataError,
    AuthenticationError,
    LoginRequiredError,
    RCSDKError,
    RedirectError,
    ResponseFormatError,
    TokenStoreError,
)
from rcsdk._models import TokenInfo
from rcsdk._store import TokenStore
from rcsdk._transport import Transport

__all__ = ["TokenSession"]

FormBuilder = Callable[[AuthState], dict[str, str]]
logger = logging.getLogger("rcsdk")


class Unsaved(NamedTuple):
    """Tokens in use that the store has not taken yet."""

    state: AuthState | None
    replaces: str | object | None
    """The refresh token the store held when the write failed (``None``: it held nothing;
    ``ANY``: it could not be read, so the unsaved tokens replace whatever it holds)."""


ANY = object()


def rejects_refresh_token(error: APIStatusError) -> bool:
    """Whether the platform's answer to a refresh is a verdict on the refresh token itself:
    ``invalid_grant``, with no error code or a code that names that token (expired, revoked,
    used). ``invalid_client``, a rate limit, or a proxy's HTML 400 page are not."""
    return error.error == "invalid_grant" and (
        not error.error_codes or bool(REFRESH_REJECTED_CODES.intersection(error.error_codes))
    )


def _issued(transport: Transport, response: requests.Response) -> TokenInfo:
    """The tokens of a token response: only a 200 carries them (a redirect with a JSON body is
    no login)."""
    status = response.status_code
    if status == 200:
        return transport.token_from(response)
    if 300 <= status < 400:
        target = urllib.parse.urlsplit(response.headers.get("Location", "")).hostname
        raise RedirectError(
            f"{status} redirect (to {target or 'no location'}) from the token endpoint:"
            " not followed, and not a login",
            status_code=status,
        )
    raise ResponseFormatError(
        f"{status} from the token endpoint: only a 200 carries tokens", status_code=status
    )


def _older(stored: AuthState, ours: AuthState | None) -> bool:
    """Whether ``stored`` was issued before ``ours`` (another process's stale unsaved tokens,
    written when the store came back): then ours, the later rotation, are written over them."""
    if ours is None:
        return False
    theirs, mine = stored.issued_at(), ours.issued_at()
    if theirs is None:  # no known lifetime (a grace answer for an expired token): ours, if known
        return mine is not None
    return mine is not None and mine > theirs


def _refresh_token(state: AuthState | None) -> str | None:
    return state.token.refresh_token if state is not None else None


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
        self._unsaved: Unsaved | None = None
        self._stored: str | object | None = None
        """The refresh token last read from or written to the store (``ANY``: unknown)."""
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
            token = _issued(transport, response)
        except RCSDKError as exc:
            self.emitter.emit(failure, exc)
            raise
        events: list[tuple[Event, object]] = []
        state = AuthState.issued(token, transport.clock())
        # The platform issued these tokens: whatever the store does, they are kept (in memory
        # at least) before anything else can fail.
        self._state = state
        transport.redactor.add_tokens(token.access_token, token.refresh_token)
        try:
            with self._lock, self.store.lock():
                self._peek()
                self._keep(state, events)
        except TokenStoreError as exc:
            self._failed(state, exc, events)
        events.append((success, token))
        self._emit(events)
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
        events: list[tuple[Event, object]] = []
        self._state = None
        try:
            with self._lock, self.store.lock():
                self._peek()
                self._keep(None, events)
        except TokenStoreError as exc:
            self._failed(None, exc, events)
        if error is not None:
            events.append((failure, error))
        else:
            events.append((success, None))
        self._emit(events)
        if error is not None:
            raise error

    # --- refresh ------------------------------------------------------------------------------

    def refresh(self, seen: AuthState | None) -> AuthState:
        """Refresh unless another thread or process already replaced ``seen``; return the tokens.

        ``seen`` is the state the caller found due or rejected; ``None`` forces a refresh.
        """
        events: list[tuple[Event, object]] = []
        transport = self.transport
        try:
            with self._lock, self.store.lock():
                current = self._sync(adopt=True, events=events)
                now = transport.clock()
                if current is None:
                    raise LoginRequiredError("no tokens: log in first")
                if (
                    seen is not None
                    and current.token.access_token != seen.token.access_token
                    and not self.due(current, now)
                ):
                    return current
                if not current.can_refresh(now):
                    error = LoginRequiredError(
                        "the session has expired (no usable refresh token): log in again"
                    )
                    self._keep(None, events)
                    events += [(Event.REFRESH_ERROR, error), (Event.ACCESS_VIOLATION, error)]
                    raise error
                try:
                    response = transport.send(
                        "POST",
                        TOKEN_PATH,
                        data=transport.client_form(self._refresh_form(current)),
                        client=True,
                    )
                    token = _issued(transport, response)
                except APIStatusError as exc:
                    events.append((Event.REFRESH_ERROR, exc))
                    if rejects_refresh_token(exc):
                        self._rejected(current, exc, events)
                    raise
                except RCSDKError as exc:
                    # Network trouble or a bad answer: the refresh token may still be good.
                    events.append((Event.REFRESH_ERROR, exc))
                    raise
                fresh = AuthState.issued(token, transport.clock())
                # The old refresh token is spent: from here on only the new tokens are kept.
                self._state = fresh
                self._keep(fresh, events)
                events.append((Event.REFRESH_SUCCESS, token))
                return fresh
        finally:
            self._emit(events)

    def _rejected(
        self, current: AuthState, error: APIStatusError, events: list[tuple[Event, object]]
    ) -> None:
        """The platform refused ``current``'s refresh token: end the session, unless the store
        holds other tokens by now (then those are used)."""
        stored = AuthState.from_json(self.store.load())
        rejected = current.token.refresh_token
        if stored is not None and _refresh_token(stored) != rejected:
            self._stored = _refresh_token(stored)
            self._unsaved = None
            self._state = stored
            return
        self._state = None
        self._unsaved = None
        self._keep(None, events)
        events.append((Event.ACCESS_VIOLATION, error))

    def due(self, state: AuthState, now: float) -> bool:
        """Whether ``state`` needs a refresh before a call."""
        return state.access_due(now, self.refresh_margin)

    # --- auth data ----------------------------------------------------------------------------

    def get_auth_data(self) -> dict[str, Any]:
        state = self.current()
        return state.to_json() if state is not None else {}

    def set_auth_data(self, data: Mapping[str, Any] | None) -> None:
        state = AuthState.from_json(data)
        events: list[tuple[Event, object]] = []
        self._state = state
        if state is not None:
            self.transport.redactor.add_tokens(state.token.access_token, state.token.refresh_token)
        try:
            with self._lock, self.store.lock():
                self._peek()
                self._keep(state, events)
        except TokenStoreError as exc:
            self._failed(state, exc, events)
        self._emit(events)

    def is_authorized(self) -> bool:
        state = self.current()
        return state is not None and state.usable(self.transport.clock())

    def current(self) -> AuthState | None:
        """The tokens in use; with none, the store is asked (another process may have logged in)."""
        if self._state is None and self._unsaved is None:
            state = AuthState.from_json(self.store.load())
            self._adopt(state)
        return self._state

    def _adopt(self, state: AuthState | None) -> None:
        self._state = state
        self._stored = _refresh_token(state)
        if state is not None:
            self.transport.redactor.add_tokens(state.token.access_token, state.token.refresh_token)

    def _peek(self) -> None:
        """Under the lock, before replacing the tokens: note what the store holds."""
        try:
            self._stored = _refresh_token(AuthState.from_json(self.store.load()))
        except (AuthDataError, TokenStoreError):
            self._stored = ANY

    def _sync(self, *, adopt: bool, events: list[tuple[Event, object]]) -> AuthState | None:
        """Under the lock: read the store (another platform or process may have written newer
        tokens) and write unsaved tokens if the store still holds what they replace.

        Returns the tokens to use.
        """
        unsaved = self._unsaved
        try:
            stored = AuthState.from_json(self.store.load())
        except AuthDataError:
            if unsaved is None:
                raise
            stored = None  # content nobody can use: the unsaved tokens replace it
        if unsaved is None:
            if adopt:
                self._adopt(stored)
            return stored
        if (
            stored is not None
            and unsaved.replaces is not ANY
            and _refresh_token(stored) != unsaved.replaces
            and not _older(stored, unsaved.state)
        ):
            # Someone wrote newer tokens meanwhile (a login, or the same rotation): theirs win.
            self._unsaved = None
            if adopt:
                self._adopt(stored)
            return stored
        self._stored = _refresh_token(stored)
        self._keep(unsaved.state, events)
        return unsaved.state

    def _keep(self, state: AuthState | None, events: list[tuple[Event, object]]) -> None:
        """Use ``state`` and write it to the store (callers hold the lock). A failed write keeps
        the tokens in memory, to write later, and reports ``Event.STORE_ERROR``."""
        self._state = state
        if state is not None:
            self.transport.redactor.add_tokens(state.token.access_token, state.token.refresh_token)
        try:
            self.store.save(state.to_json() if state is not None else None)
        except (TokenStoreError, OSError) as exc:
            error = (
                exc
                if isinstance(exc, TokenStoreError)
                else TokenStoreError(f"could not write the token store: {exc}")
            )
            self._failed(state, error, events)
            return
        self._unsaved = None
        self._stored = _refresh_token(state)

    def _failed(
        self, state: AuthState | None, error: TokenStoreError, events: list[tuple[Event, object]]
    ) -> None:
        """Keep ``state`` to write later; report the first failure of a run of them."""
        first = self._unsaved is None
        replaces = self._unsaved.replaces if self._unsaved is not None else self._stored
        self._unsaved = Unsaved(state, replaces)
        if first:
            logger.warning(
                "rcsdk: tokens kept in memory, the token store refused them (%s); "
                "they are written when it accepts writes again",
                error,
            )
            events.append((Event.STORE_ERROR, error))

    def _emit(self, events: list[tuple[Event, object]]) -> None:
        for event, payload in events:
            self.emitter.emit(event, payload)

    # --- authorized calls ---------------------------------------------------------------------

    def access(self) -> AuthState:
        """Tokens fit for a call: refreshed first when they are due (unsaved ones written)."""
        if self._unsaved is not None:
            self._flush()
        state = self.current()
        if state is None:
            raise LoginRequiredError("no tokens: log in first")
        if self.auto_refresh and self.due(state, self.transport.clock()):
            state = self.refresh(seen=state)
        return state

    def _flush(self) -> None:
        events: list[tuple[Event, object]] = []
        try:
            with self._lock, self.store.lock():
                if self._unsaved is not None:
                    self._sync(adopt=True, events=events)
        except TokenStoreError:
            pass  # The store cannot even be read or locked: go on with the tokens in memory.
        self._emit(events)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the API with the access token; a 401 token error gets one refresh and retry.

        If the retry gets a 401 token error too because another worker rotated the tokens
        again in between, the call is sent once more with the tokens that worker stored.
        """
        state = self.access()
        send = self.transport.send
        try:
            return send(method, path, bearer=state.token.access_token, **kwargs)
        except AuthenticationError as exc:
            if not is_token_failure(exc):
                raise
            if not self.auto_refresh:
                # A central refresher may have rotated the tokens: use them if so.
                fresh = self._rotated_since(state)
                if fresh is None:
                    raise
            else:
                fresh = self.refresh(seen=state)
        try:
            return send(method, path, bearer=fresh.token.access_token, **kwargs)
        except AuthenticationError as exc:
            newer = self._rotated_since(fresh) if is_token_failure(exc) else None
            if newer is None:
                raise
            return send(method, path, bearer=newer.token.access_token, **kwargs)

    def _rotated_since(self, state: AuthState) -> AuthState | None:
        """The stored tokens, if another thread or process has replaced ``state`` by now."""
        events: list[tuple[Event, object]] = []
        with self._lock, self.store.lock():
            fresh = self._sync(adopt=True, events=events)
        self._emit(events)
        if fresh is None or fresh.token.access_token == state.token.access_token:
            return None
        return fresh


# Token sessions of this process: a forked child gets a fresh lock in each.
_SESSIONS: weakref.WeakSet[TokenSession] = weakref.WeakSet()


def _after_fork_in_child() -> None:
    for session in list(_SESSIONS):
        session._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
