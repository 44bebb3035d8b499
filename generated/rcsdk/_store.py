# Copied verbatim from templates/rcsdk/_store.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_store.py and run `make generate`.
"""Where a platform keeps its tokens: in memory (the default) or in a file shared by processes.

A store holds the auth data dict (``Platform.get_auth_data()``) and offers ``lock()``, held
around a refresh so that only one refresh runs at a time: across threads for the memory store,
across processes for the file store. Inside the lock the platform re-reads the store and skips
the refresh when someone else already rotated the tokens, then writes the new ones before
letting go: a rotated refresh token is never lost.

The file store trusts nothing it finds on disk: it never follows a symbolic link at the store or
lock path, refuses a file that is not a regular file, that another user owns or that others may
write, and a store larger than ``max_bytes``; it creates files 0600 in a folder it creates 0700.
Every such refusal, and every failed read or write, is a ``TokenStoreError`` (content it cannot
use is an ``AuthDataError``); waiting for the lock ends after ``lock_timeout`` seconds.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from rcsdk._constants import DEFAULT_LOCK_TIMEOUT, MAX_STORE_BYTES
from rcsdk._exceptions import AuthDataError, TokenStoreError, UsageError
from rcsdk._fork import renew_in_child
from rcsdk._owner import OwnerFile

__all__ = ["ANY_GENERATION", "FencedTokenStore", "FileTokenStore", "MemoryTokenStore", "TokenStore"]

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_FLOCK = os.name == "posix"
"""Whether there is ``fcntl.flock`` (imported when a file lock is first taken): Windows has none,
and the file store then locks per process."""


class TokenStore(Protocol):
    """What a platform needs from a token store."""

    def load(self) -> dict[str, Any] | None:
        """The saved auth data, or ``None`` when there is none."""

    def save(self, data: dict[str, Any] | None) -> None:
        """Replace the saved auth data (``None`` forgets it)."""

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """An exclusive lock held around refreshing and writing tokens."""


ANY_GENERATION = "*"
"""``FencedTokenStore.save_if``'s ``expected`` for a write that replaces whatever is stored."""


@runtime_checkable
class FencedTokenStore(Protocol):
    """A store that numbers its writes (``RedisTokenStore``): the platform then writes refreshed
    tokens only over the generation they were refreshed from, and orders tokens by generation,
    never by a clock. A generation is an opaque string; ``None`` means the store holds nothing
    at all (a lost key, which the platform writes again from valid tokens in memory), whereas
    data ``None`` with a generation means logged out."""

    def load_generation(self) -> tuple[dict[str, Any] | None, str | None]:
        """The saved auth data and its generation."""

    def save_if(
        self, data: dict[str, Any] | None, expected: str | None
    ) -> tuple[bool, dict[str, Any] | None, str | None]:
        """Write ``data`` if the store holds generation ``expected`` (``None``: nothing at all;
        ``ANY_GENERATION``: anything). Returns whether it wrote, and the data and generation
        the store holds now (``data``'s when written, what a refused writer adopts otherwise)."""


