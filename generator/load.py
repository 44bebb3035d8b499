"""Stage 1: read a spec file into plain data that remembers where every value came from.

The YAML is composed into nodes (which carry line numbers), turned into dicts, lists and
scalars, and checked against FORMAT, the declaration of what a spec may contain. Any problem
raises SpecError naming the file, the line and the YAML path.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError
from generator.pause import gc_paused

YamlPath = tuple[str | int, ...]
# libyaml's parser when PyYAML was built with it (the wheels are): ten times faster, same marks.
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR_TAG = "tag:yaml.org,2002:str"


class CachedResolver:
    """Resolves the implicit tag of each distinct plain scalar once, for a loader or a dumper
    (put first among its bases): a spec, and the OpenAPI document made from it, repeat the same
    words thousands of times, and the tag depends on the text and the implicit flags alone.
    Each class that mixes it in has a cache of its own."""

    _resolved: dict[tuple[str, tuple[bool, bool]], str]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._resolved = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not yaml.ScalarNode:
            return super().resolve(kind, value, implicit)  # type: ignore[misc]
        key = (value, implicit)
        tag = self._resolved.get(key)
        if tag is None:
            tag = self._resolved[key] = super().resolve(kind, value, implicit)  # type: ignore[misc]
        return tag


class _Loader(CachedResolver, _Base):  # type: ignore[misc,valid-type]
    """The safe loader, with each distinct plain scalar's tag resolved once."""


