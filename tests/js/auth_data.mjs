// The JavaScript half of the cross-language auth data tests (tests/test_js.py).
//   set-call-get: auth data (Python's get_auth_data()) on stdin -> setAuthData, a call, a refresh;
//                 prints getAuthData() for Python to take back.
//   store-call:   a FileTokenStore at RC_STORE (written by Python) -> a call and a refresh through
//                 it; the store then holds the rotated tokens for Python.
//   store-login:  log in with RC_JWT into the FileTokenStore at RC_STORE.
//   store-use:    a call with the FileTokenStore at RC_STORE (another origin's session, when
//                 RC_SERVER is another server); prints the error's class and message.
const rcsdk = await import(process.env.RCSDK_DIST);
const env = process.env;
const mode = process.argv[2];
const store = mode.startsWith("store-") ? new rcsdk.FileTokenStore(env.RC_STORE) : undefined;
const platform = new rcsdk.RCSDK({
  appKey: env.RC_APP_KEY,
  appSecret: env.RC_APP_SECRET,
  server: env.RC_SERVER,
  ...(store ? { store } : {}),
}).getPlatform();

if (mode === "store-login") {
  await platform.loginJwt(env.RC_JWT);
  console.log(JSON.stringify({ ok: true }));
  process.exit(0);
}
if (mode === "store-use") {
  try {
    await platform.readExtension();
    console.log(JSON.stringify({ error: null }));
  } catch (error) {
    console.log(JSON.stringify({ error: error.constructor.name, message: error.message, authorized: await platform.isAuthorized() }));
  }
  process.exit(0);
}
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
