// Issue #20's store hazards, the same tests as Python's (tests/test_store.py,
// tests/test_lifecycle.py) and PHP's (tests/php/StoreTest.php): a FIFO, a folder's mode, a
// link at the lock path and a race cannot be rows of a JSON table. The JS store keeps no lock
// file (its lock is per process: see store.ts), so the lock-path tests check that nothing the
// platform does writes through what is planted there.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { constants, promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";

import { CREDS, fakePlatform } from "./_fake.mjs";
import { ROOT, rcsdk } from "./_support.mjs";

let fake;
before(async () => {
  fake = await fakePlatform();
});
after(async () => {
  await fake.close();
});

async function tempDir() {
  return fs.mkdtemp(path.join(os.tmpdir(), "rcsdk-store-"));
}

function platformOn(store, extra = {}) {
  return new rcsdk.RCSDK({ appKey: CREDS.appKey, appSecret: CREDS.appSecret, server: fake.url, store, logger: { warn: () => undefined }, ...extra }).getPlatform();
}

/**
 * `task()`, failing instead of hanging when it blocks on the named pipe `fifo` past `seconds`:
 * a writer then opens the pipe (again and again), which ends any open blocked on it.
 */
async function within(seconds, fifo, task) {
  let fired = false;
  let timer;
  const unblock = async () => {
    fired = true;
    const handle = await fs.open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => null);
    await handle?.close();
    timer = setTimeout(unblock, 100);
  };
  timer = setTimeout(unblock, seconds * 1000);
  try {
    return await task();
  } finally {
    clearTimeout(timer);
    assert.equal(fired, false, `blocked on the named pipe for ${seconds} s`);
  }
}

test("a named pipe at the store path does not block", async () => {
  const dir = await tempDir();
  try {
    const fifo = path.join(dir, "tokens.json");
    await new Promise((resolve, reject) =>
      spawn("mkfifo", ["-m", "600", fifo]).on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`mkfifo: ${code}`)))),
    );
    const store = new rcsdk.FileTokenStore(fifo);
    await within(5, fifo, async () => {
      await assert.rejects(store.load(), (e) => e instanceof rcsdk.TokenStoreError && /named pipe/.test(e.message));
      // The platform settles too (it hung in isAuthorized() and loginJwt()).
      const platform = platformOn(store);
      await assert.rejects(platform.isAuthorized(), rcsdk.TokenStoreError);
      await platform.loginJwt(CREDS.jwt); // its write replaces the pipe (a rename)
    });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("files are created 0600 in a 0700 folder whatever the umask", async () => {
  const dir = await tempDir();
  const old = process.umask(0);
  try {
    const store = new rcsdk.FileTokenStore(path.join(dir, "new", "tokens.json"));
    await store.save({ version: 1 });
    assert.equal((await fs.stat(store.path)).mode & 0o777, 0o600);
    assert.equal((await fs.stat(path.dirname(store.path))).mode & 0o777, 0o700);
  } finally {
    process.umask(old);
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("a hard link at the lock path is not written through", async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, "tokens.json");
    const victim = path.join(dir, "victim");
    await fs.writeFile(victim, "precious\n");
    await fs.link(victim, `${file}.lock`);
    const platform = platformOn(new rcsdk.FileTokenStore(file));
    await platform.loginJwt(CREDS.jwt);
    await platform.refresh();
    await platform.logout();
    assert.equal(await fs.readFile(victim, "utf8"), "precious\n");
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("a link swapped in at the lock path is never written through", async () => {
  const dir = await tempDir();
  const file = path.join(dir, "tokens.json");
  const victim = path.join(dir, "victim");
  await fs.writeFile(victim, "precious\n");
  const python = process.env.RCSDK_PYTHON ?? path.join(ROOT, ".venv/bin/python");
  const swapper = spawn(python, [path.join(ROOT, "tests/_swap_lock.py"), `${file}.lock`, victim], { stdio: ["pipe", "pipe", "ignore"] });
  try {
    await new Promise((resolve, reject) => {
      swapper.stdout.once("data", resolve);
      swapper.once("exit", () => reject(new Error("the swapper ended")));
    });
    const platform = platformOn(new rcsdk.FileTokenStore(file));
    for (let i = 0; i < 50; i++) {
      await platform.loginJwt(CREDS.jwt);
      await platform.refresh();
    }
  } finally {
    swapper.stdin.end();
    await new Promise((resolve) => (swapper.exitCode !== null ? resolve() : swapper.once("exit", resolve)));
    assert.equal(await fs.readFile(victim, "utf8"), "precious\n");
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test("a login whose store lock cannot be taken keeps its tokens", async () => {
  const dir = await tempDir();
  try {
    const file = path.join(dir, "tokens.json");
    // Held: another platform on the same file holds the process's lock of it (its write waits).
    let release;
    const gate = new Promise((resolve) => (release = resolve));
    class SlowStore extends rcsdk.FileTokenStore {
      async save(data) {
        await gate;
        return super.save(data);
      }
    }
    const holder = platformOn(new SlowStore(file));
    const holding = holder.loginJwt(CREDS.jwt);
    // Refused: a store whose own lock fails.
    class LockFails extends rcsdk.FileTokenStore {
      async lock() {
        throw new rcsdk.TokenStoreError(`cannot open the lock token store ${file}.lock: it is a directory`);
      }
    }
    for (const store of [new rcsdk.FileTokenStore(file), new LockFails(path.join(dir, "other.json"))]) {
      const platform = platformOn(store, { lockTimeout: 0.2 });
      const storeErrors = [];
      platform.on("storeError", (e) => storeErrors.push(e));
      const token = await platform.loginJwt(CREDS.jwt);
      assert.equal(storeErrors.length, 1);
      assert.ok(storeErrors[0] instanceof rcsdk.TokenStoreError);
      assert.equal(platform.getAuthData().token.access_token, token.accessToken);
    }
    release();
    await holding;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
