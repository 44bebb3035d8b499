/**
 * One HTTP exchange with a total deadline: the request, the status and headers, the whole body.
 *
 * By default it runs on node:http(s) with a keep-alive agent: a timer destroys the request when
 * the deadline passes, whatever the phase (connecting, waiting for headers, a server dripping its
 * body), and the socket goes with it. That costs a timer per request; fetch would need an
 * AbortController and undici's signal wiring as well, which cost more than the rest of a call's
 * client work together. A `fetch` option still swaps in a fetch implementation (with an
 * AbortController for the deadline). Redirects are never followed on either path.
 *
 * No answer is held past `maxBytes`, compressed or inflated: a declared length over it is refused
 * before the body is read, the body is counted as it arrives, and inflating stops at the limit
 * (`TooLarge`). Through a proxy (proxy.ts decides which, once): plain http requests go to it in
 * absolute form; https ones through a CONNECT tunnel, then TLS to the server.
 */

import type * as Http from "node:http";
import type * as Zlib from "node:zlib";

import type { Proxy } from "./proxy.js";

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

/** The answer (of status `status`) is longer than `limit` bytes, compressed or inflated. */
export class TooLarge {
  constructor(
    readonly status: number,
    readonly limit: number,
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
// sockets do not keep the process alive and close after 4 s (or the server's Keep-Alive hint,
// less a second), by closeIdle.
const AGENT = { keepAlive: true };
const IDLE_MS = 4000;
const IDLE_UNTIL = Symbol("rcsdk.idleUntil");

type KeepAlive = { keepSocketAlive(socket: import("node:net").Socket): boolean };
type Idle = { [IDLE_UNTIL]?: number; _httpMessage?: { res?: { headers?: Record<string, unknown> } } };

/**
 * Close `agent`'s sockets idle for IDLE_MS, or for the server's Keep-Alive timeout less a second
 * when that is shorter (as node:http's own `timeout` option would): one timer per agent, armed
 * for the earliest. The `timeout` option costs more per call: it arms and clears a timer on the
 * socket, and adds and removes a listener, for every request.
 */
function closeIdle<A extends Http.Agent>(agent: A): A {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let armedFor = 0;
  const arm = (at: number, now: number): void => {
    armedFor = at;
    timer = setTimeout(sweep, Math.max(1, at - now));
    timer.unref();
  };
  const sweep = (): void => {
    timer = null;
    const now = Date.now();
    let next = Infinity;
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of [...(sockets ?? [])]) {
        const until = (socket as Idle)[IDLE_UNTIL] ?? 0;
        if (until <= now) socket.destroy();
        else if (until < next) next = until;
      }
    }
    if (next !== Infinity) arm(next, now);
  };
  const keep = (agent as unknown as KeepAlive).keepSocketAlive;
  (agent as unknown as KeepAlive).keepSocketAlive = function (this: Http.Agent, socket) {
    if (!keep.call(this, socket)) return false;
    let ms = IDLE_MS;
    const hint = (socket as Idle)._httpMessage?.res?.headers?.["keep-alive"];
    if (typeof hint === "string") {
      const server = Number(/^timeout=(\d+)/.exec(hint)?.[1] ?? NaN) * 1000 - 1000;
      if (server > 0 && server < ms) ms = server;
    }
    const now = Date.now();
    const at = now + ms;
    (socket as Idle)[IDLE_UNTIL] = at;
    if (timer === null) arm(at, now);
    else if (at < armedFor) {
      clearTimeout(timer);
      arm(at, now);
    }
    return true;
  };
  return agent;
}
let httpStack: Promise<Stack> | null = null;
let httpsStack: Promise<Stack> | null = null;
let zlib: typeof Zlib | null = null;
const ACCEPT_ENCODING = "gzip, deflate";
const COMPRESSED = new Set(["gzip", "x-gzip", "deflate", "br"]);

function stack(secure: boolean): Promise<Stack> {
  if (secure) {
    return (httpsStack ??= import("node:https").then((m) => ({ send: m.request, agent: closeIdle(new m.Agent(AGENT)) })));
  }
  return (httpStack ??= import("node:http").then((m) => ({ send: m.request, agent: closeIdle(new m.Agent(AGENT)) })));
}

function encodingOf(header: string | undefined): string | null {
  const encoding = header?.trim().toLowerCase();
  return encoding !== undefined && COMPRESSED.has(encoding) ? encoding : null;
}

/** The body inflated, never past `maxBytes` (zlib stops there: RangeError). */
function decode(encoding: string | null, body: Buffer, maxBytes: number): Buffer {
  if (encoding === null || zlib === null) return body;
  const options = { maxOutputLength: maxBytes };
  if (encoding === "deflate") return zlib.inflateSync(body, options);
  if (encoding === "br") return zlib.brotliDecompressSync(body, options);
  return zlib.gunzipSync(body, options);
}

