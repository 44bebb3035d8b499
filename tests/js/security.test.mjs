// Issue #15's rules, table-driven: tokens never leave for a host they were not issued for, and
// hostile input finds no way in. A foreign loopback listener counts what reached it.
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { API, CREDS, fakePlatform } from "./_fake.mjs";
import { reply, serve } from "./_server.mjs";
import { FakeClock, rcsdk } from "./_support.mjs";

let fake;
let foreign;
before(async () => {
  fake = await fakePlatform();
  foreign = await serve((req, res) => reply(res, { body: { stolen: true } }));
});
after(async () => {
  await fake.close();
  await foreign.close();
});

async function loggedIn(server = fake.url, extra = {}) {
  const platform = new rcsdk.RCSDK({ appKey: CREDS.appKey, appSecret: CREDS.appSecret, server, maxRetries: 0, ...extra }).getPlatform();
  await platform.loginJwt(CREDS.jwt);
  return platform;
}

test("paths that could leave the platform's origin are refused before anything is sent", async () => {
  const platform = await loggedIn();
  const host = `127.0.0.1:${foreign.port}`;
  const cases = {
    "foreign absolute URL": `${foreign.url}/steal`,
    "foreign https URL": `https://${host}/steal`,
    "scheme-relative URL": `//${host}/steal`,
    "@-injection": `@${host}/steal`,
    "no leading slash": "restapi/v1.0/x",
    backslash: `/\\${host}/steal`,
    "backslash later": "/restapi\\..\\x",
    "CR/LF": "/restapi/v1.0/x\r\nHost: evil",
    "NUL": "/restapi/v1.0/x\u0000",
    "tab": "/restapi/v1.0/\tx",
    "credentials in a same-host URL": `http://user:pw@${new URL(fake.url).host}/x`,
  };
  const before = fake.requests.length;
  for (const [name, bad] of Object.entries(cases)) {
    await assert.rejects(platform.get(bad), (error) => {
      assert.ok(error instanceof rcsdk.UsageError, `${name}: ${error}`);
      assert.match(error.message, /path/, name);
      return true;
    });
  }
  assert.equal(foreign.requests.length, 0);
  assert.equal(fake.requests.length, before);
  // The platform's own absolute URLs (RingCentral returns them in `uri`) work.
  const own = await platform.get(API);
  assert.equal((await platform.get(own.json().uri)).status, 200);
});

test("CR/LF or control characters in header values are refused", async () => {
  const platform = await loggedIn();
  for (const headers of [{ "X-A": "a\r\nAuthorization: x" }, { "X-A": "a\nb" }, { "X-A": "a\u0000" }, { "Bad Name": "x" }]) {
    await assert.rejects(platform.get(API, null, { headers }), rcsdk.UsageError);
  }
  assert.throws(
    () => new rcsdk.RCSDK({ appKey: "k", appSecret: "s", server: fake.url, userAgent: "a\r\nX: y" }),
    rcsdk.UsageError,
  );
  assert.throws(() => new rcsdk.RCSDK({ appKey: "k\n", appSecret: "s", server: fake.url }), rcsdk.UsageError);
  // Form values are encoded, so CR/LF in a username travels as data, never as a header.
  await assert.rejects(platform.authorize({ username: "a\r\nX-Evil: 1", extension: "1", password: "p" }));
  assert.ok(!Object.keys(fake.requests.at(-1).headers).includes("x-evil"));
});

test("plain http only for loopback, unless explicitly allowed (with a warning)", () => {
  for (const server of ["http://platform.example", "http://10.0.0.1:8080", "http://[::2]/"]) {
    assert.throws(() => new rcsdk.RCSDK({ appKey: "k", appSecret: "s", server }), (e) => {
      assert.ok(e instanceof rcsdk.UsageError);
      assert.match(e.message, /plain http/);
      return true;
    });
  }
  const warnings = [];
  new rcsdk.RCSDK({ appKey: "k", appSecret: "s", server: "http://platform.example", allowInsecureHttp: true, logger: { warn: (m) => warnings.push(m) } });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /plain http/);
  for (const server of ["http://127.0.0.1:1", "http://localhost:1", "http://[::1]:1", "https://platform.example"]) {
    assert.ok(new rcsdk.RCSDK({ appKey: "k", appSecret: "s", server }));
  }
});

