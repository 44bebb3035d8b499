/**
 * Sending: checked URLs and headers, one request with a total deadline, bounded retries, and
 * status mapping (wire.ts carries each exchange; response.ts is what comes back).
 *
 * Every request has one deadline for connecting, the headers and the whole body (a server that
 * drips its answer cannot hold a call). Redirects are never followed (a token never leaves for a
 * host it was not issued for): a 3xx is an error saying where it pointed. A request that may have
 * reached the server is replayed only when it is idempotent, so a single-use refresh token or
 * authorization code is never sent twice.
 */

import { debuglog } from "node:util";

import {
  ANNOUNCE_WAIT,
  IDEMPOTENT_METHODS,
  RETRY_STATUSES,
  TOKEN_ERROR_CODES,
} from "./constants.js";
import {
  APIConnectionError,
  APIStatusError,
  APITimeoutError,
  AuthenticationError,
  InternalServerError,
  RateLimitError,
  RCSDKError,
  RedirectError,
  ResponseTooLargeError,
  TokenError,
  UsageError,
  exceptionFor,
} from "./exceptions.js";
import { ErrorBody } from "./models.js";
import { type Redactor, redactForm, redactUrl } from "./redact.js";
import { ApiResponse, jsonOrNull } from "./response.js";
import { backoff, parseRetryAfter, rateLimitDelay } from "./retry.js";
import type { Proxy } from "./proxy.js";
import { type Exchange, TooLarge, WireFailure, fetchExchange, nodeExchange } from "./wire.js";

const CONTROL = /[\u0000-\u001f\u007f]/;
/** What a header value or the user agent may hold: printable ASCII and tab (one rule in every language). */
const HEADER_VALUE = /^[\t\u0020-\u007e]*$/;
/** What a path may hold: printable ASCII without space (percent-encode anything else). */
const PATH_CHARS = /^[\u0021-\u007e]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BODY_LOG_LIMIT = 2000;
const nodeDebug = debuglog("rcsdk");

/** Where log lines go: NODE_DEBUG=rcsdk prints debug lines; a logger option takes all. */
export interface Logger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

export interface SendOptions {
  /** A token or revoke request: Basic client auth, never replayed once it may have arrived. */
  client?: boolean;
  bearer?: string | null;
  query?: Record<string, unknown> | null;
  form?: Record<string, string> | null;
  json?: unknown;
  headers?: Record<string, string> | null;
}

export interface TransportOptions {
  server: URL;
  timeout: number;
  maxRetries: number;
  maxRetryWait: number;
  clock: () => number;
  sleep: (seconds: number) => Promise<void>;
  /** A fetch implementation to send with (default: node:http(s), see wire.ts). */
  fetch: typeof fetch | null;
  userAgent: string;
  basic: string | null;
  redactor: Redactor;
  logger: Logger | null;
  /** Told of each wait on a rate limit longer than ANNOUNCE_WAIT (the `rateLimitWait` event). */
  onLongWait: (error: RateLimitError) => void;
  /** The proxy proxy.ts chose when the platform was made (null: direct). */
  proxy: Proxy | null;
  /** No answer is read past this many bytes, compressed or inflated. */
  maxResponseBytes: number;
}

export class Transport {
  readonly #o: TransportOptions;
  readonly #origin: string;
  readonly #base: string;
  readonly #exchange: Exchange;
  readonly #timeoutMs: number;
  /** API paths already checked, and their URLs (bounded: paths with ids vary). */
  readonly #checked = new Map<string, string>();

