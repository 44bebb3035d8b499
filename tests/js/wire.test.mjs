// The wire (wire.ts) on both of its paths: node:http(s), the default, and a fetch implementation
// passed as the `fetch` option. Each must keep one total deadline per request (and close the
// request when it passes), type dropped and refused connections, never replay a grant that may
// have arrived, keep one connection alive across calls, and check certificates over https.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { after, test } from "node:test";

import { API, CREDS, fakePlatform } from "./_fake.mjs";
import { reply, serve } from "./_server.mjs";
import { FakeClock, ROOT, rcsdk } from "./_support.mjs";

let fetchCalls = 0;
const PATHS = {
  node: {},
  fetch: {
    fetch: (...args) => {
      fetchCalls += 1;
      return globalThis.fetch(...args);
    },
  },
};

function make(server, extra = {}) {
  const clock = new FakeClock();
  return new rcsdk.RCSDK({
    appKey: CREDS.appKey,
    appSecret: CREDS.appSecret,
    server,
    clock: clock.clock,
    sleep: clock.sleep,
    ...extra,
  }).getPlatform();
}

/** Resolves when `condition()` holds, polling until a deadline. */
async function until(condition, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

for (const [name, extra] of Object.entries(PATHS)) {
  test(`${name}: calls keep their connection alive; the fetch option is used when given`, async () => {
    const fake = await fakePlatform();
    try {
      const before = fetchCalls;
      const platform = make(fake.url, extra);
      await platform.loginJwt(CREDS.jwt);
      for (let i = 0; i < 5; i++) assert.equal((await platform.get(API)).json().name, "Fake User");
      // undici may open a second one while the first is handed back; node:http reuses its one.
      assert.ok(fake.server.connections <= (name === "node" ? 1 : 2), `${fake.server.connections} connections`);
      assert.equal(fetchCalls - before, name === "fetch" ? 6 : 0);
    } finally {
      await fake.close();
    }
  });

  test(`${name}: a header value the wire cannot carry is a typed error, not a raw TypeError`, async () => {
    const fake = await fakePlatform();
    try {
      const platform = make(fake.url, { ...extra, maxRetries: 0 });
      await platform.loginJwt(CREDS.jwt);
      await assert.rejects(platform.get(API, null, { headers: { "X-Note": "price \u20ac" } }), (error) => {
        assert.ok(error instanceof rcsdk.RCSDKError, `${error?.name}: ${error?.message}`);
        return true;
      });
      assert.equal((await platform.get(API)).json().name, "Fake User"); // the platform goes on
    } finally {
      await fake.close();
    }
  });

  test(`${name}: a server that never answers is cut at the deadline, and the request closed`, async () => {
    let closed = 0;
    const silent = await serve((req, res) => res.on("close", () => (closed += 1)));
    try {
      const platform = make(silent.url, { ...extra, timeout: 0.3, maxRetries: 0 });
      const started = Date.now();
      await assert.rejects(platform.loginJwt(CREDS.jwt), (error) => {
        assert.ok(error instanceof rcsdk.APITimeoutError, String(error));
        assert.match(error.message, /no answer from .* within 0\.3s/);
        return true;
      });
      assert.ok(Date.now() - started < 5000);
      await until(() => closed === 1, "the server to see the request closed");
    } finally {
      await silent.close();
    }
  });

  test(`${name}: a dropped connection is typed; a GET is retried, a grant never replayed`, async () => {
    const fake = await fakePlatform();
    let drops = 0;
    const dropper = net.createServer((socket) => {
      socket.once("data", () => {
        drops += 1;
        socket.destroy();
      });
    });
    await new Promise((resolve) => dropper.listen(0, "127.0.0.1", resolve));
    const dropUrl = `http://127.0.0.1:${dropper.address().port}`;
    try {
      await assert.rejects(make(dropUrl, { ...extra, maxRetries: 2 }).loginJwt(CREDS.jwt), rcsdk.APIConnectionError);
      assert.equal(drops, 1); // sent once: it may have arrived
      const source = make(fake.url, extra);
      await source.loginJwt(CREDS.jwt);
      const platform = make(dropUrl, { ...extra, maxRetries: 2 });
      // The session is bound to the fake platform's origin: rebound here on purpose (a test of
      // retries, not of origins).
      await platform.setAuthData({ ...source.getAuthData(), origin: dropUrl });
      drops = 0;
      await assert.rejects(platform.get(API), rcsdk.APIConnectionError);
      assert.equal(drops, 3); // a GET is idempotent: the first try and two retries
    } finally {
      await new Promise((resolve) => dropper.close(resolve));
      await fake.close();
    }
  });
}

test("node: a refused connection names its cause, and a grant that never left is sent again", async () => {
  const probe = net.createServer();
  await new Promise((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${probe.address().port}`;
  await new Promise((resolve) => probe.close(resolve));
  const clock = new FakeClock();
  const platform = new rcsdk.RCSDK({
    appKey: CREDS.appKey, appSecret: CREDS.appSecret, server: url, clock: clock.clock, sleep: clock.sleep, maxRetries: 2,
  }).getPlatform();
  await assert.rejects(platform.loginJwt(CREDS.jwt), (error) => {
    assert.ok(error instanceof rcsdk.APIConnectionError, String(error));
    assert.match(error.message, /cannot connect to 127\.0\.0\.1:\d+: connection refused \(is the platform running/);
    return true;
  });
  assert.equal(clock.sleeps.length, 2); // refused: nothing was sent, so the grant was retried
});

test("node: a gzip answer is decoded, and the answer's headers are kept", async () => {
  const body = gzipSync(Buffer.from(JSON.stringify({ id: 7, name: "Zipped" })));
  const zipped = await serve((req, res) => {
    if (req.path === "/restapi/oauth/token") return fakeToken(res);
    assert.match(req.headers["accept-encoding"] ?? "", /gzip/);
    res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip", "X-Seen": "1", "Content-Length": String(body.length) });
    res.end(body);
  });
  try {
    const platform = make(zipped.url);
    await platform.loginJwt(CREDS.jwt);
    const response = await platform.get(API);
    assert.deepEqual(response.json(), { id: 7, name: "Zipped" });
    assert.equal(response.headers.get("x-seen"), "1");
  } finally {
    await zipped.close();
  }
});

// JavaScript only: how the node:http path keeps its deadlines (one list and one timer per
// platform, not a timer per request) and hands node:http its headers (one flat list, so a
// caller's name that differs from ours in case only must replace ours here).
test("node: requests in flight each keep their own deadline; a caller's header replaces ours in any case", { timeout: 20000 }, async () => {
  const server = await serve((req, res) => {
    if (req.path === "/restapi/oauth/token") return fakeToken(res);
    if (req.path.endsWith("/slow")) return; // never answers
    reply(res, { body: { ok: true } });
  });
  try {
    const platform = make(server.url, { timeout: 0.4, maxRetries: 0 });
    await platform.loginJwt(CREDS.jwt);
    const cut = async () => {
      const started = Date.now();
      await assert.rejects(platform.get("/restapi/v1.0/slow"), rcsdk.APITimeoutError);
      return [started, Date.now()];
    };
    const first = cut();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = cut();
    // Answered calls meanwhile are not cut, and leave the others' deadlines alone.
    for (let i = 0; i < 3; i++) assert.deepEqual((await platform.get(API)).json(), { ok: true });
    const [[a0, a1], [b0, b1]] = await Promise.all([first, second]);
    assert.ok(a1 - a0 >= 390 && a1 - a0 < 3000, `the first was cut after ${a1 - a0} ms`);
    assert.ok(b1 - b0 >= 390 && b1 - b0 < 3000, `the second was cut after ${b1 - b0} ms`);
    // Each at its own deadline: the first was not held until the second's.
    assert.ok(b1 - a1 >= 100, `the two were cut ${b1 - a1} ms apart (started ${b0 - a0} ms apart)`);
    // After the deadlines fired, a call gets a new one (the timer arms itself again).
    const [c0, c1] = await cut();
    assert.ok(c1 - c0 >= 390);

    const before = server.requests.length;
    await platform.get(API, null, { headers: { accept: "text/plain", "accept-encoding": "identity", host: "example.test" } });
    const seen = server.requests[before];
    assert.equal(seen.headers.accept, "text/plain"); // one Accept, the caller's (node joins repeats)
    assert.equal(seen.headers["accept-encoding"], "identity");
    assert.equal(seen.headers.host, "example.test"); // node:http's server refuses two
  } finally {
    await server.close();
  }
});

// JavaScript only: node:http's agent closes idle sockets here by a timer of rcsdk's (wire.ts,
// closeIdle), not by the agent's `timeout` option.
test("node: an idle connection is closed at the server's Keep-Alive timeout less a second", { timeout: 20000 }, async () => {
  const server = await serve((req, res) => {
    if (req.path === "/restapi/oauth/token") return fakeToken(res);
    reply(res, { headers: { "Keep-Alive": "timeout=2" }, body: { ok: true } });
  });
  try {
    const platform = make(server.url);
    await platform.loginJwt(CREDS.jwt);
    await new Promise((resolve) => setTimeout(resolve, 1500)); // the token answer gave no hint: 4 s
    const connections = server.connections;
    assert.deepEqual((await platform.get(API)).json(), { ok: true });
    assert.equal(server.connections, connections, "the call reused the idle connection");
    const answered = Date.now();
    await until(() => server.open === 0, "the client to close the idle connection", 6000);
    const idle = Date.now() - answered;
    assert.ok(idle >= 900 && idle < 3500, `closed after ${idle} ms idle (the hint: 2 s less 1 s)`);
  } finally {
    await server.close();
  }
});

test("node: an answer cut short by a closed connection is a connection error, at once", { timeout: 20000 }, async () => {
  const fake = await fakePlatform();
  const cutter = net.createServer((socket) => {
    socket.once("data", () => {
      socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":");
      setTimeout(() => socket.destroy(), 50);
    });
  });
  await new Promise((resolve) => cutter.listen(0, "127.0.0.1", resolve));
  const cutUrl = `http://127.0.0.1:${cutter.address().port}`;
  try {
    const source = make(fake.url);
    await source.loginJwt(CREDS.jwt);
    const platform = make(cutUrl, { timeout: 10, maxRetries: 0 });
    await platform.setAuthData({ ...source.getAuthData(), origin: cutUrl }); // a test of the wire, not of origins
    const started = Date.now();
    await assert.rejects(platform.get(API), (error) => {
      assert.ok(error instanceof rcsdk.APIConnectionError && !(error instanceof rcsdk.APITimeoutError), `${error?.name}: ${error?.message}`);
      return true;
    });
    assert.ok(Date.now() - started < 5000, "not held until the deadline");
  } finally {
    await new Promise((resolve) => cutter.close(resolve));
    await fake.close();
  }
});

// JavaScript only (node:http sends a body-less POST chunked unless told the length; Python's
// and PHP's clients say Content-Length: 0 themselves): what goes on the wire, byte for byte.
test("node: a POST or DELETE without a body says Content-Length: 0, never chunked", { timeout: 20000 }, async () => {
  const fake = await fakePlatform();
  const heads = [];
  const raw = net.createServer((socket) => {
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk;
      while (data.includes("\r\n\r\n")) {
        const end = data.indexOf("\r\n\r\n") + 4;
        heads.push(data.slice(0, end));
        data = data.slice(end);
        socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
      }
    });
  });
  await new Promise((resolve) => raw.listen(0, "127.0.0.1", resolve));
  const rawUrl = `http://127.0.0.1:${raw.address().port}`;
  try {
    const source = make(fake.url);
    await source.loginJwt(CREDS.jwt);
    const platform = make(rawUrl, { maxRetries: 0 });
    await platform.setAuthData({ ...source.getAuthData(), origin: rawUrl }); // a test of the wire
    await platform.post(API);
    await platform.delete(API);
    await platform.get(API);
    assert.equal(heads.length, 3);
    for (const head of heads.slice(0, 2)) {
      assert.match(head, /\r\nContent-Length: 0\r\n/i);
      assert.doesNotMatch(head, /Transfer-Encoding/i);
    }
    assert.doesNotMatch(heads[2], /Content-Length|Transfer-Encoding/i);
  } finally {
    await new Promise((resolve) => raw.close(resolve));
    await fake.close();
  }
});

function fakeToken(res) {
  reply(res, {
    body: { access_token: "A-1", refresh_token: "R-1", token_type: "bearer", expires_in: 3600, refresh_token_expires_in: 604800 },
  });
}

// https: a loopback server with a self-signed certificate made for this run by openssl (no key
// is kept in the repository). The default trust store refuses it (certificates are checked);
// trusted through NODE_EXTRA_CA_CERTS, in a child process, calls go through and keep their
// connection.
const TLS_DIR = mkdtempSync(path.join(os.tmpdir(), "rcsdk-tls-"));
const TLS = path.join(TLS_DIR, "cert.pem");
const TLS_KEY = path.join(TLS_DIR, "key.pem");
execFileSync("openssl", [
  "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
  "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", TLS_KEY, "-out", TLS,
], { stdio: "ignore" });
after(() => rmSync(TLS_DIR, { recursive: true, force: true }));

async function tlsPlatform() {
  const cert = readFileSync(TLS, "utf8");
  const key = readFileSync(TLS_KEY, "utf8");
  let connections = 0;
  const server = https.createServer({ cert, key }, (req, res) => {
    req.resume();
    req.on("end", () => {
      if (req.url === "/restapi/oauth/token") return fakeToken(res);
      if (req.headers.authorization !== "Bearer A-1") return reply(res, { status: 401, body: { errorCode: "OAU-128" } });
      reply(res, { body: { id: 1, name: "TLS User" } });
    });
  });
  server.on("secureConnection", () => (connections += 1));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `https://127.0.0.1:${server.address().port}`,
    connections: () => connections,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(resolve))),
  };
}

