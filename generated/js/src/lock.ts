// Copied verbatim from templates/js/src/lock.ts by rcsdk's generator.
// Do not edit: change templates/js/src/lock.ts and run `make generate`.
/**
 * The token lock of one platform: concurrent calls that find the token due queue here, so one
 * refresh is sent per rotation; waiting ends after a timeout with a TokenStoreError.
 */

import { TokenStoreError } from "./exceptions.js";

export class Lock {
  #tail: Promise<void> = Promise.resolve();
  #holders = 0;

  async run<T>(task: () => Promise<T>, timeoutSeconds: number, what: string): Promise<T> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = () => ((this.#holders -= 1), resolve())));
    const previous = this.#tail;
    this.#tail = previous.then(() => mine);
    this.#holders += 1;
    if (this.#holders === 1) {
      // Nobody holds or waits: no timer needed.
      try {
        await previous;
        return await task();
      } finally {
        release();
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const acquired = await Promise.race([
      previous.then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutSeconds * 1000);
        timer.unref?.();
      }),
    ]);
    clearTimeout(timer);
    if (!acquired) {
      void previous.then(release);
      throw new TokenStoreError(`timed out after ${timeoutSeconds}s waiting for ${what}`);
    }
    try {
      return await task();
    } finally {
      release();
    }
  }
}
