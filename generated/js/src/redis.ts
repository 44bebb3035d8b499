// Copied verbatim from templates/js/src/redis.ts by rcsdk's generator.
// Do not edit: change templates/js/src/redis.ts and run `make generate`.
/**
 * Tokens in Redis, for many workers on many machines, in any of rcsdk's languages:
 *
 *     import { RCSDK } from "rcsdk";
 *     import { RedisTokenStore } from "rcsdk/redis";
 *
 *     const store = new RedisTokenStore("rcsdk:APP_KEY:USER", { url: "redis://localhost:6379/0" });
 *     const sdk = new RCSDK({ appKey, appSecret, server, store });
 *
 * The same store as Python's `rcsdk.redis.RedisTokenStore` and PHP's `Rcsdk\RedisTokenStore`: it
 * runs the token store protocol's Lua scripts (store/*.lua, the same bytes in every package), so
 * Python, Node and PHP workers naming one key share one session (docs/FLEET.md). Saves are
 * compare-and-set on the store's generation; `lock()` is a lease in Redis, renewed while held.
 *
 * The `redis` client from npm is an optional peer dependency: this module imports it only when a
 * store made from a `url` first talks to Redis, and `import "rcsdk"` never loads this module. Pass
 * `client` to use a node-redis client of your own (connected; you close it).
 */

import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";

import { DEFAULT_LOCK_TIMEOUT, DEFAULT_STORE_KEY_TTL, DEFAULT_STORE_LEASE } from "./constants.js";
import { AuthDataError, TokenStoreError } from "./exceptions.js";
import { ANY_GENERATION, type AuthData, type FencedTokenStore } from "./store.js";

/** Seconds a lock lasts unless its holder renews it (it renews every third of that). */
export const DEFAULT_LEASE = DEFAULT_STORE_LEASE;
/** How long the tokens key lives when the refresh token's lifetime is unknown (a week). */
export const DEFAULT_KEY_TTL = DEFAULT_STORE_KEY_TTL;

/** The protocol's scripts, shipped beside dist/ in store/. */
const PROTOCOL = new URL("../store/", import.meta.url);

/** One script of the token store protocol (`load`, `save`, `acquire`, ...). */
export function script(name: string): string {
  return readFileSync(new URL(`${name}.lua`, PROTOCOL), "utf8");
}

/** What the store needs of a node-redis client (v4 or later). */
export interface RedisClientLike {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

export interface RedisTokenStoreOptions {
  /** A redis URL (`redis://host:6379/0`, `rediss://` for TLS); or pass `client`. */
  url?: string;
  /** A connected node-redis client to use instead of `url`. */
  client?: RedisClientLike;
  /** How long the refresh lock lasts unless its holder renews it (seconds). */
  lease?: number;
  /** How long `lock()` waits for another holder before it throws TokenStoreError (seconds). */
  lockTimeout?: number;
  /** How long the key lives when the refresh token's lifetime is unknown (seconds). */
  keyTtl?: number;
  /** Seconds since the epoch, for TTLs (the auth data's expiry times are epoch seconds). */
  clock?: () => number;
}

interface Script {
  readonly text: string;
  readonly sha: string;
}

function loaded(name: string): Script {
  const text = script(name);
  return { text, sha: createHash("sha1").update(text).digest("hex") };
}

function positive(name: string, value: number): number {
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TokenStoreError(`${name} must be a positive number of seconds, not ${String(value)}`);
  }
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Auth data under `key` in Redis, shared by every worker (any language) naming the same key. */
export class RedisTokenStore implements FencedTokenStore {
  readonly key: string;
  readonly lockKey: string;
  readonly lease: number;
  readonly lockTimeout: number;
  readonly keyTtl: number;
  readonly #url: string | null;
  readonly #clock: () => number;
  readonly #scripts: Record<string, Script> = {};
  #client: Promise<RedisClientLike> | null = null;
  #own: { close?(): unknown; destroy?(): unknown; disconnect?(): unknown } | null = null;

  constructor(key: string, options: RedisTokenStoreOptions) {
    if (typeof key !== "string" || !key) {
      throw new TypeError("key is required (one per app and user, e.g. 'rcsdk:APP_KEY:USER')");
    }
    if ((options.url === undefined) === (options.client === undefined)) {
      throw new TypeError("pass either url or client");
    }
    this.key = key;
    this.lockKey = `${key}:lock`;
    this.lease = positive("lease", options.lease ?? DEFAULT_LEASE);
    this.lockTimeout = positive("lockTimeout", options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT);
    this.keyTtl = positive("keyTtl", options.keyTtl ?? DEFAULT_KEY_TTL);
    this.#url = options.url ?? null;
    this.#clock = options.clock ?? (() => Date.now() / 1000);
    if (options.client !== undefined) this.#client = Promise.resolve(options.client);
    for (const name of ["load", "save", "acquire", "renew", "release"]) this.#scripts[name] = loaded(name);
  }

  toString(): string {
    return `RedisTokenStore(key=${JSON.stringify(this.key)})`;
  }

  // --- the fenced protocol, which the platform uses --------------------------------------------

