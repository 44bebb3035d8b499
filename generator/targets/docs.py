"""The docs target: the reference (Slate Markdown) and the same reference as one HTML page.

Every tab of every section is rendered from the model and run by the tests.
"""

from __future__ import annotations

from collections.abc import Mapping

from generator.model import Operation
from generator.targets import Contract, Target

# The operations the reference has a section for, by the spec's ids.
SECTIONS = (
    "authorize",
    "loginJwt",
    "authorizeUrl",
    "loginAuthCode",
    "refresh",
    "logout",
    "readExtension",
)


class Docs(Target):
    name = "docs"
    description = "generated/docs: index.md (Slate) and index.html (one self-contained page)"
    templates = ("docs",)
    contracts = (
        Contract(
            operations=SECTIONS,
            events=("access_violation",),
            why="the reference docs and the quickstarts (templates/docs/, templates/examples/)",
        ),
    )

    def parity(self, op: Operation) -> Mapping[str, str]:
        return {"docs": f"docs/index.md#{op.anchor}", "html": f"docs/index.html#{op.anchor}"}


TARGET = Docs()
