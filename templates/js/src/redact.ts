/**
 * Keeping secrets out of every message, `toString`, `util.inspect` output and debug line (the
 * same rules as Python's rcsdk/_redact.py and PHP's Redactor; tests/cases/security.json holds
 * all three to them).
 *
 * Two layers:
 * - by name: form fields, query parameters and JSON keys that hold secrets (`password`,
 *   `access_token`, `client_secret`, `jwt`, ...) and the credentials of `Bearer`/`Basic` are
 *   blanked wherever they appear, whatever their value;
 * - by value: a Redactor remembers the secrets one platform has seen and blanks them, and the
 *   forms a server may echo them in (URL-, form- and JSON-encoded), out of any text. Secrets
 *   shorter than SHORT characters are blanked only where they stand alone, not inside words.
 *   Credentials (`add`) stay for the platform's life; tokens (`addTokens`) only while they are
 *   live or among the last TOKEN_GENERATIONS rotations, so the set stays small.
 */

import { EXTRA_SECRET_NAMES, SECRET_FIELDS, TOKEN_GENERATIONS } from "./constants.js";

export const REDACTED = "[REDACTED]";
/** Secrets shorter than this are blanked only where they stand alone, not inside words. */
const SHORT = 6;

/** Field, parameter and key names whose values are never shown (compared case-insensitively). */
const SECRET_NAMES: ReadonlySet<string> = new Set([...SECRET_FIELDS, ...EXTRA_SECRET_NAMES]);

export function isSecretName(name: string): boolean {
  return SECRET_NAMES.has(name.toLowerCase());
}

/** Escape for a RegExp (valid in unicode mode too: only syntax characters are escaped). */
function escape(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");
}

// "Bearer abc1", "Basic YWI6Yw==": the scheme stays, the credential goes. A credential has a
// digit, a symbol of base64/token alphabets or mixed case, unlike "Basic authentication".
const AUTH_VALUE = /\b(Bearer|Basic)(\s+)([A-Za-z0-9._~+/=-]+)/gi;
const CREDENTIAL_LIKE = /[0-9._~+/=-]|[a-z][A-Z]|^[A-Z]{2,}$/;
let namedValue: RegExp | null = null;

/** `text` with the values of secret-named parameters and Bearer/Basic credentials blanked. */
export function named(text: string): string {
  text = text.replace(AUTH_VALUE, (all: string, scheme: string, space: string, value: string) =>
    CREDENTIAL_LIKE.test(value) ? `${scheme}${space}${REDACTED}` : all,
  );
  if (namedValue === null) {
    // name=value in a URL query or form, "name": "value" in JSON text.
    const names = [...SECRET_NAMES].sort((a, b) => b.length - a.length).map(escape).join("|");
    namedValue = new RegExp(`(\\b(?:${names})=)[^&\\s#"']*|("(?:${names})"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(")`, "gi");
  }
  return text.replace(namedValue, (_all: string, query?: string, key?: string, quote?: string) =>
    query !== undefined ? `${query}${REDACTED}` : `${key ?? ""}${REDACTED}${quote ?? ""}`,
  );
}

