"""Small loopback servers for the transport and security tests.

* ``Listener``: answers every request with one canned response and counts what it received
  (connections and requests); as the "foreign host" it must count zero.
* ``Dripper``: a server that is never done: drips its header lines, drips its body, or sends
  chunks without end, one piece per ``interval``.

All bind 127.0.0.1 on a free port, serve from daemon threads, and stop in ``close()``.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
import time
import zlib
from typing import Any


class _Base:
    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.host = f"127.0.0.1:{self.port}"
        self.url = f"http://{self.host}"
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self.connections = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._guard, args=(conn,), daemon=True).start()

    def _guard(self, conn: socket.socket) -> None:
        try:
            with conn:
                self.serve(conn)
        except OSError:
            pass

    def serve(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._stop.set()
        # Wake the accept() call, then close.
        with contextlib.suppress(OSError):
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        self._sock.close()
        self._thread.join(5)

    def __enter__(self) -> Any:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_request(conn: socket.socket) -> tuple[str, dict[str, str], bytes] | None:
    """One HTTP/1.1 request: request line, headers (lower-case names), body."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return lines[0], headers, rest


class Listener(_Base):
    """Answers each request with ``status``, ``headers`` and ``body``; records the requests."""

    def __init__(
        self,
        status: int = 200,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        self.status = status
        self.headers = dict(headers or {})
        self.body = json.dumps({} if body is None else body).encode()
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        while not self._stop.is_set():
            request = read_request(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request)
            head = [f"HTTP/1.1 {self.status} X", "Content-Type: application/json"]
            head += [f"{k}: {v}" for k, v in self.headers.items()]
            head.append(f"Content-Length: {len(self.body)}")
            conn.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + self.body)

    @property
    def received(self) -> int:
        """Connections plus requests: anything at all counts."""
        with self._lock:
            return self.connections + len(self.requests)


class Dripper(_Base):
    """Never done answering: ``mode`` is "headers", "body" or "chunks"."""

    def __init__(self, mode: str, interval: float = 0.05, limit: int = 400) -> None:
        assert mode in ("headers", "body", "chunks")
        self.mode = mode
        self.interval = interval
        self.limit = limit
        self.pieces = 0
        super().__init__()

    def _drip(self, conn: socket.socket, piece: bytes) -> None:
        # The pause between pieces is the server's behaviour under test, not a wait in a test.
        # After ``limit`` pieces it hangs up, so that a client without a deadline ends too.
        while self.pieces < self.limit and not self._stop.wait(self.interval):
            conn.sendall(piece)
            with self._lock:
                self.pieces += 1

    def serve(self, conn: socket.socket) -> None:
        if read_request(conn) is None:
            return
        if self.mode == "headers":
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            self._drip(conn, b"X-Drip: 1\r\n")
        elif self.mode == "body":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: 1000000\r\n\r\n"
            )
            self._drip(conn, b" ")
        else:
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            self._drip(conn, b"1\r\n \r\n")


class Flood(_Base):
    """Answers every request with more than a client may hold (the response-size rows of
    tests/cases/security.json): ``declared`` (Content-Length: 4 MiB, and the bytes), ``endless``
    (chunked, until the client hangs up or 30 s pass), ``gzip-bomb`` (64 KiB of gzip that
    inflate to 64 MiB)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.requests: list[tuple[str, dict[str, str], bytes]] = []
        super().__init__()

    def serve(self, conn: socket.socket) -> None:
        request = read_request(conn)
        if request is None:
            return
        with self._lock:
            self.requests.append(request)
        head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
        piece = b"0" * 65536
        if self.kind == "declared":
            conn.sendall(f"{head}Content-Length: {64 * len(piece)}\r\n\r\n".encode())
            for _ in range(64):
                conn.sendall(piece)
        elif self.kind == "endless":
            conn.sendall(f"{head}Transfer-Encoding: chunked\r\n\r\n".encode())
            chunk = b"%x\r\n%s\r\n" % (len(piece), piece)
            deadline = time.monotonic() + 30
            while not self._stop.is_set() and time.monotonic() < deadline:
                conn.sendall(chunk)
        else:
            bomb = gzip_bomb()
            conn.sendall(
                f"{head}Content-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n".encode()
                + bomb
            )
            conn.recv(1)  # until the client hangs up


@functools.cache
def gzip_bomb() -> bytes:
    """64 MiB of zeros, gzipped (about 64 KiB)."""
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    piece = b"0" * (1 << 20)
    return b"".join([*(stream.compress(piece) for _ in range(64)), stream.flush()])
