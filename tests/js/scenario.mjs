// One scenario per operation, from generated/scenarios.json (made from the spec's `kind` and
// `after:`), as tests/_scenarios.py runs them for Python: run by the parity runner
// (tests/_parity.py) against a loopback replay of the operation's cassette.
// Usage: RCSDK_DIST=/path/to/dist/index.js RC_SERVER=... node scenario.mjs NAME [scenarios.json]
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const rcsdk = await import(process.env.RCSDK_DIST);
const env = process.env;
const name = process.argv[2];
const file = process.argv[3] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), "../../generated/scenarios.json");
const generated = Object.fromEntries(JSON.parse(readFileSync(file, "utf8")).scenarios.map((s) => [s.name, s]));

const platform = new rcsdk.RCSDK({
  appKey: env.RC_APP_KEY,
  appSecret: env.RC_APP_SECRET,
  server: env.RC_SERVER,
  maxRetries: 0,
}).getPlatform();

/** Each step with the arguments its variables give (or the browser step before it handed on). */
async function run(scenario, p, values = env) {
  let handed = {};
  let result = null;
  for (const step of scenario.steps) {
    const options = {};
    const positional = [];
    for (const arg of step.arguments) {
      const value = handed[arg.name] ?? values[arg.env];
      if (value === undefined) continue;
      if (arg.positional && step.javascript_call === "first") positional.push(value);
      else options[arg.javascript] = value;
    }
    result = await p[step.javascript](...positional, options);
    if (step.kind === "browser") {
      // The browser's part: the platform redirects at once, with the code.
      const answer = await fetch(result.url, { redirect: "manual" });
      const code = new URL(answer.headers.get("location")).searchParams.get("code");
      handed = { code, code_verifier: result.codeVerifier, redirect_uri: result.redirectUri };
    } else if (step.kind === "revoke") {
      result = await p.isAuthorized();
    }
  }
  return result;
}

const SCENARIOS = Object.fromEntries(Object.entries(generated).map(([key, s]) => [key, (p) => run(s, p)]));
// The error case, written by hand here as in the Python and PHP runners.
SCENARIOS["authorize-wrong-password"] = async (p) => {
  try {
    await run(generated.authorize, p, { ...env, RC_PASSWORD: "not-the-password" });
  } catch (error) {
    if (error instanceof rcsdk.InvalidGrantError) return error.errorCodes;
    throw error;
  }
  throw new Error("a wrong password was accepted");
};

if (!(name in SCENARIOS)) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(", ")}`);
  process.exit(2);
}
const result = await SCENARIOS[name](platform);
console.log(JSON.stringify(result ?? null));