  async loadGeneration(): Promise<[AuthData | null, string | null]> {
    const [auth, generation] = (await this.#run("read", "load", [this.key], [])) as [string, string];
    return [this.#parse(auth), String(generation) || null];
  }

  async saveIf(data: AuthData | null, expected: string | null): Promise<[boolean, AuthData | null, string | null]> {
    let text = data !== null ? JSON.stringify(data) : "";
    let ttl = this.#ttl(data);
    if (ttl === null) [text, ttl] = ["", this.keyTtl]; // nothing in it authorizes any more
    const reply = (await this.#run("write", "save", [this.key], [
      expected ?? "",
      text,
      String(Math.max(1, Math.ceil(ttl * 1000))),
    ])) as [number, string, string];
    return [Number(reply[0]) === 1, this.#parse(reply[2]), String(reply[1]) || null];
  }

  /** Seconds the key lives: until the later expiry of the two tokens, at least the refresh
   * token's (keyTtl when unknown); null when both have expired. */
  #ttl(data: AuthData | null): number | null {
    if (data === null) return this.keyTtl;
    const now = this.#clock();
    const ends = [data["refresh_token_expires_at"], data["expires_at"]]
      .filter((value): value is number => typeof value === "number")
      .map((value) => value - now);
    const token = data["token"] as Record<string, unknown> | undefined;
    const refreshable = typeof token === "object" && token !== null && Boolean(token["refresh_token"]);
    if (ends.length === 0 || (refreshable && data["refresh_token_expires_at"] == null)) ends.push(this.keyTtl);
    const ttl = Math.max(...ends);
    return ttl > 0 ? ttl : null;
  }

  #parse(raw: unknown): AuthData | null {
    const text = raw === null || raw === undefined ? "" : String(raw);
    if (!text) return null;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw new AuthDataError(`token store ${JSON.stringify(this.key)} does not hold JSON`);
    }
    if (data === null) return null;
    if (typeof data !== "object" || Array.isArray(data)) {
      throw new AuthDataError(`token store ${JSON.stringify(this.key)} does not hold a JSON object`);
    }
    return data as AuthData;
  }

  // --- the plain TokenStore protocol -----------------------------------------------------------

  async load(): Promise<AuthData | null> {
    return (await this.loadGeneration())[0];
  }

  async save(data: AuthData | null): Promise<void> {
    await this.saveIf(data, ANY_GENERATION);
  }

  /** Run `task` holding the lease (renewed every third of it while the task runs). */
  async lock<T>(task: () => Promise<T>): Promise<T> {
    const token = randomBytes(16).toString("hex");
    const leaseMs = String(Math.max(1, Math.ceil(this.lease * 1000)));
    const deadline = Date.now() + this.lockTimeout * 1000;
    let pause = 5;
    while (Number(await this.#run("lock", "acquire", [this.lockKey], [token, leaseMs])) !== 1) {
      if (Date.now() >= deadline) {
        throw new TokenStoreError(
          `timed out after ${this.lockTimeout} s waiting for the token store lock ` +
            `${JSON.stringify(this.lockKey)} in Redis (held by another worker)`,
        );
      }
      await sleep(pause * (0.5 + Math.random()));
      pause = Math.min(pause * 2, 50);
    }
    const keeper = setInterval(() => {
      this.#run("renew", "renew", [this.lockKey], [token, leaseMs]).catch(() => undefined);
    }, Number(leaseMs) / 3);
    keeper.unref?.();
    try {
      return await task();
    } finally {
      clearInterval(keeper);
      // A release that fails (Redis went away) costs nothing: the lease ends by itself.
      await this.#run("unlock", "release", [this.lockKey], [token]).catch(() => undefined);
    }
  }

  /** Close the connection this store opened from `url` (a client you passed stays open). */
  async close(): Promise<void> {
    const own = this.#own;
    this.#own = null;
    this.#client = null;
    if (own === null) return;
    await Promise.resolve((own.destroy ?? own.disconnect ?? own.close)?.call(own)).catch(() => undefined);
  }

  // --- internals -------------------------------------------------------------------------------

  async #run(action: string, name: string, keys: string[], args: string[]): Promise<unknown> {
    const found = this.#scripts[name] as Script;
    try {
      const client = await this.#connect();
      try {
        return await client.evalSha(found.sha, { keys, arguments: args });
      } catch (error) {
        if (!String((error as Error)?.message).startsWith("NOSCRIPT")) throw error;
        return await client.eval(found.text, { keys, arguments: args });
      }
    } catch (error) {
      if (error instanceof TokenStoreError) throw error;
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new TokenStoreError(`cannot ${action} token store ${JSON.stringify(this.key)} in Redis: ${text}`);
    }
  }

  /** The client: made from `url` on first use, with the optional `redis` package. */
  #connect(): Promise<RedisClientLike> {
    if (this.#client === null) this.#client = this.#open(this.#url as string);
    return this.#client;
  }

  async #open(url: string): Promise<RedisClientLike> {
    const name = "redis"; // a variable: TypeScript and bundlers leave the optional import alone
    let module: { createClient(options: object): RedisClientLike & Record<string, never> };
    try {
      module = (await import(name)) as typeof module;
    } catch {
      this.#client = null;
      throw new TokenStoreError("RedisTokenStore needs the `redis` package: npm install redis");
    }
    // Commands fail at once while Redis is unreachable (no offline queue): calls go on with the
    // tokens in memory instead of waiting for a reconnection.
    const client = module.createClient({
      url,
      disableOfflineQueue: true,
      socket: { connectTimeout: 2000, reconnectStrategy: (retries: number) => Math.min(20 * 2 ** retries, 100) },
    }) as unknown as RedisClientLike & {
      on(event: string, listener: (error: unknown) => void): void;
      connect(): Promise<unknown>;
      close?(): unknown;
      destroy?(): unknown;
      disconnect?(): unknown;
    };
    client.on("error", () => undefined); // reported by the command that fails, not as a crash
    this.#own = client;
    const connected = client.connect().then(
      () => true,
      () => false,
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), 2000);
      timer.unref?.();
    });
    await Promise.race([connected, waited]);
    clearTimeout(timer);
    return client;
  }
}
