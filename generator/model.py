"""The model: the typed, immutable description of the API that every target reads.

generator/build.py makes it from a loaded spec (resolving every reference and checking the
contract the targets rely on). What only one target needs (shell variable lists, OpenAPI ids,
reader names) lives in that target's projection (generator/targets/), not here; the names here
are the spec's own and the Python package's, which every other output links to.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass
from typing import Any

from generator import names

PYTHON_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


def oauth_path_constant(path: str) -> str:
    """``/restapi/oauth/token`` -> ``TOKEN_PATH``."""
    return names.python_constant(path.rsplit("/", 1)[-1]) + "_PATH"


@dataclass(frozen=True)
class RecordField:
    """One attribute of a generated record class (a model, or the settings)."""

    name: str
    annotation: str
    default: str | None
    secret: bool
    doc: str


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
    secret_names: tuple[str, ...]
    secret_headers: tuple[str, ...]
    redacted_rotations: int


@dataclass(frozen=True)
class ClientAuth:
    confidential: str
    public: str
    assertion: str = ""
    """How an app authenticates with a signed JWT instead (empty when the spec says nothing)."""
    assertion_type: str = ""
    """The one ``client_assertion_type`` value that goes with it."""


@dataclass(frozen=True)
class EnvVar:
    name: str
    description: str
    example: str
    secret: bool
    local: bool
    """Whether the local platform accepts the example value as a credential."""

    @property
    def python_name(self) -> str:
        """The attribute this variable fills in ``RCSDK.from_env`` (``RC_APP_KEY`` -> app_key)."""
        return names.python_name(self.name.removeprefix("RC_"))

    @property
    def record_field(self) -> RecordField:
        doc = f"``{self.name}``: {self.description}"
        return RecordField(self.python_name, "str | None", "None", self.secret, doc)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    needed: bool
    secret: bool
    ref: str | None
    items: str | None
    description: str
    enum: tuple[str, ...] = ()
    format: str | None = None
    min_items: int | None = None

    @property
    def python_name(self) -> str:
        return names.python_name(self.name)

    @property
    def record_field(self) -> RecordField:
        """Needed fields have no default; arrays default to ``()``, the rest to ``None``."""
        annotation = f"{self.python_type} | None"
        default: str | None = "None"
        if self.needed:
            annotation, default = self.python_type, None
        elif self.type == "array":
            annotation, default = self.python_type, "()"
        return RecordField(self.python_name, annotation, default, self.secret, self.description)

    @property
    def item_class(self) -> str:
        return names.python_class(self.items or "")

    @property
    def python_type(self) -> str:
        if self.type == "object":
            return names.python_class(self.ref or "dict")
        if self.type == "array":
            return f"tuple[{self.item_class}, ...]"
        return PYTHON_TYPES[self.type]


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    fields: tuple[Field, ...]

    @property
    def python_class(self) -> str:
        return names.python_class(self.name)

    @property
    def record_fields(self) -> tuple[RecordField, ...]:
        return tuple(f.record_field for f in self.fields)

    @property
    def refs(self) -> tuple[str, ...]:
        """Names of the schemas this one nests, in field order."""
        return tuple(r for f in self.fields for r in (f.ref, f.items) if r and r[0].isupper())


@dataclass(frozen=True)
class Param:
    name: str
    location: str
    type: str
    required: bool
    positional: bool
    secret: bool
    env: EnvVar | None
    const: str | None
    default: str | None
    python_alias: str | None
    from_auth: str | None
    from_client: bool
    pkce: str | None
    description: str
    enum: tuple[str, ...] = ()
    also_in: str | None = None
    """Another place the server accepts it (``query``); clients send it at ``location``."""

    @property
    def python_name(self) -> str:
        return names.python_name(self.python_alias or self.name)

    @property
    def python_type(self) -> str:
        return PYTHON_TYPES[self.type]

    @property
    def is_argument(self) -> bool:
        """Whether the caller passes it (the rest come from the SDK's state or are constant)."""
        return not (self.const or self.from_auth or self.from_client or self.pkce)


@dataclass(frozen=True)
class Event:
    name: str
    description: str
    has_payload: bool

    @property
    def constant(self) -> str:
        return names.python_constant(self.name)

    @property
    def wire_name(self) -> str:
        """The original SDK's name for it (``accessViolation``), accepted by ``on()`` too."""
        return names.camel_case(self.name)


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    exception: str
    message: str
    ends_session: bool = False
    """A refresh answered with this code is the platform's verdict on the refresh token itself
    (expired, revoked): the only answer that ends a session. Others (an app without the grant,
    wrong client credentials) say nothing about the token and leave the session alone."""


@dataclass(frozen=True)
class ExceptionClass:
    name: str
    base: str | None
    description: str
    statuses: tuple[int, ...]
    oauth_errors: tuple[str, ...]
    codes: tuple[ErrorCode, ...]


@dataclass(frozen=True)
class Response:
    """An extra documented answer of an operation: a status, and the codes it carries there."""

    status: int
    description: str
    codes: tuple[ErrorCode, ...]


@dataclass(frozen=True)
class Example:
    request_json: str
    status: int
    response_json: str

    @property
    def request(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.request_json)
        return value

    @property
    def response(self) -> Any:
        return json.loads(self.response_json)

    @property
    def response_pretty(self) -> str:
        return json.dumps(self.response, indent=2)


@dataclass(frozen=True)
class Operation:
    id: str
    summary: str
    description: str
    deprecated: str | None
    method: str
    path: str
    kind: str
    grant_type: str | None
    params: tuple[Param, ...]
    response: Schema | None
    success_event: Event | None
    error_event: Event | None
    errors: tuple[ErrorCode, ...]
    example: Example
    after: str | None
    responses: tuple[Response, ...] = ()

    @property
    def python_name(self) -> str:
        return names.python_name(self.id)

    @property
    def file_stem(self) -> str:
        return names.file_stem(self.id)

    @property
    def anchor(self) -> str:
        return names.anchor(self.id)

    @property
    def arguments(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.is_argument)

    @property
    def positional_arguments(self) -> tuple[Param, ...]:
        """Arguments taken by position: the required ones and those marked positional."""
        return tuple(p for p in self.arguments if p.required or p.positional)

    @property
    def keyword_arguments(self) -> tuple[Param, ...]:
        return tuple(p for p in self.arguments if not (p.required or p.positional))

    def located(self, location: str) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.location == location)

    @property
    def form_params(self) -> tuple[Param, ...]:
        return self.located("form")

    @property
    def query_params(self) -> tuple[Param, ...]:
        return self.located("query")

    @property
    def path_params(self) -> tuple[Param, ...]:
        return self.located("path")

    @property
    def python_path(self) -> str:
        """The path as a Python f-string body (``{accountId}`` -> ``{account_id}``)."""
        out = self.path
        for p in self.path_params:
            out = out.replace("{" + p.name + "}", "{" + p.python_name + "}")
        return out

    @property
    def example_path(self) -> str:
        out = self.path
        for p in self.path_params:
            out = out.replace("{" + p.name + "}", p.default or "")
        return out

    @property
    def uses_stored_tokens(self) -> bool:
        """Whether it sends a token the platform holds (refresh, revoke) rather than arguments."""
        return any(p.from_auth for p in self.params)

    @property
    def required_form_fields(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.form_params if p.required)

    @property
    def secret_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.secret)

    @property
    def path_constant(self) -> str:
        """The name of this operation's path in generated code (``TOKEN_PATH``)."""
        if self.kind == "api":
            return names.python_constant(self.id) + "_PATH"
        return oauth_path_constant(self.path)

    @property
    def sends_client_auth(self) -> bool:
        return self.kind in ("token", "revoke")


@dataclass(frozen=True)
class Endpoint:
    """One path and method, and the operations the spec defines on it."""

    path: str
    method: str
    operations: tuple[Operation, ...]

    @property
    def params(self) -> tuple[Param, ...]:
        """The parameters of every operation on it, each once (first definition wins)."""
        seen: dict[str, Param] = {}
        for op in self.operations:
            for p in op.params:
                seen.setdefault(p.name, p)
        return tuple(seen.values())


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
