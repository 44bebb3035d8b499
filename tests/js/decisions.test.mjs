// The decision table (tests/cases/decisions.json), run against the JavaScript runtime's pure
// functions (decide.ts); tests/test_decisions.py runs the same table, and says how it reads. A
// deliberate change to each function, made in a copy of the built decide.js, must fail that
// function's section.
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { ROOT } from "./_support.mjs";

const TABLE = JSON.parse(readFileSync(path.join(ROOT, "tests/cases/decisions.json"), "utf8")).decisions;
const BUILT = path.join(ROOT, "build/js/dist/decide.js");
const camel = (name) => name.replace(/_(\w)/g, (_, c) => c.toUpperCase());

// One deliberate change per decision (text in decide.js -> its replacement).
const MUTATIONS = {
  expiry: ["seconds > 0 && seconds <= MAX_LIFETIME", "seconds >= 0 && seconds <= MAX_LIFETIME"],
  access_due: ["Math.min(margin, known / 2)", "Math.min(margin, known)"],
  can_refresh: ["now < refreshTokenExpiresAt", "now <= refreshTokenExpiresAt"],
  ends_session: ["status < 500", "status < 600"],
  after_rejection: ['lost: "drop"', 'lost: "end"'],
  after_401: ["sends >= 3", "sends >= 2"], // the one retry JavaScript made before
  after_read: ['store === "other" && !fenced', 'store === "other"'], // a fenced store decided by the clocks
};

/** The rows `decide`'s functions answer otherwise than the table, as "section: row". */
function failures(decide) {
  const failed = [];
  for (const [name, section] of Object.entries(TABLE)) {
    for (const row of section.rows) {
      const got = decide[camel(name)](...section.args.map((arg) => row[arg]));
      if (JSON.stringify(got) !== JSON.stringify(row.expect)) failed.push(`${name}: ${row.name} (got ${JSON.stringify(got)})`);
    }
  }
  return failed;
}

test("every decision answers as the table says", async () => {
  assert.deepEqual(failures(await import(BUILT)), []);
});

test("every decision has a section and a mutation", () => {
  assert.deepEqual(Object.keys(MUTATIONS).sort(), Object.keys(TABLE).sort());
});

for (const [section, [old, replacement]] of Object.entries(MUTATIONS)) {
  test(`a changed ${section} fails its section`, async () => {
    const source = readFileSync(BUILT, "utf8");
    assert.equal(source.split(old).length, 2, old);
    // Beside decide.js, so that its relative imports resolve.
    const mutant = path.join(path.dirname(BUILT), `decide.mutant-${section}-${process.pid}.js`);
    writeFileSync(mutant, source.replace(old, replacement));
    try {
      const failed = failures(await import(mutant));
      assert.ok(failed.some((line) => line.startsWith(`${section}: `)), failed.join("\n"));
    } finally {
      rmSync(mutant);
    }
  });
}
