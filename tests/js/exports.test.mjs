// The package's public API, pinned by a literal list (as tests/test_errors.py pins rcsdk.__all__):
// the entry point and platform, the records calls return, every exception, the token stores, the
// events, the server URLs and the version. Adding or removing a name is a decision: change the
// list and templates/js/src/index.ts.j2 together.
import assert from "node:assert/strict";
import { test } from "node:test";

import { rcsdk } from "./_support.mjs";

const PUBLIC = [
  "APIConnectionError",
  "APIStatusError",
  "APITimeoutError",
  "AccountRef",
  "ApiResponse",
  "AuthDataError",
  "AuthenticationError",
  "BadRequestError",
  "Contact",
  "ErrorBody",
  "ErrorItem",
  "Events",
  "ExtensionInfo",
  "FileTokenStore",
  "InternalServerError",
  "InvalidClientError",
  "InvalidGrantError",
  "LOCAL_SERVER",
  "LoginRequiredError",
  "MemoryTokenStore",
  "NotFoundError",
  "PRODUCTION_SERVER",
  "PermissionDeniedError",
  "Platform",
  "RCSDK",
  "RCSDKError",
  "RateLimitError",
  "RedirectError",
  "ResponseFormatError",
  "ResponseTooLargeError",
  "SANDBOX_SERVER",
  "Settings",
  "TokenError",
  "TokenInfo",
  "TokenStoreError",
  "UsageError",
  "VERSION",
];

test("the public API is this list", () => {
  assert.deepEqual(Object.keys(rcsdk).sort(), [...PUBLIC].sort());
});

test("every exported name is defined", () => {
  for (const name of PUBLIC) assert.notEqual(rcsdk[name], undefined, name);
});
