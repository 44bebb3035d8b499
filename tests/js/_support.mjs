// What the Node tests share: the built package (build/js, made by tests/js/build.sh), paths,
// and a clock the tests move instead of sleeping.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const rcsdk = await import(path.join(ROOT, "build/js/dist/index.js"));
/** Internals some tests reach into (not exported by the package: see exports.test.mjs). */
export const internal = {
  ...(await import(path.join(ROOT, "build/js/dist/auth.js"))),
  ...(await import(path.join(ROOT, "build/js/dist/pkce.js"))),
  ...(await import(path.join(ROOT, "build/js/dist/redact.js"))),
};

export class FakeClock {
  constructor(now = 1_800_000_000) {
    this.now = now;
    this.sleeps = [];
    this.clock = () => this.now;
    this.sleep = async (seconds) => {
      this.sleeps.push(seconds);
      this.now += seconds;
    };
  }

  advance(seconds) {
    this.now += seconds;
  }
}