/** The proxy refused to open a tunnel to the server. */
class TunnelRefused extends Error {
  constructor(status: number | undefined) {
    super(`the proxy refused the tunnel (${status ?? "no status"})`);
    this.name = "TunnelRefused";
  }
}

/**
 * node:https with an agent of its own whose connections are CONNECT tunnels through `proxy`
 * (kept alive like the shared agent's); a tunnel not open within `timeoutMs` is given up.
 */
async function tunnelStack(proxy: Proxy, timeoutMs: number): Promise<Stack> {
  const [https, http, tls] = await Promise.all([import("node:https"), import("node:http"), import("node:tls")]);
  const agent = closeIdle(new https.Agent(AGENT));
  type Created = (error: Error | null, socket?: import("node:net").Socket) => void;
  const tunnel = (options: { host?: string; port?: number; servername?: string }, created: Created): undefined => {
    const target = `${options.host}:${options.port}`;
    const headers: Record<string, string> = { Host: target };
    if (proxy.authorization) headers["Proxy-Authorization"] = proxy.authorization;
    const connect = http.request({
      hostname: proxy.hostname,
      port: proxy.port,
      method: "CONNECT",
      path: target,
      headers,
      agent: false,
    });
    connect.setTimeout(timeoutMs, () => connect.destroy(deadlinePassed()));
    connect.once("connect", (res, socket) => {
      if (res.statusCode !== 200) {
        socket.destroy();
        created(new TunnelRefused(res.statusCode));
        return;
      }
      created(null, tls.connect({ ...options, socket, servername: options.servername ?? options.host ?? "" }));
    });
    connect.once("error", (error) => created(error));
    connect.end();
    return undefined;
  };
  (agent as unknown as { createConnection: typeof tunnel }).createConnection = tunnel;
  return { send: https.request, agent };
}

/** An exchange in flight, in its exchange's deadline list. */
interface Pending {
  readonly at: number;
  readonly expire: (error: DOMException) => void;
  prev: Pending | null;
  next: Pending | null;
}

/**
 * The deadlines of an exchange's requests in flight, earliest first, and one timer for the
 * earliest: a timer per request (set, cleared, its list made and dropped each time) cost more
 * than the rest of a call's client work. The timer is unref'd: a request in flight holds its
 * socket (or its lookup), which keeps the process alive as long as the request needs it.
 */
class Deadlines {
  #head: Pending | null = null;
  #tail: Pending | null = null;
  #timer: ReturnType<typeof setTimeout> | null = null;
  /** When the timer fires. */
  #armedFor = 0;