test("https: an untrusted certificate is refused, as an APIConnectionError naming why", async () => {
  const tls = await tlsPlatform();
  try {
    await assert.rejects(make(tls.url, { maxRetries: 0 }).loginJwt(CREDS.jwt), (error) => {
      assert.ok(error instanceof rcsdk.APIConnectionError, String(error));
      assert.match(error.message, /CERT/);
      return true;
    });
  } finally {
    await tls.close();
  }
});

test("https: a trusted certificate works, one connection for sequential calls", async () => {
  const tls = await tlsPlatform();
  const script = `
    const { RCSDK } = await import(${JSON.stringify(path.join(ROOT, "build/js/dist/index.js"))});
    const platform = new RCSDK({ appKey: "k", appSecret: "s", server: process.argv[1] }).getPlatform();
    await platform.loginJwt("jwt");
    const names = [];
    for (let i = 0; i < 3; i++) names.push((await platform.get("/restapi/v1.0/account/~/extension/~")).json().name);
    console.log(JSON.stringify(names));`;
  try {
    const child = spawn(process.execPath, ["--input-type=module", "-e", script, tls.url], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: TLS },
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const code = await new Promise((resolve) => child.on("close", resolve));
    assert.equal(code, 0, err);
    assert.deepEqual(JSON.parse(out), ["TLS User", "TLS User", "TLS User"]);
    assert.equal(tls.connections(), 1);
  } finally {
    await tls.close();
  }
});
