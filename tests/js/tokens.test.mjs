// The token lifecycle and the failure rules, against a fake platform on loopback, with a clock
// the tests move (no sleeps standing in for conditions).
import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { inspect } from "node:util";
import { after, before, test } from "node:test";

import { API, CREDS, fakePlatform } from "./_fake.mjs";
import { reply, serve } from "./_server.mjs";
import { FakeClock, internal, rcsdk } from "./_support.mjs";

let fake;
before(async () => (fake = await fakePlatform({ tokenDelayMs: 20 })));
after(() => fake.close());

function make(options = {}) {
  const clock = options.clock ?? new FakeClock();
  const platform = new rcsdk.RCSDK({
    appKey: CREDS.appKey,
    appSecret: CREDS.appSecret,
    server: options.server ?? fake.url,
    clock: clock.clock,
    sleep: clock.sleep,
    ...options.extra,
  }).getPlatform();
  return { platform, clock };
}

function counting() {
  const start = { ...fake.counts };
  return () => Object.fromEntries(Object.entries(fake.counts).map(([k, v]) => [k, v - start[k]]));
}

test("the token is refreshed refreshMargin seconds early, by the injected clock", async () => {
  const { platform, clock } = make();
  await platform.loginJwt(CREDS.jwt);
  const delta = counting();
  clock.advance(3600 - 60 - 1);
  await platform.get(API);
  assert.equal(delta().refresh, 0);
  clock.advance(2);
  await platform.get(API);
  assert.equal(delta().refresh, 1);
  assert.equal(delta().api, 2);
});

test("32 concurrent calls on a due token cause one refresh and no failure", async () => {
  const { platform, clock } = make();
  await platform.loginJwt(CREDS.jwt);
  clock.advance(3600);
  const delta = counting();
  const results = await Promise.allSettled(Array.from({ length: 32 }, () => platform.get(API)));
  assert.equal(results.filter((r) => r.status === "rejected").length, 0);
  assert.equal(delta().refresh, 1);
  assert.equal(delta().api, 32);
});

// One refresh and one retry, and no second refresh: rows of generated/cases.json. Here the retry
// meets another worker's rotation (decisions.json's after_401): the call goes out a third time.
test("a retry that meets another rotation is sent again with the store's tokens", async () => {
  const inner = new rcsdk.MemoryTokenStore();
  let saves = 0;
  const store = {
    save: async (data) => {
      saves += 1;
      await inner.save(data);
    },
    load: async () => {
      // Once the refresh is saved, another worker rotates: its tokens are in the store.
      if (saves === 2 && (saves += 1)) await inner.save({ ...(await inner.load()), token: fake.issue() });
      return inner.load();
    },
  };
  const { platform } = make({ extra: { store } });
  await platform.loginJwt(CREDS.jwt);
  const delta = counting();
  fake.apiFaults.push({ status: 401, body: { errorCode: "OAU-128" } }, { status: 401, body: { errorCode: "OAU-128" } });
  assert.equal((await platform.get(API)).status, 200);
  assert.deepEqual(delta(), { jwt: 0, refresh: 1, revoke: 0, api: 3 });
});

// Which answers end a session: tests/cases/decisions.json (ends_session) and generated/cases.json.
test("invalid_grant on the refresh token ends the session, once", async () => {
  const { platform } = make();
  await platform.loginJwt(CREDS.jwt);
  const violations = [];
  platform.on(platform.events.accessViolation, (e) => violations.push(e));
  platform.on("access_violation", (e) => violations.push(e)); // the spec's name works too
  fake.refresh.clear(); // the platform revoked it
  await assert.rejects(platform.refresh(), rcsdk.InvalidGrantError);
  assert.equal(await platform.isAuthorized(), false);
  assert.equal(violations.length, 2);
  assert.ok(violations[0] instanceof rcsdk.InvalidGrantError);
  assert.deepEqual(platform.getAuthData(), {});
});

