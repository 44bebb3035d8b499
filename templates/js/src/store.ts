/**
 * Where a platform keeps its tokens: in memory (the default) or in a file.
 *
 * A store holds the auth data object (`platform.getAuthData()`, the same format as Python's
 * `get_auth_data()`). The platform re-reads it inside its refresh lock and skips the refresh when
 * someone else already rotated the tokens, then writes the new ones before letting go.
 *
 * `FileTokenStore` writes the same file as Python's `FileTokenStore` (JSON, mode 0600, atomic
 * rename), so the two runtimes can hand a session to each other. As there, a file it cannot read
 * or trust (a symlink, a directory, a named pipe or device, a file others may write) is a
 * TokenStoreError, and content nobody can use (not JSON, not an object) an AuthDataError. Its
 * lock is the owner file `<path>.lock.owner` (owner.ts), which Python and PHP processes take too,
 * beside their flock(2) (Node has none without a native addon): Node, Python and PHP processes
 * can share one file, and a holder killed with SIGKILL is found dead and its lock broken
 * (docs/FLEET.md).
 */

import { randomBytes } from "node:crypto";
import { constants, promises as fs } from "node:fs";
import * as nodePath from "node:path";

import { DEFAULT_LOCK_TIMEOUT, MAX_STORE_BYTES } from "./constants.js";
import { AuthDataError, TokenStoreError, UsageError } from "./exceptions.js";
import { OwnerFile } from "./owner.js";

export type AuthData = Record<string, unknown>;

/** What a platform needs from a token store (sync or async). */
export interface TokenStore {
  /** The saved auth data, or null when there is none. */
  load(): AuthData | null | Promise<AuthData | null>;
  /** Replace the saved auth data (null forgets it). */
  save(data: AuthData | null): void | Promise<void>;
  /** Run `task` holding the store's exclusive lock (optional: the platform's own lock is used). */
  lock?<T>(task: () => Promise<T>): Promise<T>;
}

/** `FencedTokenStore.saveIf`'s `expected` for a write that replaces whatever is stored. */
export const ANY_GENERATION = "*";

/**
 * A store that numbers its writes (RedisTokenStore): the platform then writes refreshed tokens
 * only over the generation they were refreshed from, and orders tokens by generation, never by a
 * clock (docs/FLEET.md). A generation is an opaque string; null means the store holds nothing at
 * all (a lost key, written back from valid tokens in memory), while data null with a generation
 * means logged out.
 */
export interface FencedTokenStore extends TokenStore {
  /** The saved auth data and its generation. */
  loadGeneration(): Promise<[AuthData | null, string | null]>;
  /** Write `data` if the store holds generation `expected` (null: nothing; ANY_GENERATION:
   * anything); resolves to whether it wrote, and the data and generation the store holds now. */
  saveIf(data: AuthData | null, expected: string | null): Promise<[boolean, AuthData | null, string | null]>;
}

/** Tokens in this process's memory, lost when it exits. The default. */
export class MemoryTokenStore implements TokenStore {
  #data: AuthData | null = null;

  load(): AuthData | null {
    return this.#data === null ? null : structuredClone(this.#data);
  }

  save(data: AuthData | null): void {
    this.#data = data === null ? null : structuredClone(data);
  }
}

