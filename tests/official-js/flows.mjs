// RingCentral's official JavaScript SDK (@ringcentral/sdk, pinned in package.json) running its
// auth flows against the server in RC_SERVER (the tests start `python -m rcsdk.testing serve`).
// Prints one JSON object: what each flow observed. tests/test_official_js_sdk.py judges it.
import RingCentral from '@ringcentral/sdk';

const { SDK } = RingCentral;
const env = process.env;
const EXTENSION = '/restapi/v1.0/account/~/extension/~';

function make() {
  const sdk = new SDK({
    server: env.RC_SERVER,
    clientId: env.RC_APP_KEY,
    clientSecret: env.RC_APP_SECRET,
    redirectUri: env.RC_REDIRECT_URI,
  });
  return sdk.platform();
}

async function readExtension(platform) {
  const response = await platform.get(EXTENSION);
  const body = await response.json();
  return { status: response.status, name: body.name, id: body.id };
}

async function control(name) {
  // The local platform's HTTP controls (loopback only), as any client can use them.
  const response = await fetch(`${env.RC_SERVER}/rcsdk-testing/${name}`, { method: 'POST' });
  if (!response.ok) throw new Error(`control ${name}: ${response.status}`);
}

const flows = {
  async password() {
    const platform = make();
    const warn = console.warn;
    console.warn = () => {}; // the SDK warns that the password grant is deprecated
    try {
      await platform.login({
        username: env.RC_USERNAME,
        extension: env.RC_EXTENSION,
        password: env.RC_PASSWORD,
      });
    } finally {
      console.warn = warn;
    }
    return { authorized: await platform.loggedIn(), extension: await readExtension(platform) };
  },

  async jwt() {
    const platform = make();
    await platform.login({ jwt: env.RC_JWT });
    const extension = await readExtension(platform);
    const before = (await platform.auth().data()).refresh_token;
    await platform.refresh();
    const after = (await platform.auth().data()).refresh_token;
    const afterRefresh = await readExtension(platform);
    await platform.logout();
    return {
      extension,
      rotated: Boolean(before && after && before !== after),
      afterRefresh,
      authorizedAfterLogout: await platform.auth().accessTokenValid(),
    };
  },

  async expiredOnTheServer() {
    // The platform expires every access token; the SDK's next call gets a 401, refreshes once
    // and retries.
    const platform = make();
    await platform.login({ jwt: env.RC_JWT });
    const before = (await platform.auth().data()).access_token;
    await control('expire-tokens');
    const extension = await readExtension(platform);
    const after = (await platform.auth().data()).access_token;
    return { extension, refreshed: Boolean(before && after && before !== after) };
  },

  async refreshTokenReusedInGrace() {
    // RingCentral keeps a used refresh token valid for a short grace period, answering with the
    // same new pair: a client that lost the answer of its refresh gets it again.
    const platform = make();
    await platform.login({ jwt: env.RC_JWT });
    const old = await platform.auth().data();
    await platform.refresh();
    const first = await platform.auth().data();
    await platform.auth().setData(old);
    await platform.refresh();
    const second = await platform.auth().data();
    return {
      rotated: first.refresh_token !== old.refresh_token,
      samePair:
        first.refresh_token === second.refresh_token && first.access_token === second.access_token,
      extension: await readExtension(platform),
    };
  },

  async authCodeWithPkce() {
    const platform = make();
    const state = 'state-' + Math.random().toString(36).slice(2);
    const url = platform.loginUrl({ usePKCE: true, state });
    const query = new URL(url).searchParams;
    // The browser's part: the local platform logs its test user in and redirects at once.
    const redirect = await fetch(url, { redirect: 'manual' });
    const location = new URL(redirect.headers.get('location'));
    const code = location.searchParams.get('code');
    await platform.login({ code });
    return {
      challengeMethod: query.get('code_challenge_method'),
      redirectStatus: redirect.status,
      stateEchoed: location.searchParams.get('state') === state,
      extension: await readExtension(platform),
    };
  },
};

const results = {};
for (const [name, flow] of Object.entries(flows)) {
  try {
    results[name] = { ok: true, ...(await flow()) };
  } catch (error) {
    results[name] = { ok: false, error: String(error && error.message ? error.message : error) };
  }
}
console.log(JSON.stringify(results));