test("a rejected refresh token that the store no longer holds ends nothing", async () => {
  const store = new rcsdk.MemoryTokenStore();
  const { platform, clock } = make({ extra: { store } });
  await platform.loginJwt(CREDS.jwt);
  const other = make({ clock, extra: { store: new rcsdk.MemoryTokenStore() } }).platform;
  // Another process rotates the tokens between our read of the store and our request.
  fake.onRefresh = async (form) => {
    fake.onRefresh = null;
    fake.refresh.delete(form.refresh_token);
    await other.setAuthData({ ...platform.getAuthData(), token: { ...fake.issue() } });
    await store.save(other.getAuthData());
    return { status: 400, body: { error: "invalid_grant", errors: [{ errorCode: "OAU-211" }] } };
  };
  const violations = [];
  platform.on("accessViolation", (e) => violations.push(e));
  const token = await platform.refresh(); // the other process's tokens
  assert.equal(token.accessToken, other.getAuthData().token.access_token);
  assert.equal(violations.length, 0);
  assert.equal(await platform.isAuthorized(), true);
  assert.equal((await platform.get(API)).status, 200); // with the other process's tokens
});

test("a store that fails writes never loses the new tokens", async () => {
  let failing = false;
  const inner = new rcsdk.MemoryTokenStore();
  const store = {
    load: () => inner.load(),
    save: (data) => {
      if (failing) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      inner.save(data);
    },
  };
  const { platform } = make({ extra: { store, logger: { warn: () => undefined } } });
  const storeErrors = [];
  platform.on("storeError", (e) => storeErrors.push(e));
  await platform.loginJwt(CREDS.jwt);
  failing = true;
  await platform.refresh(); // resolves: the store's failure is an event, the tokens are kept
  assert.equal(storeErrors.length, 1);
  assert.ok(storeErrors[0] instanceof rcsdk.TokenStoreError);
  assert.ok(!storeErrors[0].message.includes(CREDS.appSecret));
  const held = platform.getAuthData().token.refresh_token;
  assert.ok(fake.refresh.has(held), "memory holds the live (rotated) refresh token");
  assert.notEqual(inner.load().token.refresh_token, held);
  assert.equal((await platform.get(API)).status, 200);
  failing = false;
  await platform.get(API); // the next call saves what could not be saved
  assert.equal(inner.load().token.refresh_token, held);
  assert.equal((await platform.refresh()).accessToken.startsWith("ACCESS-"), true);
});

test("a store that fails writes: login, setAuthData and logout fire storeError and resolve", async () => {
  let failing = true;
  const inner = new rcsdk.MemoryTokenStore();
  const store = {
    load: () => inner.load(),
    save: (data) => {
      if (failing) throw new Error("EROFS: read-only file system");
      inner.save(data);
    },
  };
  const { platform } = make({ extra: { store, logger: { warn: () => undefined } } });
  const events = [];
  for (const name of ["storeError", "loginSuccess", "logoutSuccess"]) platform.on(name, (e) => events.push([name, e]));
  const token = await platform.loginJwt(CREDS.jwt);
  assert.deepEqual(events.map(([name]) => name), ["storeError", "loginSuccess"]);
  assert.ok(events[0][1] instanceof rcsdk.TokenStoreError);
  assert.equal(platform.getAuthData().token.access_token, token.accessToken); // in use
  assert.equal(inner.load(), null);
  failing = false;
  await platform.get(API); // written at the next call that finds the store writable
  assert.equal(inner.load().token.access_token, token.accessToken);
  failing = true;
  const saved = platform.getAuthData();
  events.length = 0;
  await platform.setAuthData({ ...saved, token: { ...saved.token, ...fake.issue() } });
  assert.deepEqual(events.map(([name]) => name), ["storeError"]);
  assert.notEqual(platform.getAuthData().token.access_token, saved.token.access_token);
  await platform.get(API); // still failing: one report per run of failures
  assert.equal(events.length, 1);
  failing = false;
  await platform.get(API);
  assert.equal(inner.load().token.access_token, platform.getAuthData().token.access_token);
  failing = true;
  events.length = 0;
  await platform.logout();
  assert.deepEqual(events.map(([name]) => name), ["storeError", "logoutSuccess"]);
  assert.deepEqual(platform.getAuthData(), {}); // logged out in memory
  assert.equal(await platform.isAuthorized(), false);
});

