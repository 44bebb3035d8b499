// Copied verbatim from templates/js/src/retry.ts by rcsdk's generator.
// Do not edit: change templates/js/src/retry.ts and run `make generate`.
/** How long to wait before retrying: Retry-After, rate-limit windows, exponential backoff. */

import { BACKOFF_BASE, RATE_LIMIT_FALLBACK } from "./constants.js";

const HTTP_DATE = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;

/**
 * Seconds to wait from a Retry-After header (delay-seconds or an HTTP date, relative to `now` in
 * seconds). A date in the past means 0; garbage, negative or non-finite values mean "not said".
 */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (!text) return null;
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) {
    const seconds = Number(text);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : null;
  }
  if (!HTTP_DATE.test(text)) return null;
  const when = Date.parse(text);
  if (Number.isNaN(when)) return null;
  return Math.max(0, when / 1000 - now);
}

/** The wait a 429 asks for: Retry-After, else X-Rate-Limit-Window, else the fallback. */
export function rateLimitDelay(headers: Headers, now: number): number {
  const delay =
    parseRetryAfter(headers.get("Retry-After"), now) ??
    parseRetryAfter(headers.get("X-Rate-Limit-Window"), now);
  return delay ?? RATE_LIMIT_FALLBACK;
}

/** Exponential backoff, jittered in its upper half: attempt 0 waits 0.25 to 0.5 s. */
export function backoff(attempt: number, random: () => number = Math.random): number {
  const ceiling = BACKOFF_BASE * 2 ** attempt;
  return ceiling * (0.5 + 0.5 * random());
}