test("redirects are never followed, on the token, revoke and API paths", async () => {
  for (const status of [301, 302, 303, 307, 308]) {
    for (const target of ["foreign", "same"]) {
      const location = target === "foreign" ? `${foreign.url}/steal` : "/elsewhere";
      for (const op of ["token", "revoke", "api"]) {
        let redirecting = true;
        const server = await serve((req, res) => {
          const path = { token: "/restapi/oauth/token", revoke: "/restapi/oauth/revoke", api: API }[op];
          if (redirecting && req.path === path) return reply(res, { status, headers: { Location: location }, body: { access_token: "x" } });
          if (req.path === "/restapi/oauth/token") return reply(res, { body: fake.issue() });
          return reply(res, { body: {} });
        });
        try {
          const platform = new rcsdk.RCSDK({ appKey: CREDS.appKey, appSecret: CREDS.appSecret, server: server.url, maxRetries: 0 }).getPlatform();
          if (op !== "token") {
            redirecting = false;
            await platform.loginJwt(CREDS.jwt);
            redirecting = true;
          }
          const call = { token: () => platform.loginJwt(CREDS.jwt), revoke: () => platform.logout(), api: () => platform.get(API) }[op];
          await assert.rejects(call(), (error) => {
            assert.ok(error instanceof rcsdk.APIStatusError, `${status} ${target} ${op}: ${error}`);
            assert.equal(error.statusCode, status);
            const host = target === "foreign" ? `127.0.0.1:${foreign.port}` : new URL(server.url).host;
            assert.equal(error.message, `${status} unexpected redirect to ${host}`);
            return true;
          });
          assert.equal(server.requests.filter((r) => r.path === "/elsewhere").length, 0);
        } finally {
          await server.close();
        }
      }
    }
  }
  assert.equal(foreign.requests.length, 0);
});

test("the file store: 0600, atomic, no symlinks followed, no store others can write", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rcsdk-store-"));
  try {
    const file = path.join(dir, "tokens.json");
    const store = new rcsdk.FileTokenStore(file);
    await store.save({ version: 1, b: 2, a: 1 });
    assert.equal((await fs.stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await store.load(), { a: 1, b: 2, version: 1 });
    assert.deepEqual((await fs.readdir(dir)).sort(), ["tokens.json"]); // no temporary left
    // A symlink planted at the path is not followed, neither to read nor to write.
    const victim = path.join(dir, "victim.txt");
    await fs.writeFile(victim, "precious");
    await fs.rm(file);
    await fs.symlink(victim, file);
    await assert.rejects(store.load(), rcsdk.TokenStoreError); // a file it cannot trust, as in Python and PHP
    await store.save({ version: 1 });
    assert.equal(await fs.readFile(victim, "utf8"), "precious");
    assert.equal((await fs.lstat(file)).isSymbolicLink(), false);
    // A store other users can write is refused.
    await fs.chmod(file, 0o666);
    await assert.rejects(store.load(), (e) => e instanceof rcsdk.TokenStoreError && /writable by other users/.test(e.message));
    // Garbage or a huge nesting (AuthDataError), a directory (TokenStoreError): typed errors.
    await fs.rm(file);
    await fs.writeFile(file, "{not json", { mode: 0o600 });
    await assert.rejects(store.load(), rcsdk.AuthDataError);
    await fs.writeFile(file, "[".repeat(100000) + "]".repeat(100000), { mode: 0o600 });
    await assert.rejects(store.load(), rcsdk.AuthDataError);
    await fs.rm(file);
    await fs.mkdir(file);
    await assert.rejects(store.load(), rcsdk.TokenStoreError);
    await assert.rejects(store.save({ version: 1 }), rcsdk.TokenStoreError);
    // A relative path is resolved when the store is made.
    assert.equal(new rcsdk.FileTokenStore("t.json").path, path.resolve("t.json"));
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("a store that cannot be read at refresh time keeps the session in memory", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rcsdk-store-"));
  try {
    const file = path.join(dir, "tokens.json");
    const clock = new FakeClock();
    const platform = new rcsdk.RCSDK({
      appKey: CREDS.appKey,
      appSecret: CREDS.appSecret,
      server: fake.url,
      store: new rcsdk.FileTokenStore(file),
      clock: clock.clock,
      sleep: clock.sleep,
      logger: { warn: () => undefined },
    }).getPlatform();
    const storeErrors = [];
    platform.on("storeError", (e) => storeErrors.push(e));
    await platform.loginJwt(CREDS.jwt);
    await fs.rm(file);
    await fs.mkdir(file); // the store turns into something it cannot read
    clock.advance(3600);
    assert.equal((await platform.get(API)).status, 200); // refreshed, with the tokens in memory
    assert.equal(storeErrors.length, 1);
    assert.ok(storeErrors[0] instanceof rcsdk.TokenStoreError);
    const live = platform.getAuthData().token.refresh_token;
    await fs.rmdir(file);
    await platform.get(API); // written at the next call
    assert.equal(JSON.parse(await fs.readFile(file, "utf8")).token.refresh_token, live);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("a directory at the store path after a login loses no token", async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rcsdk-store-"));
  try {
    const file = path.join(dir, "tokens.json");
    await fs.mkdir(file);
    const platform = new rcsdk.RCSDK({ appKey: CREDS.appKey, appSecret: CREDS.appSecret, server: fake.url, store: new rcsdk.FileTokenStore(file), logger: { warn: () => undefined } }).getPlatform();
    const storeErrors = [];
    platform.on("storeError", (e) => storeErrors.push(e));
    await platform.loginJwt(CREDS.jwt); // resolves: the store's failure is an event
    assert.equal(storeErrors.length, 1);
    assert.ok(storeErrors[0] instanceof rcsdk.TokenStoreError);
    assert.equal((await platform.get(API)).status, 200); // the issued tokens are in use
    await fs.rmdir(file);
    await platform.get(API);
    assert.equal(JSON.parse(await fs.readFile(file, "utf8")).version, 1); // and saved once it can
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
