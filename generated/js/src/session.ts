// Copied verbatim from templates/js/src/session.ts by rcsdk's generator.
// Do not edit: change templates/js/src/session.ts and run `make generate`.
/**
 * The bookkeeping of a platform's tokens: the ones in use, what the store holds, and the lock
 * that serialises rotations (the same rules as Python's rcsdk/_ledger.py and PHP's Client).
 *
 * What is written is bound to the platform's origin and app key (`Binding`). A store holding
 * another's session is, to this platform, a store holding no session that refuses writes: its
 * tokens are never used, and it is never written over or emptied. A session saved without a
 * binding is used, and written back bound at the next call (as unsaved tokens).
 *
 * Tokens the platform issued are used at once, then written to the store. A write the store
 * refuses leaves them in use, remembered as *unsaved* together with the refresh token the store
 * held at the time (`storeError` reports the first failure of a run); they are written at the
 * next chance, unless the store has newer tokens by then (another platform or process rotated
 * them meanwhile: theirs win). Every token it sees is handed to the redactor.
 *
 * The policy (when to refresh, what ends a session) is core.ts's. The methods that read or write
 * the store run inside `locked`; they collect events, which the caller emits after the lock.
 */

import { AuthState, type Binding, storeName } from "./auth.js";
import { type EventName, Events } from "./events.js";
import { AuthDataError, LoginRequiredError, type RCSDKError, TokenStoreError } from "./exceptions.js";
import { Lock } from "./lock.js";
import type { Redactor } from "./redact.js";
import { FileTokenStore, type TokenStore } from "./store.js";

/** Events collected under the lock, emitted after it. */
export type Collected = [EventName, unknown][];

/** The store could not be read: unsaved tokens replace whatever it holds. */
const ANY: unique symbol = Symbol("any");
type Stored = string | null | typeof ANY;

interface Unsaved {
  readonly state: AuthState | null;
  /** The refresh token the store held when the write failed (null: none; ANY: unreadable). */
  readonly replaces: Stored;
}

/**
 * One lock per token file in this process: platforms sharing a FileTokenStore path (through one
 * store object or several) send one refresh per rotation between them.
 */
const FILE_LOCKS = new Map<string, Lock>();

function refreshTokenOf(state: AuthState | null): string | null {
  return state !== null ? state.token.refreshToken : null;
}

/** Whether `stored` was issued before `ours` (another process's stale unsaved tokens, written
 * when the store came back): then ours, the later rotation, are written over them. */
function older(stored: AuthState, ours: AuthState | null): boolean {
  if (ours === null) return false;
  const theirs = stored.issuedAt();
  const mine = ours.issuedAt();
  if (theirs === null) return mine !== null; // no known lifetime: ours, if known
  return mine !== null && mine > theirs;
}

export class Session {
  readonly store: TokenStore;
  readonly #lockTimeout: number;
  readonly #redactor: Redactor;
  readonly #warn: (message: string) => void;
  readonly #lock: Lock;
  readonly #what: string;
  #state: AuthState | null = null;
  #unsaved: Unsaved | null = null;
  /** The refresh token last read from or written to the store (ANY: unknown). */
  #stored: Stored = null;
  readonly #binding: Binding;
  /** Whose session the store held at the last read, when not this platform's. */
  #foreign: [unknown, unknown] | null = null;

  constructor(store: TokenStore, lockTimeout: number, redactor: Redactor, warn: (message: string) => void, binding: Binding) {
    this.store = store;
    this.#binding = binding;
    this.#lockTimeout = lockTimeout;
    this.#redactor = redactor;
    this.#warn = warn;
    if (store instanceof FileTokenStore) {
      let lock = FILE_LOCKS.get(store.path);
      if (lock === undefined) FILE_LOCKS.set(store.path, (lock = new Lock()));
      this.#lock = lock;
    } else {
      this.#lock = new Lock();
    }
    this.#what = "the token lock" + ("path" in store ? ` of ${String(store.path)}` : "");
  }

  /** The tokens in memory (null: none yet, or logged out). */
  get held(): AuthState | null {
    return this.#state;
  }

  /** Whether tokens a failed store write could not save are waiting. */
  get unsaved(): boolean {
    return this.#unsaved !== null;
  }

  /** Run `task` holding the store's lock (if it has one) and the platform's (or file's) own. */
  locked<T>(task: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => this.#lock.run(task, this.#lockTimeout, this.#what);
    return this.store.lock ? this.store.lock(run) : run();
  }

  /** Use `state` from now on, before anything can fail (the store comes after). */
  use(state: AuthState | null): void {
    this.#state = state;
    if (state !== null) {
      this.#redactor.addTokens(state.token.accessToken, state.token.refreshToken, state.token.idToken);
    }
  }