const quiet = { warn: () => undefined };

/** A FileTokenStore whose writes fail while `failing` is set (a full disk, say). */
function failingFile(file) {
  const inner = new rcsdk.FileTokenStore(file);
  const store = {
    failing: false,
    path: file,
    load: () => inner.load(),
    save: (data) => {
      if (store.failing) throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
      return inner.save(data);
    },
  };
  return store;
}

async function tempFile() {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "rcsdk-tokens-"));
  return { file: path.join(dir, "tokens.json"), done: () => fs.rm(dir, { recursive: true, force: true }) };
}

test("unsaved tokens give way to newer ones in the store", async () => {
  const { file, done } = await tempFile();
  try {
    const store = failingFile(file);
    const { platform, clock } = make({ extra: { store, logger: quiet } });
    await platform.loginJwt(CREDS.jwt);
    clock.advance(3600);
    store.failing = true;
    await platform.get(API); // rotated; unsaved
    store.failing = false;
    const { platform: newer } = make({ clock, extra: { store: new rcsdk.FileTokenStore(file) } });
    await newer.loginJwt(CREDS.jwt); // another process logs in meanwhile
    await platform.get(API);
    assert.deepEqual(platform.getAuthData(), newer.getAuthData());
    assert.equal(JSON.parse(await fs.readFile(file, "utf8")).token.refresh_token, newer.getAuthData().token.refresh_token);
  } finally {
    await done();
  }
});

test("older tokens written meanwhile give way to a later rotation", async () => {
  // The store comes back and another process, first to write, wrote tokens of an earlier
  // rotation (it got them as a grace-period reuse): ours, issued later, replace them.
  const { file, done } = await tempFile();
  try {
    const store = failingFile(file);
    const { platform, clock } = make({ extra: { store, logger: quiet } });
    await platform.loginJwt(CREDS.jwt);
    const delta = counting();
    store.failing = true;
    clock.advance(3600);
    await platform.get(API); // rotation 1, unsaved
    const earlier = platform.getAuthData();
    clock.advance(3600);
    await platform.get(API); // rotation 2, unsaved
    await new rcsdk.FileTokenStore(file).save(earlier); // the other process writes first
    store.failing = false;
    await platform.get(API);
    const ours = platform.getAuthData();
    assert.notEqual(ours.token.refresh_token, earlier.token.refresh_token);
    assert.equal(JSON.parse(await fs.readFile(file, "utf8")).token.refresh_token, ours.token.refresh_token);
    assert.equal(delta().refresh, 2);
  } finally {
    await done();
  }
});

test("two platforms on one token file in one process send one refresh for a due token", async () => {
  const { file, done } = await tempFile();
  try {
    const clock = new FakeClock();
    const { platform: a } = make({ clock, extra: { store: new rcsdk.FileTokenStore(file) } });
    // The same file by another spelling of its path, through another store object.
    const relative = path.relative(process.cwd(), file);
    const { platform: b } = make({ clock, extra: { store: new rcsdk.FileTokenStore(relative) } });
    await a.loginJwt(CREDS.jwt);
    clock.advance(3600);
    const delta = counting();
    const rejected = fake.rejectedRefreshes;
    const calls = Array.from({ length: 16 }, (_, i) => (i % 2 ? a : b).get(API));
    const results = await Promise.allSettled(calls);
    assert.deepEqual(results.filter((r) => r.status === "rejected"), []);
    assert.equal(delta().refresh, 1);
    assert.equal(delta().api, 16);
    assert.equal(fake.rejectedRefreshes, rejected);
  } finally {
    await done();
  }
});

