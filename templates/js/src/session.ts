/**
 * A platform's session: the token lifecycle and authenticated calls (its options are checked in
 * options.ts; the tokens it holds, their store and lock are the Ledger's, ledger.ts). The
 * generated `Platform` (platform.ts) holds one Session and adds one method per operation of
 * the spec.
 *
 * Tokens are built for RingCentral's single-use refresh tokens:
 * - the access token is refreshed `refreshMargin` seconds before it expires (against `clock`),
 *   and once more, with one retry of the call, when a call gets a 401 token error (a second
 *   retry only with tokens another worker rotated in meanwhile);
 * - any number of concurrent calls that find the token due cause one refresh (a lock; inside it
 *   the store is re-read, and a rotation someone else made is used);
 * - only the platform's verdict on the refresh token the store still holds ends the session (and
 *   fires `accessViolation` once): `invalid_grant` naming no error code or one of
 *   REFRESH_REJECTED_CODES; network trouble, a wrong app secret, an app without the grant or a
 *   proxy's error page keep the tokens;
 * - new tokens are never dropped: when the store fails to save them they are used from memory,
 *   `storeError` reports a TokenStoreError (nothing rejects), and they are saved at the next call
 *   that finds the store writable (unless it holds newer tokens by then: theirs win).
 */

import { AuthState, Binding } from "./auth.js";
import { after401, endsSession } from "./decide.js";
import {
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_RETRY_WAIT,
  DEFAULT_REFRESH_MARGIN,
  DEFAULT_TIMEOUT,
  MAX_RESPONSE_BYTES,
  TOKEN_PATH,
} from "./constants.js";
import { Emitter, type Listener } from "./emitter.js";
import { type EventName, Events } from "./events.js";
import {
  APIStatusError,
  AuthenticationError,
  LoginRequiredError,
  TokenStoreError,
  UsageError,
} from "./exceptions.js";
import { TokenInfo } from "./models.js";
import { isLoopback, type PlatformOptions, type RequestOptions, checkServer, positive } from "./options.js";
import { chooseProxy } from "./proxy.js";
import { Redactor } from "./redact.js";
import { type Collected, Ledger } from "./ledger.js";
import { type AuthData, MemoryTokenStore, type TokenStore } from "./store.js";
import { type ApiResponse, tokenFrom } from "./response.js";
import { Transport, isTokenFailure } from "./transport.js";
import { VERSION } from "./version.js";

export { checkServer, type PlatformOptions, type RequestOptions } from "./options.js";

/** The refresh grant's form for the tokens held (generated from the spec: platform.ts). */
export type RefreshForm = (state: AuthState) => Record<string, string>;

/**
 * What a Platform is made of: its options, its transport, its tokens (a Ledger) and their
 * lifecycle. A Platform holds one Session and adds one method per operation of the spec.
 */
export class Session {
  /** The event names, as in `platform.on(platform.events.accessViolation, listener)`. */
  readonly events = Events;
  readonly appKey: string;
  /** The platform's base URL (no trailing slash). */
  readonly server: string;
  readonly store: TokenStore;
  readonly timeout: number;
  readonly refreshMargin: number;
  readonly autoRefresh: boolean;
  readonly maxRetries: number;
  readonly maxRetryWait: number;
  readonly lockTimeout: number;
  readonly #clock: () => number;
  readonly #redactor = new Redactor();
  readonly #emitter: Emitter;
  readonly #ledger: Ledger;
  readonly #transport: Transport;
  readonly #refreshForm: RefreshForm;
  readonly #basic: string | null;
  readonly #binding: Binding;

