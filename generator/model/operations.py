"""Operations: their parameters, documented answers and examples, and the endpoints they share."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from generator import names
from generator.errors import Origin
from generator.model.records import PYTHON_TYPES, EnvVar, Schema
from generator.model.tables import ErrorCode, Event


def oauth_path_constant(path: str) -> str:
    """``/restapi/oauth/token`` -> ``TOKEN_PATH``."""
    return names.python_constant(path.rsplit("/", 1)[-1]) + "_PATH"


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
    minimum: int | None = None
    maximum: int | None = None
    format: str | None = None
    server_default: str | int | None = None
    """What the platform uses when the parameter is absent (documentation only)."""
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def python_name(self) -> str:
        return names.python_name(self.python_alias or self.name)

    @property
    def constraints(self) -> str:
        """The bounds, format and server default in words, for the docs (may be empty)."""
        out = []
        if self.minimum is not None and self.maximum is not None:
            out.append(f"From {self.minimum} to {self.maximum}.")
        elif self.minimum is not None:
            out.append(f"At least {self.minimum}.")
        elif self.maximum is not None:
            out.append(f"At most {self.maximum}.")
        if self.format == "uri":
            out.append("A URI.")
        if self.server_default is not None:
            out.append(f"The platform's default: `{self.server_default}`.")
        return " ".join(out)

    @property
    def python_type(self) -> str:
        return PYTHON_TYPES[self.type]

    @property
    def is_argument(self) -> bool:
        """Whether the caller passes it (the rest come from the SDK's state or are constant)."""
        return not (self.const or self.from_auth or self.from_client or self.pkce)


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
    form_variant: bool = False
    """The platform also answers ``POST path`` with the query parameters as a form body."""
    origin: Origin | None = field(default=None, compare=False, repr=False)

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
