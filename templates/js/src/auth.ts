/**
 * The tokens a platform holds, with their absolute expiry times (seconds since the epoch), and
 * their stored form: the same object as Python's `get_auth_data()`, so either SDK takes what the
 * other wrote. Expiry times are computed once, when the tokens arrive; restoring saved auth data
 * never recomputes them from `expires_in`.
 */

import { AUTH_DATA_APP_KEY, AUTH_DATA_ORIGIN, AUTH_DATA_VERSION } from "./constants.js";
import { accessDue, canRefresh, expiry, lifetime } from "./decide.js";
import { AuthDataError, SessionOriginError } from "./exceptions.js";
import { TokenInfo } from "./models.js";
import { MissingFieldError, isObject } from "./read.js";
import type { AuthData } from "./store.js";

export class AuthState {
  constructor(
    readonly token: TokenInfo,
    readonly expiresAt: number | null,
    readonly refreshTokenExpiresAt: number | null,
  ) {}

  /**
   * The tokens of a token request sent at `now`: their lifetime counts from the request, not from
   * the answer, so an answer read late (a process paused, a slow network) never makes them look
   * younger than they are (docs/FLEET.md). A lifetime that is not a positive number of seconds
   * (`expires_in: 0`, `-5`, `1e400`) is treated as unknown: the token is used until the
   * platform rejects it, then refreshed once.
   */
  static issued(token: TokenInfo, now: number): AuthState {
    return new AuthState(
      token,
      expiry(now, token.expiresIn),
      token.refreshToken ? expiry(now, token.refreshTokenExpiresIn) : null,
    );
  }

  /** When the tokens were issued (from the access token's expiry and lifetime). */
  issuedAt(): number | null {
    const known = lifetime(this.token.expiresIn);
    return this.expiresAt === null || known === null ? null : this.expiresAt - known;
  }

  /** Whether the access token expires within `margin` seconds (decide.ts). */
  accessDue(now: number, margin: number): boolean {
    return accessDue(this.expiresAt, this.token.expiresIn, now, margin);
  }

  canRefresh(now: number): boolean {
    return canRefresh(this.token.refreshToken, this.refreshTokenExpiresAt, now);
  }

  /** Whether these tokens can still authorize a call, directly or after a refresh. */
  usable(now: number): boolean {
    return !this.accessDue(now, 0) || this.canRefresh(now);
  }

  toJSON(): AuthData {
    return {
      version: AUTH_DATA_VERSION,
      token: this.token.toJson(),
      expires_at: this.expiresAt,
      refresh_token_expires_at: this.refreshTokenExpiresAt,
    };
  }

  /** Read saved auth data; `{}`, null or undefined mean "no tokens". */
  static fromJson(data: unknown): AuthState | null {
    if (data === null || data === undefined) return null;
    if (!isObject(data)) {
      throw new AuthDataError(
        `auth data must be an object, not ${Array.isArray(data) ? "an array" : typeof data}`,
      );
    }
    if (Object.keys(data).length === 0) return null;
    const version = data["version"];
    if (version !== AUTH_DATA_VERSION) {
      throw new AuthDataError(
        `auth data has version ${JSON.stringify(version ?? null)}; this rcsdk reads version ` +
          `${AUTH_DATA_VERSION} (saved by a different rcsdk? log in again to replace it)`,
      );
    }
    let token: TokenInfo;
    try {
      token = TokenInfo.fromJson(data["token"]);
    } catch (error) {
      if (error instanceof MissingFieldError) {
        throw new AuthDataError(`auth data holds no usable token: ${error.message}`);
      }
      throw error;
    }
    return new AuthState(token, time(data, "expires_at"), time(data, "refresh_token_expires_at"));
  }
}

/**
 * Whose session auth data holds: the server origin (`scheme://host:port`) and the app key it was
 * issued for (the rule of Python's `Binding`). A platform uses only the sessions bound to its
 * own; data saved without a binding (by an rcsdk before it) is taken once and saved back bound.
 */
export class Binding {
  constructor(
    readonly origin: string,
    readonly appKey: string,
  ) {}

  fields(): AuthData {
    return { [AUTH_DATA_ORIGIN]: this.origin, [AUTH_DATA_APP_KEY]: this.appKey };
  }

  /** The [origin, app key] `data` records when it is another's session, else null. */
  other(data: unknown): [unknown, unknown] | null {
    if (!isObject(data) || (!(AUTH_DATA_ORIGIN in data) && !(AUTH_DATA_APP_KEY in data))) return null;
    const theirs: [unknown, unknown] = [data[AUTH_DATA_ORIGIN], data[AUTH_DATA_APP_KEY]];
    return theirs[0] === this.origin && theirs[1] === this.appKey ? null : theirs;
  }

  /** Whether `data` is a session saved without a binding (by an earlier rcsdk). */
  unbound(data: unknown): boolean {
    return isObject(data) && Object.keys(data).length > 0 && !(AUTH_DATA_ORIGIN in data) && !(AUTH_DATA_APP_KEY in data);
  }

  /** The error of a call that needs a session when `where` holds another's. */
  refusal(where: string, theirs: [unknown, unknown]): SessionOriginError {
    return new SessionOriginError(
      `${where} holds the session of ${plain(theirs[0])} (app key ${plain(theirs[1])}), not of this ` +
        `platform (${this.origin}, app key ${plain(this.appKey)}): its tokens are not sent here and it ` +
        "is left as it is; log in to start a session for this platform",
    );
  }
}

/** A value read from a store, for a message: printable ASCII, cut short. */
function plain(value: unknown, limit = 80): string {
  const text = String(value).replace(/[^\u0020-\u007e]/g, "?");
  return text.length <= limit ? text : `${text.slice(0, limit - 3)}...`;
}

/** How a message names a store: its file where it has one, else its class. */
export function storeName(store: object): string {
  const path = (store as { path?: unknown }).path;
  return path !== undefined && path !== null ? `token store ${String(path)}` : `token store ${store.constructor?.name ?? "object"}`;
}

function time(data: Readonly<Record<string, unknown>>, key: string): number | null {
  const value = data[key];
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new AuthDataError(`auth data field "${key}" must be a number or null`);
  }
  return value;
}
