// Copied verbatim from templates/js/src/response.ts by rcsdk's generator.
// Do not edit: change templates/js/src/response.ts and run `make generate`.
/**
 * What a call returns: the status, the headers and the whole body, read within the request's
 * deadline (transport.ts sends, wire.ts carries). `json()` works as with fetch's responses.
 */

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