class MemoryTokenStore:
    """Tokens in this process's memory, lost when it exits. The default."""

    def __init__(self, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> None:
        self._data: dict[str, Any] | None = None
        self.lock_timeout = _positive("lock_timeout", lock_timeout)
        self._lock = threading.RLock()
        renew_in_child(self)

    def load(self) -> dict[str, Any] | None:
        return self._data

    def save(self, data: dict[str, Any] | None) -> None:
        self._data = data

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        lock = self._lock
        if not lock.acquire(timeout=self.lock_timeout):
            raise TokenStoreError(
                f"timed out after {self.lock_timeout:g} s waiting for the memory token store's "
                "lock (another thread holds it)"
            )
        try:
            yield
        finally:
            lock.release()

    def _after_fork(self) -> None:
        self._lock = threading.RLock()


class FileTokenStore:
    """Tokens in a JSON file (mode 0600), shared safely by threads and processes.

    Writes are atomic (a temporary file in the same folder, fsync, rename), so a crash at any
    moment leaves either the old or the new tokens. ``lock()`` takes an exclusive ``flock`` on
    ``<path>.lock`` and, for Node and PHP processes on the same file, the owner file
    ``<path>.lock.owner`` (``rcsdk._owner``); it gives up after ``lock_timeout`` seconds with a
    ``TokenStoreError`` naming the lock and the process holding it. A relative ``path`` is
    resolved when the store is made.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        max_bytes: int = MAX_STORE_BYTES,
    ) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise UsageError(f"path must be a str or os.PathLike, not {type(path).__name__}")
        try:
            self.path = Path(os.path.abspath(os.fspath(path)))
        except (TypeError, ValueError) as exc:
            raise TokenStoreError(f"unusable token store path {path!r}: {exc}") from None
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self.lock_timeout = _positive("lock_timeout", lock_timeout)
        if not isinstance(max_bytes, int) or max_bytes < 1:
            raise TokenStoreError(f"max_bytes must be a positive integer, not {max_bytes!r}")
        self.max_bytes = max_bytes
        self._thread_lock = threading.RLock()
        self._held_fd: int | None = None
        renew_in_child(self)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    @property
    def lock_path(self) -> Path:
        """The file ``lock()`` takes its ``flock`` on."""
        return self._lock_path

    # --- reading ------------------------------------------------------------------------------

    def load(self) -> dict[str, Any] | None:
        try:
            fd = os.open(self.path, os.O_RDONLY | _NOFOLLOW | _CLOEXEC | _NONBLOCK)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._error("read", self.path, exc) from None
        try:
            info = os.fstat(fd)
            self._trust(self.path, info)
            if info.st_size > self.max_bytes:
                raise TokenStoreError(
                    f"token store {self.path} holds {info.st_size} bytes, more than a token "
                    f"store can ({self.max_bytes}): not reading it"
                )
            raw = _read_at_most(fd, self.max_bytes + 1)
        except OSError as exc:
            raise self._error("read", self.path, exc) from None
        finally:
            os.close(fd)
        if len(raw) > self.max_bytes:
            raise TokenStoreError(f"token store {self.path} grew past {self.max_bytes} bytes")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise AuthDataError(f"token store {self.path} is not UTF-8 text") from None
        try:
            data = json.loads(text)
        except RecursionError:
            raise AuthDataError(f"token store {self.path} is nested too deeply") from None
        except ValueError:
            raise AuthDataError(f"token store {self.path} is not JSON") from None
        if data is not None and not isinstance(data, dict):
            raise AuthDataError(f"token store {self.path} does not hold a JSON object")
        return data

    def _trust(self, path: Path, info: os.stat_result) -> None:
        """Refuse a file that is not ours alone to write."""
        if not stat.S_ISREG(info.st_mode):
            raise TokenStoreError(f"{path} is not a regular file ({_kind(info.st_mode)})")
        geteuid = getattr(os, "geteuid", None)
        if geteuid is not None and info.st_uid != geteuid():
            raise TokenStoreError(
                f"{path} belongs to another user (uid {info.st_uid}): not trusting it"
            )
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise TokenStoreError(
                f"{path} may be written by other users (mode {stat.S_IMODE(info.st_mode):04o}):"
                f" not trusting it; run chmod 600 {path}"
            )

    # --- writing ------------------------------------------------------------------------------

    def save(self, data: dict[str, Any] | None) -> None:
        try:
            self._refuse_link(self.path)
            if data is None:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
                return
            text = json.dumps(data, indent=2, sort_keys=True)
            self._folder()
            fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.chmod(tmp, 0o600)
                # rename() replaces whatever is at the path (even a link planted since the check
                # above) and never writes through it.
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise
        except OSError as exc:
            raise self._error("write", self.path, exc) from None
        _fsync_folder(self.path.parent)

    def _folder(self) -> None:
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)

    def _refuse_link(self, path: Path) -> None:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            return
        if stat.S_ISLNK(info.st_mode):
            raise TokenStoreError(
                f"{path} is a symbolic link: rcsdk does not follow links at its token store"
            )
        if stat.S_ISDIR(info.st_mode):
            raise TokenStoreError(f"{path} is a directory, not a token store file")

    # --- locking ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        deadline = time.monotonic() + self.lock_timeout
        thread_lock = self._thread_lock
        if not thread_lock.acquire(timeout=self.lock_timeout):
            raise self._timeout(None)
        try:
            if self._held_fd is not None or not _FLOCK:
                # Re-entered by the thread that holds it (or no flock on this system).
                yield
                return
            fd = self._open_lock()
            try:
                self._flock(fd, deadline)
                # Checked once held: PHP names a new lock file by a link from a temporary file,
                # which it unlinks before letting go.
                self._trust_lock(os.fstat(fd))
                self._held_fd = fd
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, 0)
                    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
                # Node honours the owner file, not flock: take it too (rcsdk._owner).
                owner = OwnerFile(self._lock_path.with_name(self._lock_path.name + ".owner"))
                try:
                    taken = owner.acquire(deadline)
                except OSError as exc:
                    raise self._error("lock", owner.path, exc) from None
                if not taken:
                    raise TokenStoreError(
                        f"timed out after {self.lock_timeout:g} s waiting for the token store "
                        f"lock {owner.path} (held by {owner.holder() or 'another process'})"
                    )
                try:
                    yield
                finally:
                    self._held_fd = None
                    with contextlib.suppress(OSError):
                        owner.release()
            finally:
                os.close(fd)
        finally:
            thread_lock.release()

    def _open_lock(self) -> int:
        try:
            self._folder()
            fd = os.open(
                self._lock_path,
                os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC | _NONBLOCK,
                0o600,
            )
        except OSError as exc:
            raise self._error("open the lock", self._lock_path, exc) from None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                raise TokenStoreError(
                    f"lock file {self._lock_path} is not a regular file ({_kind(info.st_mode)})"
                )
        except BaseException:
            os.close(fd)
            raise
        return fd

    def _trust_lock(self, info: os.stat_result) -> None:
        """Refuse a lock file that writing the holder's pid into would harm.

        O_NOFOLLOW keeps a symbolic link from being followed; a second name (a hard link planted
        at the lock path) would make the pid written here land in some other file.
        """
        if info.st_nlink != 1:
            raise TokenStoreError(
                f"lock file {self._lock_path} has {info.st_nlink} names (a hard link):"
                " not writing to it"
            )
        geteuid = getattr(os, "geteuid", None)
        if geteuid is not None and info.st_uid != geteuid():
            raise TokenStoreError(
                f"lock file {self._lock_path} belongs to another user (uid {info.st_uid}):"
                " not writing to it"
            )

    def _flock(self, fd: int, deadline: float) -> None:
        import fcntl

        pause = 0.001
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                pass
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EINTR):
                    raise self._error("lock", self._lock_path, exc) from None
            left = deadline - time.monotonic()
            if left <= 0:
                raise self._timeout(fd)
            time.sleep(min(pause, left))
            pause = min(pause * 2, 0.05)

    def _timeout(self, fd: int | None) -> TokenStoreError:
        holder = "another thread of this process"
        if fd is not None:
            holder = "another process"
            with contextlib.suppress(OSError, ValueError):
                pid = int(os.pread(fd, 32, 0).decode("ascii").strip())
                holder = f"process {pid}"
        return TokenStoreError(
            f"timed out after {self.lock_timeout:g} s waiting for the token store lock "
            f"{self._lock_path} (held by {holder})"
        )

    def _error(self, action: str, path: Path, exc: OSError) -> TokenStoreError:
        if exc.errno == errno.ELOOP:
            reason = "it is a symbolic link, and rcsdk does not follow links at its token store"
        elif exc.errno == errno.EISDIR:
            reason = "it is a directory"
        else:
            reason = exc.strerror or type(exc).__name__
        return TokenStoreError(f"cannot {action} token store {path}: {reason}")

    def _after_fork(self) -> None:
        """In a forked child: a fresh thread lock, and no flock inherited from the parent."""
        self._thread_lock = threading.RLock()
        fd, self._held_fd = self._held_fd, None
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)


def _positive(name: str, value: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise TokenStoreError(f"{name} must be a number of seconds, not {value!r}") from None
    if not number > 0 or number == float("inf"):
        raise TokenStoreError(f"{name} must be a positive number of seconds, not {value!r}")
    return number


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while size < limit:
        chunk = os.read(fd, min(65536, limit - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - some platforms cannot open folders
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)
