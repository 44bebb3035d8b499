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
 * With a store that numbers its writes (a FencedTokenStore: RedisTokenStore), the store's
 * generation orders tokens, never a clock: refreshed tokens are written only over the generation
 * they were refreshed from (a worker paused past its lease adopts the newer ones), and a key the
 * store lost is written back from valid tokens in memory (the first writer wins). `generation`
 * counts the changes of the tokens in use: session.ts recognises another caller's refresh by it,
 * never by comparing token strings (docs/FLEET.md).
 *
 * The policy (when to refresh, what ends a session) is session.ts's. The methods that read or write
 * the store run inside `locked`; they collect events, which the caller emits after the lock.
 */

import { AuthState, type Binding, storeName } from "./auth.js";
import { type StoreAfterRejection, type StoreRead, afterRead, afterRejection } from "./decide.js";
import { type EventName, Events } from "./events.js";
import { AuthDataError, LoginRequiredError, type RCSDKError, TokenStoreError } from "./exceptions.js";
import type { Redactor } from "./redact.js";
import { ANY_GENERATION, FileTokenStore, type FencedTokenStore, type TokenStore } from "./store.js";

/** Events collected under the lock, emitted after it. */
export type Collected = [EventName, unknown][];

/** The store could not be read, or a login replaces whatever it holds. */
const ANY: unique symbol = Symbol("any");
/** keep()'s default: the generation the store held when last read. */
const CURRENT: unique symbol = Symbol("current");
/** What marks the store's content: its generation (fenced stores) or its refresh token. */
type Stored = string | null | typeof ANY;

interface Unsaved {
  readonly state: AuthState | null;
  /** What the store held when the write failed (null: nothing; ANY: unreadable, or anything). */
  readonly replaces: Stored;
}

function fenced(store: TokenStore): FencedTokenStore | null {
  const candidate = store as Partial<FencedTokenStore>;
  return typeof candidate.loadGeneration === "function" && typeof candidate.saveIf === "function"
    ? (store as FencedTokenStore)
    : null;
}

