// Copied verbatim from templates/js/src/decide.ts by rcsdk's generator.
// Do not edit: change templates/js/src/decide.ts and run `make generate`.
/**
 * The decisions of the token lifecycle, as functions of values: no clock, no store, no I/O (the
 * same functions, under the same names, as Python's rcsdk/_decide.py, PHP's Decide.php and
 * Go's decide.go). Each is run by every language from one table (tests/cases/decisions.json);
 * callers read the clock and the store, and act on what these return.
 */

import { REFRESH_REJECTED_CODES } from "./constants.js";

/** Lifetimes (`expires_in`) above this, or not above 0, are treated as unknown. */
export const MAX_LIFETIME = 10 * 365 * 24 * 3600;

/** A token's lifetime when it is a usable number of seconds, else null (unknown). */
export function lifetime(seconds: number | null): number | null {
  return seconds !== null && seconds > 0 && seconds <= MAX_LIFETIME ? seconds : null;
}

/**
 * When a token issued at `now` with lifetime `seconds` expires (null: unknown, and the token is
 * used until the platform rejects it).
 */
export function expiry(now: number, seconds: number | null): number | null {
  const known = lifetime(seconds);
  return known !== null ? now + known : null;
}

/**
 * Whether the access token expires within `margin` seconds (or has expired). The margin is
 * capped at half the token's lifetime: a token just issued is never due, however short-lived.
 * An unknown expiry is never due.
 */
export function accessDue(expiresAt: number | null, expiresIn: number | null, now: number, margin: number): boolean {
  if (expiresAt === null) return false;
  const known = lifetime(expiresIn);
  if (known !== null) margin = Math.min(margin, known / 2);
  return now >= expiresAt - margin;
}

/** Whether a refresh can be tried: a refresh token that has not expired (or whose expiry is unknown). */
export function canRefresh(refreshToken: string | null, refreshTokenExpiresAt: number | null, now: number): boolean {
  return !!refreshToken && (refreshTokenExpiresAt === null || now < refreshTokenExpiresAt);
}

/**
 * Whether the platform's answer to a refresh is its verdict on the refresh token itself: a 4xx
 * `invalid_grant` with no error code or a code that names that token (expired, revoked, used).
 * A network error (status 0), a 5xx, `invalid_client`, a rate limit or a proxy's HTML page are
 * not: the tokens are kept.
 */
export function endsSession(status: number, error: string | null, errorCodes: readonly string[]): boolean {
  return (
    status >= 400 &&
    status < 500 &&
    error === "invalid_grant" &&
    (errorCodes.length === 0 || errorCodes.some((code) => REFRESH_REJECTED_CODES.has(code)))
  );
}

/** What the store holds once the platform rejected our refresh token (read under its lock). */
export type StoreAfterRejection = "same" | "other" | "lost" | "unreadable";

const AFTER_REJECTION = { same: "end", other: "adopt", lost: "drop", unreadable: "keep" } as const;

/**
 * What a session whose refresh token the platform rejected does, by what the store holds now:
 * `same` (that token, nothing newer) ends it for everyone sharing the store; `other` (tokens
 * written meanwhile) adopts those; `lost` (a fenced store lost the key: the verdict is on our
 * tokens, not on the store's) drops ours without ending it; `unreadable` keeps ours.
 */
export function afterRejection(store: StoreAfterRejection): "end" | "adopt" | "drop" | "keep" {
  return AFTER_REJECTION[store];
}

/**
 * What a call does when its `sends`-th sending got a 401: `refresh` (then send it again with the
 * new tokens), `reload` (send it again only if the store holds tokens another worker or a
 * central refresher rotated in since the call read them), or `fail`. Only a token failure is
 * retried, never more than twice, and one call causes at most one refresh: the first retry
 * follows a refresh (or, without auto-refresh, a rotation someone else made); the second only
 * another worker's rotation that overtook the first retry.
 */
export function after401(sends: number, tokenFailure: boolean, autoRefresh: boolean): "refresh" | "reload" | "fail" {
  if (!tokenFailure || sends >= 3) return "fail";
  return sends === 1 && autoRefresh ? "refresh" : "reload";
}

/** What the store holds, as afterRead reads it (tests/cases/decisions.json says each). */
export type StoreRead = "unreadable" | "unusable" | "foreign" | "empty" | "replaced" | "older" | "other";

/**
 * What the ledger does with what it just read from the store: `keep` (go on with the tokens in
 * memory), `raise` (the read's error), `reseed` (write ours back into a lost key: the first writer
 * wins), `write` (write the unsaved tokens; a fenced store takes them only over the generation
 * they replace, whatever the clocks say) or `adopt` (use the store's). `held`: tokens in memory;
 * `unsaved`: tokens the store has not taken yet. With a fenced store, its generation orders
 * tokens; without one, a rotation is recognised by the refresh token, and only the issue times
 * tell older from newer.
 */
export function afterRead(
  fenced: boolean,
  store: StoreRead,
  held: boolean,
  unsaved: boolean,
): "keep" | "raise" | "reseed" | "write" | "adopt" {
  if (store === "unreadable") return held ? "keep" : "raise";
  if (store === "unusable") return unsaved ? "write" : "raise";
  if (fenced && store === "empty" && (held || unsaved)) return "reseed";
  if (!unsaved) return "adopt";
  return store === "other" && !fenced ? "adopt" : "write";
}