  constructor(options: TransportOptions) {
    this.#o = options;
    this.#origin = options.server.origin;
    this.#base = options.server.origin + options.server.pathname.replace(/\/+$/, "");
    this.#timeoutMs = Math.max(1, Math.round(options.timeout * 1000));
    this.#exchange = options.fetch
      ? fetchExchange(options.fetch, options.maxResponseBytes)
      : nodeExchange(options.server, options.proxy, options.maxResponseBytes, this.#timeoutMs);
  }

  get logger(): Logger | null {
    return this.#o.logger;
  }

  debugEnabled(): boolean {
    return nodeDebug.enabled || typeof this.#o.logger?.debug === "function";
  }

  debug(message: string): void {
    if (nodeDebug.enabled) nodeDebug("%s", message);
    this.#o.logger?.debug?.(message);
  }

  info(message: string): void {
    if (nodeDebug.enabled) nodeDebug("%s", message);
    this.#o.logger?.info?.(message);
  }

  warn(message: string): void {
    if (this.#o.logger?.warn) this.#o.logger.warn(message);
    else process.emitWarning(message, { code: "RCSDK" });
  }

  /** The URL of an API path, or of a same-origin absolute URL; anything else is refused. */
  url(path: string): URL {
    if (typeof path !== "string") throw new UsageError("path must be a string");
    if (CONTROL.test(path) || path.includes("\\")) {
      throw new UsageError("path must not contain control characters or backslashes");
    }
    if (!PATH_CHARS.test(path)) {
      throw new UsageError(`path contains a space or a non-ASCII character (percent-encode it): ${JSON.stringify(path.slice(0, 60))}`);
    }
    if (/^https?:\/\//i.test(path)) {
      let url: URL;
      try {
        url = new URL(path);
      } catch {
        throw new UsageError("path is not a valid URL");
      }
      if (url.username || url.password) throw new UsageError("path must not contain credentials");
      if (url.origin !== this.#origin) {
        throw new UsageError(
          `path is an absolute URL of another origin (${url.origin}); only ${this.#origin} is allowed`,
        );
      }
      return url;
    }
    if (path.startsWith("//")) {
      throw new UsageError('path must not start with "//" (a URL of another host)');
    }
    if (!path.startsWith("/")) {
      throw new UsageError('path must start with "/" (or be a URL of the platform\'s own origin)');
    }
    const url = new URL(this.#base + path);
    if (url.origin !== this.#origin) throw new UsageError("path leaves the platform's origin");
    return url;
  }

  /** `url(path).href`, remembered for paths seen before. */
  #href(path: string): string {
    let href = this.#checked.get(path);
    if (href === undefined) {
      href = this.url(path).href;
      if (this.#checked.size >= 256) this.#checked.clear();
      this.#checked.set(path, href);
    }
    return href;
  }

  /** Send one request, with bounded retries; return a 2xx response or throw (`bearer`: the
   * access token, as `options.bearer`, without a copy of the options). */
  async send(method: string, path: string, options: SendOptions = {}, bearer: string | null = null): Promise<ApiResponse> {
    if (method !== "GET" && method !== "POST") method = method.toUpperCase();
    let url: string;
    if (options.query) {
      const parsed = this.url(path);
      for (const [key, value] of Object.entries(options.query)) {
        if (value === undefined || value === null) continue;
        for (const item of Array.isArray(value) ? value : [value]) {
          parsed.searchParams.append(key, String(item));
        }
      }
      url = parsed.href;
    } else {
      url = this.#href(path);
    }
    const headers: Record<string, string> = {
      Accept: "application/json",
      "User-Agent": this.#o.userAgent,
    };
    if (options.headers) for (const [name, value] of Object.entries(options.headers)) {
      if (!HEADER_NAME.test(name)) throw new UsageError(`header name ${JSON.stringify(name)} is invalid`);
      if (typeof value !== "string") throw new UsageError(`header ${name} must be a string, not ${typeof value}`);
      if (CONTROL.test(value.replace(/\t/g, ""))) {
        throw new UsageError(`header ${name} must be a string without CR, LF or control characters`);
      }
      if (!HEADER_VALUE.test(value)) throw new UsageError(`header ${name} contains a non-ASCII character`);
      headers[name] = value;
    }
    let body: string | undefined;
    if (options.form) {
      body = new URLSearchParams(options.form).toString();
      headers["Content-Type"] = "application/x-www-form-urlencoded";
    } else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers["Content-Type"] = "application/json";
    }
    if (options.client && this.#o.basic) headers["Authorization"] = this.#o.basic;
    bearer ??= options.bearer ?? null;
    if (bearer) headers["Authorization"] = `Bearer ${bearer}`;
    // The caller's names may differ from ours in case only: the later one is sent (wire.ts
    // sends the list as it is).
    if (options.headers) lastWins(headers);
    // A refresh or code grant is single-use: never replay it once it may have arrived.
    const replayable = IDEMPOTENT_METHODS.has(method) && !options.client;
    let attempt = 0;
    let waited = 0;
    const debugging = this.debugEnabled();
    for (;;) {
      let error: RCSDKError;
      let maybeArrived = true;
      let group: string | null = null;
      const sentAt = debugging ? this.#o.clock() : 0;
      try {
        let response: ApiResponse;
        try {
          const answer = await this.#exchange({ method, url, headers, body, timeoutMs: this.#timeoutMs });
          response = new ApiResponse(answer.status, answer.headers, url, answer.body);
        } catch (caught) {
          throw this.#wireError(caught, url);
        }
        if (debugging) this.#log(method, url, options, response, sentAt);
        if (response.status < 300) return response;
        error = this.statusError(response);
        maybeArrived = !(error instanceof RateLimitError) && response.status !== 503;
        group = response.headers.get("X-Rate-Limit-Group");
      } catch (caught) {
        if (caught instanceof RCSDKError) {
          error = caught;
          maybeArrived = (caught as { maybeArrived?: boolean }).maybeArrived !== false;
        } else {
          throw caught;
        }
      }
      const delay = this.#retryDelay(error, attempt, maybeArrived, replayable);
      if (delay === null || attempt >= this.#o.maxRetries || waited + delay > this.#o.maxRetryWait) {
        throw error;
      }
      if (error instanceof RateLimitError && delay > ANNOUNCE_WAIT) {
        // Where a person sees it: a warning (stderr unless a logger is set) and the event.
        this.warn(
          `rcsdk: rate limited (${group ?? "unnamed"} group) on ${method} ${redactUrl(url, this.#o.redactor)}; ` +
            `waiting ${delay.toFixed(0)} s before retrying (pass maxRetries: 0 to fail fast with RateLimitError instead)`,
        );
        this.#o.onLongWait(error);
      } else {
        this.info(
          `rcsdk: ${method} ${redactUrl(url, this.#o.redactor)} failed (${error.name}); ` +
            `retry ${attempt + 1} in ${delay.toFixed(2)}s`,
        );
      }
      await this.#o.sleep(delay);
      attempt += 1;
      waited += delay;
    }
  }

  /** What an exchange's failure is to the caller: a typed error (anything else as it is). */
  #wireError(caught: unknown, url: string): unknown {
    if (caught instanceof WireFailure) return this.#connectionError(caught.caught, url, caught.answered);
    if (caught instanceof TooLarge) {
      return new ResponseTooLargeError(
        `the answer is longer than maxResponseBytes (${caught.limit}): not read further`,
        caught.status,
      );
    }
    return caught;
  }

  #connectionError(caught: unknown, url: string, answered: boolean): RCSDKError {
    const where = redactUrl(url, this.#o.redactor);
    const name = (caught as { name?: unknown })?.name;
    let error: RCSDKError;
    let arrived = true;
    if (name === "TimeoutError" || name === "AbortError") {
      error = new APITimeoutError(
        `no ${answered ? "complete answer" : "answer"} from ${where} within ${this.#o.timeout}s`,
      );
    } else {
      // fetch's errors carry the system error as their cause; node:http's are it.
      const cause = (caught as { cause?: { code?: unknown } })?.cause ?? (caught as { code?: unknown });
      const code = typeof cause?.code === "string" ? cause.code : "";
      // Refused or unresolvable: nothing was sent, so even a grant may be sent again.
      arrived = answered || !["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN"].includes(code);
      const detail = code || (caught instanceof Error ? caught.message : String(caught));
      // The first-use errors say what Python's and PHP's say: the server, and the likely cause.
      const host = new URL(url).host;
      const via = this.#o.proxy ? ` via proxy ${this.#o.proxy.netloc}` : "";
      const message =
        code === "ECONNREFUSED"
          ? `cannot connect to ${host}${via}: connection refused (is the platform running, and is the port right?)`
          : code === "ENOTFOUND" || code === "EAI_AGAIN"
            ? `cannot connect to ${host}${via}: the host name does not resolve (${code})`
            : `${detail} on ${where}${via}`;
      error = new APIConnectionError(this.#o.redactor.text(message));
    }
    Object.defineProperty(error, "maybeArrived", { value: arrived, enumerable: false });
    return error;
  }

  #retryDelay(
    error: RCSDKError,
    attempt: number,
    maybeArrived: boolean,
    replayable: boolean,
  ): number | null {
    if (error instanceof RateLimitError) return error.retryAfter;
    if (maybeArrived && !replayable) return null;
    if (error instanceof InternalServerError && RETRY_STATUSES.has(error.statusCode)) {
      return error.retryAfter ?? backoff(attempt);
    }
    if (error instanceof APIConnectionError) return backoff(attempt);
    return null;
  }

  /** The typed error for a 3xx, 4xx or 5xx response (every text redacted). */
  statusError(response: ApiResponse): APIStatusError {
    const redactor = this.#o.redactor;
    const requestId = response.headers.get("RCRequestId") ?? response.headers.get("X-Request-Id");
    if (response.status < 400) {
      const location = response.headers.get("Location") ?? "";
      let host = "nowhere";
      try {
        host = location ? new URL(location, response.url).host : host;
      } catch {
        host = "an invalid location";
      }
      return new RedirectError(`${response.status} unexpected redirect to ${redactor.text(host)}`, {
        statusCode: response.status,
        requestId: requestId === null ? null : redactor.text(requestId),
      });
    }
    const body = jsonOrNull(response);
    const fields = isRecord(body) ? ErrorBody.fromJson(body) : null;
    const codes: string[] = [];
    if (fields !== null) {
      for (const code of [fields.errorCode, ...fields.errors.map((e) => e.errorCode)]) {
        if (code && !codes.includes(code)) codes.push(code);
      }
    }
    const error = fields?.error ?? null;
    const description = fields?.errorDescription ?? null;
    let retryAfter: number | null = null;
    if (response.status === 429) retryAfter = rateLimitDelay(response.headers, this.#o.clock());
    else if (RETRY_STATUSES.has(response.status)) {
      retryAfter = parseRetryAfter(response.headers.get("Retry-After"), this.#o.clock());
    }
    const cls = exceptionFor(response.status, error, codes);
    let detail = description ?? fields?.message ?? fields?.errors[0]?.message ?? null;
    if (detail === null && body === null) detail = "no JSON body";
    let message = `${response.status} ${error ?? cls.name}`;
    if (codes.length) message += ` [${codes.join(", ")}]`;
    if (detail) message += `: ${detail}`;
    return new cls(redactor.text(message), {
      statusCode: response.status,
      error: error === null ? null : redactor.text(error),
      errorDescription: description === null ? null : redactor.text(description),
      errorCodes: codes.map((c) => redactor.text(c)),
      requestId: requestId === null ? null : redactor.text(requestId),
      body: isRecord(body) ? (redactor.value(body) as Record<string, unknown>) : null,
      retryAfter,
    });
  }

  #log(method: string, url: string, options: SendOptions, response: ApiResponse, sentAt: number): void {
    const redactor = this.#o.redactor;
    const form = options.form ? redactForm(Object.entries(options.form)) : "-";
    const elapsed = (this.#o.clock() - sentAt).toFixed(3);
    this.debug(
      `rcsdk: ${method} ${redactUrl(url, redactor)} form=${redactor.text(form)} -> ` +
        `${response.status} in ${elapsed}s: ${logBody(response, redactor)}`,
    );
  }
}

/** Of header names that differ in case only, keep the one set last. */
function lastWins(headers: Record<string, string>): void {
  const seen = new Map<string, string>();
  for (const name of Object.keys(headers)) {
    const lower = name.toLowerCase();
    const earlier = seen.get(lower);
    if (earlier !== undefined) delete headers[earlier];
    seen.set(lower, name);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function logBody(response: ApiResponse, redactor: Redactor): string {
  if (response.bytes().length === 0) return "(empty)";
  const body = jsonOrNull(response);
  if (body === null) return `(${response.bytes().length} bytes, not JSON)`;
  const text = JSON.stringify(redactor.value(body));
  return text.length <= BODY_LOG_LIMIT ? text : text.slice(0, BODY_LOG_LIMIT) + "...";
}

/** A 401 that a refresh can cure: a token error code, or a 401 that names no cause. */
export function isTokenFailure(error: AuthenticationError): boolean {
  return (
    error instanceof TokenError ||
    (error.constructor === AuthenticationError &&
      error.errorCodes.every((c) => TOKEN_ERROR_CODES.has(c)) &&
      error.error === null)
  );
}
