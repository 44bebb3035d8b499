// The black-box attack program for the installed npm package (tests/test_blackbox.py): the same
// ops as attacks.py, run outside the checkout against `rcsdk` from node_modules, public API only.
// One attack per line on stdin (JSON), one JSON line per attack on stdout; the harness judges.
import { createInterface } from "node:readline";
import { createRequire } from "node:module";
import util from "node:util";
import v8 from "node:v8";

import * as rcsdk from "rcsdk";

const { RCSDK, FileTokenStore, MemoryTokenStore, RCSDKError } = rcsdk;

/** Python option names -> the JavaScript client's. */
const OPTIONS = {
  allow_insecure_http: "allowInsecureHttp",
  user_agent: "userAgent",
  max_retries: "maxRetries",
  proxy: "proxy",
  max_response_bytes: "maxResponseBytes",
};
const PROXY_VARIABLES = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY"];

function expand(text) {
  return text.replaceAll("{lone_surrogate}", "\ud800").replace(/\{(.)\*(\d+)\}/g, (_m, c, n) => c.repeat(Number(n)));
}

async function outcome(call) {
  try {
    await call();
  } catch (error) {
    let forms;
    try {
      forms = [String(error?.message), String(error), util.inspect(error, { depth: Infinity, showHidden: true }), String(error?.stack)];
    } catch (refused) {
      forms = [String(refused)];
    }
    return { error: error?.constructor?.name ?? typeof error, typed: error instanceof RCSDKError, texts: forms };
  }
  return { error: null };
}

function validTokens() {
  const far = 4_000_000_000;
  return {
    version: 1,
    token: {
      access_token: "case-access-token-0001",
      token_type: "bearer",
      expires_in: 3600,
      refresh_token: "case-refresh-token-0001",
      refresh_token_expires_in: 604800,
      scope: "ReadAccounts",
      owner_id: "1",
      endpoint_id: "e",
    },
    expires_at: far,
    refresh_token_expires_at: far,
  };
}

function withEnvironment(values, make) {
  const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) delete process.env[name];
  Object.assign(process.env, values);
  try {
    return make();
  } finally {
    for (const name of PROXY_VARIABLES) delete process.env[name];
    for (const [name, value] of Object.entries(saved)) if (value !== undefined) process.env[name] = value;
  }
}

const ACTIONS = {
  construct: () => undefined,
  login_jwt: (p, a) => p.loginJwt(a.jwt),
  login_password: (p, a) => p.authorize({ username: a.username, extension: a.extension, password: a.password }),
  refresh: (p) => p.refresh(),
  revoke: (p) => p.logout(),
  request: (p, a) => p.request(a.method, a.path, a.headers ? { headers: a.headers } : {}),
  login_auth_code: (p, a) => p.loginAuthCode(a.code),
  read_extension: (p) => p.readExtension(),
  get: (p, a) => p.get(a.path, a.query ?? undefined),
  set_auth_data: (p, a) => p.setAuthData({ ...validTokens(), ...a.binding }),
};

async function row({ row: c, creds, platform: own }) {
  const options = {};
  for (const [name, value] of Object.entries(c.options ?? {})) options[OPTIONS[name]] = value;
  let store = null;
  let held = null;
  if ("store" in c || "store" in c.expect) {
    store = new MemoryTokenStore();
    options.store = store;
  }
  if ("store" in c) {
    let data = validTokens();
    if (c.store.tokens === "issued") {
      const other = new RCSDK({ appKey: creds.app_key, appSecret: creds.app_secret, server: own }).getPlatform();
      await other.loginJwt(creds.jwt);
      data = other.getAuthData();
    }
    data = { ...data };
    for (const key of ["origin", "app_key"]) {
      delete data[key];
      if (key in c.store) data[key] = c.store[key];
    }
    await store.save(data);
    held = (await store.load()) ?? null;
  }
  const result = await outcome(async () => {
    if (c.action === "from_env") {
      const sdk = RCSDK.fromEnv(c.args.env);
      if (c.args.then === "login_jwt") await sdk.getPlatform().loginJwt(sdk.settings.jwt);
      return;
    }
    const sdk = withEnvironment(c.env ?? {}, () => new RCSDK({
      appKey: c.credentials?.app_key ?? creds.app_key,
      appSecret: c.credentials?.app_secret ?? creds.app_secret,
      server: c.server ?? own,
      logger: { warn: () => {} },
      ...options,
    }));
    const platform = sdk.getPlatform();
    if (c.tokens === "valid") await platform.setAuthData(validTokens());
    else if (c.tokens === "login") await platform.loginJwt(creds.jwt);
    await ACTIONS[c.action](platform, c.args ?? {});
  });
  return { outcome: result, held, store: store ? ((await store.load()) ?? null) : null };
}

