/** The small dispatcher behind `platform.on()`: a listener that throws never breaks a call. */

import { EVENT_ALIASES, type EventName } from "./events.js";
import { UsageError } from "./exceptions.js";

export type Listener = (payload: unknown) => unknown;

export class Emitter {
  readonly #listeners = new Map<EventName, Listener[]>();
  readonly #onListenerError: (event: EventName, error: unknown) => void;

  constructor(onListenerError: (event: EventName, error: unknown) => void) {
    this.#onListenerError = onListenerError;
  }

  static parse(name: string): EventName {
    const found = EVENT_ALIASES.get(name);
    if (found === undefined) {
      const known = [...new Set(EVENT_ALIASES.values())].join(", ");
      throw new UsageError(`unknown event ${JSON.stringify(String(name))} (known: ${known})`);
    }
    return found;
  }

  on(event: string, listener: Listener): () => void {
    const key = Emitter.parse(event);
    if (typeof listener !== "function") throw new UsageError("listener must be a function");
    const list = this.#listeners.get(key) ?? [];
    list.push(listener);
    this.#listeners.set(key, list);
    return () => {
      const current = this.#listeners.get(key) ?? [];
      const index = current.indexOf(listener);
      if (index >= 0) current.splice(index, 1);
    };
  }

  emit(event: EventName, payload: unknown = null): void {
    for (const listener of [...(this.#listeners.get(event) ?? [])]) {
      try {
        const result = listener(payload);
        if (result instanceof Promise) result.catch((error) => this.#onListenerError(event, error));
      } catch (error) {
        this.#onListenerError(event, error);
      }
    }
  }
}
