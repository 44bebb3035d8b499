// Issue #15's language-neutral table (tests/cases/security.json), every case, against the
// JavaScript client. `platform: local` is the Node fake platform (_fake.mjs); a foreign loopback
// listener counts connections + requests and must see 0 in every case. The table names options,
// actions and a few message words the Python way; the maps below translate them, explicitly.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import zlib from "node:zlib";
import { after, before, test } from "node:test";

import { CREDS, fakePlatform } from "./_fake.mjs";
import { reply, serve } from "./_server.mjs";
import { ROOT, internal, rcsdk } from "./_support.mjs";

const TABLE = JSON.parse(readFileSync(path.join(ROOT, "tests/cases/security.json"), "utf8"));

/** Python option names -> the JavaScript client's. */
const OPTIONS = {
  allow_insecure_http: "allowInsecureHttp",
  proxy: "proxy",
  max_retries: "maxRetries",
  max_response_bytes: "maxResponseBytes",
};

/**
 * Expected message substrings whose wording is language-specific -> what the JS client says.
 * Only these are translated; every other substring must appear as written.
 */
const MESSAGES = {
  // JS quotes the slash with double quotes: 'path must start with "/"'.
  "must start with '/'": 'must start with "/"',
  // JS writes the scheme in lower case, as in the URL ("is plain http").
  "plain HTTP": "plain http",
  // The option the message tells the user to pass, by its JS name.
  allow_insecure_http: "allowInsecureHttp",
  max_response_bytes: "maxResponseBytes",
};

/** Python action names -> calls on the JS Platform. */
const ACTIONS = {
  login_jwt: (p, a) => p.loginJwt(a.jwt),
  login_password: (p, a) => p.authorize({ username: a.username, extension: a.extension, password: a.password }),
  refresh: (p) => p.refresh(),
  revoke: (p) => p.logout(),
  request: (p, a) => p.request(a.method, a.path, a.headers ? { headers: a.headers } : {}),
};

function fill(value, names) {
  if (typeof value === "string") {
    for (const [name, replacement] of Object.entries(names)) value = value.split(name).join(replacement);
    return value;
  }
  if (Array.isArray(value)) return value.map((v) => fill(v, names));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [fill(k, names), fill(v, names)]));
  }
  return value;
}

/** Tokens set directly (no request): the access token is far from due. */
function validTokens() {
  const far = 4_000_000_000;
  return {
    version: 1,
    token: {
      access_token: "case-access-token-0001",
      token_type: "bearer",
      expires_in: 3600,
      refresh_token: "case-refresh-token-0001",
      refresh_token_expires_in: 604800,
      scope: "ReadAccounts",
      owner_id: "1",
      endpoint_id: "e",
    },
    expires_at: far,
    refresh_token_expires_at: far,
  };
}

const PROXY_VARIABLES = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];

