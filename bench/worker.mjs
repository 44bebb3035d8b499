// One measurement of one JavaScript client, in a fresh Node process (bench/run.py runs it):
//   node worker.mjs calls  KIND SERVER CREDS_JSON COUNT   per-call wall and CPU time, peak RSS
//   node worker.mjs login  KIND SERVER CREDS_JSON         cold (first) and warm JWT logins
//   node worker.mjs storm  KIND SERVER CREDS_JSON N       N concurrent calls on an expired token
//   node worker.mjs import KIND                           the time to import the client
// KIND: rcsdk (build/js), fetch (Node's bare fetch, the baseline), official (@ringcentral/sdk,
// installed by the bench into bench/.node-official). Prints one JSON line.
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "..");
const EXTENSION = "/restapi/v1.0/account/~/extension/~";
const [mode, kind, server, credsJson, count] = process.argv.slice(2);
const creds = credsJson ? JSON.parse(credsJson) : {};

async function load() {
  if (kind === "rcsdk") return import(pathToFileURL(path.join(ROOT, "build/js/dist/index.js")).href);
  if (kind === "official") {
    const require = createRequire(path.join(HERE, ".node-official", "package.json"));
    return import(pathToFileURL(require.resolve("@ringcentral/sdk")).href);
  }
  return {};
}

function client(module, clockOffset) {
  return clientOf(kind, module, clockOffset);
}

async function clientOf(kind, module, clockOffset) {
  if (kind === "rcsdk") {
    const platform = new module.RCSDK({
      appKey: creds.RC_APP_KEY,
      appSecret: creds.RC_APP_SECRET,
      server,
      clock: () => Date.now() / 1000 + clockOffset.seconds,
    }).getPlatform();
    await platform.loginJwt(creds.RC_JWT);
    return {
      platform,
      login: () => platform.loginJwt(creds.RC_JWT),
      call: async () => (await platform.get(EXTENSION)).json(),
      expire: () => (clockOffset.seconds += 3600),
    };
  }
  if (kind === "official") {
    const SDK = module.SDK ?? module.default.SDK;
    const platform = new SDK({ server, clientId: creds.RC_APP_KEY, clientSecret: creds.RC_APP_SECRET }).platform();
    await platform.login({ jwt: creds.RC_JWT });
    return {
      platform,
      login: () => platform.login({ jwt: creds.RC_JWT }),
      call: async () => (await platform.get(EXTENSION)).json(),
      expire: async () => {
        const data = await platform.auth().data();
        await platform.auth().setData({ ...data, expire_time: Date.now() - 1000 });
      },
    };
  }
  // Bare fetch: a JWT login by hand, then the bearer token on each call.
  const basic = Buffer.from(`${creds.RC_APP_KEY}:${creds.RC_APP_SECRET}`).toString("base64");
  let token = null;
  const login = async () => {
    const response = await fetch(`${server}/restapi/oauth/token`, {
      method: "POST",
      headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: creds.RC_JWT }),
    });
    token = (await response.json()).access_token;
  };
  await login();
  return {
    login,
    call: async () => {
      const response = await fetch(`${server}${EXTENSION}`, {
        headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      });
      if (response.status >= 400) throw new Error(`status ${response.status}`);
      return response.json();
    },
    expire: () => undefined,
  };
}

function cpuMicros() {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

async function main() {
  if (mode === "import") {
    const start = performance.now();
    await load();
    return { import_ms: performance.now() - start };
  }
  const module = await load();
  const offset = { seconds: 0 };
  if (mode === "calls") {
    const c = await client(module, offset);
    for (let i = 0; i < 50; i++) await c.call(); // warm up: connection, caches, JIT
    const n = Number(count);
    const wall = performance.now();
    const cpu = cpuMicros();
    for (let i = 0; i < n; i++) await c.call();
    return {
      wall_us: ((performance.now() - wall) * 1000) / n,
      cpu_us: (cpuMicros() - cpu) / n,
      max_rss_mb: process.resourceUsage().maxRSS / 1024,
    };
  }
  if (mode === "pair") {
    // rcsdk and bare fetch in one process, alternating blocks: the machine's drift hits both.
    const rcsdk = await clientOf("rcsdk", module, offset);
    const plain = await clientOf("fetch", {}, offset);
    const blocks = { rcsdk: [], fetch: [] };
    const ratios = [];
    for (const c of [rcsdk, plain]) for (let i = 0; i < 50; i++) await c.call();
    for (let round = 0; round < 40; round++) {
      // Adjacent blocks, in alternating order: each round's ratio cancels the machine's drift.
      const order = round % 2 ? [["fetch", plain], ["rcsdk", rcsdk]] : [["rcsdk", rcsdk], ["fetch", plain]];
      const took = {};
      for (const [name, c] of order) {
        const t = performance.now();
        for (let i = 0; i < 50; i++) await c.call();
        took[name] = ((performance.now() - t) * 1000) / 50;
        blocks[name].push(took[name]);
      }
      ratios.push(took.rcsdk / took.fetch);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { rcsdk_us: median(blocks.rcsdk), fetch_us: median(blocks.fetch), ratio: median(ratios) };
  }
  if (mode === "login") {
    const start = performance.now();
    const c = await client(module, offset);
    const cold = performance.now() - start;
    const warm = [];
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await c.login();
      warm.push(performance.now() - t);
    }
    warm.sort((a, b) => a - b);
    return { cold_ms: cold, warm_ms: warm[2] };
  }
  if (mode === "storm") {
    const c = await client(module, offset);
    await c.expire();
    const results = await Promise.allSettled(Array.from({ length: Number(count) }, () => c.call()));
    const failed = results.filter((r) => r.status === "rejected");
    return {
      failures: failed.length,
      errors: [...new Set(failed.map((r) => r.reason?.constructor?.name ?? "Error"))].sort(),
    };
  }
  throw new Error(`unknown mode ${mode}`);
}

console.log(JSON.stringify(await main()));