test("a server that drips its answer cannot hold a call past the timeout", async () => {
  const drip = await serve((req, res) => {
    res.writeHead(200, { "Content-Type": "application/json" });
    const timer = setInterval(() => res.write(" "), 50);
    res.on("close", () => clearInterval(timer));
  });
  try {
    const { platform } = make({ server: drip.url, extra: { timeout: 0.4, maxRetries: 0 } });
    const started = Date.now();
    await assert.rejects(platform.loginJwt(CREDS.jwt), rcsdk.APITimeoutError);
    assert.ok(Date.now() - started < 5000);
  } finally {
    await drip.close();
  }
});

test("secrets stay out of messages, toString, util.inspect and debug lines", async () => {
  const password = 'pa"ss&wo+rd ä';
  const echo = await serve((req, res) => {
    const form = new URLSearchParams(req.body);
    if (form.get("grant_type") === "password") {
      // The secret echoed back URL-encoded, JSON-escaped and raw, in every field.
      const raw = form.get("password");
      return reply(res, {
        status: 400,
        headers: { RCRequestId: `req ${raw}` },
        body: {
          error: "invalid_grant",
          error_description: `bad ${encodeURIComponent(raw)} / ${new URLSearchParams({ p: raw })} / ${raw}`,
          message: raw,
          password: raw,
          errors: [{ errorCode: "OAU-140", message: raw, parameterValue: raw }],
        },
      });
    }
    return reply(res, { body: fake.issue() });
  });
  const lines = [];
  try {
    const { platform } = make({
      server: echo.url,
      extra: { maxRetries: 0, logger: { debug: (m) => lines.push(m), info: (m) => lines.push(m), warn: (m) => lines.push(m) } },
    });
    const error = await platform
      .authorize({ username: "+16505550100", extension: "1", password })
      .then(() => null, (e) => e);
    assert.ok(error instanceof rcsdk.InvalidGrantError);
    const token = await platform.loginJwt(CREDS.jwt);
    await platform.get("/restapi/v1.0/x", { token: token.accessToken, jwt: CREDS.jwt }).catch(() => null);
    const shown = [
      error.message,
      String(error),
      error.stack,
      inspect(error, { depth: 10 }),
      JSON.stringify(error.body),
      inspect(token),
      String(token),
      inspect(platform, { depth: 10 }),
      ...lines,
    ].join("\n");
    for (const secret of [password, encodeURIComponent(password), CREDS.appSecret, CREDS.jwt, token.accessToken, token.refreshToken]) {
      assert.ok(!shown.includes(secret), `leaked ${secret}`);
    }
    assert.ok(lines.some((l) => l.includes("[REDACTED]")), "debug lines were written");
  } finally {
    await echo.close();
  }
});

test("the redactor keeps credentials and the last few rotations only", () => {
  const redactor = new internal.Redactor();
  redactor.add("app-secret");
  for (let i = 0; i < 1000; i++) redactor.addTokens(`access-${i}-token`, `refresh-${i}-token`);
  assert.equal(redactor.size, 1 + 2 * 5, String(redactor.size)); // credentials, the live rotation and 4 before
  assert.equal(
    redactor.text("app-secret access-999-token access-995-token access-994-token"),
    "[REDACTED] [REDACTED] [REDACTED] access-994-token",
  );
  redactor.add("ab");
  assert.equal(redactor.text("401 tab, code=ab"), "401 tab, code=[REDACTED]"); // short ones where they stand alone
});

