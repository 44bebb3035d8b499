// RedisTokenStore for Node (build/js/dist/redis.js, the package's "rcsdk/redis") against a real
// redis-server this file starts: it runs the protocol's shared scripts, its saves are
// compare-and-set on the store's generation, platforms on one key refresh once, a key Redis lost
// is written back from the tokens in memory, and with Redis down a valid access token still
// serves calls. The core package works without the optional `redis` dependency.
// Node-only: what is tested here is the binding to node-redis (its replies, its reconnection,
// the optional import); the protocol's rules are the shared scripts, and the Python, Node and PHP
// workers on one key run together in tests/test_redis_mixed.py and tests/test_redis_chaos.py.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { promises as fs, readFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { createClient } from "redis";

import { API, CREDS, fakePlatform } from "./_fake.mjs";
import { DIST, FakeClock, ROOT, rcsdk } from "./_support.mjs";

const store = await import(path.join(DIST, "redis.js"));
const KEY = "rcsdk:js:user";

async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A redis-server of our own, no persistence; `down()` kills it, `up()` starts it again empty. */
class Redis {
  async up() {
    this.port ??= await freePort();
    this.process = spawn(
      "redis-server",
      ["--bind", "127.0.0.1", "--port", String(this.port), "--save", "", "--appendonly", "no"],
      { stdio: "ignore" },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const ok = await new Promise((resolve) => {
        const socket = net.connect(this.port, "127.0.0.1", () => (socket.end(), resolve(true)));
        socket.on("error", () => resolve(false));
      });
      if (ok) return;
      assert.ok(Date.now() < deadline, "redis-server did not start");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async down() {
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGKILL");
    await exited;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}/0`;
  }
}

let fake;
let redis;
let direct;
const stores = [];
before(async () => {
  fake = await fakePlatform();
  redis = new Redis();
  await redis.up();
  direct = createClient({ url: redis.url });
  direct.on("error", () => undefined);
  await direct.connect();
});
after(async () => {
  for (const s of stores) await s.close();
  await direct.destroy();
  await redis.down();
  fake.close();
});

function redisStore(options = {}) {
  const made = new store.RedisTokenStore(KEY, { url: redis.url, ...options });
  stores.push(made);
  return made;
}

function make(tokens, clock = new FakeClock()) {
  const platform = new rcsdk.RCSDK({
    appKey: CREDS.appKey,
    appSecret: CREDS.appSecret,
    server: fake.url,
    clock: clock.clock,
    sleep: clock.sleep,
    store: tokens,
  }).getPlatform();
  return { platform, clock };
}

test("the store runs the protocol's scripts, the bytes every package ships", () => {
  for (const name of ["acquire", "load", "release", "renew", "save"]) {
    const shipped = readFileSync(path.join(ROOT, "generated/store", `${name}.lua`), "utf8");
    assert.equal(store.script(name), shipped);
  }
});

test("the core package works without the optional redis dependency", async () => {
  const bare = await fs.mkdtemp(path.join(os.tmpdir(), "rcsdk-bare-"));
  try {
    for (const part of ["dist", "store", "package.json"]) {
      await fs.cp(path.join(ROOT, "build/js", part), path.join(bare, part), { recursive: true });
    }
    const probe = `
      const core = await import(${JSON.stringify(path.join(bare, "dist/index.js"))});
      const { RedisTokenStore } = await import(${JSON.stringify(path.join(bare, "dist/redis.js"))});
      const tokens = new RedisTokenStore("k", { url: "redis://127.0.0.1:1/0" });
      const error = await tokens.load().catch((e) => e);
      console.log(typeof core.RCSDK, error instanceof core.TokenStoreError, error.message);`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", probe], { cwd: bare, encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stdout.trim(), "function true RedisTokenStore needs the `redis` package: npm install redis");
  } finally {
    await fs.rm(bare, { recursive: true, force: true });
  }
});

const STORE_CASES = JSON.parse(readFileSync(path.join(ROOT, "tests/cases/store.json"), "utf8"));

// The shared table of the protocol (Python and PHP run it too).
for (const c of STORE_CASES.cases) {
  test(`store case: ${c.name}`, async () => {
    await direct.flushAll();
    const tokens = redisStore();
    const bound = {};
    for (const step of c.steps) {
      let written = null;
      let held;
      let generation;
      if (step.op === "load") [held, generation] = await tokens.loadGeneration();
      else {
        const expected = step.expected === null || step.expected === "*" ? step.expected : bound[step.expected];
        const data = step.data === null ? null : STORE_CASES.data[step.data];
        [written, held, generation] = await tokens.saveIf(data, expected);
      }
      const want = step.expect;
      if ("written" in want) assert.equal(written, want.written, JSON.stringify(step));
      assert.deepEqual(held, want.data === null ? null : STORE_CASES.data[want.data]);
      if (want.generation === null) assert.equal(generation, null);
      else if (want.generation in bound) assert.equal(generation, bound[want.generation]);
      else {
        assert.ok(generation !== null && Object.values(bound).every((g) => BigInt(generation) > BigInt(g)));
        bound[want.generation] = generation;
      }
    }
    assert.equal(await direct.type(KEY), c.steps.some((s) => s.op === "save") ? "hash" : "none");
  });
}

test("platforms on one key cause one refresh for a due token", async () => {
  await direct.flushAll();
  const clock = new FakeClock();
  const platforms = Array.from({ length: 6 }, () => make(redisStore(), clock).platform);
  await platforms[0].loginJwt(CREDS.jwt);
  clock.advance(3600);
  const before = fake.counts.refresh;
  const results = await Promise.allSettled(platforms.map((p) => p.get(API)));
  assert.deepEqual(results.filter((r) => r.status === "rejected"), []);
  assert.equal(fake.counts.refresh - before, 1);
  assert.equal(fake.rejectedRefreshes, 0);
});

test("a key Redis lost is written back from the tokens in memory, without ending the session", async () => {
  await direct.flushAll();
  const clock = new FakeClock();
  const a = make(redisStore(), clock).platform;
  const b = make(redisStore(), clock).platform;
  const violations = [];
  for (const p of [a, b]) p.on(rcsdk.Events.accessViolation, (e) => violations.push(e));
  await a.loginJwt(CREDS.jwt);
  await b.get(API);
  await direct.flushAll();
  clock.advance(3600);
  const before = fake.counts.refresh;
  await a.get(API);
  await b.get(API);
  assert.equal(fake.counts.refresh - before, 1);
  assert.deepEqual(a.getAuthData(), b.getAuthData());
  assert.deepEqual(violations, []);
});

test("with Redis down, a valid access token serves calls; an expired one fails typed", async () => {
  const own = new Redis();
  await own.up();
  const tokens = new store.RedisTokenStore(KEY, { url: own.url, lockTimeout: 0.5 });
  try {
    const { platform, clock } = make(tokens);
    await platform.loginJwt(CREDS.jwt);
    await own.down();
    clock.advance(3600 - 30); // due within the margin, still valid
    await platform.get(API);
    clock.advance(60);
    await assert.rejects(platform.get(API), rcsdk.TokenStoreError);
    assert.equal(await platform.isAuthorized(), true);
  } finally {
    await tokens.close();
  }
});

// The same rule as tests/cases/security.json's session-binding rows (run there on a memory and
// a file store): on Redis too, a login of this app never writes over another app's session.
// Python and PHP read the key before they write; JavaScript skipped the read for a fenced store.
test("a login never writes over another app's session in the key", async () => {
  await direct.flushAll();
  const source = make(redisStore()).platform;
  await source.loginJwt(CREDS.jwt);
  const theirs = { ...source.getAuthData(), app_key: "another-app" };
  const seeding = redisStore();
  await seeding.saveIf(theirs, "*");
  const [before] = await seeding.loadGeneration();
  const { platform } = make(redisStore());
  const errors = [];
  platform.on(rcsdk.Events.storeError, (e) => errors.push(e));
  await platform.loginJwt(CREDS.jwt);
  const [after] = await seeding.loadGeneration();
  assert.deepEqual(after, before, "the other app's session is untouched");
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof rcsdk.TokenStoreError && /not writing over it/.test(errors[0].message), errors[0].message);
});
