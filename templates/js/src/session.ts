/**
 * The tokens a platform holds and their persistence: the copy in memory, the store behind it,
 * the lock that serialises rotations, and tokens a failed store write could not save yet.
 *
 * The policy (when to refresh, what ends a session) is core.ts's; this module only guarantees
 * that tokens are never dropped: `keep` uses new tokens at once and saves them, and a failed save
 * is retried on the next `flush` (tokens stay in use meanwhile). Every token it sees is handed to
 * the redactor, so no message can show one.
 */

import { AuthState } from "./auth.js";
import { TokenStoreError } from "./exceptions.js";
import { Lock } from "./lock.js";
import type { Redactor } from "./redact.js";
import type { TokenStore } from "./store.js";

type Pending = { state: AuthState | null };

export class Session {
  readonly store: TokenStore;
  readonly #lockTimeout: number;
  readonly #redactor: Redactor;
  readonly #lock = new Lock();
  readonly #what: string;
  #state: AuthState | null = null;
  #pending: Pending | null = null;

  constructor(store: TokenStore, lockTimeout: number, redactor: Redactor) {
    this.store = store;
    this.#lockTimeout = lockTimeout;
    this.#redactor = redactor;
    this.#what = "the token lock" + ("path" in store ? ` of ${String(store.path)}` : "");
  }

  /** The tokens in memory (null: none yet, or logged out). */
  get held(): AuthState | null {
    return this.#state;
  }

  /** Whether tokens a failed store write could not save are waiting. */
  get unsaved(): boolean {
    return this.#pending !== null;
  }

  /** Run `task` holding the store's lock (if it has one) and the platform's own. */
  locked<T>(task: () => Promise<T>): Promise<T> {
    const run = (): Promise<T> => this.#lock.run(task, this.#lockTimeout, this.#what);
    return this.store.lock ? this.store.lock(run) : run();
  }

  /** The tokens in use; with none, the store is asked (another process may have logged in). */
  current(): AuthState | null | Promise<AuthState | null> {
    return this.#state !== null ? this.#state : this.reload();
  }

  /** Read the store (newer tokens may be there), unless it still lacks tokens we could not save. */
  async reload(): Promise<AuthState | null> {
    if (this.#pending !== null && (await this.flush()) !== null) return this.#state;
    const state = AuthState.fromJson(await this.store.load());
    this.#state = state;
    if (state !== null) this.#redactor.addTokens(state.token.accessToken, state.token.refreshToken);
    return state;
  }

  /** Use `state` at once, then save it; a failed save is returned and retried later. */
  async keep(state: AuthState | null): Promise<TokenStoreError | null> {
    this.#state = state;
    if (state !== null) {
      this.#redactor.addTokens(state.token.accessToken, state.token.refreshToken, state.token.idToken);
    }
    this.#pending = { state };
    return this.flush();
  }

  /** Save tokens a failed write left unsaved; returns the store's error instead of throwing. */
  async flush(): Promise<TokenStoreError | null> {
    const pending = this.#pending;
    if (pending === null) return null;
    try {
      await this.store.save(pending.state === null ? null : pending.state.toJSON());
    } catch (error) {
      if (error instanceof TokenStoreError) return error;
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return new TokenStoreError(this.#redactor.text(`the token store failed: ${text}`));
    }
    if (this.#pending === pending) this.#pending = null;
    return null;
  }
}