/** A lone surrogate (which JSON can carry in a token) as U+FFFD, as a UTF-8 encoder writes it. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** Python's urllib.parse.quote(safe=""): `!'()*` are escaped too, `~` is not. */
function quote(text: string): string {
  return encodeURIComponent(wellFormed(text)).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** The ways a server may echo `secret` back: as is, URL- or form-encoded, JSON-escaped. */
function encodings(secret: string): string[] {
  const forms = new Set([secret]);
  const quoted = quote(secret);
  for (const form of [quoted, quoted.replace(/%20/g, "+"), encodeURIComponent(wellFormed(secret))]) {
    forms.add(form);
    forms.add(form.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  }
  const json = JSON.stringify(secret).slice(1, -1);
  forms.add(json); // as it appears inside a JSON string
  forms.add(json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`));
  forms.add(json.replace(/\//g, "\\/")); // PHP's json_encode escapes the slash
  forms.delete("");
  return [...forms];
}

export class Redactor {
  readonly #credentials = new Set<string>();
  /** The live rotation and the TOKEN_GENERATIONS before it, oldest first. */
  #generations: string[][] = [];
  /** The long forms, longest first, and one pattern for the short ones (see #compiled). */
  #forms: { long: string[]; short: RegExp | null } | undefined = undefined;

  /** Credentials: the app secret, passwords, JWTs, codes. Kept for the Redactor's life. */
  add(...values: (string | null | undefined)[]): void {
    for (const value of values) {
      if (typeof value === "string" && value && !this.#credentials.has(value)) {
        this.#credentials.add(value);
        this.#forms = undefined;
      }
    }
  }

  /** Tokens issued together (one rotation). The live one and the last few rotations are kept. */
  addTokens(...values: (string | null | undefined)[]): void {
    const generation = [...new Set(values.filter((v): v is string => typeof v === "string" && !!v))].sort();
    if (generation.length === 0) return;
    const key = generation.join("\u0000");
    if (this.#generations.some((g) => g.join("\u0000") === key)) return;
    this.#generations = [...this.#generations, generation].slice(-(TOKEN_GENERATIONS + 1));
    this.#forms = undefined;
  }

  /** Every value this Redactor blanks (without the encoded forms). */
  secrets(): ReadonlySet<string> {
    return new Set([...this.#credentials, ...this.#generations.flat()]);
  }

  /** How many secrets it holds (bounded: see TOKEN_GENERATIONS). */
  get size(): number {
    return this.secrets().size;
  }

  /** `text` with every known secret (and every named secret value) blanked. */
  text(text: string): string {
    text = named(text);
    const { long, short } = this.#compiled();
    for (const form of long) text = text.replaceAll(form, REDACTED);
    return short === null ? text : text.replace(short, REDACTED);
  }

  /** A decoded JSON value with secret keys and every known secret blanked, at any depth. */
  value(value: unknown, depth = 0): unknown {
    if (depth > 64) return REDACTED;
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.value(v, depth + 1));
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        out[key] = isSecretName(key) && v !== null ? REDACTED : this.value(v, depth + 1);
      }
      return out;
    }
    return value;
  }

  /**
   * A long form is replaced as plain text (linear in the text, whatever the secret's size); only
   * short forms need a pattern, for their lookarounds. One pattern of every form failed to
   * compile for a JWT of 32,768 characters, and then every later message did.
   */
  #compiled(): { long: string[]; short: RegExp | null } {
    if (this.#forms === undefined) {
      const forms = new Set<string>();
      for (const secret of this.secrets()) for (const form of encodings(secret)) forms.add(form);
      const ordered = [...forms].sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
      const short = ordered.filter((form) => form.length < SHORT).map((form) => `(?<![\\w%\\\\])${escape(form)}(?!\\w)`);
      this.#forms = {
        long: ordered.filter((form) => form.length >= SHORT),
        short: short.length ? new RegExp(short.join("|"), "g") : null,
      };
    }
    return this.#forms;
  }
}

/** A form or query with its secret fields blanked, for logs. */
export function redactForm(fields: Iterable<[string, string]> | null | undefined): string {
  const out: string[] = [];
  for (const [key, value] of fields ?? []) {
    out.push(`${key}=${isSecretName(key) ? REDACTED : value}`);
  }
  return out.length ? out.join("&") : "-";
}

/** A URL with credentials (`user:pw@`) and secret query fields blanked, then known secrets. */
export function redactUrl(url: URL | string, redactor: Redactor): string {
  const copy = new URL(typeof url === "string" ? url : url.href);
  const userinfo = copy.username !== "" || copy.password !== "";
  copy.username = "";
  copy.password = "";
  const pairs = [...copy.searchParams];
  if (pairs.some(([key]) => isSecretName(key))) {
    copy.search = pairs
      .map(([key, value]) => `${quote(key)}=${isSecretName(key) ? REDACTED : quote(value)}`)
      .join("&");
  }
  let href = copy.href;
  if (userinfo) href = href.replace("//", `//${REDACTED}@`);
  return redactor.text(href);
}