def format_path(path: YamlPath) -> str:
    """``("operations", 2, "params")`` -> ``operations[2].params``; the root is ``(root)``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "(root)"


@dataclass(frozen=True)
class Document:
    """A loaded spec: its data, and the line of every value and key in it."""

    file: str
    text: str
    data: Any
    lines: Mapping[YamlPath, int]
    key_lines: Mapping[YamlPath, int]

    def error(self, path: YamlPath, message: str) -> SpecError:
        """A SpecError placed at ``path`` (at its key when it has one)."""
        line = self.key_lines.get(path) or self.lines.get(path)
        probe = path
        while line is None and probe:
            probe = probe[:-1]
            line = self.key_lines.get(probe) or self.lines.get(probe)
        return SpecError(self.file, line or 1, format_path(path), message)


def load(path: Path, display_name: str | None = None) -> Document:
    """Read and format-check one spec file."""
    name = display_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(name, 1, "(file)", f"cannot read: {exc.strerror}") from None
    return parse(text, name)


def parse(text: str, file: str) -> Document:
    """Parse spec text; ``file`` is only used to place errors."""
    with gc_paused():
        return _parse(text, file)


def _parse(text: str, file: str) -> Document:
    lines: dict[YamlPath, int] = {}
    key_lines: dict[YamlPath, int] = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise SpecError(file, 1, "(root)", "the spec is empty")
        data = _construct(loader, node, (), lines, key_lines, file)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise SpecError(file, line, "(syntax)", f"invalid YAML: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise SpecError(file, 1, "(syntax)", f"invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    doc = Document(file, text, data, lines, key_lines)
    FORMAT.check(doc, data, ())
    return doc


def _construct(
    loader: Any,
    node: yaml.Node,
    path: YamlPath,
    lines: dict[YamlPath, int],
    key_lines: dict[YamlPath, int],
    file: str,
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = (
                key_node.value
                if key_node.tag == _STR_TAG
                else loader.construct_object(key_node, deep=True)
            )
            key_line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                raise SpecError(file, key_line, format_path(path), f"key {key!r} is not a string")
            child = (*path, key)
            if key in out:
                raise SpecError(file, key_line, format_path(child), "duplicate key")
            key_lines[child] = key_line
            out[key] = _construct(loader, value_node, child, lines, key_lines, file)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _construct(loader, item, (*path, index), lines, key_lines, file)
            for index, item in enumerate(node.value)
        ]
    if node.tag == _STR_TAG:  # most scalars: skip the constructor's dispatch
        return node.value
    return loader.construct_object(node, deep=True)


# --- The spec's format -----------------------------------------------------------------------


class Shape:
    """What a value in the spec must look like."""

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _type_name(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean"}
    names.update({int: "an integer", float: "a number", type(None): "null"})
    return names.get(type(value), type(value).__name__)


@dataclass(frozen=True)
class Scalar(Shape):
    kind: type

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        ok = isinstance(value, self.kind) and not (self.kind is int and isinstance(value, bool))
        if not ok:
            raise doc.error(path, f"expected {self.describe()}, got {_type_name(value)}")

    def describe(self) -> str:
        return _type_name(self.kind())


@dataclass(frozen=True)
class OneOf(Shape):
    choices: tuple[Any, ...]

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        if value not in self.choices or isinstance(value, bool) != isinstance(
            self.choices[0], bool
        ):
            raise doc.error(path, f"expected {self.describe()}, got {value!r}")

    def describe(self) -> str:
        return "one of " + ", ".join(str(c) for c in self.choices)


@dataclass(frozen=True)
class Pattern(Shape):
    """A string that names something in generated code, so it must be a safe identifier."""

    regex: str
    what: str

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        if not isinstance(value, str):
            raise doc.error(path, f"expected a string, got {_type_name(value)}")
        if not re.fullmatch(self.regex, value):
            raise doc.error(path, f"{value!r} is not {self.what}")

    def describe(self) -> str:
        return self.what


@dataclass(frozen=True)
class Anything(Shape):
    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        return

    def describe(self) -> str:
        return "any value"


@dataclass(frozen=True)
class ListOf(Shape):
    item: Shape
    non_empty: bool = False

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        if not isinstance(value, list):
            raise doc.error(path, f"expected a list, got {_type_name(value)}")
        if self.non_empty and not value:
            raise doc.error(path, "must not be empty")
        for index, item in enumerate(value):
            self.item.check(doc, item, (*path, index))

    def describe(self) -> str:
        return "a list"


@dataclass(frozen=True)
class MapOf(Shape):
    value: Shape
    key: Shape | None = None

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        if not isinstance(value, dict):
            raise doc.error(path, f"expected a mapping, got {_type_name(value)}")
        for key, item in value.items():
            if self.key is not None:
                self.key.check(doc, key, (*path, key))
            self.value.check(doc, item, (*path, key))

    def describe(self) -> str:
        return "a mapping"


@dataclass(frozen=True)
class Obj(Shape):
    required: Mapping[str, Shape] = field(default_factory=dict)
    optional: Mapping[str, Shape] = field(default_factory=dict)

    def check(self, doc: Document, value: Any, path: YamlPath) -> None:
        if not isinstance(value, dict):
            raise doc.error(path, f"expected a mapping, got {_type_name(value)}")
        for key in value:
            if key not in self.required and key not in self.optional:
                known = ", ".join(sorted([*self.required, *self.optional]))
                raise doc.error((*path, key), f"unknown key {key!r} (known keys: {known})")
        for key in self.required:
            if key not in value:
                raise doc.error(path, f"missing required key {key!r}")
        for key, item in value.items():
            (self.required.get(key) or self.optional[key]).check(doc, item, (*path, key))

    def describe(self) -> str:
        return "a mapping"


STR = Scalar(str)
# Names that become identifiers in generated code (after each target's naming rules).
IDENTIFIER = Pattern(r"[A-Za-z][A-Za-z0-9_]*", "an identifier (a letter, then letters, digits, _)")
WIRE_NAME = Pattern(r"[A-Za-z_][A-Za-z0-9_.-]*", "a field name (letters, digits, _ . -)")
CLASS_NAME = Pattern(r"[A-Z][A-Za-z0-9]*", "a class name in PascalCase")
VARIABLE = Pattern(r"RC_[A-Z0-9_]+", "an RC_* variable name in SHOUT_CASE")
INT = Scalar(int)
BOOL = Scalar(bool)
FIELD_TYPES = OneOf(("string", "integer", "number", "boolean", "object", "array"))

PARAM = Obj(
    required={"name": WIRE_NAME, "in": OneOf(("form", "query", "path")), "type": FIELD_TYPES},
    optional={
        "description": STR,
        "required": BOOL,
        "positional": BOOL,
        "secret": BOOL,
        "env": VARIABLE,
        "const": STR,
        "default": STR,
        "python_name": IDENTIFIER,
        "from_auth": OneOf(("access_token", "refresh_token")),
        "from_client": BOOL,
        "pkce": OneOf(("challenge", "method")),
        "enum": ListOf(STR, non_empty=True),
        "also_in": OneOf(("query",)),
        # What the platform checks or assumes (documentation and OpenAPI; clients send what
        # they are given): bounds of an integer, a format, the value used when it is absent.
        "minimum": INT,
        "maximum": INT,
        "format": OneOf(("uri", "int32", "int64")),
        "server_default": Scalar(object),
    },
)

# Extra documented answers of an operation (statuses that no error code of the table carries
# there, or codes answered with another status at this endpoint).
RESPONSE = Obj(
    required={"status": INT, "description": STR},
    optional={"codes": ListOf(STR)},
)

FORMAT = Obj(
    required={
        "format": OneOf(("rcsdk-spec/1",)),
        "info": Obj(
            required={"title": STR, "package": STR, "version": STR, "summary": STR},
        ),
        "servers": ListOf(
            Obj(
                required={"name": IDENTIFIER, "url": STR, "description": STR},
                optional={"retired": STR},
            ),
            non_empty=True,
        ),
        "defaults": Obj(
            required={
                "timeout_seconds": INT,
                "refresh_margin_seconds": INT,
                "max_retries": INT,
                "max_retry_wait_seconds": INT,
                "rate_limit_fallback_seconds": INT,
                "retry_statuses": ListOf(INT),
                "idempotent_methods": ListOf(STR),
                "lock_timeout_seconds": INT,
                "store_max_bytes": INT,
                "max_response_bytes": INT,
                "secret_names": ListOf(STR),
                "secret_headers": ListOf(STR),
                "redacted_rotations": INT,
                "announce_wait_seconds": INT,
            },
            optional={
                "session_origin_field": STR,
                "session_app_key_field": STR,
                "store_lease_seconds": INT,
                "store_key_ttl_seconds": INT,
            },
        ),
        "client_auth": Obj(
            required={
                "confidential": Obj(required={"description": STR}),
                "public": Obj(required={"description": STR}),
            },
            optional={
                "assertion": Obj(required={"description": STR, "assertion_type": STR}),
            },
        ),
        "environment": ListOf(
            Obj(
                required={"name": VARIABLE, "description": STR, "example": STR},
                optional={"secret": BOOL, "local": BOOL},
            )
        ),
        "schemas": MapOf(
            Obj(
                required={
                    "description": STR,
                    "fields": ListOf(
                        Obj(
                            required={
                                "name": WIRE_NAME,
                                "type": FIELD_TYPES,
                                "description": STR,
                            },
                            optional={
                                "required": BOOL,
                                "needed": BOOL,
                                "secret": BOOL,
                                "ref": STR,
                                "items": STR,
                                "enum": ListOf(STR, non_empty=True),
                                "format": OneOf(("date-time", "uri", "email", "int32", "int64")),
                                "min_items": INT,
                            },
                        ),
                        non_empty=True,
                    ),
                }
            ),
            key=IDENTIFIER,
        ),
        "param_sets": MapOf(ListOf(PARAM), key=IDENTIFIER),
        "events": ListOf(
            Obj(
                required={"name": IDENTIFIER, "description": STR},
                optional={"payload": OneOf(("none",))},
            )
        ),
        "operations": ListOf(
            Obj(
                required={
                    "id": IDENTIFIER,
                    "summary": STR,
                    "description": STR,
                    "method": OneOf(("GET", "POST", "PUT", "PATCH", "DELETE")),
                    "path": STR,
                    "kind": OneOf(("token", "revoke", "browser", "api")),
                    "params": ListOf(PARAM),
                    "errors": ListOf(STR),
                    "example": Obj(
                        required={"request": MapOf(Anything()), "status": INT},
                        optional={"response": Anything()},
                    ),
                },
                optional={
                    "deprecated": STR,
                    "grant_type": STR,
                    "include": ListOf(STR),
                    "response": STR,
                    "success_event": STR,
                    "error_event": STR,
                    "after": STR,
                    "responses": ListOf(RESPONSE),
                    # A browser operation whose parameters the platform also takes as a POST
                    # form body (RingCentral's authorize2).
                    "form_variant": BOOL,
                },
            ),
            non_empty=True,
        ),
        "exceptions": ListOf(
            Obj(
                required={"name": CLASS_NAME, "description": STR},
                optional={
                    "base": CLASS_NAME,
                    "statuses": ListOf(INT),
                    "oauth_errors": ListOf(STR),
                },
            ),
            non_empty=True,
        ),
        "error_codes": ListOf(
            Obj(
                required={"code": STR, "status": INT, "exception": STR, "message": STR},
                optional={"ends_session": BOOL, "note": STR},
            )
        ),
    }
)
