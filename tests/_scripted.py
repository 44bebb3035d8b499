"""A loopback server that answers scripted responses in order and records what it received.

Used by the shared case table (tests/test_cases.py); the JavaScript suite has its twin
(tests/js/_server.mjs). The table's interface: ``responses`` are ``{status, headers, body}``
dicts served in order whatever the path; ``seen`` lists ``[method, path]`` per request.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class Scripted(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, responses: list[dict[str, Any]]) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.responses = list(responses)
        self.seen: list[list[str]] = []
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Scripted

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        with self.server.lock:
            self.server.seen.append([self.command, urllib.parse.urlsplit(self.path).path])
            index = len(self.server.seen) - 1
            responses = self.server.responses
            reply = responses[index] if index < len(responses) else None
        if reply is None:
            reply = {"status": 599, "headers": {}, "body": "not in the script"}
        payload = reply["body"].encode()
        self.send_response(reply["status"])
        for key, value in reply["headers"].items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve


@contextmanager
def scripted(responses: list[dict[str, Any]]) -> Iterator[Scripted]:
    server = Scripted(responses)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
