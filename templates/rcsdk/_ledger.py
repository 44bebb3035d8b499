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

With a store that numbers its writes (``FencedTokenStore``: Redis), the store's generation
orders tokens, never a clock: refreshed tokens are written only over the generation they were
refreshed from (a worker that paused past its lease finds a newer one and adopts it), and a key
the store lost is written again from valid tokens in memory (the first writer wins). Every
change of the tokens in use counts a *generation* of the ledger's own, by which the session
recognises another thread's or process's refresh (a server may hand out the same access token
every time: comparing token strings would refresh again).

``TokenLedger`` never locks: its callers (``rcsdk._session``, which decides when to refresh)
hold the session's lock and the store's lock around every method that reads or writes the
store, and emit the events it collects once the locks are released.
"""

from __future__ import annotations

import contextlib
import logging

from rcsdk._auth import AuthState, Binding, store_name
from rcsdk._decide import after_read, after_rejection
from rcsdk._events import Event
from rcsdk._exceptions import (
    APIStatusError,
    AuthDataError,
    LoginRequiredError,
    RCSDKError,
    TokenStoreError,
)
from rcsdk._redact import Redactor
from rcsdk._store import ANY_GENERATION, FencedTokenStore, TokenStore

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
        """What the store held when the write failed: its generation (fenced stores) or its
        refresh token (``None``: it held nothing; ``ANY``: it could not be read, or a login
        replaces whatever it holds)."""


ANY = object()
CURRENT = object()
"""``keep``'s default ``expected``: the generation the store held when last read."""


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
        self.fenced = store if isinstance(store, FencedTokenStore) else None
        self.redactor = redactor
        self.binding = binding
        self.foreign: tuple[object, object] | None = None
        """Whose session the store held at the last read, when not this platform's."""
        self.unbound = False
        """The store's session, at the last read, was saved without a binding."""
        self.state: AuthState | None = None
        self.unsaved: Unsaved | None = None
        self.stored: str | object | None = None
        """What the store held when last read or written: its generation (fenced stores) or
        its refresh token (``None``: nothing; ``ANY``: unknown)."""
        self.generation = 0
        """Counts the changes of the tokens in use (set after ``state``: a reader that reads it
        before ``state`` never takes new tokens for old ones)."""

    def use(self, state: AuthState | None) -> None:
        """Use ``state`` from now on, before anything can fail (the store comes after)."""
        if state is not self.state:
            self.state = state
            self.generation += 1
        if state is not None:
            self.redactor.add_tokens(
                state.token.access_token, state.token.refresh_token, state.token.id_token
            )

    def current(self) -> AuthState | None:
        """The tokens in use; with none, the store is asked (another process may have logged in)."""
        if self.state is None and self.unsaved is None:
            state, marker = self._read()
            self._adopt(state, marker)
            if state is not None and self.unbound:
                # Saved without a binding: used, and written back bound at the next call.
                self.unsaved = Unsaved(state, marker)
        return self.state

    def _read(self) -> tuple[AuthState | None, str | object | None]:
        """The store's tokens when they are this platform's (another's: none, and ``foreign``
        names whose), and what marks them (the store's generation, or the refresh token)."""
        self.foreign = None
        marker: str | None = None
        if self.fenced is not None:
            data, marker = self.fenced.load_generation()
        else:
            data = self.store.load()
        self.foreign = self.binding.other(data)
        self.unbound = self.foreign is None and self.binding.unbound(data)
        state = AuthState.from_json(data) if self.foreign is None else None
        return state, marker if self.fenced is not None else _refresh_token(state)

    def refusal(self) -> RCSDKError:
        """The error of a call that needs a session and finds none: another's, or no tokens."""
        if self.foreign is not None:
            return self.binding.refusal(store_name(self.store), self.foreign)
        return LoginRequiredError("no tokens: log in first")

    def _adopt(self, state: AuthState | None, marker: str | object | None) -> None:
        if state is None or state != self.state:  # the same tokens read back keep their generation
            self.use(state)
        self.stored = marker

    def replace(self, state: AuthState | None, events: Events) -> None:
        """Under the locks: note what the store holds, then write ``state`` over it."""
        if self.fenced is not None:
            self.stored = ANY  # a login or logout replaces whatever the store holds
            with contextlib.suppress(AuthDataError, TokenStoreError):
                self._read()  # whose session it holds: another's is never written over
        else:
            try:
                self.stored = self._read()[1]
            except (AuthDataError, TokenStoreError):
                self.stored = ANY
        self.keep(state, events)

    def sync(self, events: Events) -> AuthState | None:
        """Under the locks: read the store (another platform or process may have written newer
        tokens) and write unsaved tokens if the store still holds what they replace
        (``rcsdk._decide.after_read``).

        Returns the tokens to use, and uses them.
        """
        unsaved = self.unsaved
        stored: AuthState | None = None
        marker: str | object | None = ANY  # content nobody can use: the unsaved tokens replace it
        failure: RCSDKError | None = None
        try:
            stored, marker = self._read()
        except (AuthDataError, TokenStoreError) as exc:
            failure = exc
            view = "unusable" if isinstance(exc, AuthDataError) else "unreadable"
        else:
            view = self._view(stored, marker)
        step = after_read(
            self.fenced is not None, view, self.state is not None, unsaved is not None
        )
        if step == "raise":
            assert failure is not None
            raise failure
        if step == "keep":
            # The store cannot be read at all (a directory in its place, a permission, Redis
            # down): go on with the tokens in memory, to be written once it can be used again.
            if unsaved is None and isinstance(failure, TokenStoreError):
                self.failed(self.state, failure, events)
        elif step == "reseed":
            # The key is gone, not logged out (Redis restarted empty, FLUSHALL, eviction):
            # write the tokens in memory back; the first writer wins, the others adopt.
            self.keep(unsaved.state if unsaved is not None else self.state, events, None)
        elif step == "adopt":
            # Someone wrote newer tokens meanwhile (a login, or the same rotation): theirs win.
            self.unsaved = None
            self._adopt(stored, marker)
        elif unsaved is not None and self.fenced is not None:
            # Written only over what they replace: a newer generation wins, whatever the clocks
            # say (a paused worker's late pair is refused, and it adopts the store's).
            self.keep(unsaved.state, events, ANY if marker is ANY else unsaved.replaces)
        elif unsaved is not None:
            self.stored = marker
            self.keep(unsaved.state, events)
            return unsaved.state
        return self.state

    def _view(self, stored: AuthState | None, marker: str | object | None) -> str:
        """What the store holds, as ``after_read`` reads it."""
        unsaved = self.unsaved
        if self.foreign is not None:
            return "foreign"
        if self.fenced is not None:
            return "empty" if marker is None else "other"
        if stored is None:
            return "empty"
        if unsaved is None:
            return "other"
        if unsaved.replaces is ANY or marker == unsaved.replaces:
            return "replaced"
        return "older" if _older(stored, unsaved.state) else "other"

    def keep(self, state: AuthState | None, events: Events, expected: object = CURRENT) -> None:
        """Under the locks: use ``state`` and write it to the store (a fenced store: only over
        generation ``expected``, by default the one last read; refused, the store's tokens
        are adopted). A failed write keeps the tokens in memory, to write later, and reports
        ``Event.STORE_ERROR``."""
        self.use(state)
        if self.foreign is not None:
            # The store holds another's session: never written over, never emptied.
            if state is None:
                self.unsaved = None
                return
            refusal = self.binding.refusal(store_name(self.store), self.foreign)
            self.failed(state, TokenStoreError(f"not writing over it: {refusal}"), events)
            return
        if expected is CURRENT:
            expected = self.stored
        try:
            self._write(state, expected)
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
            if self.fenced is not None:
                self.stored = expected  # what the unsaved tokens may replace
            self.failed(state, error, events)
            return
        self.unsaved = None

    def _write(self, state: AuthState | None, expected: object) -> None:
        data = None if state is None else {**state.to_json(), **self.binding.fields()}
        if self.fenced is None:
            self.store.save(data)
            self.stored = _refresh_token(state)
            return
        wanted = ANY_GENERATION if expected is ANY else expected
        assert wanted is None or isinstance(wanted, str)
        written, held, generation = self.fenced.save_if(data, wanted)
        if not written and generation is None and state is not None:
            # The key was lost since it was read: ours are the tokens to write back.
            written, held, generation = self.fenced.save_if(data, None)
        if written:
            self.stored = generation
        else:
            self.foreign = self.binding.other(held)
            self._adopt(AuthState.from_json(held) if self.foreign is None else None, generation)

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
        stored: AuthState | None = None
        marker: str | object | None = None
        try:
            stored, marker = self._read()
        except TokenStoreError:
            view = "unreadable"
        else:
            rejected = self.stored if self.fenced is not None else current.token.refresh_token
            if self.fenced is not None and marker is None:
                view = "lost"
            elif stored is not None and marker != rejected:
                view = "other"
            else:
                view = "same"
        outcome = after_rejection(view)
        if outcome == "keep":
            return
        self.unsaved = None
        if outcome == "drop":
            self._adopt(None, None)
        elif outcome == "adopt":
            self._adopt(stored, marker)
        else:
            self.keep(None, events, marker)
            if self.state is None:  # not refused for newer tokens
                events.append((Event.ACCESS_VIOLATION, error))
