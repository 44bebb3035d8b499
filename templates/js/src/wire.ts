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

import type * as Http from "node:http";
import type * as Zlib from "node:zlib";

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

/** A request function and its keep-alive agent. */
interface Stack {
  send: typeof Http.request;
  agent: Http.Agent;
}

// node:http(s) and node:zlib are loaded when first needed, not when rcsdk is imported (https
// brings tls; most answers are not compressed), as fetch loads undici on its first call. The
// agents are shared by every platform of the process, as fetch's global dispatcher is; idle
// sockets do not keep the process alive and close after 4 s (or the server's Keep-Alive hint).
const AGENT = { keepAlive: true, timeout: 4000 };
let httpStack: Promise<Stack> | null = null;
let httpsStack: Promise<Stack> | null = null;
let zlib: typeof Zlib | null = null;
const ACCEPT_ENCODING = "gzip, deflate";
const COMPRESSED = new Set(["gzip", "x-gzip", "deflate", "br"]);

function stack(secure: boolean): Promise<Stack> {
  if (secure) {
    return (httpsStack ??= import("node:https").then((m) => ({ send: m.request, agent: new m.Agent(AGENT) })));
  }
  return (httpStack ??= import("node:http").then((m) => ({ send: m.request, agent: new m.Agent(AGENT) })));
}

function encodingOf(header: string | undefined): string | null {
  const encoding = header?.trim().toLowerCase();
  return encoding !== undefined && COMPRESSED.has(encoding) ? encoding : null;
}

function decode(encoding: string | null, body: Buffer): Buffer {
  if (encoding === null || zlib === null) return body;
  if (encoding === "deflate") return zlib.inflateSync(body);
  if (encoding === "br") return zlib.brotliDecompressSync(body);
  return zlib.gunzipSync(body);
}

/** Exchanges with `server`'s origin over node:http(s). */
export function nodeExchange(server: URL): Exchange {
  const secure = server.protocol === "https:";
  let ready: Stack | null = null;
  const hostname = server.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = server.port ? Number(server.port) : secure ? 443 : 80;
  const origin = server.origin.length;
  return async (r) => {
    const { send, agent } = ready ?? (ready = await stack(secure));
    return new Promise<Answer>((resolve, reject) => {
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
      const onAnswer = (res: Http.IncomingMessage): void => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", fail);
        res.on("close", () => {
          if (!res.complete) fail(new Error("the connection closed before the whole answer"));
        });
        const finish = (): void => {
          if (done) return;
          let body: Buffer;
          try {
            body = decode(encoding, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
          } catch (caught) {
            fail(caught);
            return;
          }
          done = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.rawHeaders, body });
        };
        const encoding = encodingOf(res.headers["content-encoding"]);
        res.on("end", () => {
          if (encoding === null || zlib !== null) finish();
          else import("node:zlib").then((m) => ((zlib = m), finish()), fail);
        });
      };
      let req: Http.ClientRequest;
      try {
        req = send({ agent, hostname, port, method: r.method, path: r.url.slice(origin), headers }, onAnswer);
      } catch (caught) {
        // node:http throws at once for what it cannot send (a header value beyond Latin-1):
        // a failure of this exchange too, typed like the rest, as fetch's would be.
        reject(new WireFailure(caught, false));
        return;
      }
      const timer = setTimeout(() => fail(deadlinePassed()), r.timeoutMs);
      req.on("error", fail);
      req.end(r.body);
    });
  };
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
