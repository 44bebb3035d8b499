"""The PHP target: the Composer package ``rcsdk/rcsdk`` (generated/php) and its quickstart.

Naming: camelCase for methods, arguments and properties, PascalCase for classes (the spec's
exception and schema names are PascalCase already), SHOUT_CASE for class constants; wire names
(form fields, JSON keys) stay as the platform spells them. Spec text reaches PHP only through the
``php`` filter (a single-quoted PHP string literal, in which only ``\\`` and ``'`` are special)
or the ``phpdoc`` filter (comment text that cannot close the comment). Static runtime (plain
.php files in templates/php/) is copied as it is; every output is checked with ``php -l`` by the
PHP suite (``make test-php``), which also requires ``declare(strict_types=1);`` in each file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import names
from generator.contracts import Scan
from generator.model import Field, Operation, Param
from generator.targets import CamelNames, Contract, Target

PHP_TYPES = {"string": "string", "integer": "int", "number": "float", "boolean": "bool"}
READERS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
RESERVED = frozenset(
    [
        "abstract",
        "and",
        "array",
        "as",
        "break",
        "callable",
        "case",
        "catch",
        "class",
        "clone",
        "const",
        "continue",
        "declare",
        "default",
        "do",
        "echo",
        "else",
        "elseif",
        "empty",
        "enddeclare",
        "endfor",
        "endforeach",
        "endif",
        "endswitch",
        "endwhile",
        "enum",
        "eval",
        "exit",
        "extends",
        "final",
        "finally",
        "fn",
        "for",
        "foreach",
        "function",
        "global",
        "goto",
        "if",
        "implements",
        "include",
        "instanceof",
        "insteadof",
        "interface",
        "isset",
        "list",
        "match",
        "namespace",
        "new",
        "or",
        "print",
        "private",
        "protected",
        "public",
        "readonly",
        "require",
        "return",
        "static",
        "switch",
        "throw",
        "trait",
        "try",
        "unset",
        "use",
        "var",
        "while",
        "xor",
        "yield",
    ]
)


def literal(value: Any) -> str:
    """A PHP literal: strings single-quoted (only backslash and quote escaped), numbers as is."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no PHP literal for {type(value).__name__}")


def phpdoc(text: str) -> str:
    """Spec prose made safe inside a ``/** ... */`` comment (one line, no ``*/``)."""
    return " ".join(text.replace("*/", "*\\/").split())


def camel(name: str) -> str:
    """``login_jwt``, ``loginJwt`` or ``LOGIN_JWT`` -> ``loginJwt`` (never a reserved word)."""
    out = names.camel_case(name)
    return f"{out}_" if out.lower() in RESERVED else out


@dataclass(frozen=True)
class Projection(CamelNames):
    """``php.*`` in templates: what only the PHP target needs from the model."""

    def camel(self, name: str) -> str:
        return camel(name)

    def type(self, f: Field) -> str:
        """The property's PHP type (always nullable: parsing is lenient)."""
        if f.needed:
            return PHP_TYPES[f.type]
        if f.type == "object":
            return "?" + names.python_class(f.ref or "array")
        if f.type == "array":
            return "array"
        return "?" + PHP_TYPES[f.type]

    def param_type(self, p: Param) -> str:
        return PHP_TYPES[p.type]

    def optional(self, op: Operation, p: Param) -> bool:
        """Whether a positional argument may be left out (no required one after it)."""
        later = op.positional_arguments[op.positional_arguments.index(p) :]
        return not any(q.required for q in later)

    def reader(self, f: Field) -> str:
        return READERS.get(f.type, "any")

    def path_template(self, op: Operation) -> str:
        """The path as PHP concatenation (``{accountId}`` -> ``' . enc($accountId) . '``)."""
        out = literal(op.path)
        for p in op.path_params:
            out = out.replace("{" + p.name + "}", "' . rawurlencode($" + self.param(p) + ") . '")
        return out.replace(" . ''", "")


class Php(Target):
    name = "php"
    description = "generated/php (the Composer package rcsdk/rcsdk) and examples/quickstart.php"
    comments = ((".php", "//"),)
    templates = ("php", "examples/quickstart.php.j2")
    contracts = (
        Contract(
            events=(
                "refresh_success",
                "refresh_error",
                "access_violation",
                "store_error",
                "rate_limit_wait",
            ),
            grants=("refresh_token",),
            paths=("/restapi/oauth/token", "/restapi/oauth/revoke", "/restapi/oauth/authorize"),
            schemas=("TokenInfo", "ErrorBody"),
            environment=("RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET"),
            exceptions=(
                "RCSDKError",
                "AuthDataError",
                "LoginRequiredError",
                "SessionOriginError",
                "APIConnectionError",
                "APITimeoutError",
                "ResponseFormatError",
                "ResponseTooLargeError",
                "APIStatusError",
                "AuthenticationError",
                "InternalServerError",
                "RateLimitError",
                "RedirectError",
                "TokenError",
                "TokenStoreError",
                "UsageError",
            ),
            why="the PHP runtime (templates/php/src/)",
        ),
    )
    scan = Scan(
        "php/src",
        builtins=frozenset({"TypeError", "ValueError", "JsonException"}),
        event=re.compile(r"\bEvent::([A-Z][A-Z0-9_]*)\b"),
    )

    def namespace(self) -> Mapping[str, Any]:
        return {"php": Projection()}

    def filters(self) -> Mapping[str, Callable[..., Any]]:
        return {"php": literal, "phpdoc": phpdoc}

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"php": f"Platform::{camel(op.id)}"}


TARGET = Php()
