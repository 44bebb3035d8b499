// A Node worker of a mixed fleet on one Redis key (tests/test_redis_mixed.py): RC_CALLERS
// concurrent callers call the API for RC_DURATION seconds through RedisTokenStore (RC_REDIS,
// RC_KEY) against the local platform (RC_SERVER, RC_APP_KEY, RC_APP_SECRET). Never logs in: it
// uses the session the store holds. Prints "ready", waits for a line, then one JSON line.
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const dist = process.env.RCSDK_DIST ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../build/js/dist");
const { RCSDK, Events, RCSDKError } = await import(path.join(dist, "index.js"));
const { RedisTokenStore } = await import(path.join(dist, "redis.js"));

const env = process.env;
const store = new RedisTokenStore(env.RC_KEY, { url: env.RC_REDIS, lease: Number(env.RC_LEASE ?? 2) });
// The pid in the User-Agent: the chaos test's platform signals the sender of a refresh.
const platform = new RCSDK({
  appKey: env.RC_APP_KEY,
  appSecret: env.RC_APP_SECRET,
  server: env.RC_SERVER,
  store,
  refreshMargin: 0.5,
  userAgent: `fleet-worker/${process.pid}`,
}).getPlatform();
const seen = { refreshes: 0, refreshErrors: 0, violations: 0 };
platform.on(Events.refreshSuccess, () => (seen.refreshes += 1));
platform.on(Events.refreshError, () => (seen.refreshErrors += 1));
platform.on(Events.accessViolation, () => (seen.violations += 1));

console.log("ready");
const lines = readline.createInterface({ input: process.stdin });
await new Promise((resolve) => lines.once("line", resolve));
lines.close();
// failures: every failed call as [when (epoch seconds), error], for the chaos test's windows.
const outcome = { calls: 0, failed: 0, errors: [], failures: [] };
const deadline = Date.now() + Number(env.RC_DURATION) * 1000;
async function caller() {
  while (Date.now() < deadline) {
    try {
      await platform.readExtension();
      outcome.calls += 1;
    } catch (error) {
      if (!(error instanceof RCSDKError)) throw error;
      outcome.failed += 1;
      if (outcome.errors.length < 5) outcome.errors.push(`${error.name}: ${error.message}`);
      outcome.failures.push([Date.now() / 1000, `${error.name}: ${error.message}`]);
    }
    await new Promise((resolve) => setTimeout(resolve, 50)); // pacing of the load
  }
}
await Promise.all(Array.from({ length: Number(env.RC_CALLERS ?? 2) }, caller));
console.log(JSON.stringify({ language: "node", ...outcome, ...seen, auth: platform.getAuthData() }));
await store.close();
