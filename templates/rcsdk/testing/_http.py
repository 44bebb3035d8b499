"""The local platform's HTTP layer: a threading server on loopback and its request handler."""

from __future__ import annotations

import http.server
import secrets
import socket
import time
import urllib.parse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rcsdk.testing._platform import LocalPlatform


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


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One buffered write per response, sent at once: with Nagle's algorithm on, a keep-alive
    # client waits out the peer's delayed ACK (about 40 ms) on every request.
    disable_nagle_algorithm = True
    wbufsize = -1
    server: Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        platform = self.server.platform
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = platform.take_fault(urllib.parse.urlsplit(self.path).path)
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            payload = fault.body.encode() if isinstance(fault.body, str) else fault.body
            self._reply(
                fault.status, {"Content-Length": str(len(payload)), **fault.headers}, payload
            )
            return
        status, headers, payload = platform.handle(self.command, self.path, self.headers, body)
        self._reply(status, headers, payload)

    def _reply(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("RCRequestId", secrets.token_hex(8))
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve
