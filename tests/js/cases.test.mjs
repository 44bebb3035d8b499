// The shared case table (generated/cases.json, from the spec), run by the JavaScript client;
// tests/test_cases.py runs the same table with the Python client.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { scripted } from "./_server.mjs";
import { FakeClock, ROOT, rcsdk } from "./_support.mjs";

const TABLE = JSON.parse(readFileSync(path.join(ROOT, "generated/cases.json"), "utf8"));

async function run(c) {
  const clock = new FakeClock(TABLE.now);
  const server = await scripted(c.responses);
  // The waits it announced: rateLimitWait events and warning lines.
  const announced = { events: [], lines: [] };
  try {
    const platform = new rcsdk.RCSDK({
      appKey: TABLE.credentials.app_key,
      appSecret: TABLE.credentials.app_secret,
      server: server.url,
      clock: clock.clock,
      sleep: clock.sleep,
      maxRetries: c.options.max_retries ?? TABLE.defaults.max_retries,
      logger: { warn: (line) => announced.lines.push(line) },
    }).getPlatform();
    platform.on(platform.events.rateLimitWait, (error) => announced.events.push(error.retryAfter));
    if (c.operation !== "login") await platform.setAuthData(TABLE.auth_data);
    clock.advance(c.advance ?? 0);
    let outcome;
    try {
      if (c.callers !== undefined) {
        const results = await Promise.all(Array.from({ length: c.callers }, () => platform.request(c.method, c.path)));
        outcome = results[0];
      } else if (c.operation === "login") outcome = await platform.loginJwt(TABLE.credentials.jwt);
      else if (c.operation === "refresh") outcome = await platform.refresh();
      else {
        const json = ["POST", "PUT", "PATCH"].includes(c.method) ? {} : undefined;
        outcome = await platform.request(c.method, c.path, { json });
      }
    } catch (error) {
      if (!(error instanceof rcsdk.RCSDKError)) throw error;
      outcome = error;
    }
    const seen = server.requests.map((r) => [r.method, r.path]);
    const expiresAt = platform.getAuthData().expires_at;
    return { outcome, seen, sleeps: clock.sleeps, authorized: await platform.isAuthorized(), announced, expiresAt };
  } finally {
    await server.close();
  }
}

for (const c of TABLE.cases) {
  test(c.name, async () => {
    const { outcome, seen, sleeps, authorized, announced, expiresAt } = await run(c);
    if (c.outcome === "ok") assert.ok(!(outcome instanceof Error), String(outcome));
    else {
      assert.equal(outcome.constructor.name, c.outcome, String(outcome));
      for (const name of [...c.is, ...c.also]) assert.ok(outcome instanceof rcsdk[name], name);
    }
    assert.deepEqual(seen, c.requests);
    assert.equal(sleeps.length, c.sleeps.length, `sleeps ${sleeps}`);
    c.sleeps.forEach((expected, i) => {
      if (Array.isArray(expected)) assert.ok(expected[0] <= sleeps[i] && sleeps[i] <= expected[1]);
      else assert.ok(Math.abs(sleeps[i] - expected) < 1e-6, `${sleeps[i]} != ${expected}`);
    });
    assert.deepEqual(announced.events, c.announced);
    assert.equal(announced.lines.length, c.announced.length, announced.lines.join("\n"));
    if ("error_codes" in c) assert.deepEqual([...outcome.errorCodes], c.error_codes);
    if ("error" in c) assert.equal(outcome.error, c.error);
    if ("retry_after" in c) assert.equal(outcome.retryAfter, c.retry_after);
    if ("authorized_after" in c) assert.equal(authorized, c.authorized_after);
    if ("expires_at" in c) assert.equal(expiresAt, c.expires_at);
  });
}
