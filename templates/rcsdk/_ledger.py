"""The bookkeeping of a platform's tokens: the ones in use, and what the store holds.

What is written is bound to the platform's origin and app key (``Binding``). A store holding
another's session is, to this platform, a store holding no session that refuses writes: its
tokens are never used, and it is never written over or emptied (``foreign`` names whose it is).
A session saved without a binding is used, and written back bound at the next call
(``unsaved``).

Tokens the platform issued are kept in memory first, then written to the store. A write the
store refuses leaves them in use, remembered as *unsaved* together with the refresh token
the store held at the time; they are written at the next chance, unless the store has newer
tokens by then (another platform or process rotated them meanwhile: theirs win).

``TokenLedger`` never locks: its callers (``rcsdk._session``, which decides when to refresh)
hold the session's lock and the store's lock around every method that reads or writes the
store, and emit the events it collects once the locks are released.
"""

from __future__ import annotations

import logging

from rcsdk._auth import AuthState, Binding, store_name
from rcsdk._events import Event
from rcsdk._exceptions import (
    APIStatusError,
    AuthDataError,
    LoginRequiredError,
    RCSDKError,
    TokenStoreError,
)
from rcsdk._redact import Redactor
from rcsdk._store import TokenStore

__all__ = ["Events", "TokenLedger"]

Events = list[tuple[Event, object]]
"""Events collected under the locks, emitted after them."""
logger = logging.getLogger("rcsdk")


class Unsaved:
    """Tokens in use that the store has not taken yet (a plain class: a ``NamedTuple`` costs
    more to create at import than the rest of this module)."""

    __slots__ = ("replaces", "state")

    def __init__(self, state: AuthState | None, replaces: str | object | None) -> None:
        self.state = state
        self.replaces = replaces
        """The refresh token the store held when the write failed (``None``: it held nothing;
        ``ANY``: it could not be read, so the unsaved tokens replace whatever it holds)."""


ANY = object()


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


class TokenLedger:
    """The tokens in use (``state``), the unsaved ones, and the store's last known content."""

    def __init__(self, store: TokenStore, redactor: Redactor, binding: Binding) -> None:
        self.store = store
        self.redactor = redactor
        self.binding = binding
        self.foreign: tuple[object, object] | None = None
        """Whose session the store held at the last read, when not this platform's."""
        self.state: AuthState | None = None
        self.unsaved: Unsaved | None = None
        self.stored: str | object | None = None
        """The refresh token last read from or written to the store (``ANY``: unknown)."""

    def use(self, state: AuthState | None) -> None:
        """Use ``state`` from now on, before anything can fail (the store comes after)."""
        self.state = state
        if state is not None:
            self.redactor.add_tokens(state.token.access_token, state.token.refresh_token)

    def current(self) -> AuthState | None:
        """The tokens in use; with none, the store is asked (another process may have logged in)."""
        if self.state is None and self.unsaved is None:
            data = self.store.load()
            state = self._read(data)
            self._adopt(state)
            if state is not None and self.binding.unbound(data):
                # Saved without a binding: used, and written back bound at the next call.
                self.unsaved = Unsaved(state, state.token.refresh_token)
        return self.state

    def _read(self, data: object) -> AuthState | None:
        """The tokens of stored ``data`` when they are this platform's (another's: none)."""
        self.foreign = self.binding.other(data)
        return AuthState.from_json(data) if self.foreign is None else None

    def _load(self) -> AuthState | None:
        self.foreign = None
        return self._read(self.store.load())

    def refusal(self) -> RCSDKError:
        """The error of a call that needs a session and finds none: another's, or no tokens."""
        if self.foreign is not None:
            return self.binding.refusal(store_name(self.store), self.foreign)
        return LoginRequiredError("no tokens: log in first")

    def _adopt(self, state: AuthState | None) -> None:
        self.use(state)
        self.stored = _refresh_token(state)

    def replace(self, state: AuthState | None, events: Events) -> None:
        """Under the locks: note what the store holds, then write ``state`` over it."""
        try:
            self.stored = _refresh_token(self._load())
        except (AuthDataError, TokenStoreError):
            self.stored = ANY
        self.keep(state, events)

    def sync(self, events: Events) -> AuthState | None:
        """Under the locks: read the store (another platform or process may have written newer
        tokens) and write unsaved tokens if the store still holds what they replace.

        Returns the tokens to use, and uses them.
        """
        unsaved = self.unsaved
        try:
            stored = self._load()
        except AuthDataError:
            if unsaved is None:
                raise
            stored = None  # content nobody can use: the unsaved tokens replace it
        except TokenStoreError as exc:
            if self.state is None:
                raise
            # The store cannot be read at all (a directory in its place, a permission): go on
            # with the tokens in memory, to be written once it can be used again.
            if unsaved is None:
                self.failed(self.state, exc, events)
            return self.state
        if unsaved is None:
            self._adopt(stored)
            return stored
        if (
            stored is not None
            and unsaved.replaces is not ANY
            and _refresh_token(stored) != unsaved.replaces
            and not _older(stored, unsaved.state)
        ):
            # Someone wrote newer tokens meanwhile (a login, or the same rotation): theirs win.
            self.unsaved = None
            self._adopt(stored)
            return stored
        self.stored = _refresh_token(stored)
        self.keep(unsaved.state, events)
        return unsaved.state

    def keep(self, state: AuthState | None, events: Events) -> None:
        """Under the locks: use ``state`` and write it to the store. A failed write keeps the
        tokens in memory, to write later, and reports ``Event.STORE_ERROR``."""
        self.use(state)
        if self.foreign is not None:
            # The store holds another's session: never written over, never emptied.
            if state is None:
                self.unsaved = None
                return
            refusal = self.binding.refusal(store_name(self.store), self.foreign)
            self.failed(state, TokenStoreError(f"not writing over it: {refusal}"), events)
            return
        data = None if state is None else {**state.to_json(), **self.binding.fields()}
        try:
            self.store.save(data)
        except Exception as exc:  # a store of the application's own may raise anything
            error = (
                exc
                if isinstance(exc, TokenStoreError)
                else TokenStoreError(
                    self.redactor.text(
                        f"could not write the token store: {type(exc).__name__}: {exc}"
                    )
                )
            )
            self.failed(state, error, events)
            return
        self.unsaved = None
        self.stored = _refresh_token(state)

    def failed(self, state: AuthState | None, error: TokenStoreError, events: Events) -> None:
        """Keep ``state`` to write later; report the first failure of a run of them."""
        first = self.unsaved is None
        replaces = self.unsaved.replaces if self.unsaved is not None else self.stored
        self.unsaved = Unsaved(state, replaces)
        if first:
            logger.warning(
                "rcsdk: tokens kept in memory, the token store refused them (%s); "
                "they are written when it accepts writes again",
                error,
            )
            events.append((Event.STORE_ERROR, error))

    def rejected(self, current: AuthState, error: APIStatusError, events: Events) -> None:
        """Under the locks: the platform refused ``current``'s refresh token. The session ends
        (for every process sharing the store), unless the store holds other tokens by now:
        then those are used."""
        try:
            stored = self._load()
        except TokenStoreError:
            return  # the store cannot say whether it still holds that token: keep the session
        rejected = current.token.refresh_token
        if stored is not None and _refresh_token(stored) != rejected:
            self.unsaved = None
            self._adopt(stored)
            return
        self.state = None
        self.unsaved = None
        self.keep(None, events)
        events.append((Event.ACCESS_VIOLATION, error))
