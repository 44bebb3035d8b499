// The package's public API (as tests/test_errors.py pins rcsdk.__all__): the runtime's own names,
// pinned by a literal list (the entry point and platform, the response wrapper, the token stores,
// the events, the settings and the version), and from the spec (generated/scenarios.json lists
// them) every record, every exception and every server URL. Adding or removing a runtime name is
// a decision: change RUNTIME and templates/js/src/index.ts.j2 together.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { ROOT, rcsdk } from "./_support.mjs";

const RUNTIME = [
  "ApiResponse",
  "Events",
  "FileTokenStore",
  "MemoryTokenStore",
  "Platform",
  "RCSDK",
  "Settings",
  "VERSION",
];
const SPEC = JSON.parse(readFileSync(path.join(ROOT, "generated/scenarios.json"), "utf8"));
const PUBLIC = [...RUNTIME, ...SPEC.records, ...SPEC.exceptions, ...SPEC.servers];

test("the public API is the runtime's names and the spec's", () => {
  assert.ok(SPEC.records.includes("TokenInfo") && SPEC.exceptions.includes("RCSDKError"));
  assert.deepEqual(Object.keys(rcsdk).sort(), [...PUBLIC].sort());
});

test("every exported name is defined", () => {
  for (const name of PUBLIC) assert.notEqual(rcsdk[name], undefined, name);
});
