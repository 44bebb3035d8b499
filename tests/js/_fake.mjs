// A small fake platform for the Node behaviour tests: JWT login, single-use refresh tokens,
// revoke, one API path, request counts, and hooks a test can set. (The Python local platform,
// rcsdk.testing, is what the cross-language tests, the demo and the docs run against.)
import { reply, serve } from "./_server.mjs";

export const CREDS = { appKey: "fake-key", appSecret: "fake-secret", jwt: "fake-jwt-credential" };
export const API = "/restapi/v1.0/account/~/extension/~";

export async function fakePlatform({ tokenDelayMs = 0, expiresIn = 3600 } = {}) {
  let serial = 0;
  const fake = {
    access: new Set(),
    refresh: new Set(),
    counts: { jwt: 0, refresh: 0, revoke: 0, api: 0 },
    rejectedRefreshes: 0,
    /** Called with (form) before a refresh grant is answered; may return a reply to send. */
    onRefresh: null,
    /** Replies to send instead of the API's answer, in order. */
    apiFaults: [],
    issue() {
      serial += 1;
      const token = { access_token: `ACCESS-${serial}-xxxxxxxx`, refresh_token: `REFRESH-${serial}-yyyyyyyy` };
      this.access.add(token.access_token);
      this.refresh.add(token.refresh_token);
      return {
        ...token,
        token_type: "bearer",
        expires_in: expiresIn,
        refresh_token_expires_in: 604800,
        scope: "ReadAccounts",
        owner_id: "1",
        session_id: "s1",
      };
    },
  };
  const server = await serve(async (req, res) => {
    if (req.method === "POST" && req.path === "/restapi/oauth/token") {
      const form = Object.fromEntries(new URLSearchParams(req.body));
      if (tokenDelayMs) await new Promise((r) => setTimeout(r, tokenDelayMs));
      if (form.grant_type === "refresh_token") {
        fake.counts.refresh += 1;
        if (fake.onRefresh) {
          const answer = await fake.onRefresh(form);
          if (answer) return reply(res, answer);
        }
        if (!fake.refresh.delete(form.refresh_token)) {
          fake.rejectedRefreshes += 1;
          return reply(res, { status: 400, body: { error: "invalid_grant", errors: [{ errorCode: "OAU-211" }] } });
        }
        fake.access.clear();
        return reply(res, { body: fake.issue() });
      }
      fake.counts.jwt += 1;
      if (form.assertion !== CREDS.jwt) {
        return reply(res, {
          status: 400,
          body: { error: "invalid_grant", error_description: `bad assertion ${form.assertion}`, errors: [{ errorCode: "OAU-140" }] },
        });
      }
      return reply(res, { body: fake.issue() });
    }
    if (req.method === "POST" && req.path === "/restapi/oauth/revoke") {
      fake.counts.revoke += 1;
      return reply(res, { body: "" });
    }
    fake.counts.api += 1;
    const fault = fake.apiFaults.shift();
    if (fault) return reply(res, fault);
    const bearer = (req.headers.authorization ?? "").replace(/^Bearer /, "");
    if (!fake.access.has(bearer)) return reply(res, { status: 401, body: { errorCode: "OAU-128", message: "Access token expired" } });
    return reply(res, { body: { id: 1, name: "Fake User", uri: `${server.url}${req.path}` } });
  });
  fake.server = server;
  fake.url = server.url;
  fake.requests = server.requests;
  fake.close = () => server.close();
  return fake;
}
