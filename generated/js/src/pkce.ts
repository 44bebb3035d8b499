// Copied verbatim from templates/js/src/pkce.ts by rcsdk's generator.
// Do not edit: change templates/js/src/pkce.ts and run `make generate`.
/** PKCE (RFC 7636): a random code verifier and its S256 challenge. */

import { createHash, randomBytes } from "node:crypto";

/** A 64-character verifier from the unreserved alphabet (43 to 128 are allowed). */
export function makeCodeVerifier(): string {
  return randomBytes(48).toString("base64url");
}

/** BASE64URL(SHA256(verifier)) without padding. */
export function s256Challenge(verifier: string): string {
  return createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** A random `state` against CSRF (as Python's secrets.token_urlsafe(16)). */
export function makeState(): string {
  return randomBytes(16).toString("base64url");
}
