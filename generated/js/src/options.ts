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

const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
const IPV4 = new RegExp(`^(?:${OCTET}\\.){3}${OCTET}$`);
const LABEL = /^[a-z0-9_-]+$/;

/**
 * Whether `host` (as the URL parser gives it: lower case, IPv6 in brackets) is this machine's
 * loopback interface, known without a DNS lookup: 127.0.0.0/8, [::1], or exactly `localhost`.
 */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "[::1]" || (IPV4.test(host) && host.startsWith("127."));
}

/**
 * The host of `server` as every rcsdk client reads it (one shared rule): a name of dot-separated
 * labels (letters, digits, '-', '_') whose last label is not a number, a dotted-quad IPv4 address
 * in plain decimal, or a bracketed IPv6 address; a port from 1 to 65535. Anything else (a trailing
 * dot, '%', 127.1, 0x7f.0.0.1, a zone id) is refused: URL parsers read such hosts differently, and
 * the WHATWG parser would turn some of them into another host than the one written.
 */
function checkHost(server: string): void {
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)/.exec(server)?.[1] ?? "";
  if (authority.includes("@")) throw new UsageError("server must not contain credentials");
  const parts = /^(\[[0-9A-Fa-f:]+\]|[^:[\]]+)(?::([0-9]{1,5}))?$/.exec(authority);
  const port = parts?.[2] === undefined ? null : Number(parts[2]);
  if (!parts || port === 0 || (port ?? 0) > 65535) throw new UsageError("server has no valid host and port");
  const host = parts[1]!.toLowerCase();
  if (host.startsWith("[")) return; // the URL parser refuses an invalid IPv6 address
  const labels = host.split(".");
  const last = labels[labels.length - 1]!;
  const numeric = /^[0-9]+$/.test(last) || last.startsWith("0x");
  if (!labels.every((label) => LABEL.test(label)) || (numeric && !IPV4.test(host))) {
    throw new UsageError(
      `server host ${JSON.stringify(host)} is not a name (letters, digits, '-' and '_' between dots, ` +
        "no trailing dot), a dotted-quad IPv4 address or a bracketed IPv6 address",
    );
  }
}

export function positive(name: string, value: number, allowZero: boolean): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) {
    throw new UsageError(`${name} must be a ${allowZero ? "non-negative" : "positive"} number`);
  }
  return value;
}

/** The server URL, checked: http(s), no credentials, query or fragment; https unless loopback. */
export function checkServer(server: unknown, allowInsecureHttp: boolean): URL {
  if (typeof server !== "string" || !server) throw new UsageError("server must be a URL string");
  // The URL parser silently drops CR, LF and tab, reads a backslash as a slash and rewrites
  // non-ASCII hosts: refuse them before it sees them (Python and PHP refuse them too).
  if (/[^\u0021-\u007e]/.test(server) || server.includes("\\")) {
    throw new UsageError("server contains a control character, space, backslash or non-ASCII character");
  }
  checkHost(server);
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
  if (url.protocol === "http:" && !isLoopback(url.hostname) && !allowInsecureHttp) {
    throw new UsageError(
      `server ${url.origin} is plain http: credentials and tokens would cross the network in ` +
        "the clear (use https, or pass allowInsecureHttp: true)",
    );
  }
  return url;
}

/** A login's or an operation's argument: a string or number without control characters,
 * present when `required` (a missing one names the variable it usually comes from). */
export function checkArgument(name: string, value: unknown, required: boolean, variable?: string): void {
  if (value === undefined || value === null || value === "") {
    // The variable it usually comes from is named: sdk.settings holds null when it is unset.
    if (required) throw new UsageError(`${name} is required${variable ? ` (${variable} is unset or empty?)` : ""}`);
    return;
  }
  if (typeof value !== "string" && typeof value !== "number") {
    throw new UsageError(`${name} must be a string`);
  }
  // Form encoding would carry CR/LF safely, but such a credential is a mistake or an attack.
  if (typeof value === "string" && /[\u0000-\u001f\u007f]/.test(value)) {
    throw new UsageError(`${name} must not contain control characters`);
  }
}
