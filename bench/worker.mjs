// One measurement of one JavaScript client, in a fresh Node process (bench/run.py runs it):
//   node worker.mjs calls  KIND SERVER CREDS_JSON COUNT   per-call wall and CPU time, peak RSS
//   node worker.mjs login  KIND SERVER CREDS_JSON         cold (first) and warm JWT logins
//   node worker.mjs storm  KIND SERVER CREDS_JSON N       N concurrent calls on an expired token
//   node worker.mjs import KIND                           the time to import the client
// KIND: rcsdk (build/js), fetch (Node's bare fetch, the baseline), official (@ringcentral/sdk,
// installed by the bench into bench/.node-official); `pair` runs rcsdk, fetch and bare node:http
// in one process. Prints one JSON line.
import http from "node:http";
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
  if (kind === "http") {
    // Bare node:http with a keep-alive agent, the stack rcsdk sends with (a token from bare fetch).
    const { access } = await bareFetch();
    const agent = new http.Agent({ keepAlive: true });
    const url = new URL(`${server}${EXTENSION}`);
    const call = () =>
      new Promise((resolve, reject) => {
        const headers = { Authorization: `Bearer ${access()}`, Accept: "application/json" };
        const request = http.request({ agent, hostname: url.hostname, port: url.port, path: url.pathname, headers }, (response) => {
          const chunks = [];
          response.on("data", (chunk) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            if (response.statusCode >= 400) reject(new Error(`status ${response.statusCode}`));
            else resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          });
        });
        request.on("error", reject);
        request.end();
      });
    return { call, login: () => undefined, expire: () => undefined };
  }
  const { login, access } = await bareFetch();
  return {
    login,
    call: async () => {
      const response = await fetch(`${server}${EXTENSION}`, {
        headers: { Authorization: `Bearer ${access()}`, Accept: "application/json" },
      });
      if (response.status >= 400) throw new Error(`status ${response.status}`);
      return response.json();
    },
    expire: () => undefined,
  };
}

// Bare fetch: a JWT login by hand, then the bearer token on each call.
async function bareFetch() {
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
  return { login, access: () => token };
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
    // In one process, in adjacent blocks of 50 calls whose order rotates every round, so the
    // machine's drift hits every client alike: rcsdk, bare fetch, a second bare fetch client
    // (fetch against itself: the method's noise floor) and bare node:http with a keep-alive
    // agent (the stack rcsdk sends with, for reference). Wall and CPU time per block; each
    // round's ratio to the fetch block of the same round cancels the drift.
    const clients = {
      rcsdk: await clientOf("rcsdk", module, offset),
      fetch: await clientOf("fetch", {}, offset),
      fetch2: await clientOf("fetch", {}, offset),
      http: await clientOf("http", {}, offset),
    };
    const names = Object.keys(clients);
    const wall = Object.fromEntries(names.map((n) => [n, []]));
    const cpu = Object.fromEntries(names.map((n) => [n, []]));
    for (const name of names) for (let i = 0; i < 50; i++) await clients[name].call();
    for (let round = 0; round < 40; round++) {
      const shift = round % names.length;
      const order = [...names.slice(shift), ...names.slice(0, shift)];
      if (round % 2) order.reverse();
      for (const name of order) {
        const t = performance.now();
        const c = cpuMicros();
        for (let i = 0; i < 50; i++) await clients[name].call();
        cpu[name].push((cpuMicros() - c) / 50);
        wall[name].push(((performance.now() - t) * 1000) / 50);
      }
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const ratio = (xs) => median(xs.map((x, i) => x / wall.fetch[i]));
    const cpuRatio = (xs) => median(xs.map((x, i) => x / cpu.fetch[i]));
    return {
      rcsdk_us: median(wall.rcsdk),
      fetch_us: median(wall.fetch),
      http_us: median(wall.http),
      ratio: ratio(wall.rcsdk),
      noise_ratio: ratio(wall.fetch2),
      http_ratio: ratio(wall.http),
      rcsdk_cpu_us: median(cpu.rcsdk),
      fetch_cpu_us: median(cpu.fetch),
      cpu_ratio: cpuRatio(cpu.rcsdk),
      noise_cpu_ratio: cpuRatio(cpu.fetch2),
      http_cpu_ratio: cpuRatio(cpu.http),
    };
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
