// The JavaScript half of the cross-language auth data tests (tests/test_js.py).
//   set-call-get: auth data (Python's get_auth_data()) on stdin -> setAuthData, a call, a refresh;
//                 prints getAuthData() for Python to take back.
//   store-call:   a FileTokenStore at RC_STORE (written by Python) -> a call and a refresh through
//                 it; the store then holds the rotated tokens for Python.
const rcsdk = await import(process.env.RCSDK_DIST);
const env = process.env;
const mode = process.argv[2];
const store = mode === "store-call" ? new rcsdk.FileTokenStore(env.RC_STORE) : undefined;
const platform = new rcsdk.RCSDK({
  appKey: env.RC_APP_KEY,
  appSecret: env.RC_APP_SECRET,
  server: env.RC_SERVER,
  ...(store ? { store } : {}),
}).getPlatform();

if (mode === "set-call-get") {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  await platform.setAuthData(JSON.parse(Buffer.concat(chunks).toString("utf8")));
}
const extension = await platform.readExtension();
const before = platform.getAuthData().token.refresh_token;
await platform.refresh();
const after = platform.getAuthData();
if (after.token.refresh_token === before) throw new Error("the refresh did not rotate the tokens");
console.log(JSON.stringify({ extension: extension.id, auth: after }));
