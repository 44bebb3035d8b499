"""Recording and replaying cassettes: the vcr configuration and the scrubbing of secrets.

Everything secret is replaced before a cassette is written: credentials by ``REDACTED``, and
tokens and codes by numbered placeholders (``ACCESS_TOKEN_1``) kept consistent between the
responses that issue them and the requests that send them back, so a replayed client sends
exactly what the cassette holds. vcr applies the same scrubbing to live requests before
matching them, which is why a test with the real local password still matches ``REDACTED``.
"""

from __future__ import annotations

import base64
import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import vcr

from rcsdk import _redact
from rcsdk._constants import LOCAL_SERVER, SECRET_FIELDS

CASSETTES = Path(__file__).resolve().parent / "cassettes"
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*_\d+$|^REDACTED$")
# Credentials are blanked; issued tokens and codes get numbered placeholders.
CREDENTIAL_FIELDS = frozenset({"password", "assertion", "client_assertion", "client_secret"})
PLACEHOLDER_KIND = {
    "access_token": "ACCESS_TOKEN",
    "token": "ACCESS_TOKEN",
    "refresh_token": "REFRESH_TOKEN",
    "id_token": "ID_TOKEN",
    "code": "AUTH_CODE",
    "code_verifier": "CODE_VERIFIER",
    "code_challenge": "CODE_CHALLENGE",
    "state": "STATE",
}
KEPT_REQUEST_HEADERS = {"accept", "authorization", "content-type"}
KEPT_RESPONSE_HEADERS = {
    "content-type",
    "location",
    "retry-after",
    "x-rate-limit-group",
    "x-rate-limit-limit",
    "x-rate-limit-remaining",
    "x-rate-limit-window",
}


class Scrubber:
    """Replaces secrets consistently within one cassette."""

    def __init__(self, server: str) -> None:
        self.server = server.rstrip("/")
        self.names: dict[str, str] = {}
        self.counts: dict[str, int] = {}

    def placeholder(self, kind: str, value: str) -> str:
        if not value or PLACEHOLDER.match(value):
            return value
        if value not in self.names:
            self.counts[kind] = self.counts.get(kind, 0) + 1
            self.names[value] = f"{kind}_{self.counts[kind]}"
        return self.names[value]

    def value(self, field: str, value: str) -> str:
        if field in CREDENTIAL_FIELDS:
            return value if PLACEHOLDER.match(value) else "REDACTED"
        if field in PLACEHOLDER_KIND:
            return self.placeholder(PLACEHOLDER_KIND[field], value)
        if field in SECRET_FIELDS:
            return "REDACTED"
        return value

    def credential(self, scheme: str, secret: str) -> str:
        if scheme.lower() == "bearer":
            return self.placeholder("ACCESS_TOKEN", secret)
        return "REDACTED"

    def url(self, url: str) -> str:
        """Point at the canonical local server and scrub secret query fields."""
        if url.startswith(self.server):
            url = LOCAL_SERVER + url[len(self.server) :]
        parts = urllib.parse.urlsplit(url)
        if not parts.query:
            return url
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        scrubbed = urllib.parse.urlencode([(k, self.value(k, v)) for k, v in query])
        return urllib.parse.urlunsplit(parts._replace(query=scrubbed))

    def request(self, request: Any) -> Any:
        request.uri = self.url(request.uri)
        auth = request.headers.get("Authorization")
        if auth:
            # The SDK's own header redaction, with numbered placeholders for bearer tokens.
            request.headers["Authorization"] = _redact.headers(
                [("Authorization", auth)], mask=self.credential
            )["Authorization"]
        for header in list(request.headers):
            if header.lower() not in KEPT_REQUEST_HEADERS:
                del request.headers[header]
        body = request.body
        if body:
            text = body.decode() if isinstance(body, bytes) else body
            form = urllib.parse.parse_qsl(text, keep_blank_values=True)
            scrubbed = urllib.parse.urlencode([(k, self.value(k, v)) for k, v in form])
            request.body = scrubbed.encode()
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        headers = response["headers"]
        for name in list(headers):
            if name.lower() not in KEPT_RESPONSE_HEADERS:
                del headers[name]
            elif name.lower() == "location":
                headers[name] = [self.url(v) for v in headers[name]]
        body = response["body"]["string"]
        if body:
            try:
                data = json.loads(body)
            except ValueError:
                return response
            response["body"]["string"] = json.dumps(self.json(data), indent=2).encode()
        return response

    def json(self, data: Any) -> Any:
        if isinstance(data, dict):
            out = {}
            for key, value in data.items():
                if isinstance(value, str) and (key in SECRET_FIELDS or key in PLACEHOLDER_KIND):
                    out[key] = self.value(key, value)
                elif isinstance(value, str) and value.startswith(self.server):
                    out[key] = LOCAL_SERVER + value[len(self.server) :]
                else:
                    out[key] = self.json(value)
            return out
        if isinstance(data, list):
            return [self.json(item) for item in data]
        return data


def recorder(server: str, record_mode: str) -> vcr.VCR:
    scrubber = Scrubber(server)
    return vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode=record_mode,
        match_on=["method", "uri", "body"],
        before_record_request=scrubber.request,
        before_record_response=scrubber.response,
        decode_compressed_response=True,
    )


def basic_value(key: str, secret: str) -> str:
    return base64.b64encode(f"{key}:{secret}".encode()).decode()
