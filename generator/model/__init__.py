"""The model: the typed, immutable description of the API that every target reads.

generator/build.py makes it from a loaded spec (resolving every reference and checking the
contract the targets rely on). What only one target needs (shell variable lists, OpenAPI ids,
reader names) lives in that target's projection (generator/targets/), not here; the names here
are the spec's own and the Python package's, which every other output links to.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from generator import names
from generator.model.operations import (
    Endpoint,
    Example,
    Operation,
    Param,
    Response,
    oauth_path_constant,
)
from generator.model.records import PYTHON_TYPES, EnvVar, Field, RecordField, Schema
from generator.model.tables import ErrorCode, Event, ExceptionClass

__all__ = [
    "PYTHON_TYPES",
    "ClientAuth",
    "Defaults",
    "Endpoint",
    "EnvVar",
    "ErrorCode",
    "Event",
    "Example",
    "ExceptionClass",
    "Field",
    "Info",
    "Operation",
    "Param",
    "RecordField",
    "Response",
    "Schema",
    "Server",
    "Spec",
    "oauth_path_constant",
]


@dataclass(frozen=True)
class Info:
    title: str
    package: str
    version: str
    summary: str


@dataclass(frozen=True)
class Server:
    name: str
    url: str
    description: str
    retired: str | None

    @property
    def port(self) -> int:
        """The server's port (the default for its scheme when the URL names none)."""
        return urllib.parse.urlsplit(self.url).port or (443 if self.url.startswith("https") else 80)

    @property
    def constant(self) -> str:
        """``PRODUCTION_SERVER`` for the server named ``production``."""
        return names.python_constant(self.name) + "_SERVER"


@dataclass(frozen=True)
class Defaults:
    """The runtime's settings and rules that every language shares (spec ``defaults``)."""

    timeout_seconds: int
    refresh_margin_seconds: int
    max_retries: int
    max_retry_wait_seconds: int
    rate_limit_fallback_seconds: int
    retry_statuses: tuple[int, ...]
    idempotent_methods: tuple[str, ...]
    lock_timeout_seconds: int
    store_max_bytes: int
    max_response_bytes: int
    secret_names: tuple[str, ...]
    secret_headers: tuple[str, ...]
    redacted_rotations: int
    announce_wait_seconds: int
    session_origin_field: str = "origin"
    """The auth data field naming the server origin a session belongs to."""
    session_app_key_field: str = "app_key"
    """The auth data field naming the app key a session belongs to."""
    store_lease_seconds: int = 10
    """How long a shared store's refresh lease lasts unless renewed (docs/FLEET.md)."""
    store_key_ttl_seconds: int = 604800
    """How long a shared store keeps tokens whose refresh token's lifetime is unknown."""


@dataclass(frozen=True)
class ClientAuth:
    confidential: str
    public: str
    assertion: str = ""
    """How an app authenticates with a signed JWT instead (empty when the spec says nothing)."""
    assertion_type: str = ""
    """The one ``client_assertion_type`` value that goes with it."""


@dataclass(frozen=True)
class Spec:
    file: str
    sha256: str
    info: Info
    servers: tuple[Server, ...]
    defaults: Defaults
    client_auth: ClientAuth
    environment: tuple[EnvVar, ...]
    schemas: tuple[Schema, ...]
    events: tuple[Event, ...]
    operations: tuple[Operation, ...]
    exceptions: tuple[ExceptionClass, ...]
    error_codes: tuple[ErrorCode, ...]

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]

    def operation(self, op_id: str) -> Operation:
        return next(op for op in self.operations if op.id == op_id)

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        """Operations grouped by path and method: several grants share POST /oauth/token."""
        groups: dict[tuple[str, str], list[Operation]] = {}
        for op in self.operations:
            groups.setdefault((op.path, op.method), []).append(op)
        return tuple(Endpoint(path, method, tuple(ops)) for (path, method), ops in groups.items())

    def chain(self, op: Operation) -> tuple[Operation, ...]:
        """The operations to run before ``op`` (its ``after``, recursively), then ``op``."""
        before = self.chain(self.operation(op.after)) if op.after else ()
        return (*before, op)

    def schema(self, name: str) -> Schema:
        return next(s for s in self.schemas if s.name == name)

    def ops_of_kind(self, *kinds: str) -> tuple[Operation, ...]:
        return tuple(op for op in self.operations if op.kind in kinds)

    @property
    def session_ending_codes(self) -> tuple[str, ...]:
        """The error codes with which an ``invalid_grant`` answer to a refresh ends the session."""
        return tuple(c.code for c in self.error_codes if c.ends_session)

    @property
    def secret_form_fields(self) -> tuple[str, ...]:
        """Every form or query field that carries a secret, for scrubbing and redaction."""
        found = {p.name for op in self.operations for p in op.params if p.secret}
        return tuple(sorted(found))

    @property
    def secret_fields(self) -> tuple[str, ...]:
        """Form and response fields together."""
        return tuple(sorted({*self.secret_form_fields, *self.secret_token_fields}))

    @property
    def oauth_paths(self) -> tuple[tuple[str, str], ...]:
        """``(constant name, path)`` of each OAuth endpoint, such as ``TOKEN_PATH``."""
        paths = {op.path for op in self.ops_of_kind("token", "revoke", "browser")}
        return tuple((oauth_path_constant(p), p) for p in sorted(paths))

    @property
    def secret_token_fields(self) -> tuple[str, ...]:
        """Every response field that carries a secret."""
        return tuple(sorted({f.name for s in self.schemas for f in s.fields if f.secret}))

    @property
    def exception_tree(self) -> tuple[str, ...]:
        """The exception hierarchy drawn as lines of an ASCII tree."""
        lines: list[str] = []

        def draw(name: str, prefix: str, last: bool, root: bool) -> None:
            lines.append(name if root else f"{prefix}{'└── ' if last else '├── '}{name}")
            children = [e.name for e in self.exceptions if e.base == name]
            inner = "" if root else prefix + ("    " if last else "│   ")
            for index, child in enumerate(children):
                draw(child, inner, index == len(children) - 1, False)

        draw(self.exceptions[0].name, "", True, True)
        return tuple(lines)

    @property
    def settings_fields(self) -> tuple[RecordField, ...]:
        return tuple(v.record_field for v in self.environment)

    @property
    def local_credentials(self) -> tuple[EnvVar, ...]:
        """The variables whose examples the local platform accepts (the demo's credentials)."""
        return tuple(v for v in self.environment if v.local)

    def server(self, name: str) -> Server:
        return next(s for s in self.servers if s.name == name)

    @property
    def schemas_in_dependency_order(self) -> tuple[Schema, ...]:
        """Schemas ordered so that each comes after the ones it nests."""
        done: list[Schema] = []

        def visit(schema: Schema) -> None:
            if schema in done:
                return
            for ref in schema.refs:
                visit(self.schema(ref))
            done.append(schema)

        for schema in self.schemas:
            visit(schema)
        return tuple(done)
