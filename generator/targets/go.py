"""The Go target: the module ``rcsdk.local/rcsdk`` (generated/go) and its quickstart.

Naming: Go's exported MixedCaps with Go's initialisms kept whole (``loginJwt`` -> ``LoginJWT``,
``endpoint_id`` -> ``EndpointID``), unexported camelCase for arguments; the spec's exception
names become sentinel kinds (``InvalidGrantError`` -> ``ErrInvalidGrant``); wire names (form
fields, JSON keys) stay as the platform spells them. Spec text reaches Go only through the
``go`` filter (a double-quoted Go string literal, JSON's escapes being Go's) or the ``godoc``
filter (one line of comment text). Static runtime (plain .go files in templates/go/) is copied
as it is; every .go output is formatted by gofmt here, and vetted by the Go suite.

The module path is ``rcsdk.local/<package>``: the module is not published, so its path names no
host that would have to serve it; programs use it through a ``replace`` directive (the
README's "From Go" says how).
"""

from __future__ import annotations

import functools
import json
import re
import shutil
import subprocess
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import names
from generator.contracts import Scan, camel_event
from generator.model import Field, Operation, Param
from generator.targets import Contract, Target, TemplateError

WIDTH = 100
GO_TYPES = {"string": "string", "integer": "int64", "number": "float64", "boolean": "bool"}
INITIALISMS = frozenset(["api", "http", "id", "jwt", "json", "pkce", "ttl", "uri", "url"])
RESERVED = frozenset(
    [
        "break",
        "case",
        "chan",
        "const",
        "continue",
        "default",
        "defer",
        "else",
        "fallthrough",
        "for",
        "func",
        "go",
        "goto",
        "if",
        "import",
        "interface",
        "map",
        "package",
        "range",
        "return",
        "select",
        "struct",
        "switch",
        "type",
        "var",
        "ctx",
    ]
)


def literal(value: Any) -> str:
    """A Go literal: strings double-quoted (JSON's escapes are valid in Go), numbers as is."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False).replace("\u2028", "\\u2028")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    raise TypeError(f"no Go literal for {type(value).__name__}")


@functools.lru_cache(maxsize=4096)  # the same prose is wrapped the same way many times
def godoc(text: str, indent: str = "", hang: str = "") -> str:
    """Spec prose as ``//`` comment text, wrapped at 100 columns (tabs counted as 4) after the
    ``// `` the template writes: ``indent`` is what precedes that ``//`` on each line, ``hang``
    what follows it on the lines after the first (a list item's indent)."""
    width = WIDTH - 4 * indent.count("\t") - len(indent.replace("\t", "")) - 3 - len(hang)
    lines = textwrap.wrap(" ".join(text.split()), width, break_long_words=False)
    return f"\n{indent}// {hang}".join(lines or [""])


def exported(name: str) -> str:
    """``login_jwt`` or ``loginJwt`` -> ``LoginJWT``; ``endpoint_id`` -> ``EndpointID``."""
    parts = names.words(name)
    return "".join(w.upper() if w in INITIALISMS else w.capitalize() for w in parts)


def unexported(name: str) -> str:
    """``redirect_uri`` -> ``redirectURI`` (never a keyword)."""
    first, *rest = names.words(name)
    out = first + "".join(w.upper() if w in INITIALISMS else w.capitalize() for w in rest)
    return f"{out}_" if out in RESERVED else out


@dataclass(frozen=True)
class Projection:
    """``go.*`` in templates: what only the Go target needs from the model."""

    def name(self, name: str) -> str:
        return exported(name)

    def private(self, name: str) -> str:
        return unexported(name)

    def method(self, op: Operation) -> str:
        return exported(op.id)

    def arg(self, p: Param) -> str:
        return unexported(p.python_alias or p.name)

    def option(self, p: Param) -> str:
        return exported(p.python_alias or p.name)

    def type(self, p: Param | Field) -> str:
        return GO_TYPES.get(p.type, "any")

    def kind(self, exception: str) -> str:
        """The sentinel of an exception class: ``InvalidGrantError`` -> ``ErrInvalidGrant``."""
        return "Err" + exception.removesuffix("Error")

    def field_type(self, f: Field) -> str:
        if f.type == "object":
            return "*" + names.python_class(f.ref or "")
        if f.type == "array":
            return "[]" + names.python_class(f.items or "")
        return GO_TYPES[f.type]

    def klass(self, name: str) -> str:
        return names.python_class(name)

    def path_format(self, op: Operation) -> str:
        """The path with ``%s`` for each path parameter (escaped by the caller)."""
        out = op.path
        for p in op.path_params:
            out = out.replace("{" + p.name + "}", "%s")
        return literal(out)


class Go(Target):
    name = "go"
    description = "generated/go (the Go module rcsdk.local/rcsdk) and its quickstart, examples/go"
    comments = ((".go", "go"), ("go.mod", "//"))
    templates = ("go", "examples/go")
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
            paths=("/restapi/oauth/token",),
            schemas=("TokenInfo", "ErrorBody"),
            environment=("RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET"),
            exceptions=(
                "RCSDKError",
                "AuthDataError",
                "AuthenticationError",
                "BadRequestError",
                "APIConnectionError",
                "APITimeoutError",
                "InternalServerError",
                "InvalidGrantError",
                "LoginRequiredError",
                "RateLimitError",
                "RedirectError",
                "ResponseFormatError",
                "ResponseTooLargeError",
                "SessionOriginError",
                "TokenError",
                "TokenStoreError",
                "UsageError",
            ),
            why="the Go runtime (templates/go/)",
        ),
    )
    scan = Scan(
        "go",
        # The standard library's fs.ErrNotExist, fs.ErrExist and http.ErrUseLastResponse.
        builtins=frozenset({"NotExistError", "ExistError", "UseLastResponseError"}),
        event=re.compile(r"\bEvent([A-Z][A-Za-z0-9]*)\b"),
        event_name=camel_event,
        exception=re.compile(r"\bErr([A-Z][A-Za-z0-9]*)\b"),
        exception_name=lambda name: f"{name}Error",
    )

    def namespace(self) -> Mapping[str, Any]:
        return {"go": Projection()}

    def filters(self) -> Mapping[str, Callable[..., Any]]:
        return {"go": literal, "godoc": godoc}

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"go": f"Platform.{exported(op.id)}"}

    def finish(self, files: dict[str, str], spec: Any) -> dict[str, str]:
        sources = {path: text for path, text in files.items() if path.endswith(".go")}
        return {**files, **{path: gofmt(path, text) for path, text in sources.items()}}


def gofmt(path: str, text: str) -> str:
    """``text`` as gofmt writes it (gofmt comes with Go: `make system` installs it)."""
    program = shutil.which("gofmt")
    if program is None:
        raise TemplateError("gofmt is not installed: run `make system` (Debian's golang-go)")
    result = subprocess.run(
        [program], input=text, capture_output=True, text=True, check=False, timeout=60
    )
    if result.returncode != 0:
        raise TemplateError(f"generated/{path} is not valid Go: {result.stderr.strip()}")
    return result.stdout


TARGET = Go()
