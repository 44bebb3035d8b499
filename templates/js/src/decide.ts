/**
 * The decisions of the token lifecycle, as functions of values: no clock, no store, no I/O (the
 * same functions, under the same names, as Python's rcsdk/_decide.py, PHP's Decide.php and
 * Go's decide.go). Each is run by every language from one table (tests/cases/decisions.json);
 * callers read the clock and the store, and act on what these return.
 */

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