/** `make()` with every proxy variable unset but `values` (the proxy is chosen then, only then). */
function withEnvironment(values, make) {
  const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
  try {
    return make();
  } finally {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

/** The {proxy} listener: counts requests (CONNECT included) and answers each 502. */
async function proxyListener() {
  const seen = { requests: 0 };
  const server = net.createServer((socket) => {
    let head = "";
    socket.on("data", (data) => {
      head += data.toString("latin1");
      while (head.includes("\r\n\r\n")) {
        const end = head.indexOf("\r\n\r\n");
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head.slice(0, end))?.[1] ?? 0);
        if (head.length < end + 4 + length) return;
        head = head.slice(end + 4 + length);
        seen.requests += 1;
        const body = '{"proxy":"no"}';
        socket.write(`HTTP/1.1 502 Bad Gateway\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      }
    });
    socket.on("error", () => {});
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  seen.port = server.address().port;
  seen.close = () => new Promise((resolve) => server.close(resolve));
  return seen;
}

let gzipBomb = null;

/** The `answer` listener: more than a client may hold (see the table's `answer` field). */
async function flood(kind) {
  const requests = [];
  const sockets = new Set();
  const piece = Buffer.alloc(65536, "0");
  const server = http.createServer((req, res) => {
    requests.push(req.url);
    if (kind === "declared") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(64 * piece.length) });
      let sent = 0;
      const more = () => {
        while (sent < 64) {
          sent += 1;
          if (!res.write(piece)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    } else if (kind === "endless") {
      res.writeHead(200, { "Content-Type": "application/json" });
      const until = Date.now() + 30_000;
      const more = () => {
        while (!res.destroyed && Date.now() < until) if (!res.write(piece)) return void res.once("drain", more);
        res.end();
      };
      more();
    } else {
      gzipBomb ??= zlib.gzipSync(Buffer.alloc(64 << 20, "0"), { level: 9 });
      res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": String(gzipBomb.length) });
      res.end(gzipBomb);
    }
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    connections: 0,
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

let foreign;
let proxy;
before(async () => {
  foreign = await serve((req, res) => reply(res, { body: { stolen: true } }));
  proxy = await proxyListener();
});
after(() => Promise.all([foreign.close(), proxy.close()]));

/** Run one case; throws an AssertionError when the client does not do what the case expects. */
async function runCase(raw) {
  let server;
  if (raw.platform === "answer") {
    server = await flood(raw.answer);
  } else if (raw.platform === "redirect") {
    const body = { access_token: "redirected-token", token_type: "bearer", expires_in: 3600 };
    const state = { location: "" };
    server = await serve((req, res) => reply(res, { status: raw.redirect.status, headers: { Location: state.location }, body }));
    server.state = state;
  } else {
    server = await fakePlatform();
  }
  const foreignBefore = foreign.connections + foreign.requests.length;
  try {
    const host = new URL(server.url).host;
    const names = {
      "{platform}": host,
      "{foreign}": `127.0.0.1:${foreign.port}`,
      "{remote}": `0.0.0.0:${new URL(server.url).port}`,
      "{jwt}": CREDS.jwt,
      "{proxy}": `127.0.0.1:${proxy.port}`,
    };
    const c = fill(raw, names);
    const expect = c.expect;
    if (c.platform === "redirect") server.state.location = c.redirect.location;
    const options = {};
    for (const [name, value] of Object.entries(c.options ?? {})) {
      assert.ok(name in OPTIONS, `${c.id}: no JS name for option ${name}`);
      options[OPTIONS[name]] = value;
    }
    const warnings = [];
    const counts = () => ({ requests: server.requests.length, connections: server.server?.connections ?? server.connections });
    let error = null;
    let start = counts();
    const proxied = proxy.requests;
    try {
      const sdk = withEnvironment(c.env ?? {}, () => new rcsdk.RCSDK({
        appKey: CREDS.appKey,
        appSecret: CREDS.appSecret,
        server: c.server ?? `http://${host}`,
        logger: { warn: (m) => warnings.push(m) },
        ...options,
      }));
      const platform = sdk.getPlatform();
      if (c.tokens === "valid") await platform.setAuthData(validTokens());
      else if (c.tokens === "login") await platform.loginJwt(CREDS.jwt);
      start = counts();
      if (c.action !== "construct") {
        assert.ok(c.action in ACTIONS, `${c.id}: no JS call for action ${c.action}`);
        await ACTIONS[c.action](platform, c.args ?? {});
      }
    } catch (e) {
      if (!(e instanceof rcsdk.RCSDKError)) throw e;
      error = e;
    }
    const end = counts();
    assert.equal(foreign.connections + foreign.requests.length - foreignBefore, expect.foreign_requests, `${c.id}: the foreign host was reached`);
    if ("proxy_requests" in expect) assert.equal(proxy.requests - proxied, expect.proxy_requests, `${c.id}: proxy requests`);
    if ("platform_requests" in expect) {
      assert.equal(end.requests - start.requests, expect.platform_requests, `${c.id}: platform requests`);
      if (expect.platform_requests === 0) assert.equal(end.connections, start.connections, `${c.id}: platform connections`);
    }
    if (expect.error === null) {
      assert.equal(error, null, `${c.id}: unexpected ${error?.name}: ${error?.message}`);
    } else {
      assert.ok(error, `${c.id}: expected ${expect.error}, nothing was raised`);
      assert.ok(error instanceof rcsdk[expect.error], `${c.id}: ${error.name}: ${error.message}`);
      assert.equal(error.constructor.name, expect.error, `${c.id}: ${error.name}: ${error.message}`);
      for (const part of expect.message) {
        const wanted = MESSAGES[part] ?? part;
        assert.ok(error.message.includes(wanted), `${c.id}: ${JSON.stringify(wanted)} not in ${JSON.stringify(error.message)}`);
      }
      for (const part of expect.message_lacks ?? []) {
        assert.ok(!error.message.includes(part) && !String(error).includes(part), `${c.id}: ${part} shown: ${error.message}`);
      }
      if ("status" in expect) assert.equal(error.statusCode, expect.status, `${c.id}: status`);
    }
    for (const part of expect.warning ?? []) {
      const wanted = MESSAGES[part] ?? part;
      assert.ok(warnings.some((w) => w.includes(wanted)), `${c.id}: no warning with ${JSON.stringify(wanted)} in ${JSON.stringify(warnings)}`);
    }
  } finally {
    await server.close();
  }
}

for (const c of TABLE.cases) {
  test(`security table: ${c.id}`, () => runCase(c));
}

test("the table runner can fail: a wrong message, or a check switched off by an option", async () => {
  const wrongMessage = structuredClone(TABLE.cases.find((c) => c.id === "foreign-absolute-url"));
  wrongMessage.expect.message = ["a substring no client says"];
  await assert.rejects(runCase(wrongMessage), assert.AssertionError);
  // allowInsecureHttp switches the plain-http check off, so the case's UsageError never comes.
  const optedIn = structuredClone(TABLE.cases.find((c) => c.id === "plain-http-remote"));
  optedIn.options = { allow_insecure_http: true };
  await assert.rejects(runCase(optedIn), /expected UsageError, nothing was raised/);
});

// The table's redaction cases: what a Redactor blanks, as in Python and PHP.
for (const c of TABLE.redaction.cases) {
  test(`redaction: ${c.id}`, () => {
    const redactor = new internal.Redactor();
    redactor.add(...(c.credentials ?? []));
    for (const rotation of c.rotations ?? []) redactor.addTokens(...rotation);
    if ("text" in c) assert.equal(redactor.text(c.text), c.expect);
    else assert.deepEqual(redactor.value(c.value), c.expect_value);
  });
}
