"""The cURL target: one runnable bash + cURL snippet per operation, and the shell quickstart.

Naming: ``RC_*`` shell variables (SHOUT_CASE, prefix kept once). Spec text reaches the shell only
through ``shquote``.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator import names
from generator.model import Operation, Param
from generator.targets import Contract, Target


@dataclass(frozen=True)
class Projection:
    """``shell.*`` in templates: what a snippet sends and reads."""

    def variable(self, p: Param) -> str:
        """The shell variable holding a parameter."""
        return p.env.name if p.env else names.shell_variable(p.name)

    def params(self, op: Operation) -> tuple[Param, ...]:
        """Every parameter bound to an ``RC_*`` variable: required ones always sent, optional
        ones only when their variable is set."""
        return tuple(p for p in op.params if p.env is not None)

    def reads(self, op: Operation) -> tuple[str, ...]:
        """The ``RC_*`` variables a snippet reads, in the order it uses them."""
        out = ["RC_SERVER"]
        if op.sends_client_auth:
            out += ["RC_APP_KEY", "RC_APP_SECRET"]
        out += [self.variable(p) for p in self.params(op)]
        if op.kind == "api":
            out.append("RC_ACCESS_TOKEN")
        return tuple(dict.fromkeys(out))

    def file(self, op: Operation) -> str:
        return f"curl/{names.file_stem(op.id)}.sh"


class Curl(Target):
    name = "curl"
    description = "generated/curl (a snippet per operation) and examples/quickstart.sh"
    comments = ((".sh", "#"), (".bash", "#"), (".md", "markdown"))
    templates = ("curl", "examples/quickstart.sh.j2")
    contracts = (
        Contract(
            environment=("RC_SERVER", "RC_APP_KEY", "RC_APP_SECRET", "RC_ACCESS_TOKEN"),
            why="the cURL snippets (templates/curl/, templates/_macros/shell.j2)",
        ),
    )

    def namespace(self) -> Mapping[str, Any]:
        return {"shell": Projection()}

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"curl": Projection().file(op)}

    def filters(self) -> Mapping[str, Callable[..., Any]]:
        return {"shquote": shlex.quote}


TARGET = Curl()
