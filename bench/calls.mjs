// JavaScript clients per call, all in this one Node process (bench/calls.py runs it):
//   node calls.mjs blocks SERVER CREDS_JSON ROUNDS BLOCK   interleaved blocks, one JSON line
//   node calls.mjs single SERVER CREDS_JSON KIND COUNT...  COUNT calls of KIND (for callgrind)
// Every client sends the same authenticated GET to the same keep-alive server and reads the
// whole body (none parses it): rcsdk (build/js, platform.get), bare fetch, and bare node:http with
// a keep-alive agent (the floor: the stack rcsdk sends with), plus a second bare node:http client
// measured the same way ("node:http copy": the method's noise floor). In each round every client
// makes BLOCK calls, in an order that rotates by one client per round and is reversed every other
// round, timed in wall and in this process's CPU time (process.cpuUsage).
import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const PATH = "/restapi/v1.0/account/~/extension/~";
const WARM = 50;
const FLOOR = "node:http";
const [mode, server, credsJson, ...rest] = process.argv.slice(2);
const creds = JSON.parse(credsJson);

async function clients(kinds) {
  const rcsdk = await import(pathToFileURL(path.join(ROOT, "build/js/dist/index.js")).href);
  const platform = new rcsdk.RCSDK({ appKey: creds.RC_APP_KEY, appSecret: creds.RC_APP_SECRET, server }).getPlatform();
  await platform.loginJwt(creds.RC_JWT);
  const token = (await platform.getAuthData()).token.access_token;
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/json", "User-Agent": "bench/1.0" };
  const url = new URL(server + PATH);
  const made = {};
  for (const kind of kinds) {
    if (kind === "rcsdk") made[kind] = async () => (await platform.get(PATH)).bytes();
    else if (kind === "fetch") made[kind] = async () => new Uint8Array(await (await fetch(url, { headers })).arrayBuffer());
    else if (kind.startsWith(FLOOR)) {
      const agent = new http.Agent({ keepAlive: true });
      made[kind] = () =>
        new Promise((resolve, reject) => {
          const request = http.request({ agent, hostname: url.hostname, port: url.port, path: PATH, headers }, (response) => {
            const chunks = [];
            response.on("data", (chunk) => chunks.push(chunk));
            response.on("error", reject);
            response.on("end", () => resolve(Buffer.concat(chunks)));
          });
          request.on("error", reject);
          request.end();
        });
    } else throw new Error(`unknown client ${kind}`);
  }
  for (const call of Object.values(made)) for (let i = 0; i < WARM; i++) await call();
  return made;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

if (mode === "blocks") {
  const [rounds, block] = [Number(rest[0]), Number(rest[1])];
  const kinds = rest.length > 2 ? rest.slice(2) : [FLOOR, "rcsdk", "fetch", `${FLOOR} copy`];
  const made = await clients(kinds);
  const cpu = Object.fromEntries(kinds.map((k) => [k, []]));
  const wall = Object.fromEntries(kinds.map((k) => [k, []]));
  for (let turn = 0; turn < rounds; turn++) {
    const order = [...kinds.slice(turn % kinds.length), ...kinds.slice(0, turn % kinds.length)];
    // Reversed every other round: rotation alone keeps each client behind the same one (the
    // copy of the floor always after fetch, whose garbage the next block collects).
    if (turn % 2) order.reverse();
    for (const kind of order) {
      const call = made[kind];
      // Each block starts from a collected heap (node --expose-gc): it pays for its own garbage,
      // not for the block before it (fetch makes several times a bare client's).
      globalThis.gc?.({ type: "minor" });
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      for (let i = 0; i < block; i++) await call();
      const used = process.cpuUsage(c0);
      cpu[kind].push((used.user + used.system) / block);
      wall[kind].push(((performance.now() - w0) * 1000) / block);
    }
  }
  const out = {};
  for (const kind of kinds) {
    out[kind] = {
      cpu_us: median(cpu[kind]),
      wall_us: median(wall[kind]),
      cpu_ratio: median(cpu[kind].map((v, i) => v / cpu[FLOOR][i])),
      wall_ratio: median(wall[kind].map((v, i) => v / wall[FLOOR][i])),
    };
  }
  console.log(JSON.stringify(out));
} else if (mode === "single") {
  // COUNT calls; with several counts (cumulative: 200 1200 3000 4000), process.resourceUsage()
  // after each, where callgrind --dump-before='*ResourceUsage*' writes its counts so far: the
  // instructions of each window of calls, from one process.
  const [kind, ...counts] = [rest[0], ...rest.slice(1).map(Number)];
  const call = (await clients([kind]))[kind];
  let done = 0;
  for (const count of counts) {
    for (; done < count; done++) await call();
    if (counts.length > 1) process.resourceUsage();
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
