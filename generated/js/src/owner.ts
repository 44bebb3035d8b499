// Copied verbatim from templates/js/src/owner.ts by rcsdk's generator.
// Do not edit: change templates/js/src/owner.ts and run `make generate`.
/**
 * The owner file: the file store's lock that Node, Python and PHP processes all honour (the same
 * protocol as Python's rcsdk/_owner.py and PHP's Owner.php; docs/FLEET.md). Node has no flock(2)
 * without a native addon: this is Node's only cross-process lock, and Python and PHP take it in
 * addition to their flock.
 *
 * The lock is `<store>.lock.owner`, made with link() (atomic, fails if it exists) and holding its
 * owner: host, pid, the process's start time (/proc/<pid>/stat, so that a reused pid is not taken
 * for the owner) and a random token. A holder killed with SIGKILL leaves it behind: a waiter that
 * finds the owner dead breaks the lock, guarded by a second file made the same way
 * (`<lock>.break`) so that two waiters never both break, and removes the owner file only if it
 * is still the dead owner's (same inode and content). Without /proc an owner is dead when no
 * process has its pid; another host's owner is never found dead.
 */

import { randomBytes } from "node:crypto";
import { constants, promises as fs, readFileSync } from "node:fs";
import * as os from "node:os";

const HOST = os.hostname();

/** The start time of process `pid` (clock ticks since boot), null if it is gone or unknown. */
function startTime(pid: number): string | null {
  let raw: string;
  try {
    raw = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  const fields = raw.slice(raw.lastIndexOf(")") + 2).split(" ");
  return fields.length > 19 ? (fields[19] as string) : null;
}

function record(token: string): string {
  // Keys sorted and spaced as Python's json.dumps(sort_keys=True), so every language writes the
  // same bytes for the same owner.
  return `{"host": ${JSON.stringify(HOST)}, "pid": ${process.pid}, "start": ${JSON.stringify(startTime(process.pid) ?? "")}, "token": "${token}"}`;
}

/** Whether the owner written in `raw` is gone (unreadable content counts as gone). */
function dead(raw: string): boolean {
  let owner: { host?: unknown; pid?: unknown; start?: unknown };
  try {
    owner = JSON.parse(raw) as typeof owner;
  } catch {
    return true;
  }
  if (typeof owner !== "object" || owner === null || typeof owner.pid !== "number") return true;
  const start = String(owner.start ?? "");
  if (owner.host !== HOST) return false; // another machine's process: never broken
  if (start && startTime(process.pid) !== null) return startTime(owner.pid) !== start;
  try {
    process.kill(owner.pid, 0); // no /proc: whether the pid lives (a reused one is not told apart)
    return false;
  } catch (error) {
    return (error as { code?: string }).code === "ESRCH";
  }
}

async function read(path: string): Promise<[string, number] | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
  try {
    const [content, stat] = await Promise.all([handle.readFile("latin1"), handle.stat()]);
    return [content, stat.ino];
  } finally {
    await handle.close();
  }
}

/** Create `target` holding `content`, atomically: false if it exists. */
async function link(content: string, target: string): Promise<boolean> {
  const temporary = `${target}.${randomBytes(8).toString("hex")}`;
  await fs.writeFile(temporary, content, { mode: 0o600, flag: "wx" });
  try {
    await fs.link(temporary, target);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "EEXIST") return false;
    throw error;
  } finally {
    await fs.unlink(temporary);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class OwnerFile {
  readonly breaker: string;
  #mine: string | null = null;

  constructor(readonly path: string) {
    this.breaker = `${path}.break`;
  }

  /** Take the lock before `deadline` (Date.now() milliseconds); false if it could not. */
  async acquire(deadline: number): Promise<boolean> {
    const mine = record(randomBytes(16).toString("hex"));
    let pause = 1;
    for (;;) {
      if (await link(mine, this.path)) {
        this.#mine = mine;
        return true;
      }
      const found = await read(this.path);
      // A dead owner's file is removed and the link tried again; while another waiter is
      // removing it, this one waits like any other (and its deadline still holds).
      if (found !== null && dead(found[0]) && (await this.#break(found[0], found[1]))) continue;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, 50);
    }
  }

  /** Remove a dead owner's file, one breaker at a time; false while a live breaker is at it. */
  async #break(raw: string, inode: number): Promise<boolean> {
    if (!(await link(record(randomBytes(16).toString("hex")), this.breaker))) {
      const found = await read(this.breaker);
      if (found === null || !dead(found[0])) return false;
      await fs.unlink(this.breaker).catch(() => undefined); // a breaker killed while breaking
      return true;
    }
    try {
      const found = await read(this.path);
      if (found !== null && found[0] === raw && found[1] === inode) await fs.unlink(this.path);
    } finally {
      await fs.unlink(this.breaker);
    }
    return true;
  }

  async release(): Promise<void> {
    const mine = this.#mine;
    this.#mine = null;
    const found = await read(this.path);
    if (mine !== null && found !== null && found[0] === mine) await fs.unlink(this.path);
  }

  /** Who holds the lock, for a timeout's message. */
  async holder(): Promise<string | null> {
    try {
      const found = await read(this.path);
      return found !== null ? `process ${(JSON.parse(found[0]) as { pid: number }).pid}` : null;
    } catch {
      return null;
    }
  }
}