function same(a: AuthState | null, b: AuthState | null): boolean {
  return a !== null && b !== null && JSON.stringify(a.toJSON()) === JSON.stringify(b.toJSON());
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

export class Ledger {
  readonly store: TokenStore;
  readonly #fenced: FencedTokenStore | null;
  #generation = 0;
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
  /** The store's session, at the last read, was saved without a binding. */
  #unbound = false;

  constructor(store: TokenStore, lockTimeout: number, redactor: Redactor, warn: (message: string) => void, binding: Binding) {
    this.store = store;
    this.#binding = binding;
    this.#fenced = fenced(store);
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

  /** Counts the changes of the tokens in use (another caller's refresh is recognised by it). */
  get generation(): number {
    return this.#generation;
  }

  /** Whether tokens a failed store write could not save are waiting. */
  get unsaved(): boolean {
    return this.#unsaved !== null;
  }

  /** Run `task` holding the platform's (or file's) own lock, then the store's (if it has one):
   * callers of one process queue here, not at the store. */
  locked<T>(task: () => Promise<T>): Promise<T> {
    const store = this.store;
    const run = store.lock ? (): Promise<T> => store.lock!(task) : task;
    return this.#lock.run(run, this.#lockTimeout, this.#what);
  }

  /** Use `state` from now on, before anything can fail (the store comes after). */
  use(state: AuthState | null): void {
    if (state !== this.#state) {
      this.#state = state;
      this.#generation += 1;
    }
    if (state !== null) {
      this.#redactor.addTokens(state.token.accessToken, state.token.refreshToken, state.token.idToken);
    }
  }

  /** The tokens in use; with none, the store is asked (another process may have logged in). */
  current(): AuthState | null | Promise<AuthState | null> {
    if (this.#state !== null || this.#unsaved !== null) return this.#state;
    return this.#read().then(([state, marker]) => {
      this.#adopt(state, marker);
      // Saved without a binding: used, and written back bound at the next call.
      if (state !== null && this.#unbound) this.#unsaved = { state, replaces: marker };
      return this.#state;
    });
  }

  /** The error of a call that needs a session and finds none: another's, or no tokens. */
  refusal(): RCSDKError {
    if (this.#foreign !== null) return this.#binding.refusal(storeName(this.store), this.#foreign);
    return new LoginRequiredError("no tokens: log in first");
  }

  /** Under the lock: note what the store holds, then write `state` over it. */
  async replace(state: AuthState | null, events: Collected): Promise<void> {
    // Read first, a fenced store too: whose session it holds (another origin's or app's is never
    // written over), as Python and PHP read before they write.
    try {
      const marker = (await this.#read())[1];
      this.#stored = this.#fenced !== null ? ANY : marker; // a login or logout replaces whatever it holds
    } catch {
      this.#stored = ANY;
    }
    await this.keep(state, events);
  }

  /**
   * Under the lock: read the store (another platform or process may have written newer tokens)
   * and write unsaved tokens if the store still holds what they replace (decide.ts's afterRead).
   * Returns the tokens to use, and uses them.
   */
  async sync(events: Collected): Promise<AuthState | null> {
    const unsaved = this.#unsaved;
    let stored: AuthState | null = null;
    let marker: Stored = ANY; // content nobody can use: the unsaved tokens replace it
    let failure: unknown = null;
    let view: StoreRead;
    try {
      [stored, marker] = await this.#read();
      view = this.#view(stored, marker);
    } catch (error) {
      failure = error;
      view = error instanceof AuthDataError ? "unusable" : "unreadable";
    }
    const step = afterRead(this.#fenced !== null, view, this.#state !== null, unsaved !== null);
    if (step === "raise") throw failure;
    if (step === "keep") {
      // The store cannot be read at all: go on with the tokens in memory, to be written once it
      // can be used again.
      if (unsaved === null) this.failed(this.#state, failure as TokenStoreError, events);
    } else if (step === "reseed") {
      // The key is gone, not logged out (Redis restarted empty, FLUSHALL, eviction): write the
      // tokens in memory back; the first writer wins, the others adopt.
      await this.keep(unsaved !== null ? unsaved.state : this.#state, events, null);
    } else if (step === "adopt") {
      // Someone wrote newer tokens meanwhile (a login, or the same rotation): theirs win.
      this.#unsaved = null;
      this.#adopt(stored, marker);
    } else if (unsaved !== null && this.#fenced !== null) {
      // Written only over what they replace: a newer generation wins, whatever the clocks say.
      await this.keep(unsaved.state, events, marker === ANY ? ANY : unsaved.replaces);
    } else if (unsaved !== null) {
      this.#stored = marker;
      await this.keep(unsaved.state, events);
      return unsaved.state;
    }
    return this.#state;
  }

  /** What the store holds, as afterRead reads it. */
  #view(stored: AuthState | null, marker: Stored): StoreRead {
    const unsaved = this.#unsaved;
    if (this.#foreign !== null) return "foreign";
    if (this.#fenced !== null) return marker === null ? "empty" : "other";
    if (stored === null) return "empty";
    if (unsaved === null) return "other";
    if (unsaved.replaces === ANY || marker === unsaved.replaces) return "replaced";
    return older(stored, unsaved.state) ? "older" : "other";
  }

  /**
   * Under the lock: use `state` and write it to the store (a fenced store: only over generation
   * `expected`, by default the one last read; refused, the store's tokens are adopted). A failed
   * write keeps the tokens in memory, to write later, and reports `storeError`.
   */
  async keep(
    state: AuthState | null,
    events: Collected,
    expected: Stored | typeof CURRENT = CURRENT,
  ): Promise<void> {
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
    const wanted = expected === CURRENT ? this.#stored : expected;
    try {
      await this.#write(state, wanted);
    } catch (error) {
      if (this.#fenced !== null) this.#stored = wanted; // what the unsaved tokens may replace
      this.failed(state, this.#storeError("could not write the token store", error), events);
      return;
    }
    this.#unsaved = null;
  }

  async #write(state: AuthState | null, expected: Stored): Promise<void> {
    const data = state !== null ? { ...state.toJSON(), ...this.#binding.fields() } : null;
    const store = this.#fenced;
    if (store === null) {
      await this.store.save(data);
      this.#stored = refreshTokenOf(state);
      return;
    }
    let [written, held, generation] = await store.saveIf(data, expected === ANY ? ANY_GENERATION : expected);
    if (!written && generation === null && state !== null) {
      // The key was lost since it was read: ours are the tokens to write back.
      [written, held, generation] = await store.saveIf(data, null);
    }
    if (written) {
      this.#stored = generation;
      return;
    }
    this.#foreign = this.#binding.other(held);
    this.#adopt(this.#foreign === null ? AuthState.fromJson(held) : null, generation);
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
    let stored: AuthState | null = null;
    let marker: Stored = null;
    let view: StoreAfterRejection;
    try {
      [stored, marker] = await this.#read();
      const rejected = this.#fenced !== null ? this.#stored : current.token.refreshToken;
      if (this.#fenced !== null && marker === null) view = "lost";
      else view = stored !== null && marker !== rejected ? "other" : "same";
    } catch (caught) {
      // A store that cannot be read cannot say whether it still holds that token (the session
      // is kept); content nobody can use holds no newer tokens.
      view = caught instanceof AuthDataError ? "same" : "unreadable";
      marker = ANY; // content nobody can use is no newer token
    }
    const outcome = afterRejection(view);
    if (outcome === "keep") return this.#state;
    this.#unsaved = null;
    if (outcome === "drop") {
      this.#adopt(null, null);
      return null;
    }
    if (outcome === "adopt") {
      this.#adopt(stored, marker);
      return stored;
    }
    await this.keep(null, events, marker);
    if (this.#state !== null) return this.#state; // refused: newer tokens were adopted
    events.push([Events.accessViolation, error]);
    return null;
  }

  // --- internals ------------------------------------------------------------------------------

  #adopt(state: AuthState | null, marker: Stored): void {
    // The same tokens read back keep their generation.
    if (state === null || !same(state, this.#state)) this.use(state);
    this.#stored = marker;
  }

  /**
   * The store's tokens when they are this platform's (another's: none, noted in #foreign), and
   * what marks them: AuthDataError for content nobody can use, TokenStoreError otherwise.
   * #unbound notes a session saved without a binding (to be written back bound).
   */
  async #read(): Promise<[AuthState | null, Stored]> {
    let data: unknown;
    let generation: string | null = null;
    this.#foreign = null;
    try {
      if (this.#fenced !== null) [data, generation] = await this.#fenced.loadGeneration();
      else data = await this.store.load();
    } catch (error) {
      if (error instanceof AuthDataError) throw error;
      throw this.#storeError("could not read the token store", error);
    }
    this.#foreign = this.#binding.other(data);
    this.#unbound = this.#foreign === null && this.#binding.unbound(data);
    const state = this.#foreign === null ? AuthState.fromJson(data) : null;
    return [state, this.#fenced !== null ? generation : refreshTokenOf(state)];
  }

  #storeError(what: string, error: unknown): TokenStoreError {
    if (error instanceof TokenStoreError) return error;
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return new TokenStoreError(this.#redactor.text(`${what}: ${text}`));
  }
}

/**
 * The token lock of one platform: concurrent calls that find the token due queue here, so one
 * refresh is sent per rotation; waiting ends after a timeout with a TokenStoreError.
 */
class Lock {
  #tail: Promise<void> = Promise.resolve();
  #holders = 0;

  async run<T>(task: () => Promise<T>, timeoutSeconds: number, what: string): Promise<T> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = () => ((this.#holders -= 1), resolve())));
    const previous = this.#tail;
    this.#tail = previous.then(() => mine);
    this.#holders += 1;
    if (this.#holders === 1) {
      // Nobody holds or waits: no timer needed.
      try {
        await previous;
        return await task();
      } finally {
        release();
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const acquired = await Promise.race([
      previous.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutSeconds * 1000);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
    if (!acquired) {
      void previous.then(release);
      throw new TokenStoreError(`timed out after ${timeoutSeconds}s waiting for ${what}`);
    }
    try {
      return await task();
    } finally {
      release();
    }
  }
}
