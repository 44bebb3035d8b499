// Copied verbatim from templates/js/src/proxy.ts by rcsdk's generator.
// Do not edit: change templates/js/src/proxy.ts and run `make generate`.
/**
 * Which proxy a platform sends through, decided once when it is made (the same rule in every
 * language: docs/SECURITY.md, "Proxies and response size"; proxy.py and Proxy.php are its twins).
 *
 * - `proxy: "http://host:port"` sends every request through that proxy; `proxy: ""` sends none
 *   through a proxy, whatever the environment says;
 * - otherwise an https:// server is reached through `https_proxy` (or `HTTPS_PROXY`) unless
 *   `no_proxy` (or `NO_PROXY`) names its host;
 * - a plain http:// server (loopback, or opted in) is never reached through a proxy from the
 *   environment: `http_proxy`, `HTTP_PROXY` and `ALL_PROXY` are not read, so credentials sent in
 *   the clear never go to a host the environment names.
 */

import { UsageError } from "./exceptions.js";

/** An http:// proxy: where to connect, what to say to it, and how messages name it. */
export interface Proxy {
  hostname: string;
  port: number;
  /** host:port, for messages. */
  netloc: string;
  /** `Basic ...` for a proxy URL with credentials. */
  authorization: string | null;
  /** What the redactor must blank (the password and the Basic credential). */
  secrets: string[];
}

const UNSAFE = /[\u0000-\u0020\u007f\\]/;

/** `value` as a proxy (http:// assumed without a scheme), or a UsageError naming `source`. */
export function parseProxy(value: string, source: string): Proxy {
  const usage = `${source} must be http://[user:password@]host[:port]`;
  if (UNSAFE.test(value)) throw new UsageError(`${usage}, without spaces, backslashes or control characters`);
  if (!value.includes("://")) value = "http://" + value;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(usage);
  }
  if (url.protocol !== "http:" || !url.hostname || (url.pathname !== "/" && url.pathname !== "")) {
    throw new UsageError(usage);
  }
  if (url.search || url.hash || value.includes("?") || value.includes("#")) throw new UsageError(usage);
  const port = url.port ? Number(url.port) : 80;
  const hostname = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const netloc = hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
  let authorization: string | null = null;
  const secrets: string[] = [];
  if (url.username || url.password) {
    const user = decodeURIComponent(url.username);
    const password = decodeURIComponent(url.password);
    const basic = Buffer.from(`${user}:${password}`, "utf8").toString("base64");
    authorization = `Basic ${basic}`;
    secrets.push(basic);
    if (password) secrets.push(password, url.password);
  }
  return { hostname, port, netloc, authorization, secrets };
}

/** Whether `noProxy` (comma-separated names, `.suffix` or `*`) names `host`. */
export function bypassed(host: string, noProxy: string): boolean {
  host = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  for (let entry of noProxy.split(",")) {
    entry = entry.trim().toLowerCase();
    if (entry === "*") return true;
    if (entry.split(":").length === 2) entry = entry.split(":")[0]!; // name:port; the port does not matter
    entry = entry.replace(/^\[(.*)\]$/, "$1").replace(/^\.+/, "");
    if (entry && (host === entry || host.endsWith("." + entry))) return true;
  }
  return false;
}

/** The proxy for `server`, by the `proxy` option and the environment; null: connect directly. */
export function chooseProxy(
  server: URL,
  option: string | null | undefined,
  env: Record<string, string | undefined>,
): Proxy | null {
  if (option !== undefined && option !== null) {
    if (typeof option !== "string") throw new UsageError("proxy must be a URL string or null");
    return option ? parseProxy(option, "proxy") : null;
  }
  if (server.protocol !== "https:") return null;
  const name = env["https_proxy"] ? "https_proxy" : env["HTTPS_PROXY"] ? "HTTPS_PROXY" : null;
  if (name === null) return null;
  if (bypassed(server.hostname, env["no_proxy"] || env["NO_PROXY"] || "")) return null;
  return parseProxy(env[name]!, name);
}