test("events: both spellings, unknown names refused, a throwing listener breaks nothing", async () => {
  const { platform } = make();
  const seen = [];
  platform.on("login_success", () => seen.push("snake"));
  platform.on(platform.events.loginSuccess, () => {
    throw new Error("listener bug");
  });
  platform.on("loginSuccess", () => seen.push("camel"));
  await platform.loginJwt(CREDS.jwt);
  assert.deepEqual(seen, ["snake", "camel"]);
  assert.throws(() => platform.on("no_such_event", () => null), rcsdk.UsageError);
});

test("fromEnv reads the RC_* variables; settings hide secrets", () => {
  const sdk = rcsdk.RCSDK.fromEnv({
    RC_SERVER: fake.url,
    RC_APP_KEY: "k",
    RC_APP_SECRET: "very-secret",
    RC_JWT: "jwt-secret",
  });
  assert.equal(sdk.getPlatform().server, fake.url);
  assert.equal(sdk.settings.jwt, "jwt-secret");
  const shown = inspect(sdk.settings) + String(sdk.settings) + JSON.stringify(sdk.settings) + inspect(sdk);
  assert.ok(!shown.includes("very-secret") && !shown.includes("jwt-secret"));
  assert.throws(() => rcsdk.RCSDK.fromEnv({}), rcsdk.UsageError);
});

test("bad options are usage errors at construction", () => {
  for (const options of [
    { server: null },
    { server: "ftp://x" },
    { server: `${fake.url}/?x=1` },
    { server: `${fake.url}#f` },
    { server: "http://user:pw@127.0.0.1:1" },
    { timeout: -1 },
    { timeout: 0 },
    { maxRetries: 1.5 },
    { refreshMargin: Number.NaN },
  ]) {
    assert.throws(
      () => new rcsdk.RCSDK({ appKey: "k", appSecret: "s", server: fake.url, ...options }),
      rcsdk.UsageError,
      JSON.stringify(options),
    );
  }
  assert.throws(() => new rcsdk.RCSDK({ appKey: "", server: fake.url }), rcsdk.UsageError);
});

test("auth data of an unknown version or shape is an AuthDataError; {} logs out", async () => {
  const { platform } = make();
  await assert.rejects(platform.setAuthData({ version: 99 }), rcsdk.AuthDataError);
  await assert.rejects(platform.setAuthData({ version: 1, token: {} }), rcsdk.AuthDataError);
  await assert.rejects(platform.setAuthData([1]), rcsdk.AuthDataError);
  await assert.rejects(
    platform.setAuthData({ version: 1, token: { access_token: "a" }, expires_at: "soon" }),
    rcsdk.AuthDataError,
  );
  await platform.loginJwt(CREDS.jwt);
  await platform.setAuthData({});
  assert.equal(await platform.isAuthorized(), false);
  await assert.rejects(platform.get(API), rcsdk.LoginRequiredError);
});

test("authorizeUrl makes a PKCE verifier, its S256 challenge and a state", () => {
  const { platform } = make();
  const request = platform.authorizeUrl({ redirectUri: "http://127.0.0.1:8090/callback" });
  const url = new URL(request.url);
  assert.equal(url.searchParams.get("code_challenge"), internal.s256Challenge(request.codeVerifier));
  assert.equal(url.searchParams.get("code_challenge_method"), "S256");
  assert.equal(url.searchParams.get("state"), request.state);
  assert.ok(request.codeVerifier.length >= 43 && request.state.length >= 16);
  assert.notEqual(platform.authorizeUrl().state, request.state);
});

test("getAuthData() is what is in memory; loadAuthData() reads the store, as Python's get_auth_data()", async () => {
  const store = new rcsdk.MemoryTokenStore();
  await make({ extra: { store } }).platform.loginJwt(CREDS.jwt);
  const { platform } = make({ extra: { store } });
  assert.deepEqual(platform.getAuthData(), {}); // synchronous: the store is not read yet
  assert.deepEqual(await platform.loadAuthData(), await store.load());
  assert.deepEqual(platform.getAuthData(), await store.load());
});
