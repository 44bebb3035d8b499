// Copied verbatim from templates/js/src/read.ts by rcsdk's generator.
// Do not edit: change templates/js/src/read.ts and run `make generate`.
/**
 * Lenient readers for the platform's JSON bodies: RingCentral's real responses have lacked fields
 * the spec calls required, sent ids as strings or numbers, and added fields. A missing or
 * mistyped field becomes `null`; only fields the SDK cannot work without make a model throw.
 */

export type JsonObject = Readonly<Record<string, unknown>>;

export function readObject(value: unknown): JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as JsonObject)
    : {};
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readString(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return null;
}

export function readInt(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) ? value : null;
  if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
    const parsed = Number(value.trim());
    return Number.isSafeInteger(parsed) ? parsed : null;
  }
  return null;
}

export function readNumber(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

export function readBool(value: unknown): boolean | null {
  return typeof value === "boolean" ? value : null;
}

export function readAny(value: unknown): unknown {
  return value ?? null;
}

/** The objects of a JSON list (anything else in it is skipped). */
export function readItems(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/** Thrown by a model when a field the SDK cannot work without is missing. */
export class MissingFieldError extends TypeError {}

/** Node's util.inspect hook, without importing node:util into every model. */
export const inspectSymbol: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;
