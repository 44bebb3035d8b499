"""The JavaScript target: the npm package ``rcsdk`` (generated/js, TypeScript sources) and its
quickstart.

Naming is camelCase for methods, arguments and properties, PascalCase for classes (the spec's
exception and schema names are PascalCase already) and SHOUT_CASE for constants; wire names
(form fields, JSON keys, event values of the original SDK) stay as the platform spells them.
Spec text reaches TypeScript only through the ``js`` filter (a JSON string literal, which is a
valid JavaScript literal) or the ``jsdoc`` filter (comment text that cannot close the comment).
Static runtime (plain .ts files in templates/js/) is copied as it is and type-checked by
``tsc --strict`` with the generated modules (``make test-js``); nothing is compiled into
generated/.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import names
from generator.contracts import Scan, camel_event
from generator.model import Field, Operation, Param, Schema
from generator.targets import CamelNames, Contract, Target

TS_TYPES = {"string": "string", "integer": "number", "number": "number", "boolean": "boolean"}
READERS = {
    "string": "readString",
    "integer": "readInt",
    "number": "readNumber",
    "boolean": "readBool",
}


def literal(value: Any) -> str:
    """A JavaScript literal (JSON is valid JavaScript; ``</`` and U+2028/9 escaped too)."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/")


def jsdoc(text: str) -> str:
    """Spec prose made safe inside a ``/** ... */`` comment (one line, no ``*/``)."""
    return " ".join(text.replace("*/", "*\\/").split())


def camel(name: str) -> str:
    """``login_jwt``, ``loginJwt`` or ``LOGIN_JWT`` -> ``loginJwt`` (never a reserved word)."""
    out = names.camel_case(name)
    return f"{out}_" if out in RESERVED else out


RESERVED = frozenset(
    [
        "break",
        "case",
        "catch",
        "class",
        "const",
        "continue",
        "debugger",
        "default",
        "delete",
        "do",
        "else",
        "enum",
        "export",
        "extends",
        "false",
        "finally",
        "for",
        "function",
        "if",
        "import",
        "in",
        "instanceof",
        "new",
        "null",
        "return",
        "super",
        "switch",
        "this",
        "throw",
        "true",
        "try",
        "typeof",
        "var",
        "void",
        "while",
        "with",
        "yield",
        "let",
        "static",
        "implements",
        "interface",
        "package",
        "private",
        "protected",
        "public",
        "await",
        "arguments",
        "eval",
    ]
)


@dataclass(frozen=True)
class Projection(CamelNames):
    """``js.*`` in templates: what only the JavaScript target needs from the model."""

    def camel(self, name: str) -> str:
        return camel(name)

    def ts_type(self, f: Field) -> str:
        if f.type == "object":
            return names.python_class(f.ref or "Record<string, unknown>")
        if f.type == "array":
            return f"readonly {names.python_class(f.items or 'unknown')}[]"
        return TS_TYPES[f.type]

    def param_type(self, p: Param) -> str:
        return TS_TYPES[p.type]

    def reader(self, f: Field) -> str:
        return READERS.get(f.type, "readAny")

    def secret_props(self, schema: Schema) -> tuple[str, ...]:
        return tuple(camel(f.name) for f in schema.fields if f.secret)

    def path_template(self, op: Operation) -> str:
        """The path as a template literal body (``{accountId}`` -> ``${enc(accountId)}``)."""
        out = op.path.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")
        for p in op.path_params:
            out = out.replace("{" + p.name + "}", "${encodePathSegment(" + self.param(p) + ")}")
        return out


class JavaScript(Target):
    name = "javascript"
    description = "generated/js (the npm package rcsdk, TypeScript) and examples/quickstart.mjs"
    comments = (
        ("package.json", "package.json"),
        ("tsconfig.json", "//"),
        ("tsconfig.cjs.json", "//"),
        (".ts", "//"),
        (".mjs", "//"),
        (".js", "//"),
    )
    templates = ("js", "examples/quickstart.mjs.j2")
    contracts = (
        Contract(
            events=("refresh_success", "refresh_error"),
            grants=("refresh_token",),
            paths=("/restapi/oauth/token",),
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
                "BadRequestError",
                "InternalServerError",
                "InvalidGrantError",
                "RateLimitError",
                "RedirectError",
                "TokenError",
                "TokenStoreError",
                "UsageError",
            ),
            why="the JavaScript runtime (templates/js/src/)",
        ),
        Contract(
            events=("access_violation", "store_error", "rate_limit_wait"),
            why="the JavaScript runtime (templates/js/src/session.ts)",
        ),
    )
    scan = Scan(
        "js/src",
        # The DOM's names for an aborted fetch, and the models' own error for a missing field.
        builtins=frozenset(
            {"AbortError", "TimeoutError", "TypeError", "RangeError", "MissingFieldError"}
        ),
        event=re.compile(r"\bEvents\.([a-z][A-Za-z0-9]*)\b"),
        event_name=camel_event,
    )

    def namespace(self) -> Mapping[str, Any]:
        return {"js": Projection()}

    def filters(self) -> Mapping[str, Callable[..., Any]]:
        return {"js": literal, "jsdoc": jsdoc}

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"javascript": f"Platform.{camel(op.id)}"}


TARGET = JavaScript()
