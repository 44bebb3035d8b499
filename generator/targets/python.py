"""The Python target: the ``rcsdk`` package (generated/rcsdk) and its quickstart.

Naming is snake_case / PascalCase / SHOUT_CASE (generator/names.py). Spec text reaches Python
only through the ``py`` filter (a string literal) or the ``doc`` filter (docstring and comment
text, with backslashes and triple quotes escaped), so no spec string can break the syntax.
Rendered modules are formatted by ruff; static runtime (plain .py files in templates/rcsdk/)
is copied as it is and linted where it lives.
"""

from __future__ import annotations

import builtins
import json
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generator import names
from generator.contracts import Scan
from generator.model import Field, Operation, Spec
from generator.targets import Contract, Target, TemplateError

ROOT = Path(__file__).resolve().parent.parent.parent
PYTHON_READERS = {"string": "_str", "integer": "_int", "number": "_float", "boolean": "_bool"}


LONG_STRING = 60
FITS_ON_A_LINE = 80


def literal(value: Any) -> str:
    """A Python literal for a value (strings in double quotes, as ruff writes them).

    JSON's string escapes are valid Python escapes; non-ASCII stays readable. A long string
    becomes a parenthesized implicit concatenation of short pieces, so that the line-length
    rule holds however long the spec's text is (ruff joins the pieces again where they fit).
    """
    if isinstance(value, str):
        if len(value) <= FITS_ON_A_LINE:
            return json.dumps(value, ensure_ascii=False)
        pieces, piece = [], ""
        for word in value.split(" "):
            if piece and len(piece) + len(word) >= LONG_STRING:
                pieces.append(piece)
                piece = ""
            piece += word + " "
        pieces.append(piece[:-1])
        if len(pieces) == 1:
            return json.dumps(value, ensure_ascii=False)
        return "(" + " ".join(json.dumps(p, ensure_ascii=False) for p in pieces) + ")"
    if isinstance(value, (tuple, list)):
        return "(" + "".join(literal(v) + ", " for v in value) + ")"
    return repr(value)


def doc(text: str) -> str:
    """Spec prose made safe inside a ``\"\"\"docstring\"\"\"`` or a ``#`` comment."""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    if text.endswith('"'):
        text = text[:-1] + '\\"'
    return " ".join(text.split())


@dataclass(frozen=True)
class Projection:
    """``python.*`` in templates: what only the Python target needs from the model."""

    def reader(self, f: Field) -> str:
        """The lenient reader of a scalar field in the generated ``_models.py``."""
        return PYTHON_READERS.get(f.type, "_")

    def route_prefix(self, op: Operation) -> str:
        """The path up to its first placeholder, for routing in the local platform."""
        return op.path.split("{", 1)[0]

    def local_schemas(self, spec: Spec) -> str:
        """The schemas as JSON for the local platform, which checks its answers against them
        strictly (no field the schema lacks): ``{name: {field: {type, required, ...}}}``."""
        return json.dumps(
            {
                s.name: {
                    f.name: {
                        "type": f.type,
                        "required": f.required,
                        "schema": f.ref or f.items,
                        "enum": list(f.enum),
                        "format": f.format,
                    }
                    for f in s.fields
                }
                for s in spec.schemas
            },
            separators=(",", ":"),
        )

    def name(self, name: str) -> str:
        return names.python_name(name)

    def constant(self, name: str) -> str:
        return names.python_constant(name)

    def klass(self, name: str) -> str:
        return names.python_class(name)


class Python(Target):
    name = "python"
    description = "generated/rcsdk (the package, with rcsdk.testing) and examples/quickstart.py"
    comments = ((".py", "#"),)
    templates = ("rcsdk", "examples/quickstart.py.j2")
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
            environment=("RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET", "RC_JWT"),
            # Every exception the static runtime (templates/rcsdk/*.py) imports by name.
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
            why="the Python runtime (templates/rcsdk/)",
        ),
    )
    scan = Scan(
        "rcsdk",
        # Python's own (every builtin ...Error), argparse's, urllib3's (rcsdk._wire) and
        # redis-py's (rcsdk.redis).
        builtins=frozenset(name for name in dir(builtins) if name.endswith("Error"))
        | {"ArgumentTypeError", "RedisError", "ReadTimeoutError", "SSLError", "ProtocolError"}
        | {"NewConnectionError", "ConnectTimeoutError", "DecodeError", "ProxyError", "HTTPError"}
        | {"ContentDecodingError"},
        event=re.compile(r"\bEvent\.([A-Z][A-Z0-9_]*)\b"),
        skip=("testing",),
    )

    def namespace(self) -> Mapping[str, Any]:
        return {"python": Projection()}

    def filters(self) -> Mapping[str, Callable[..., Any]]:
        return {"py": literal, "doc": doc}

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"python": f"Platform.{op.python_name}"}

    def finish(self, files: dict[str, str], spec: Spec) -> dict[str, str]:
        python = {path: text for path, text in files.items() if path.endswith(".py")}
        return {**files, **format_python(python, ROOT / "pyproject.toml")}


def format_python(files: dict[str, str], ruff_config: Path) -> dict[str, str]:
    """Format Python sources with ruff in one call (fast even for thousands of files)."""
    if not files:
        return {}
    with tempfile.TemporaryDirectory(prefix="rcsdk-fmt-") as tmp:
        root = Path(tmp)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text, encoding="utf-8")
        ruff = Path(sys.executable).with_name("ruff")
        program = str(ruff) if ruff.exists() else "ruff"
        config = ["--config", str(ruff_config)]
        # Sort imports, __all__ and __slots__ (built from the model), then format.
        for command in (
            [program, "check", "--fix-only", "--quiet", "--select", "I,RUF022,RUF023", *config],
            [program, "format", *config],
        ):
            result = subprocess.run(
                [*command, str(root)], capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                detail = (result.stderr + result.stdout).replace(str(root) + "/", "generated/")
                raise TemplateError(
                    f"ruff could not {command[1]} the rendered Python (a template emits "
                    f"invalid syntax, or spec text reached code unescaped):\n{detail}"
                )
        return {path: (root / path).read_text(encoding="utf-8") for path in files}


TARGET = Python()
