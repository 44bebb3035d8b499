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
``Platform``; this module only runs them. What is in use, what the store holds and what it has
not taken yet is ``rcsdk._ledger``'s bookkeeping; this module decides when to log in, refresh,
retry and lock.
"""

from __future__ import annotations

import contextlib
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from typing import Any

import requests

from rcsdk._answers import is_token_failure
from rcsdk._auth import AuthState, Binding
from rcsdk._constants import TOKEN_PATH
from rcsdk._decide import after_401, ends_session
from rcsdk._emitter import Emitter
from rcsdk._events import Event
from rcsdk._exceptions import (
    APIStatusError,
    AuthenticationError,
    LoginRequiredError,
    RCSDKError,
    RedirectError,
    ResponseFormatError,
    TokenStoreError,
)
from rcsdk._fork import renew_in_child
from rcsdk._ledger import Events, TokenLedger
from rcsdk._models import TokenInfo
from rcsdk._store import TokenStore
from rcsdk._transport import Transport

__all__ = ["TokenSession"]

FormBuilder = Callable[[AuthState], dict[str, str]]


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
        self.binding = Binding(transport.origin.key, transport.app_key)
        self.ledger = TokenLedger(store, transport.redactor, self.binding)
        self.refresh_margin = refresh_margin
        self.auto_refresh = auto_refresh
        self.emitter = emitter
        self._refresh_form = refresh_form
        self._lock = threading.Lock()
        """Held, with the store's lock, around everything that reads or writes the store."""
        renew_in_child(self)

    def _after_fork(self) -> None:
        """In a forked child: a fresh refresh lock (the thread holding it is not here)."""
        self._lock = threading.Lock()

    def _replace(self, state: AuthState | None, events: Events) -> None:
        """Use ``state`` at once, then write it over whatever the store holds (a failed write
        keeps it in memory, to write later)."""
        ledger = self.ledger
        ledger.use(state)
        try:
            with self._lock, self.store.lock():
                ledger.replace(state, events)
        except TokenStoreError as exc:
            ledger.failed(state, exc, events)

    def _emit(self, events: Events) -> None:
        for event, payload in events:
            self.emitter.emit(event, payload)

    # --- logins, logout and auth data ---------------------------------------------------------

    def login(self, form: dict[str, str], success: Event, failure: Event) -> TokenInfo:
        """Send a token request with ``form``; keep and return the tokens."""
        transport = self.transport
        asked = transport.clock()  # their lifetime counts from here (AuthState.issued)
        try:
            response = transport.send(
                "POST", TOKEN_PATH, data=transport.client_form(form), client=True
            )
            token = _issued(transport, response)
        except RCSDKError as exc:
            self.emitter.emit(failure, exc)
            raise
        events: Events = []
        # The platform issued these tokens: whatever the store does, they are kept (in memory
        # at least) before anything else can fail.
        self._replace(AuthState.issued(token, asked), events)
        events.append((success, token))
        self._emit(events)
        return token

    def revoke(self, path: str, form: FormBuilder, success: Event, failure: Event) -> None:
        """Revoke the tokens at ``path`` (when there are any) and forget them in any case."""
        state = self.ledger.current()
        error: RCSDKError | None = None
        if state is not None:
            transport = self.transport
            try:
                transport.send("POST", path, data=transport.client_form(form(state)), client=True)
            except RCSDKError as exc:
                error = exc
        events: Events = []
        self._replace(None, events)
        if error is not None:
            events.append((failure, error))
        else:
            events.append((success, None))
        self._emit(events)
        if error is not None:
            raise error

    def get_auth_data(self) -> dict[str, Any]:
        state = self.ledger.current()
        return {**state.to_json(), **self.binding.fields()} if state is not None else {}

    def set_auth_data(self, data: Mapping[str, Any] | None) -> None:
        theirs = self.binding.other(data)
        if theirs is not None:
            raise self.binding.refusal("the auth data", theirs)
        events: Events = []
        self._replace(AuthState.from_json(data), events)
        self._emit(events)

    def is_authorized(self) -> bool:
        state = self.ledger.current()
        return state is not None and state.usable(self.transport.clock())

    # --- refresh ------------------------------------------------------------------------------

    def refresh(self, seen: int | None, *, rejected: bool = False) -> AuthState:
        """Refresh unless another thread or process already replaced the tokens the caller saw
        (``seen``: the ledger's generation when it read them; ``None`` forces a refresh);
        return the tokens.

        A replacement is recognised by the generation, never by comparing token strings: a
        server that hands out the same access token every time still gets one refresh per
        rotation. If the store cannot even be locked (Redis down, a lease nobody releases), a
        caller whose access token is still valid goes on with it (not one whose call the
        platform just ``rejected``); otherwise the ``TokenStoreError`` is raised: nothing is
        refreshed without the store, so nothing that the fleet shares can be lost.
        """
        events: Events = []
        transport = self.transport
        ledger = self.ledger
        try:
            with self._lock, contextlib.ExitStack() as held:
                try:
                    held.enter_context(self.store.lock())
                except TokenStoreError:
                    state = ledger.state
                    if (
                        seen is not None
                        and not rejected
                        and state is not None
                        and not self.due(state, transport.clock(), 0.0)
                    ):
                        return state
                    raise
                current = ledger.sync(events)
                now = transport.clock()
                if current is None:
                    raise ledger.refusal()
                if seen is not None and ledger.generation != seen and not self.due(current, now):
                    return current
                if not current.can_refresh(now):
                    error = LoginRequiredError(
                        "the session has expired (no usable refresh token): log in again"
                    )
                    ledger.keep(None, events)
                    events += [(Event.REFRESH_ERROR, error), (Event.ACCESS_VIOLATION, error)]
                    raise error
                asked = transport.clock()  # the new tokens' lifetime counts from here
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
                    if ends_session(exc.status_code, exc.error, exc.error_codes):
                        ledger.rejected(current, exc, events)
                    raise
                except RCSDKError as exc:
                    # Network trouble or a bad answer: the refresh token may still be good.
                    events.append((Event.REFRESH_ERROR, exc))
                    raise
                fresh = AuthState.issued(token, asked)
                # The old refresh token is spent: from here on only the new tokens are kept.
                ledger.keep(fresh, events)
                events.append((Event.REFRESH_SUCCESS, token))
                # A fenced store that holds a newer generation refuses ours (our lease lapsed
                # while the platform answered): the ledger adopted the store's.
                return ledger.state if ledger.state is not None else fresh
        finally:
            self._emit(events)

    def due(self, state: AuthState, now: float, margin: float | None = None) -> bool:
        """Whether ``state`` needs a refresh before a call (``margin``: the session's)."""
        return state.access_due(now, self.refresh_margin if margin is None else margin)

    # --- authorized calls ---------------------------------------------------------------------

    def access(self) -> tuple[AuthState, int]:
        """Tokens fit for a call, refreshed first when they are due (unsaved ones written),
        and the ledger's generation of them."""
        ledger = self.ledger
        if ledger.state is None and ledger.unsaved is None:
            ledger.current()  # read the store (a session saved unbound is to be written back)
        if ledger.unsaved is not None:
            self._flush()
        seen = ledger.generation  # read before the state: never newer than it
        state = ledger.current()
        if state is None:
            raise ledger.refusal()
        if self.auto_refresh and self.due(state, self.transport.clock()):
            state = self.refresh(seen)
            seen = ledger.generation
        return state, seen

    def _flush(self) -> None:
        events: Events = []
        try:
            with self._lock, self.store.lock():
                if self.ledger.unsaved is not None:
                    self.ledger.sync(events)
        except TokenStoreError:
            pass  # The store cannot even be read or locked: go on with the tokens in memory.
        self._emit(events)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call the API with the access token; a 401 token error gets one refresh and retry.

        If the retry gets a 401 token error too because another worker rotated the tokens
        again in between, the call is sent once more with the tokens that worker stored
        (``rcsdk._decide.after_401``).
        """
        state, seen = self.access()
        send = self.transport.send
        sends = 0
        while True:
            sends += 1
            try:
                return send(method, path, bearer=state.token.access_token, **kwargs)
            except AuthenticationError as exc:
                step = after_401(sends, is_token_failure(exc), self.auto_refresh)
                if step == "refresh":
                    state = self.refresh(seen, rejected=True)
                else:
                    # Another worker (or a central refresher) may have rotated the tokens.
                    fresh = self._rotated_since(seen) if step == "reload" else None
                    if fresh is None:
                        raise
                    state = fresh
            seen = self.ledger.generation

    def _rotated_since(self, seen: int) -> AuthState | None:
        """The stored tokens, if another thread or process has replaced the generation
        ``seen`` by now."""
        events: Events = []
        with self._lock, self.store.lock():
            fresh = self.ledger.sync(events)
        self._emit(events)
        if fresh is None or self.ledger.generation == seen:
            return None
        return fresh
