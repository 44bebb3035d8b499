"""Swaps a symbolic link and a regular file in at a lock path, over and over, until stdin closes.

The race of issue #20 (point 8): a store that checks the lock path and then opens it may open a
link swapped in between and write through it. Each language's store test runs this child
while taking its lock in a loop, then checks that the link's target is untouched.
Usage: python _swap_lock.py LOCK_PATH TARGET; prints `swapping` once it runs.

On Linux the two names are exchanged by renameat2(RENAME_EXCHANGE), one system call per swap
(a tight race); elsewhere by two renames.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
import threading
from collections.abc import Callable

AT_FDCWD = -100
RENAME_EXCHANGE = 2


def main() -> None:
    lock, target = sys.argv[1], sys.argv[2]
    other = f"{lock}.swap"
    for path in (lock, other):
        if os.path.lexists(path):
            os.unlink(path)
    os.symlink(target, other)
    os.close(os.open(lock, os.O_CREAT | os.O_WRONLY, 0o600))
    done = threading.Event()

    def wait_for_stdin_to_close() -> None:
        sys.stdin.read()
        done.set()

    threading.Thread(target=wait_for_stdin_to_close, daemon=True).start()
    exchange = _exchange()
    print("swapping", flush=True)
    a, b = os.fsencode(lock), os.fsencode(other)
    while not done.is_set():
        for _ in range(1000):
            exchange(a, b)


def _exchange() -> Callable[[bytes, bytes], None]:
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p]
        renameat2.argtypes += [ctypes.c_uint]

        def swap(a: bytes, b: bytes) -> None:
            renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)

        return swap

    def rename_twice(a: bytes, b: bytes) -> None:
        spare = a + b".spare"
        os.rename(a, spare)
        os.rename(b, a)
        os.rename(spare, b)

    return rename_twice


if __name__ == "__main__":
    main()
