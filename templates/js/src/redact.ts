/**
 * Keeping secrets out of every message, `toString`, `util.inspect` output and debug line.
 *
 * The redactor blanks each secret it was given, and its URL- and form-encoded spellings (a
 * password with `&`, `+` or `ä` echoed back in a query), however short. Credentials (the app
 * secret, passwords, JWTs) stay for the platform's life; tokens are kept for the live session and
 * the last few rotations only, so a long-running process does not accumulate them.
 */

import { SECRET_FIELDS } from "./constants.js";

export const REDACTED = "[REDACTED]";
const KEPT_ROTATIONS = 4;

function spellings(secret: string): string[] {
  const out = new Set([secret]);
  out.add(encodeURIComponent(secret));
  out.add(new URLSearchParams({ x: secret }).toString().slice(2)); // form encoding: + for space
  out.add(JSON.stringify(secret).slice(1, -1)); // as it appears inside a JSON string
  return [...out].filter((s) => s.length > 0);
}

export class Redactor {
  readonly #credentials = new Set<string>();
  #generations: string[][] = [];
  #patterns: string[] | null = null;

  /** Secrets kept for the platform's life (credentials). */
  add(...values: (string | null | undefined)[]): void {
    for (const value of values) if (value) for (const s of spellings(value)) this.#credentials.add(s);
    this.#patterns = null;
  }

  /** The tokens of one rotation; only the last few rotations are kept. */
  addTokens(...values: (string | null | undefined)[]): void {
    const generation = values.filter((v): v is string => !!v).flatMap(spellings);
    if (generation.length === 0) return;
    const last = this.#generations[this.#generations.length - 1];
    if (last !== undefined && generation.every((s) => last.includes(s))) return;
    this.#generations = [...this.#generations, generation].slice(-KEPT_ROTATIONS);
    this.#patterns = null;
  }

  /** How many secret spellings it holds (bounded: see KEPT_ROTATIONS). */
  get size(): number {
    return this.#credentials.size + this.#generations.reduce((n, g) => n + g.length, 0);
  }

  text(text: string): string {
    if (this.#patterns === null) {
      const all = new Set([...this.#credentials, ...this.#generations.flat()]);
      this.#patterns = [...all].sort((a, b) => b.length - a.length);
    }
    for (const secret of this.#patterns) {
      if (text.includes(secret)) text = text.split(secret).join(REDACTED);
    }
    return text;
  }

  /** A decoded JSON value with secret fields blanked and known secrets removed, at any depth. */
  json(value: unknown, depth = 0): unknown {
    if (depth > 32) return REDACTED;
    if (typeof value === "string") return this.text(value);
    if (Array.isArray(value)) return value.map((v) => this.json(v, depth + 1));
    if (typeof value === "object" && value !== null) {
      const out: Record<string, unknown> = {};
      for (const [key, v] of Object.entries(value)) {
        out[key] = SECRET_FIELDS.has(key) && v !== null ? REDACTED : this.json(v, depth + 1);
      }
      return out;
    }
    return value;
  }
}

/** A form or query with its secret fields blanked, for logs. */
export function redactForm(fields: Iterable<[string, string]> | null | undefined): string {
  const out: string[] = [];
  for (const [key, value] of fields ?? []) {
    out.push(`${key}=${SECRET_FIELDS.has(key) ? REDACTED : value}`);
  }
  return out.length ? out.join("&") : "-";
}

/** A URL with its secret query fields blanked. */
export function redactUrl(url: URL | string, redactor: Redactor): string {
  const copy = new URL(typeof url === "string" ? url : url.href);
  for (const key of [...copy.searchParams.keys()]) {
    if (SECRET_FIELDS.has(key)) copy.searchParams.set(key, REDACTED);
  }
  return redactor.text(copy.href);
}