function kind(stat: { isDirectory(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  if (stat.isDirectory()) return "a directory";
  if (stat.isFIFO()) return "a named pipe";
  if (stat.isSocket()) return "a socket";
  return "a device";
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : error instanceof Error ? error.name : "error";
}

/** Tokens in a JSON file (mode 0600), written atomically; see the module's note on locking. */
export class FileTokenStore implements TokenStore {
  /** The absolute path (resolved when the store is made, so a later chdir changes nothing). */
  readonly path: string;
  /** How long lock() waits for another process before it throws TokenStoreError (seconds). */
  readonly lockTimeout: number;

  constructor(path: string, options: { lockTimeout?: number } = {}) {
    if (typeof path !== "string" || !path) throw new UsageError("path must be a non-empty string");
    this.path = nodePath.resolve(path);
    this.lockTimeout = options.lockTimeout ?? DEFAULT_LOCK_TIMEOUT;
  }

  /** Run `task` holding the owner file, the lock Node, Python and PHP processes share. */
  async lock<T>(task: () => Promise<T>): Promise<T> {
    const owner = new OwnerFile(`${this.path}.lock.owner`);
    try {
      await fs.mkdir(nodePath.dirname(this.path), { recursive: true, mode: 0o700 });
      if (!(await owner.acquire(Date.now() + this.lockTimeout * 1000))) {
        const holder = (await owner.holder()) ?? "another process";
        throw new TokenStoreError(
          `timed out after ${this.lockTimeout} s waiting for the token store lock ${owner.path} (held by ${holder})`,
        );
      }
    } catch (error) {
      if (error instanceof TokenStoreError) throw error;
      throw new TokenStoreError(`cannot lock token store ${this.path}: ${reason(error)}`);
    }
    try {
      return await task();
    } finally {
      await owner.release().catch(() => undefined);
    }
  }

  async load(): Promise<AuthData | null> {
    // What is at the path, before opening it: a named pipe or a device is refused unopened (a
    // FIFO's open blocks until a writer comes). The open below is non-blocking too and follows no
    // link, and what it opened is checked again: that is the file read. (Another process's save
    // renames a new file over the path at any time, so the file opened may be newer than the one
    // looked at: that is no reason to refuse it.)
    let seen: Awaited<ReturnType<typeof fs.lstat>>;
    try {
      seen = await fs.lstat(this.path);
    } catch (error) {
      if (reason(error) === "ENOENT") return null;
      throw new TokenStoreError(`cannot read token store ${this.path}: ${reason(error)}`);
    }
    if (seen.isSymbolicLink()) {
      throw new TokenStoreError(`${this.path} is a symbolic link: rcsdk does not follow links at its token store`);
    }
    if (!seen.isFile()) throw new TokenStoreError(`token store ${this.path} is not a regular file (${kind(seen)})`);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(this.path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    } catch (error) {
      if (reason(error) === "ENOENT") return null;
      if (reason(error) === "ELOOP") {
        throw new TokenStoreError(`${this.path} is a symbolic link: rcsdk does not follow links at its token store`);
      }
      throw new TokenStoreError(`cannot read token store ${this.path}: ${reason(error)}`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new TokenStoreError(`token store ${this.path} is not a regular file (${kind(stat)})`);
      if (stat.mode & 0o022) {
        throw new TokenStoreError(`token store ${this.path} is writable by other users: refused`);
      }
      if (typeof process.getuid === "function" && stat.uid !== process.getuid()) {
        throw new TokenStoreError(`token store ${this.path} belongs to another user: refused`);
      }
      if (stat.size > MAX_STORE_BYTES) {
        throw new TokenStoreError(`token store ${this.path} is over ${MAX_STORE_BYTES} bytes`);
      }
      const text = (await handle.readFile()).toString("utf8");
      let data: unknown;
      try {
        data = JSON.parse(text);
      } catch {
        throw new AuthDataError(`token store ${this.path} is not JSON`);
      }
      if (data === null) return null;
      if (typeof data !== "object" || Array.isArray(data)) {
        throw new AuthDataError(`token store ${this.path} does not hold a JSON object`);
      }
      return data as AuthData;
    } catch (error) {
      if (error instanceof AuthDataError || error instanceof TokenStoreError) throw error;
      throw new TokenStoreError(`cannot read token store ${this.path}: ${reason(error)}`);
    } finally {
      await handle.close();
    }
  }

  async save(data: AuthData | null): Promise<void> {
    const folder = nodePath.dirname(this.path);
    if (data === null) {
      try {
        await fs.unlink(this.path);
      } catch (error) {
        if (reason(error) !== "ENOENT") {
          throw new TokenStoreError(`cannot remove token store ${this.path}: ${reason(error)}`);
        }
      }
      return;
    }
    // Sorted keys and two-space indent, as Python's json.dump(..., indent=2, sort_keys=True).
    const text = JSON.stringify(sortKeys(data), null, 2);
    const temporary = nodePath.join(
      folder,
      `.${nodePath.basename(this.path)}.${randomBytes(6).toString("hex")}`,
    );
    try {
      await fs.mkdir(folder, { recursive: true, mode: 0o700 });
      const handle = await fs.open(
        temporary,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        await handle.writeFile(text, "utf8");
        await handle.sync();
      } finally {
        await handle.close();
      }
      // rename replaces whatever is at the path (a planted symlink too) without following it.
      await fs.rename(temporary, this.path);
    } catch (error) {
      await fs.unlink(temporary).catch(() => undefined);
      throw new TokenStoreError(`cannot write token store ${this.path}: ${reason(error)}`);
    }
    try {
      const dir = await fs.open(folder, constants.O_RDONLY);
      await dir.sync().finally(() => dir.close());
    } catch {
      // Some platforms cannot fsync a folder; the rename is still atomic.
    }
  }
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys((value as AuthData)[key]);
    return out;
  }
  return value;
}
