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
