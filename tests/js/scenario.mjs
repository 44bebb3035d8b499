// One scenario per client operation, as tests/_scenarios.py has them for Python: run by the
// parity runner (tests/_parity.py) against a loopback replay of the operation's cassette.
// Usage: RCSDK_DIST=/path/to/dist/index.js RC_SERVER=... node scenario.mjs NAME
const rcsdk = await import(process.env.RCSDK_DIST);
const env = process.env;
const name = process.argv[2];

const platform = new rcsdk.RCSDK({
  appKey: env.RC_APP_KEY,
  appSecret: env.RC_APP_SECRET,
  server: env.RC_SERVER,
  maxRetries: 0,
}).getPlatform();

const password = (p, pw = env.RC_PASSWORD) =>
  p.authorize({ username: env.RC_USERNAME, extension: env.RC_EXTENSION, password: pw });
const jwt = (p) => p.loginJwt(env.RC_JWT);

const SCENARIOS = {
  authorize: (p) => password(p),
  "login-jwt": (p) => jwt(p),
  "login-auth-code": async (p) => {
    const request = p.authorizeUrl({ redirectUri: env.RC_REDIRECT_URI });
    // The browser's part: the platform redirects at once, with the code.
    const answer = await fetch(request.url, { redirect: "manual" });
    const code = new URL(answer.headers.get("location")).searchParams.get("code");
    return p.loginAuthCode(code, { redirectUri: request.redirectUri, codeVerifier: request.codeVerifier });
  },
  refresh: async (p) => (await jwt(p), p.refresh()),
  logout: async (p) => (await jwt(p), await p.logout(), p.isAuthorized()),
  "read-extension": async (p) => (await jwt(p), p.readExtension()),
  "authorize-wrong-password": async (p) => {
    try {
      await password(p, "not-the-password");
    } catch (error) {
      if (error instanceof rcsdk.InvalidGrantError) return error.errorCodes;
      throw error;
    }
    throw new Error("a wrong password was accepted");
  },
};

if (!(name in SCENARIOS)) {
  console.error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(", ")}`);
  process.exit(2);
}
const result = await SCENARIOS[name](platform);
console.log(JSON.stringify(result ?? null));
