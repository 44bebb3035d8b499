# Copied verbatim from templates/rcsdk/_store.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_store.py and run `make generate`.
"""Where a platform keeps its tokens: in memory (the default) or in a file shared by processes.

A store holds the auth data dict (``Platform.get_auth_data()``) and offers ``lock()``, held
around a refresh so that only one refresh runs at a time: across threads for the memory store,
across processes for the file store. Inside the lock the platform re-reads the store and skips
the refresh when someone else already rotated the tokens, then writes the new ones before
letting go: a rotated refresh token is never lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from rcsdk._exceptions import AuthDataError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; the file store locks per process
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileTokenStore", "MemoryTokenStore", "TokenStore"]


class TokenStore(Protocol):
    """What a platform needs from a token store."""

    def load(self) -> dict[str, Any] | None:
        """The saved auth data, or ``None`` when there is none."""

    def save(self, data: dict[str, Any] | None) -> None:
        """Replace the saved auth data (``None`` forgets it)."""

    def lock(self) -> contextlib.AbstractContextManager[None]:
        """An exclusive lock held around refreshing and writing tokens."""


class MemoryTokenStore:
    """Tokens in this process's memory, lost when it exits. The default."""

    def __init__(self) -> None:
        self._data: dict[str, Any] | None = None
        self._lock = threading.RLock()

    def load(self) -> dict[str, Any] | None:
        return self._data

    def save(self, data: dict[str, Any] | None) -> None:
        self._data = data

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return _hold(self._lock)


class FileTokenStore:
    """Tokens in a JSON file (mode 0600), shared safely by threads and processes.

    Writes are atomic (a temporary file in the same folder, fsync, rename), so a crash at any
    moment leaves either the old or the new tokens. ``lock()`` takes an exclusive ``flock`` on
    ``<path>.lock``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._thread_lock = threading.RLock()

    def load(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise AuthDataError(f"cannot read token store {self.path}: {exc.strerror}") from None
        try:
            data = json.loads(text)
        except ValueError:
            raise AuthDataError(f"token store {self.path} is not JSON") from None
        if data is not None and not isinstance(data, dict):
            raise AuthDataError(f"token store {self.path} does not hold a JSON object")
        return data

    def save(self, data: dict[str, Any] | None) -> None:
        if data is None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, 0o600)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_folder(self.path.parent)

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        with self._thread_lock:
            if fcntl is None:  # pragma: no cover
                yield
                return
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)


@contextlib.contextmanager
def _hold(lock: threading.RLock) -> Iterator[None]:
    with lock:
        yield


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
