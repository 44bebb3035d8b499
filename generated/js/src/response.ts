// Copied verbatim from templates/js/src/response.ts by rcsdk's generator.
// Do not edit: change templates/js/src/response.ts and run `make generate`.
/**
 * What a call returns: the status, the headers and the whole body, read within the request's
 * deadline (transport.ts sends, wire.ts carries). `json()` works as with fetch's responses.
 */

import { ResponseFormatError } from "./exceptions.js";
import { TokenInfo } from "./models.js";
import { MissingFieldError } from "./read.js";

const UTF8 = new TextDecoder();

/** A response, read whole within the request's deadline. */
export class ApiResponse {
  readonly status: number;
  readonly url: string;
  readonly #body: Uint8Array;
  #headers: Headers | readonly string[];

  /** `headers`: a Headers object, or node:http's raw list (name, value, name, value, ...). */
  constructor(status: number, headers: Headers | readonly string[], url: string, body: Uint8Array) {
    this.status = status;
    this.url = url;
    this.#body = body;
    this.#headers = headers;
  }

  /** The response headers (made from the raw list when first asked for). */
  get headers(): Headers {
    const raw = this.#headers;
    if (raw instanceof Headers) return raw;
    const headers = new Headers();
    for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i]!, raw[i + 1]!);
    this.#headers = headers;
    return headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  /** The raw body. */
  bytes(): Uint8Array {
    return this.#body;
  }

  text(): string {
    return UTF8.decode(this.#body);
  }

  /** The decoded JSON body (`await response.json()` works as with fetch). */
  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}

/** The decoded JSON body, or null when it is empty or not JSON. */
export function jsonOrNull(response: ApiResponse): unknown {
  if (response.bytes().length === 0) return null;
  try {
    return response.json();
  } catch {
    return null;
  }
}

/** The decoded JSON body; a ResponseFormatError when it is not JSON. */
export function jsonBody(response: ApiResponse): unknown {
  const body = jsonOrNull(response);
  if (body === null) {
    throw new ResponseFormatError(`${response.status} response is not JSON`, response.status);
  }
  return body;
}

/** The tokens of a token endpoint's answer: a 200 with a usable token, else ResponseFormatError. */
export function tokenFrom(response: ApiResponse): TokenInfo {
  if (response.status !== 200) {
    throw new ResponseFormatError(`token response has status ${response.status}, not 200`, response.status);
  }
  try {
    return TokenInfo.fromJson(jsonBody(response));
  } catch (error) {
    if (error instanceof MissingFieldError) {
      throw new ResponseFormatError(`token response unusable: ${error.message}`, response.status);
    }
    throw error;
  }
}
