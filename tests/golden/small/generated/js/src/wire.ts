// Copied verbatim from templates/js/src/wire.ts by rcsdk's generator.
// Do not edit: change templates/js/src/wire.ts and run `make generate`.
/**
 * One HTTP exchange with a total deadline: the request, the status and headers, the whole body.
 *
 * By default it runs on node:http(s) with a keep-alive agent: a timer destroys the request when
 * the deadline passes, whatever the phase (connecting, waiting for headers, a server dripping its
 * body), and the socket goes with it. That costs a timer per request; fetch would need an
 * AbortController and undici's signal wiring as well, which cost more than the rest of a call's
 * client work together. A `fetch` option still swaps in a fetch implementation (with an
 * AbortController for the deadline). Redirects are never followed on either path.
 */

import http from "node:http";
import https from "node:https";
import zlib from "node:zlib";

export interface WireRequest {
  method: string;
  /** An absolute URL of the platform's origin. */
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The deadline for the whole exchange, in milliseconds. */
  timeoutMs: number;
}

/** A response read whole within the deadline. */
export interface Answer {
  status: number;
  /** A Headers object, or node:http's raw list (name, value, name, value, ...). */
  headers: Headers | readonly string[];
  body: Uint8Array;
}

/** Why an exchange failed (`caught`), and whether an answer had started to arrive. */
export class WireFailure {
  constructor(
    readonly caught: unknown,
    readonly answered: boolean,
  ) {}
}

export type Exchange = (request: WireRequest) => Promise<Answer>;

function deadlinePassed(): DOMException {
  return new DOMException("the request's deadline passed", "TimeoutError");
}

// Shared by every platform of the process, as fetch's global dispatcher is; idle sockets do not
// keep the process alive and are closed after 4 s (or the server's Keep-Alive hint if shorter).
let httpAgent: http.Agent | null = null;
let httpsAgent: https.Agent | null = null;
const AGENT = { keepAlive: true, timeout: 4000 };
const ACCEPT_ENCODING = "gzip, deflate";

function decode(encoding: string | undefined, body: Buffer): Buffer {
  switch (encoding?.trim().toLowerCase()) {
    case undefined:
    case "":
    case "identity":
      return body;
    case "gzip":
    case "x-gzip":
      return zlib.gunzipSync(body);
    case "deflate":
      return zlib.inflateSync(body);
    case "br":
      return zlib.brotliDecompressSync(body);
    default:
      return body;
  }
}

/** Exchanges with `server`'s origin over node:http(s). */
export function nodeExchange(server: URL): Exchange {
  const secure = server.protocol === "https:";
  const agent = secure ? (httpsAgent ??= new https.Agent(AGENT)) : (httpAgent ??= new http.Agent(AGENT));
  const send = secure ? https.request : http.request;
  const hostname = server.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = server.port ? Number(server.port) : secure ? 443 : 80;
  const origin = server.origin.length;
  return (r) =>
    new Promise<Answer>((resolve, reject) => {
      let answered = false;
      let done = false;
      const fail = (caught: unknown): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        req.destroy();
        reject(new WireFailure(caught, answered));
      };
      const headers: Record<string, string> = { "Accept-Encoding": ACCEPT_ENCODING, ...r.headers };
      if (r.body !== undefined) headers["Content-Length"] = String(Buffer.byteLength(r.body));
      const req = send(
        { agent, hostname, port, method: r.method, path: r.url.slice(origin), headers },
        (res) => {
          answered = true;
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", fail);
          res.on("close", () => {
            if (!res.complete) fail(new Error("the connection closed before the whole answer"));
          });
          res.on("end", () => {
            if (done) return;
            let body: Buffer;
            try {
              body = decode(res.headers["content-encoding"], chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
            } catch (caught) {
              fail(caught);
              return;
            }
            done = true;
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.rawHeaders, body });
          });
        },
      );
      const timer = setTimeout(() => fail(deadlinePassed()), r.timeoutMs);
      req.on("error", fail);
      req.end(r.body);
    });
}

/** Exchanges through a fetch implementation, with an AbortController for the deadline. */
export function fetchExchange(fetchImpl: typeof fetch): Exchange {
  return async (r) => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(deadlinePassed()), r.timeoutMs);
    try {
      let response: Response;
      try {
        const init: RequestInit = { method: r.method, headers: r.headers, redirect: "manual", signal: controller.signal };
        if (r.body !== undefined) init.body = r.body;
        response = await fetchImpl(r.url, init);
      } catch (caught) {
        throw new WireFailure(caught, false);
      }
      try {
        // The same deadline covers the body: a server that drips it cannot hold the call.
        const body = new Uint8Array(await response.arrayBuffer());
        return { status: response.status, headers: response.headers, body };
      } catch (caught) {
        throw new WireFailure(caught, true);
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