function filePlatform({ creds, path, server }) {
  const store = new FileTokenStore(path);
  return new RCSDK({ appKey: creds.app_key, appSecret: creds.app_secret, server, store }).getPlatform();
}

async function fileLogin(a) {
  return { outcome: await outcome(() => filePlatform(a).loginJwt(a.creds.jwt)) };
}

async function fileUse(a) {
  return { outcome: await outcome(() => filePlatform(a).readExtension()) };
}

async function fifo(a) {
  let platform = null;
  const outcomes = [await outcome(() => void (platform = filePlatform(a)))];
  if (platform !== null) {
    outcomes.push(await outcome(() => platform.isAuthorized()));
    outcomes.push(await outcome(() => platform.loginJwt(a.creds.jwt)));
  }
  return { outcomes };
}

const SERIALIZE = {
  json: (x) => JSON.stringify(x),
  string: (x) => String(x),
  debug: (x) => util.inspect(x, { depth: Infinity, showHidden: true }),
  export: (x) => v8.serialize(x).toString("latin1"),
  spread: (x) => JSON.stringify({ ...x }),
  trace: (x) => `${util.inspect(x, { depth: Infinity, showHidden: true })}\n${x.stack}`,
};

async function serialize({ env, cases }) {
  const sdk = RCSDK.fromEnv(env);
  const platform = sdk.getPlatform();
  const heard = [];
  platform.on("loginSuccess", (payload) => heard.push(payload));
  const token = await platform.loginJwt(sdk.settings.jwt);
  const { access_token, refresh_token } = platform.getAuthData().token;
  let error = null;
  try {
    await platform.get("/restapi/v1.0/no-such-resource");
  } catch (e) {
    error = e;
  }
  const objects = { sdk, settings: sdk.settings, platform, token_info: token, login_event: heard[0] };
  const texts = {};
  for (const c of cases) {
    const value = c.method === "trace" ? error : objects[c.object];
    try {
      texts[c.id] = String(SERIALIZE[c.method](value));
    } catch (refused) {
      texts[c.id] = `${refused?.name}: ${refused?.message}`;
    }
  }
  return { texts, tokens: [access_token, refresh_token] };
}

async function poison(a) {
  let platform = null;
  const make = () => {
    platform = new RCSDK({ appKey: a.creds.app_key, appSecret: expand(a.app_secret), server: a.server }).getPlatform();
  };
  const outcomes = [await outcome(make)];
  if (platform !== null) {
    outcomes.push(await outcome(() => platform.loginJwt(expand(a.jwt))));
    outcomes.push(await outcome(() => platform.loginJwt(a.creds.jwt)));
    outcomes.push(await outcome(() => platform.get("/restapi/v1.0/no-such-resource")));
  }
  return { outcomes };
}

const OPS = { row, file_login: fileLogin, file_use: fileUse, fifo, serialize, poison };

const require = createRequire(import.meta.url);
const hello = { hello: "javascript", package: require.resolve("rcsdk"), version: rcsdk.VERSION ?? null };
process.stdout.write(`${JSON.stringify(hello)}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const attack = JSON.parse(line);
  process.stdout.write(`${JSON.stringify(await OPS[attack.op](attack))}\n`);
}
