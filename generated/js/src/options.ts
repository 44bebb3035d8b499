// Copied verbatim from templates/js/src/options.ts by rcsdk's generator.
// Do not edit: change templates/js/src/options.ts and run `make generate`.
/**
 * The platform's options, and the check of its server URL: what `new RCSDK(...)` validates
 * before anything is sent.
 */

import { UsageError } from "./exceptions.js";
import type { TokenStore } from "./store.js";
import type { Logger } from "./transport.js";

export interface PlatformOptions {
  /** The app's client id. */
  appKey: string;
  /** The client secret; null or empty for a public (PKCE) app. */
  appSecret?: string | null | undefined;
  /** The platform's base URL. Plain http:// only for loopback unless allowInsecureHttp. */
  server: string;
  /** Where tokens live (default: memory). */
  store?: TokenStore;
  /** Seconds one request may take in total: connecting, headers and body. */
  timeout?: number;
  /** Refresh this many seconds before the access token expires. */
  refreshMargin?: number;
  /** Refresh on its own when the token is due (false: a central refresher does it). */
  autoRefresh?: boolean;
  maxRetries?: number;
  /** The most seconds one request may spend waiting between retries, in total. */
  maxRetryWait?: number;
  /** Seconds a refresh may wait for the token lock before failing. */
  lockTimeout?: number;
  /** Seconds since the epoch (injectable for tests). */
  clock?: () => number;
  /** Waits between retries (injectable for tests). */
  sleep?: (seconds: number) => Promise<void>;
  /** A fetch implementation to send with (default: node:http(s) with a keep-alive agent). */
  fetch?: typeof fetch;
  /** Prepended to rcsdk's own User-Agent. */
  userAgent?: string;
  /** Allow plain http:// to a host other than loopback (credentials cross in the clear). */
  allowInsecureHttp?: boolean;
  /** Receives log lines (debug lines have every secret blanked); NODE_DEBUG=rcsdk prints them. */
  logger?: Logger;
  /**
   * An http:// proxy for every request; "" for none. Unset: an https server is reached through
   * https_proxy / HTTPS_PROXY (unless no_proxy names it), read once when the platform is made;
   * a plain http server never through a proxy from the environment.
   */
  proxy?: string | null;
  /** No answer is read past this many bytes, compressed or inflated (ResponseTooLargeError). */
  maxResponseBytes?: number;
}

/** What a call may add: query parameters, a JSON body, headers. */
export interface RequestOptions {
  query?: Record<string, unknown> | null;
  json?: unknown;
  headers?: Record<string, string> | null;
}

export const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/i;

export function positive(name: string, value: number, allowZero: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(`${name} must be a ${allowZero ? "non-negative" : "positive"} number`);
  }
  return value;
}

/** The server URL, checked: http(s), no credentials, query or fragment; https unless loopback. */
export function checkServer(server: unknown, allowInsecureHttp: boolean): URL {
  if (typeof server !== "string" || !server) throw new UsageError("server must be a URL string");
  // The URL parser silently drops CR, LF and tab: refuse them before it sees them.
  if (/[\u0000-\u001f\u007f]/.test(server)) throw new UsageError("server must not contain control characters");
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError("server is not a valid URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError("server must be an http(s) URL");
  }
  if (url.username || url.password) throw new UsageError("server must not contain credentials");
  if (server.includes("?") || server.includes("#")) {
    throw new UsageError("server must not contain a query or a fragment");
  }
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname) && !allowInsecureHttp) {
    throw new UsageError(
      `server ${url.origin} is plain http: credentials and tokens would cross the network in ` +
        "the clear (use https, or pass allowInsecureHttp: true)",
    );
  }
  return url;
}
