// What the Node tests share: the built package (build/js, made by tests/js/build.sh), paths,
// and a clock the tests move instead of sleeping.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The built package's dist/: build/js/dist, or RCSDK_DIST (tests/test_mutations.py points it at a mutated copy). */
export const DIST = process.env.RCSDK_DIST ?? path.join(ROOT, "build/js/dist");
export const rcsdk = await import(path.join(DIST, "index.js"));
/** Internals some tests reach into (not exported by the package: see exports.test.mjs). */
export const internal = {
  ...(await import(path.join(DIST, "auth.js"))),
  ...(await import(path.join(DIST, "pkce.js"))),
  ...(await import(path.join(DIST, "redact.js"))),
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