  constructor(options: PlatformOptions, refreshForm: RefreshForm) {
    if (typeof options !== "object" || options === null) throw new UsageError("options are required");
    const { appKey, appSecret } = options;
    if (typeof appKey !== "string" || !appKey) throw new UsageError("appKey is required");
    if (appSecret !== undefined && appSecret !== null && typeof appSecret !== "string") {
      throw new UsageError("appSecret must be a string or null");
    }
    // A NUL or line break in a credential is a mistake or an attack (Python and PHP refuse it too).
    if (/[\u0000-\u001f\u007f]/.test(appKey)) throw new UsageError("appKey contains a control character");
    if (appSecret && /[\u0000-\u001f\u007f]/.test(appSecret)) {
      throw new UsageError("appSecret contains a control character");
    }
    for (const name of ["clock", "sleep", "fetch"] as const) {
      if (options[name] !== undefined && typeof options[name] !== "function") {
        throw new UsageError(`${name} must be a function, not ${typeof options[name]}`);
      }
    }
    const server = checkServer(options.server, options.allowInsecureHttp === true);
    this.appKey = appKey;
    this.server = server.origin + server.pathname.replace(/\/+$/, "");
    this.store = options.store ?? new MemoryTokenStore();
    this.timeout = positive("timeout", options.timeout ?? DEFAULT_TIMEOUT, false);
    this.refreshMargin = positive("refreshMargin", options.refreshMargin ?? DEFAULT_REFRESH_MARGIN, true);
    this.autoRefresh = options.autoRefresh ?? true;
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new UsageError("maxRetries must be a non-negative integer");
    }
    this.maxRetries = maxRetries;
    this.maxRetryWait = positive("maxRetryWait", options.maxRetryWait ?? DEFAULT_MAX_RETRY_WAIT, true);
    this.lockTimeout = positive(
      "lockTimeout",
      options.lockTimeout ?? this.timeout * (this.maxRetries + 1) + this.maxRetryWait + 5,
      false,
    );
    this.#clock = options.clock ?? (() => Date.now() / 1000);
    this.#binding = new Binding(`${server.protocol}//${server.hostname}:${server.port || (server.protocol === "https:" ? 443 : 80)}`, appKey);
    this.#refreshForm = refreshForm;
    this.#ledger = new Ledger(this.store, this.lockTimeout, this.#redactor, (m) => this.#transport.warn(m), this.#binding);
    const secret = appSecret || null;
    this.#basic = null;
    if (secret !== null) {
      if (/[\r\n]/.test(appKey + secret)) throw new UsageError("appKey and appSecret must not contain CR or LF");
      const basic = Buffer.from(`${appKey}:${secret}`, "utf8").toString("base64");
      this.#basic = `Basic ${basic}`;
      this.#redactor.add(secret, basic);
    }
    const maxResponseBytes = options.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) {
      throw new UsageError("maxResponseBytes must be a positive integer");
    }
    const proxy = chooseProxy(server, options.proxy, process.env);
    if (proxy !== null) this.#redactor.add(...proxy.secrets);
    const agent = `rcsdk-js/${VERSION} node/${process.versions.node}`;
    if (options.userAgent !== undefined && /[\r\n]/.test(options.userAgent)) {
      throw new UsageError("userAgent must not contain CR or LF");
    }
    if (options.userAgent !== undefined && !/^[\u0020-\u007e]*$/.test(options.userAgent)) {
      throw new UsageError("userAgent contains a control or non-ASCII character");
    }
    this.#transport = new Transport({
      server,
      timeout: this.timeout,
      maxRetries: this.maxRetries,
      maxRetryWait: this.maxRetryWait,
      clock: this.#clock,
      sleep: options.sleep ?? ((s) => new Promise((resolve) => setTimeout(resolve, s * 1000))),
      fetch: options.fetch ?? null,
      userAgent: options.userAgent ? `${options.userAgent} ${agent}` : agent,
      basic: this.#basic,
      redactor: this.#redactor,
      logger: options.logger ?? null,
      onLongWait: (error) => this.#emitter.emit(Events.rateLimitWait, error),
      proxy,
      maxResponseBytes,
    });
    if (server.protocol === "http:" && !isLoopback(server.hostname)) {
      this.#transport.warn(`rcsdk: plain http to ${server.host}: credentials cross the network in the clear`);
    }
    this.#emitter = new Emitter((event, error) => {
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      this.#transport.warn(`rcsdk: a ${event} listener threw: ${this.#redactor.text(text)}`);
    });
  }

  toString(): string {
    return `Platform(appKey=${JSON.stringify(this.appKey)}, server=${JSON.stringify(this.server)})`;
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.toString();
  }

  // --- events ---------------------------------------------------------------------------------

  /** Call `listener(payload)` on `event`; returns a function that removes it. */
  on(event: EventName | string, listener: Listener): () => void {
    return this.#emitter.on(event, listener);
  }

  // --- for the generated operations -----------------------------------------------------------

  emit(event: EventName, payload: unknown): void {
    this.#emitter.emit(event, payload);
  }

  /** Remember secrets the caller passed, so that no message can show them. */
  redact(...values: (string | null | undefined)[]): void {
    this.#redactor.add(...values);
  }

  now(): number {
    return this.#clock();
  }

  /** Public apps identify themselves in the body; confidential ones use Basic auth. */
  clientForm(form: Record<string, string>): Record<string, string> {
    return this.#basic === null ? { ...form, client_id: this.appKey } : form;
  }

  /** A login: exchange `form` for tokens, keep them, fire the events. */
  async login(form: Record<string, string>, success: EventName, failure: EventName): Promise<TokenInfo> {
    let token: TokenInfo;
    const asked = this.#clock(); // their lifetime counts from here (AuthState.issued)
    try {
      const response = await this.#transport.send("POST", TOKEN_PATH, {
        form: this.clientForm(form),
        client: true,
      });
      token = this.#issued(response);
    } catch (error) {
      this.#emitter.emit(failure, error);
      throw error;
    }
    // The platform issued these tokens: whatever the store does, they are kept (in memory at
    // least) before anything else can fail.
    const events = await this.#replace(AuthState.issued(token, asked));
    events.push([success, token]);
    this.#emitAll(events);
    return token;
  }

  /** Send a revoke (or another client-authenticated form) request. */
  async clientRequest(path: string, form: Record<string, string>): Promise<ApiResponse> {
    return this.#transport.send("POST", path, { form: this.clientForm(form), client: true });
  }

  /** Forget the tokens (memory and store); a store that cannot forget them fires `storeError`. */
  async forget(): Promise<void> {
    this.#emitAll(await this.#replace(null));
  }

  async currentState(): Promise<AuthState | null> {
    return this.#ledger.current();
  }

  /**
   * Refresh unless someone already replaced the tokens the caller saw (`seen`: the session's
   * generation when it read them; `null` forces a refresh). A replacement is recognised by the
   * generation, never by comparing token strings (a server may hand out the same access token
   * every time). If the store cannot even be locked (Redis down), a caller whose access token is
   * still valid goes on with it (not one whose call the platform just `rejected`); otherwise the
   * TokenStoreError is thrown: nothing is refreshed without the store, so nothing the fleet
   * shares is lost (docs/FLEET.md).
   */
  async refreshTokens(seen: number | null, rejected = false): Promise<AuthState> {
    const events: Collected = [];
    const ledger = this.#ledger;
    let entered = false;
    try {
      return await ledger.locked(async () => {
        entered = true;
        const current = await ledger.sync(events);
        const now = this.#clock();
        if (current === null) throw ledger.refusal();
        if (seen !== null && ledger.generation !== seen && !current.accessDue(now, this.refreshMargin)) {
          return current;
        }
        if (!current.canRefresh(now)) {
          const error = new LoginRequiredError(
            "the session has expired (no usable refresh token): log in again",
          );
          await ledger.keep(null, events);
          events.push([Events.refreshError, error], [Events.accessViolation, error]);
          throw error;
        }
        let token: TokenInfo;
        const asked = this.#clock(); // the new tokens' lifetime counts from here
        try {
          const response = await this.#transport.send("POST", TOKEN_PATH, {
            form: this.clientForm(this.#refreshForm(current)),
            client: true,
          });
          token = this.#issued(response);
        } catch (error) {
          events.push([Events.refreshError, error]);
          if (error instanceof APIStatusError && endsSession(error.statusCode, error.error, error.errorCodes)) {
            // The platform's verdict on this refresh token; it ends the session only if the
            // store still holds that token (another process may have rotated it meanwhile).
            const stored = await ledger.rejected(current, error, events);
            if (stored !== null && stored !== current && stored.usable(this.#clock())) {
              events.pop(); // not a failure: someone else rotated the tokens meanwhile
              return stored;
            }
          }
          throw error;
        }
        const fresh = AuthState.issued(token, asked);
        // The old refresh token is spent: from here on only the new tokens are kept.
        await ledger.keep(fresh, events);
        events.push([Events.refreshSuccess, token]);
        // A fenced store holding a newer generation refuses ours (our lease lapsed while the
        // platform answered): the ledger adopted the store's.
        return ledger.held ?? fresh;
      });
    } catch (error) {
      const held = ledger.held;
      if (
        !entered &&
        !rejected &&
        error instanceof TokenStoreError &&
        seen !== null &&
        held !== null &&
        !held.accessDue(this.#clock(), 0)
      ) {
        return held; // the store cannot be locked; the access token in memory is still valid
      }
      throw error;
    } finally {
      this.#emitAll(events);
    }
  }

  /** Tokens fit for a call, refreshed first when they are due, and the session's generation
   * of them. */
  async access(): Promise<[AuthState, number]> {
    const ledger = this.#ledger;
    // Read the store first: a session saved unbound is to be written back bound (as unsaved).
    if (ledger.held === null && !ledger.unsaved) await ledger.current();
    if (ledger.unsaved) {
      // Tokens a failed store write could not save: write them now, unless the store holds
      // newer ones (they stay in use either way).
      const events: Collected = [];
      try {
        await ledger.locked(async () => {
          if (ledger.unsaved) await ledger.sync(events);
        });
      } catch (error) {
        if (!(error instanceof TokenStoreError)) throw error;
        this.#transport.debug(`rcsdk: ${error.message}`); // the store cannot even be read or locked
      }
      this.#emitAll(events);
    }
    const seen = ledger.generation; // read before the state: never newer than it
    const state = await ledger.current();
    if (state === null) throw ledger.refusal();
    if (this.autoRefresh && state.accessDue(this.#clock(), this.refreshMargin)) {
      const fresh = await this.refreshTokens(seen);
      return [fresh, ledger.generation];
    }
    return [state, seen];
  }

  /** The tokens held when a call can use them as they are (access() does the rest). */
  #ready(): AuthState | null {
    const state = this.#ledger.held;
    if (state === null || this.#ledger.unsaved) return null;
    return this.autoRefresh && state.accessDue(this.#clock(), this.refreshMargin) ? null : state;
  }

  /**
   * An authenticated call; a 401 token error triggers one refresh and one retry, and a second
   * retry only with tokens another worker rotated in meanwhile (decide.ts's after401).
   */
  async authorized(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<ApiResponse> {
    let state = this.#ready();
    let seen = this.#ledger.generation;
    if (state === null) [state, seen] = await this.access();
    for (let sends = 1; ; sends += 1) {
      try {
        return await this.#transport.send(method, path, options, state.token.accessToken);
      } catch (error) {
        if (!(error instanceof AuthenticationError)) throw error;
        const step = after401(sends, isTokenFailure(error), this.autoRefresh);
        if (step === "refresh") {
          state = await this.refreshTokens(seen, true);
        } else {
          // Another worker (or a central refresher) may have rotated the tokens.
          const fresh = step === "reload" ? await this.#rotatedSince(seen) : null;
          if (fresh === null) throw error;
          state = fresh;
        }
        seen = this.#ledger.generation;
      }
    }
  }

  /** The stored tokens, if someone replaced the generation `seen` by now. */
  async #rotatedSince(seen: number): Promise<AuthState | null> {
    const events: Collected = [];
    const fresh = await this.#ledger.locked(() => this.#ledger.sync(events));
    this.#emitAll(events);
    return fresh === null || this.#ledger.generation === seen ? null : fresh;
  }

  // --- auth data ------------------------------------------------------------------------------

  /**
   * The tokens this platform holds in memory and their expiry times, as a JSON-ready object (`{}`
   * when it holds none): the same object as Python's `get_auth_data()`. `setAuthData` takes it
   * back. Synchronous, as in RingCentral's JavaScript SDK, so it never reads the store: a
   * platform that has not used its store yet holds nothing; `loadAuthData()` reads it.
   */
  getAuthData(): AuthData {
    const state = this.#ledger.held;
    return state !== null ? { ...state.toJSON(), ...this.#binding.fields() } : {};
  }

  /**
   * The auth data as Python's `get_auth_data()`, PHP's `getAuthData()` and Go's `GetAuthData()`
   * give it: the tokens in use or, with none, what the store holds for this platform (another
   * platform's session: `{}`), read now and used from then on.
   */
  async loadAuthData(): Promise<AuthData> {
    await this.#ledger.current();
    return this.getAuthData();
  }

  /**
   * Restore what `getAuthData` returned (`{}` or null log out locally); the tokens are used at
   * once and written to the store. Rejects with AuthDataError for data of an unknown version or
   * shape; a store that cannot save them fires `storeError` (they are kept in memory, and
   * written at the next call that finds the store writable).
   */
  async setAuthData(data: AuthData | null | undefined): Promise<void> {
    const theirs = this.#binding.other(data);
    if (theirs !== null) throw this.#binding.refusal("the auth data", theirs);
    this.#emitAll(await this.#replace(AuthState.fromJson(data)));
  }

  /** Whether calls can be authorized without a new login (valid or refreshable tokens). */
  async isAuthorized(): Promise<boolean> {
    const state = await this.#ledger.current();
    return state !== null && state.usable(this.#clock());
  }

  // --- internals ------------------------------------------------------------------------------

  /** Use `state` at once, then write it over whatever the store holds (a failed write keeps it
   * in memory, to write later); returns the events to emit. */
  async #replace(state: AuthState | null): Promise<Collected> {
    const ledger = this.#ledger;
    const events: Collected = [];
    ledger.use(state);
    try {
      await ledger.locked(() => ledger.replace(state, events));
    } catch (error) {
      if (!(error instanceof TokenStoreError)) throw error;
      ledger.failed(state, error, events); // the lock timed out, or the store's own lock failed
    }
    return events;
  }

  #emitAll(events: Collected): void {
    for (const [event, payload] of events) this.#emitter.emit(event, payload);
  }

  /** The tokens of a token response, known to the redactor from now on. */
  #issued(response: ApiResponse): TokenInfo {
    const token = tokenFrom(response);
    this.#redactor.addTokens(token.accessToken, token.refreshToken, token.idToken);
    return token;
  }
}

