// A bounded chaos run in one Node process (Node's FileTokenStore coordinates one process; see
// store.ts): 32 concurrent callers, a clock that keeps making the token due, 401s and 503s from
// the platform, and a store that fails a third of its writes. No session is lost, every failed
// call is typed, and every refresh request is a rotation.
import assert from "node:assert/strict";
import { test } from "node:test";

import { API, CREDS, fakePlatform } from "./_fake.mjs";
import { FakeClock, rcsdk } from "./_support.mjs";

test("chaos: no session lost, every failure typed, one refresh per rotation", async () => {
  const fake = await fakePlatform({ expiresIn: 300 });
  try {
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const inner = new rcsdk.MemoryTokenStore();
    let failedWrites = 0;
    let chaos = true;
    const store = {
      load: () => inner.load(),
      save: (data) => {
        if (chaos && random() < 0.33) {
          failedWrites += 1;
          throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
        }
        inner.save(data);
      },
    };
    const clock = new FakeClock();
    const platform = new rcsdk.RCSDK({
      appKey: CREDS.appKey,
      appSecret: CREDS.appSecret,
      server: fake.url,
      store,
      clock: clock.clock,
      sleep: clock.sleep,
      logger: { warn: () => undefined },
    }).getPlatform();
    const storeErrors = [];
    platform.on("store_error", (e) => storeErrors.push(e));
    await platform.loginJwt(CREDS.jwt); // a failed write is an event, never a failed login
    const before = fake.counts.refresh;
    const failures = [];
    let calls = 0;
    const worker = async () => {
      for (let i = 0; i < 40; i++) {
        calls += 1;
        if (calls % 25 === 0) clock.advance(120); // the token keeps coming due
        const dice = random();
        if (dice < 0.05) fake.access.clear(); // the platform forgets the access token: 401
        else if (dice < 0.1) fake.apiFaults.push({ status: 503, body: {} });
        try {
          await platform.get(API);
        } catch (error) {
          failures.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    chaos = false;
    for (const error of failures) assert.ok(error instanceof rcsdk.RCSDKError, String(error));
    assert.ok(failures.length < calls / 10, `${failures.length} of ${calls} failed`);
    // One refresh request per rotation: every one the platform answered rotated the tokens.
    const refreshes = fake.counts.refresh - before;
    assert.ok(refreshes > 5, `only ${refreshes} refreshes: the run did not exercise them`);
    assert.equal(fake.rejectedRefreshes, 0); // no refresh token was ever sent twice
    assert.ok(failedWrites > 0);
    assert.ok(storeErrors.length > 0 && storeErrors.every((e) => e instanceof rcsdk.TokenStoreError));
    // The session survived, and the store holds it once writes work again.
    assert.equal((await platform.get(API)).status, 200);
    assert.equal(inner.load().token.refresh_token, platform.getAuthData().token.refresh_token);
    assert.ok(fake.refresh.has(inner.load().token.refresh_token));
    console.log(`chaos: ${calls} calls, ${failures.length} failed (typed), ${refreshes} refreshes, ${failedWrites} failed writes`);
  } finally {
    await fake.close();
  }
});
