// Issue #15's language-neutral table (tests/cases/security.json), every case, against the
// JavaScript client. `platform: local` is the Node fake platform (_fake.mjs); a foreign loopback
// listener counts connections + requests and must see 0 in every case. The table names options,
// actions and a few message words the Python way; the maps below translate them, explicitly.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import util from "node:util";
import v8 from "node:v8";
import zlib from "node:zlib";
import { after, before, test } from "node:test";

import { CREDS, fakePlatform } from "./_fake.mjs";
import { reply, serve } from "./_server.mjs";
import { ROOT, internal, rcsdk } from "./_support.mjs";

const TABLE = JSON.parse(readFileSync(path.join(ROOT, "tests/cases/security.json"), "utf8"));

/** Python option names -> the JavaScript client's. */
const OPTIONS = {
  allow_insecure_http: "allowInsecureHttp",
  clock: "clock",
  user_agent: "userAgent",
  max_retries: "maxRetries",
  proxy: "proxy",
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
  app_key: "appKey",
  app_secret: "appSecret",
  user_agent: "userAgent",
  max_response_bytes: "maxResponseBytes",
};

/** Python action names -> calls on the JS Platform. */
const ACTIONS = {
  login_jwt: (p, a) => ("options" in a ? p.loginJwt(a.jwt, a.options) : p.loginJwt(a.jwt)),
  login_auth_code: (p, a) => p.loginAuthCode(a.code, a.options),
  authorize_url: (p, a) => p.authorizeUrl(a.options),
  read_extension: (p, a) => p.readExtension(a.options),
  get: (p, a) => p.get(a.path, a.query, a.options),
  set_auth_data: (p, a) => p.setAuthData({ ...validTokens(), ...a.binding }),
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

/**
 * The case's store, holding its auth data (`store`), and that data; with no `store` but an
 * `expect.store`, an empty one.
 */
async function prefilledStore(c, server) {
  if (c.store === undefined) return "store" in c.expect ? [new rcsdk.MemoryTokenStore(), null] : [null, null];
  let data = validTokens();
  if (c.store.tokens === "issued") {
    // another client logged in to the platform
    const other = new rcsdk.RCSDK({ appKey: CREDS.appKey, appSecret: CREDS.appSecret, server }).getPlatform();
    await other.loginJwt(CREDS.jwt);
    data = other.getAuthData();
  }
  const tokens = { ...data };
  for (const key of ["origin", "app_key"]) {
    delete tokens[key];
    if (key in c.store) tokens[key] = c.store[key];
  }
  const store = new rcsdk.MemoryTokenStore();
  store.save(tokens);
  return [store, structuredClone(tokens)];
}

/** A loopback port where nothing listens (bound, then closed). */
async function closedPort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
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
      "{closed}": `127.0.0.1:${await closedPort()}`,
      "{app_key}": CREDS.appKey,
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
    const [store, held] = await prefilledStore(c, `http://${host}`);
    if (store !== null) options.store = store;
    const warnings = [];
    const counts = () => ({ requests: server.requests.length, connections: server.server?.connections ?? server.connections });
    let error = null;
    let start = counts();
    const proxied = proxy.requests;
    try {
      const args = c.args ?? {};
      if (c.action === "file_store") {
        new rcsdk.FileTokenStore(args.path);
        assert.fail("FileTokenStore took a path that is not one");
      }
      let sdk;
      let action = c.action;
      let actionArgs = args;
      if (c.action === "from_env") {
        sdk = rcsdk.RCSDK.fromEnv(args.env);
        // JavaScript's loginJwt takes the JWT from the settings explicitly.
        action = args.then;
        actionArgs = { jwt: sdk.settings.jwt };
      } else {
        sdk = withEnvironment(c.env ?? {}, () => new rcsdk.RCSDK({
          appKey: c.credentials?.app_key ?? CREDS.appKey,
          appSecret: c.credentials?.app_secret ?? CREDS.appSecret,
          server: c.server ?? `http://${host}`,
          logger: { warn: (m) => warnings.push(m) },
          ...options,
        }));
      }
      const platform = sdk.getPlatform();
      if (c.tokens === "valid") await platform.setAuthData(validTokens());
      else if (c.tokens === "login") await platform.loginJwt(CREDS.jwt);
      start = counts();
      if (action !== "construct") {
        assert.ok(action in ACTIONS, `${c.id}: no JS call for action ${action}`);
        await ACTIONS[action](platform, actionArgs);
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
    if ("store" in expect) {
      const now = (await store.load()) ?? {};
      if (expect.store === "unchanged") assert.deepEqual(now, held, `${c.id}: the store's session was changed`);
      else for (const [k, v] of Object.entries(expect.store)) assert.equal(now[k], v, `${c.id}: store ${k}`);
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

/** The redaction table's placeholders: {lone_surrogate} and {X*N} (X repeated N times). */
function expand(text) {
  return text.replaceAll("{lone_surrogate}", "\ud800").replace(/\{(.)\*(\d+)\}/g, (_m, c, n) => c.repeat(Number(n)));
}

// The table's redaction cases: what a Redactor blanks, as in Python and PHP.
for (const c of TABLE.redaction.cases) {
  test(`redaction: ${c.id}`, () => {
    const redactor = new internal.Redactor();
    redactor.add(...(c.credentials ?? []).map(expand));
    for (const rotation of c.rotations ?? []) redactor.addTokens(...rotation.map(expand));
    if ("text" in c) assert.equal(redactor.text(expand(c.text)), expand(c.expect));
    else assert.deepEqual(redactor.value(c.value), c.expect_value);
  });
}

// The table's serialization cases (issue #20, point 10): no public object's serialization shows a
// secret. A serialization that refuses (throws) passes when its message shows none either.
const EXTRA_SECRETS = {
  RC_PASSWORD: "password-in-the-environment",
  RC_AUTH_CODE: "auth-code-in-the-environment",
  RC_CODE_VERIFIER: "code-verifier-in-the-environment-0123456789",
  RC_ACCESS_TOKEN: "access-token-in-the-environment",
  RC_REFRESH_TOKEN: "refresh-token-in-the-environment",
};

const SERIALIZE = {
  json: (x) => JSON.stringify(x),
  string: (x) => String(x),
  debug: (x) => util.inspect(x, { depth: Infinity, showHidden: true }),
  export: (x) => v8.serialize(x).toString("latin1"),
  spread: (x) => JSON.stringify({ ...x }),
  trace: (x) => `${util.inspect(x, { depth: Infinity, showHidden: true })}\n${x.stack}`,
};

let fake;
before(async () => {
  fake = await fakePlatform();
});
after(() => fake.close());

async function serializationCase(c) {
  const sdk = rcsdk.RCSDK.fromEnv({
    RC_SERVER: fake.url,
    RC_APP_KEY: CREDS.appKey,
    RC_APP_SECRET: CREDS.appSecret,
    RC_JWT: CREDS.jwt,
    ...EXTRA_SECRETS,
  });
  const platform = sdk.getPlatform();
  const heard = [];
  platform.on("loginSuccess", (payload) => heard.push(payload));
  const token = await platform.loginJwt(CREDS.jwt);
  const { access_token, refresh_token } = platform.getAuthData().token;
  const secrets = [
    CREDS.appSecret,
    CREDS.jwt,
    ...Object.values(EXTRA_SECRETS),
    access_token,
    refresh_token,
    Buffer.from(`${CREDS.appKey}:${CREDS.appSecret}`).toString("base64"),
  ];
  let value = { sdk, settings: sdk.settings, platform, token_info: token, login_event: heard[0] }[c.object];
  if (c.method === "trace") {
    fake.apiFaults.push({ status: 404, body: { errorCode: "CMN-102", message: "Resource not found" } });
    value = await platform.get("/restapi/v1.0/no-such-resource").then(
      () => assert.fail("the call succeeded"),
      (error) => error,
    );
    assert.ok(value instanceof rcsdk.RCSDKError);
  }
  let text;
  try {
    text = SERIALIZE[c.method](value);
  } catch (error) {
    text = `${error?.name}: ${error?.message}`;
  }
  const shown = secrets.filter((secret) => String(text).includes(secret)).length;
  assert.equal(shown, 0, `${c.id}: ${shown} secret(s) shown`);
}

for (const c of TABLE.serialization.cases) {
  test(`serialization: ${c.id}`, () => serializationCase(c));
}
