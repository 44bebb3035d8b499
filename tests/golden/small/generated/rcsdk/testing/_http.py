# Copied verbatim from templates/rcsdk/testing/_http.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/testing/_http.py and run `make generate`.
"""The local platform's HTTP layer: a threading server on loopback and its request handler.

Whatever arrives gets an answer in RingCentral's JSON shape: any method (405 with ``Allow``
for those a path does not serve), a malformed ``Content-Length`` or request line (400), a body
over MAX_BODY (413), chunked bodies. A client that drops its connection is not an error.
"""

from __future__ import annotations

import http.server
import json
import secrets
import socket
import sys
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rcsdk.testing._platform import LocalPlatform

MAX_BODY = 1 << 20
"""Bodies over 1 MiB are refused with 413."""


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], platform: LocalPlatform) -> None:
        self.platform = platform
        super().__init__(address, Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        request = super().get_request()
        self.platform.count_connection()
        return request

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that resets or drops its connection is normal; anything else is reported."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _BadRequest(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per response, sent at once: with Nagle's algorithm on, a keep-alive
    # client waits out the peer's delayed ACK (about 40 ms) on every request.
    disable_nagle_algorithm = True
    wbufsize = -1
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def __getattr__(self, name: str) -> Any:
        # Every method reaches _serve (http.server answers 501 to those without a do_ method).
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def _serve(self) -> None:
        platform = self.server.platform
        try:
            body = self._body()
        except _BadRequest as exc:
            self.close_connection = True
            self._error(exc.status, str(exc))
            return
        fault = platform.take_fault(urllib.parse.urlsplit(self.path).path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = fault.body.encode() if isinstance(fault.body, str) else fault.body
            headers = {"Content-Length": str(len(payload)), **fault.headers}
            self._reply(fault.status, headers, payload)
            return
        peer = str(self.client_address[0])
        status, headers, payload = platform.handle(
            self.command, self.path, self.headers, body, peer
        )
        self._reply(status, headers, payload)

    def _body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            return self._chunked()
        lengths = self.headers.get_all("Content-Length") or []
        if len(set(lengths)) > 1:
            raise _BadRequest(400, "Conflicting Content-Length headers")
        text = (lengths[0] if lengths else "0").strip()
        if not text.isdigit():
            raise _BadRequest(400, "Invalid Content-Length")
        length = int(text)
        if length > MAX_BODY:
            raise _BadRequest(413, f"The body is over {MAX_BODY} bytes")
        return self.rfile.read(length) if length else b""

    def _chunked(self) -> bytes:
        body = b""
        while True:
            line = self.rfile.readline(1024).split(b";", 1)[0].strip()
            try:
                size = int(line, 16)
            except ValueError:
                raise _BadRequest(400, "Invalid chunked body") from None
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass  # trailers
                return body
            if len(body) + size > MAX_BODY:
                raise _BadRequest(413, f"The body is over {MAX_BODY} bytes")
            body += self.rfile.read(size)
            self.rfile.readline(1024)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (a bad request line, headers too long) in JSON too."""
        self.close_connection = True
        if self.request_version == "HTTP/0.9":  # the request line was not understood
            self.request_version = "HTTP/1.1"
        self._error(code, message or self.responses.get(code, ("Error",))[0])

    def _error(self, status: int, message: str) -> None:
        item = {"errorCode": "CMN-101", "message": message}
        body = {"errorCode": "CMN-101", "message": message, "errors": [item]}
        payload = json.dumps(body, indent=2, separators=(",", " : ")).encode()
        headers = {"Content-Type": "application/json", "Content-Length": str(len(payload))}
        if self.close_connection:
            headers["Connection"] = "close"
        self._reply(status, headers, payload)

    def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("RCRequestId", secrets.token_hex(8))
        self.end_headers()
        if payload and getattr(self, "command", "") != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