  /** The tokens in use; with none, the store is asked (another process may have logged in). */
  current(): AuthState | null | Promise<AuthState | null> {
    if (this.#state !== null || this.#unsaved !== null) return this.#state;
    return this.#load(true).then((state) => {
      this.#adopt(state);
      return state;
    });
  }

  /** The error of a call that needs a session and finds none: another's, or no tokens. */
  refusal(): RCSDKError {
    if (this.#foreign !== null) return this.#binding.refusal(storeName(this.store), this.#foreign);
    return new LoginRequiredError("no tokens: log in first");
  }

  /** Under the lock: note what the store holds, then write `state` over it. */
  async replace(state: AuthState | null, events: Collected): Promise<void> {
    try {
      this.#stored = refreshTokenOf(await this.#load());
    } catch {
      this.#stored = ANY;
    }
    await this.keep(state, events);
  }

  /**
   * Under the lock: read the store (another platform or process may have written newer tokens)
   * and write unsaved tokens if the store still holds what they replace. Returns the tokens to
   * use, and uses them.
   */
  async sync(events: Collected): Promise<AuthState | null> {
    const unsaved = this.#unsaved;
    let stored: AuthState | null;
    try {
      stored = await this.#load();
    } catch (error) {
      if (error instanceof AuthDataError) {
        if (unsaved === null) throw error;
        stored = null; // content nobody can use: the unsaved tokens replace it
      } else {
        if (this.#state === null) throw error;
        // The store cannot be read at all: go on with the tokens in memory, to be written
        // once it can be used again.
        if (unsaved === null) this.failed(this.#state, error as TokenStoreError, events);
        return this.#state;
      }
    }
    if (unsaved === null) {
      this.#adopt(stored);
      return stored;
    }
    if (
      stored !== null &&
      unsaved.replaces !== ANY &&
      refreshTokenOf(stored) !== unsaved.replaces &&
      !older(stored, unsaved.state)
    ) {
      // Someone wrote newer tokens meanwhile (a login, or the same rotation): theirs win.
      this.#unsaved = null;
      this.#adopt(stored);
      return stored;
    }
    this.#stored = refreshTokenOf(stored);
    await this.keep(unsaved.state, events);
    return unsaved.state;
  }

  /**
   * Under the lock: use `state` and write it to the store. A failed write keeps the tokens in
   * memory, to write later, and reports `storeError`.
   */
  async keep(state: AuthState | null, events: Collected): Promise<void> {
    this.use(state);
    if (this.#foreign !== null) {
      // The store holds another's session: never written over, never emptied.
      if (state === null) {
        this.#unsaved = null;
        return;
      }
      const refusal = this.#binding.refusal(storeName(this.store), this.#foreign);
      this.failed(state, new TokenStoreError(`not writing over it: ${refusal.message}`), events);
      return;
    }
    try {
      await this.store.save(state !== null ? { ...state.toJSON(), ...this.#binding.fields() } : null);
    } catch (error) {
      this.failed(state, this.#storeError("could not write the token store", error), events);
      return;
    }
    this.#unsaved = null;
    this.#stored = refreshTokenOf(state);
  }

  /** Keep `state` to write later; report the first failure of a run of them. */
  failed(state: AuthState | null, error: TokenStoreError, events: Collected): void {
    const first = this.#unsaved === null;
    const replaces = this.#unsaved !== null ? this.#unsaved.replaces : this.#stored;
    this.#unsaved = { state, replaces };
    if (first) {
      this.#warn(
        `rcsdk: tokens kept in memory, the token store refused them (${error.message}); ` +
          "they are written when it accepts writes again",
      );
      events.push([Events.storeError, error]);
    }
  }

  /**
   * Under the lock: the platform refused `current`'s refresh token. The session ends (for every
   * platform sharing the store), unless the store holds other tokens by now: then those are used.
   * Returns the tokens now in use (null: the session ended).
   */
  async rejected(current: AuthState, error: unknown, events: Collected): Promise<AuthState | null> {
    let stored: AuthState | null;
    try {
      stored = await this.#load();
    } catch (caught) {
      if (caught instanceof AuthDataError) stored = null;
      else return this.#state; // the store cannot say whether it still holds that token: keep the session
    }
    if (stored !== null && refreshTokenOf(stored) !== current.token.refreshToken) {
      this.#unsaved = null;
      this.#adopt(stored);
      return stored;
    }
    this.#unsaved = null;
    await this.keep(null, events);
    events.push([Events.accessViolation, error]);
    return null;
  }

  // --- internals ------------------------------------------------------------------------------

  #adopt(state: AuthState | null): void {
    this.use(state);
    this.#stored = refreshTokenOf(state);
  }

  /**
   * The store's tokens when they are this platform's (another's: none, noted in #foreign):
   * AuthDataError for content nobody can use, TokenStoreError otherwise. With `rebind`, a
   * session saved unbound is marked unsaved, to be written back bound at the next call.
   */
  async #load(rebind = false): Promise<AuthState | null> {
    let data: unknown;
    this.#foreign = null;
    try {
      data = await this.store.load();
    } catch (error) {
      if (error instanceof AuthDataError) throw error;
      throw this.#storeError("could not read the token store", error);
    }
    this.#foreign = this.#binding.other(data);
    if (this.#foreign !== null) return null;
    const state = AuthState.fromJson(data);
    if (rebind && state !== null && this.#binding.unbound(data)) {
      this.#unsaved = { state, replaces: state.token.refreshToken };
    }
    return state;
  }

  #storeError(what: string, error: unknown): TokenStoreError {
    if (error instanceof TokenStoreError) return error;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new TokenStoreError(this.#redactor.text(`${what}: ${text}`));
  }
}