  /** Call `expire` with a TimeoutError in `ms` milliseconds unless `remove`d first. */
  add(ms: number, expire: (error: DOMException) => void): Pending {
    const entry: Pending = { at: Date.now() + ms, expire, prev: null, next: null };
    let after = this.#tail;
    while (after !== null && after.at > entry.at) after = after.prev; // the same timeout: never
    entry.prev = after;
    entry.next = after !== null ? after.next : this.#head;
    if (entry.next !== null) entry.next.prev = entry;
    else this.#tail = entry;
    if (after !== null) after.next = entry;
    else this.#head = entry;
    // The timer stays armed for an earlier deadline than the head's (its request is done): it
    // then arms itself again for the head's.
    if (this.#timer === null) this.#arm(entry.at, ms);
    else if (entry.at < this.#armedFor) {
      clearTimeout(this.#timer);
      this.#arm(entry.at, ms);
    }
    return entry;
  }

  remove(entry: Pending): void {
    const { prev, next } = entry;
    if (prev !== null) prev.next = next;
    else if (this.#head === entry) this.#head = next;
    else return; // already removed
    if (next !== null) next.prev = prev;
    else this.#tail = prev;
    entry.prev = entry.next = null;
  }

  #arm(at: number, ms: number): void {
    this.#armedFor = at;
    this.#timer = setTimeout(() => this.#fire(), Math.max(1, ms));
    this.#timer.unref();
  }

  #fire(): void {
    this.#timer = null;
    const now = Date.now();
    let head = this.#head;
    while (head !== null && head.at <= now) {
      this.remove(head);
      head.expire(deadlinePassed());
      head = this.#head;
    }
    if (head !== null) this.#arm(head.at, head.at - now);
  }
}

/** Exchanges with `server`'s origin over node:http(s), through `proxy` when one is given. */
export function nodeExchange(server: URL, proxy: Proxy | null, maxBytes: number, timeoutMs: number): Exchange {
  const secure = server.protocol === "https:";
  let ready: Stack | null = null;
  const viaProxy = proxy !== null && !secure; // plain http: absolute-form requests to the proxy
  const hostname = viaProxy ? proxy.hostname : server.hostname.replace(/^\[(.*)\]$/, "$1");
  const port = viaProxy ? proxy.port : server.port ? Number(server.port) : secure ? 443 : 80;
  const origin = viaProxy ? 0 : server.origin.length;
  // The headers go to node:http as one flat list (name, value, ...): it validates each as it
  // writes it, without building a header map first. Host is ours to send then (node:http's
  // value: the server's host, its port unless the default); a caller's own Host,
  // Accept-Encoding or Proxy-Authorization replaces ours, as a header map would have.
  const fixed: string[] = ["Accept-Encoding", ACCEPT_ENCODING, "Host", server.host];
  if (viaProxy && proxy.authorization) fixed.push("Proxy-Authorization", proxy.authorization);
  const deadlines = new Deadlines();
  const connect = (): Promise<Stack> => (secure && proxy !== null ? tunnelStack(proxy, timeoutMs) : stack(secure));
  // Not an async function: once the stack is loaded, an exchange is one promise, no more.
  const exchange = (r: WireRequest, { send, agent }: Stack): Promise<Answer> =>
    new Promise<Answer>((resolve, reject) => {
      let answered = false;
      let done = false;
      const end = (error: WireFailure | TooLarge): void => {
        if (done) return;
        done = true;
        deadlines.remove(deadline);
        req.destroy();
        reject(error);
      };
      const fail = (caught: unknown): void => end(new WireFailure(caught, answered));
      // A POST, PUT, PATCH or DELETE without a body says Content-Length: 0, as Python does
      // (node:http would send a POST chunked, which some servers cannot read).
      const body = r.body ?? (r.method === "GET" || r.method === "HEAD" ? undefined : "");
      const headers = headerList(fixed, r.headers, body);
      const tooLarge = (status: number): void => end(new TooLarge(status, maxBytes));
      const onAnswer = (res: Http.IncomingMessage): void => {
        answered = true;
        const status = res.statusCode ?? 0;
        // From the raw list: res.headers would build a map of every header first.
        const raw = res.rawHeaders;
        let declared: string | undefined;
        let encoding: string | null = null;
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i]!;
          if (name.length === 14 && declared === undefined && name.toLowerCase() === "content-length") declared = raw[i + 1];
          else if (name.length === 16 && encoding === null && name.toLowerCase() === "content-encoding") encoding = encodingOf(raw[i + 1]);
        }
        if (declared !== undefined && Number(declared) > maxBytes) {
          tooLarge(status);
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) tooLarge(status);
          else chunks.push(chunk);
        });
        // A connection closed before the whole answer: node:http destroys the response with
        // ECONNRESET ("aborted"), an 'error' here (the deadline would end it otherwise).
        res.on("error", fail);
        const finish = (): void => {
          if (done) return;
          let body: Buffer;
          try {
            body = decode(encoding, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), maxBytes);
          } catch (caught) {
            if ((caught as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") tooLarge(status);
            else fail(caught);
            return;
          }
          done = true;
          deadlines.remove(deadline);
          resolve({ status, headers: raw, body });
        };
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
      const deadline = deadlines.add(r.timeoutMs, fail);
      req.on("error", fail);
      req.end(body);
    });
  return (r) => (ready !== null ? exchange(r, ready) : connect().then((loaded) => exchange(r, (ready = loaded))));
}

/**
 * `fixed`, the request's headers and the body's length, as one flat list. A request header
 * replaces a fixed one of the same name in any case, and the body's length replaces a request's
 * (as node:http's header map, which keys names in lower case, would).
 */
function headerList(fixed: readonly string[], headers: Record<string, string>, body: string | undefined): string[] {
  const list = fixed.slice();
  for (const name in headers) {
    const n = name.length;
    if (n === 4 || n === 14 || n === 15 || n === 19) {
      const lower = name.toLowerCase();
      if (lower === "content-length" && body !== undefined) continue;
      for (let i = 0; i < list.length; i += 2) {
        if (list[i]!.length === n && list[i]!.toLowerCase() === lower) {
          list.splice(i, 2);
          break;
        }
      }
    }
    list.push(name, headers[name]!);
  }
  if (body !== undefined) list.push("Content-Length", String(Buffer.byteLength(body)));
  return list;
}

/** Exchanges through a fetch implementation, with an AbortController for the deadline. */
export function fetchExchange(fetchImpl: typeof fetch, maxBytes: number): Exchange {
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
        const declared = response.headers.get("Content-Length");
        if (declared !== null && Number(declared) > maxBytes) throw new TooLarge(response.status, maxBytes);
        const chunks: Uint8Array[] = [];
        let size = 0;
        if (response.body !== null) {
          const reader = response.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.length;
            if (size > maxBytes) {
              await reader.cancel().catch(() => undefined);
              throw new TooLarge(response.status, maxBytes);
            }
            chunks.push(value);
          }
        }
        return { status: response.status, headers: response.headers, body: Buffer.concat(chunks) };
      } catch (caught) {
        if (caught instanceof TooLarge) throw caught;
        throw new WireFailure(caught, true);
      }
    } finally {
      clearTimeout(timer);
    }
  };
}
