"""The file token store against what a disk, an operator or another process can do to it:
symbolic links, foreign or shared files, directories, garbage, huge files, a lock held too long,
a fork. Every refusal is a typed error (TokenStoreError for the file, AuthDataError for content)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from rcsdk import AuthDataError, FileTokenStore, MemoryTokenStore, TokenStoreError

DATA = {"version": 1, "token": {"access_token": "A" * 20}}


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


# --- symbolic links: never followed --------------------------------------------------------


def test_a_link_planted_at_the_store_path_is_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("precious\n")
    store_path = tmp_path / "tokens.json"
    store_path.symlink_to(target)
    store = FileTokenStore(store_path)
    with pytest.raises(TokenStoreError, match="symbolic link"):
        store.save(DATA)
    with pytest.raises(TokenStoreError, match="symbolic link"):
        store.load()
    assert target.read_text() == "precious\n"
    assert store_path.is_symlink()


def test_a_link_planted_at_the_lock_path_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    store = FileTokenStore(tmp_path / "tokens.json")
    store.lock_path.symlink_to(target)
    with pytest.raises(TokenStoreError, match=r"tokens\.json\.lock.*symbolic link"), store.lock():
        pass
    assert not target.exists()


# --- permissions: created private, others' files refused ----------------------------------


def test_files_are_created_0600_in_a_0700_folder_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        store = FileTokenStore(tmp_path / "new" / "tokens.json")
        with store.lock():
            store.save(DATA)
    finally:
        os.umask(old)
    assert mode(store.path) == 0o600
    assert mode(store.lock_path) == 0o600
    assert mode(store.path.parent) == 0o700
    assert store.load() == DATA


@pytest.mark.parametrize("bits", [0o620, 0o602, 0o666])
def test_a_store_others_can_write_is_refused(tmp_path: Path, bits: int) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(DATA)
    os.chmod(store.path, bits)
    with pytest.raises(TokenStoreError, match=rf"written by other users \(mode 0{bits:o}\).*chmod"):
        store.load()


def test_a_store_owned_by_another_user_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.save(DATA)
    if os.geteuid() == 0:
        os.chown(store.path, 65534, 65534)  # nobody: a real foreign owner
        owner = 65534
    else:
        owner = os.geteuid()
        monkeypatch.setattr(os, "geteuid", lambda: owner + 1)  # we are someone else
    with pytest.raises(TokenStoreError, match=rf"another user \(uid {owner}\)"):
        store.load()


# --- what is at the path -------------------------------------------------------------------


def test_a_directory_at_the_store_path_is_a_typed_error(tmp_path: Path) -> None:
    (tmp_path / "tokens.json").mkdir()
    store = FileTokenStore(tmp_path / "tokens.json")
    with pytest.raises(TokenStoreError, match="directory"):
        store.load()
    with pytest.raises(TokenStoreError, match="directory"):
        store.save(DATA)


def test_a_directory_at_the_lock_path_is_a_typed_error(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path / "tokens.json")
    store.lock_path.mkdir()
    with pytest.raises(TokenStoreError, match=r"\.lock.*directory"), store.lock():
        pass


def test_a_named_pipe_at_the_store_path_does_not_block(tmp_path: Path) -> None:
    # The same test in JS and PHP (a FIFO cannot be a row of a JSON table); a hang fails it.
    os.mkfifo(tmp_path / "tokens.json", 0o600)
    with within(5), pytest.raises(TokenStoreError, match="named pipe"):
        FileTokenStore(tmp_path / "tokens.json").load()


@contextlib.contextmanager
def within(seconds: float) -> Iterator[None]:
    """Fail, instead of hanging, when the body blocks past ``seconds`` (SIGALRM interrupts a
    blocking open(2))."""

    def expire(_signal: int, _frame: object) -> None:
        raise TimeoutError(f"blocked for {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"version": 1', "not JSON"),
        (b"[1, 2]", "JSON object"),
    ],
    ids=["not-utf8", "deeply-nested", "truncated", "not-an-object"],
)
def test_content_it_cannot_use_is_an_auth_data_error(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "tokens.json"
    path.write_bytes(content)
    os.chmod(path, 0o600)
    with pytest.raises(AuthDataError, match=message):
        FileTokenStore(path).load()


def test_a_huge_store_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "tokens.json"
    with open(path, "wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # 300 MB, sparse: costs no disk
    os.chmod(path, 0o600)
    with pytest.raises(TokenStoreError, match=r"314572800 bytes.*not reading it"):
        FileTokenStore(path).load()


def test_a_failed_write_is_a_typed_error_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    store = FileTokenStore(tmp_path / "file" / "tokens.json")
    with pytest.raises(TokenStoreError, match="cannot write token store"):
        store.save(DATA)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_a_relative_path_is_resolved_when_the_store_is_made(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    monkeypatch.chdir(tmp_path / "a")
    store = FileTokenStore("tokens.json")
    monkeypatch.chdir(tmp_path / "b")
    store.save(DATA)
    assert json.loads((tmp_path / "a" / "tokens.json").read_text()) == DATA
    assert not (tmp_path / "b" / "tokens.json").exists()


@pytest.mark.parametrize("value", [0, -1, float("nan"), float("inf"), "soon"])
def test_a_lock_timeout_must_be_a_positive_number(tmp_path: Path, value: object) -> None:
    with pytest.raises(TokenStoreError, match="lock_timeout"):
        FileTokenStore(tmp_path / "t.json", lock_timeout=value)  # type: ignore[arg-type]


# --- a lock held too long --------------------------------------------------------------------


def test_waiting_for_a_lock_another_process_holds_ends_in_an_error_naming_the_file(
    tmp_path: Path,
) -> None:
    holder = FileTokenStore(tmp_path / "tokens.json")
    waiter = FileTokenStore(tmp_path / "tokens.json", lock_timeout=0.2)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with holder.lock():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        # A second store object opens its own descriptor: to flock it is another process.
        with pytest.raises(TokenStoreError) as caught, waiter.lock():
            pass
    finally:
        release.set()
        thread.join(10)
    message = str(caught.value)
    assert str(waiter.lock_path) in message
    assert "timed out after 0.2 s" in message
    assert f"held by process {os.getpid()}" in message
    with waiter.lock():  # released: it can be taken again
        pass


@pytest.mark.parametrize("kind", ["file", "memory"])
def test_waiting_for_a_lock_another_thread_holds_ends_in_an_error(
    tmp_path: Path, kind: str
) -> None:
    store = (
        FileTokenStore(tmp_path / "tokens.json", lock_timeout=0.2)
        if kind == "file"
        else MemoryTokenStore(lock_timeout=0.2)
    )
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with store.lock():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        with (
            pytest.raises(TokenStoreError, match=r"timed out after 0\.2 s.*another thread"),
            store.lock(),
        ):
            pass
    finally:
        release.set()
        thread.join(10)
    with store.lock():
        pass


# --- fork ------------------------------------------------------------------------------------


def _in_child(check: object) -> int:
    """Fork; run ``check()`` in the child; return the child's exit status (0: it held)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            code = 0 if check() else 3  # type: ignore[operator]
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_forked_child_gets_fresh_locks(tmp_path: Path) -> None:
    memory = MemoryTokenStore(lock_timeout=5)
    file_store = FileTokenStore(tmp_path / "tokens.json", lock_timeout=0.3)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with memory.lock(), file_store.lock():
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    parent = os.getpid()
    try:
        assert held.wait(10)

        def check() -> bool:
            # The holding thread does not exist here: its thread locks must not either.
            with memory.lock():
                pass
            # The parent's process still holds the flock, and the child says so.
            try:
                with file_store.lock():
                    return False
            except TokenStoreError as exc:
                return f"held by process {parent}" in str(exc)

        assert _in_child(check) == 0
    finally:
        release.set()
        thread.join(10)
    assert _in_child(lambda: file_store.lock().__enter__() is None) == 0


# --- the lock file: never written through (issue #20, point 8; same tests in JS and PHP) ----


def test_a_hard_link_at_the_lock_path_is_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious\n")
    store = FileTokenStore(tmp_path / "tokens.json")
    os.link(target, store.lock_path)
    with pytest.raises(TokenStoreError, match=r"\.lock.*hard link"), store.lock():
        pass
    assert target.read_text() == "precious\n"


def test_a_link_swapped_in_at_the_lock_path_is_never_written_through(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious\n")
    store = FileTokenStore(tmp_path / "tokens.json", lock_timeout=1)
    swapper_script = Path(__file__).parent / "_swap_lock.py"
    swapper = subprocess.Popen(
        [sys.executable, str(swapper_script), str(store.lock_path), str(target)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert swapper.stdout is not None and swapper.stdout.readline() == "swapping\n"
        for _ in range(2000):
            with contextlib.suppress(TokenStoreError), store.lock():
                pass
    finally:
        assert swapper.stdin is not None
        swapper.stdin.close()
        swapper.wait(10)
    assert target.read_text() == "precious\n"
