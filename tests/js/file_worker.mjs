// A long-lived Node worker of the mixed file-store race (tests/test_file_mixed.py): for each line
// "go <offset>" it moves its clock to now + offset seconds (the platform's clock moves with it),
// makes one call through the FileTokenStore RC_STORE, and prints one JSON line.
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const dist = process.env.RCSDK_DIST ?? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../build/js/dist");
const { RCSDK, Events, FileTokenStore, RCSDKError } = await import(path.join(dist, "index.js"));

const env = process.env;
let offset = 0;
const platform = new RCSDK({
  appKey: env.RC_APP_KEY,
  appSecret: env.RC_APP_SECRET,
  server: env.RC_SERVER,
  store: new FileTokenStore(env.RC_STORE),
  clock: () => Date.now() / 1000 + offset,
}).getPlatform();
let refreshes = 0;
platform.on(Events.refreshSuccess, () => (refreshes += 1));
console.log("ready");
for await (const line of readline.createInterface({ input: process.stdin })) {
  offset = Number(line.split(" ")[1]);
  let error = null;
  try {
    await platform.readExtension();
  } catch (caught) {
    if (!(caught instanceof RCSDKError)) throw caught;
    error = `${caught.name}: ${caught.message}`;
  }
  console.log(JSON.stringify({ language: "node", error, refreshes }));
}
