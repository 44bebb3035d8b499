"""Targets: one output family each (a language, the snippets, the docs, a data file).

A target says which part of templates/ it renders (its folders mirror its output folders), what
it adds to the templates' namespace (its projection of the shared model: naming rules and
helpers only it needs), what it requires of the spec (checked when the model is built, so a
spec that lacks it fails with its file and line instead of generating a broken SDK), which
outputs it builds as data rather than text, and how it formats or checks what it rendered.

Adding a language is adding a module here and its folder under templates/, and naming it in
TARGETS below; the load, build, render and write stages do not change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from generator import names

if TYPE_CHECKING:
    from generator.contracts import Scan
    from generator.model import Field, Operation, Param, Spec


class TemplateError(Exception):
    """Templates that cannot make valid output (reported without a traceback, exit 2)."""


@dataclass(frozen=True)
class Contract:
    """What a target's runtime and templates rely on, by the spec's own names."""

    events: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()
    environment: tuple[str, ...] = ()
    schemas: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    grants: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()
    why: str = ""
    """Who relies on it, for the error message (``templates/rcsdk/_session.py``)."""


class Target:
    """The base of every target; subclasses set the class attributes and override hooks."""

    name: str = ""
    description: str = ""
    templates: tuple[str, ...] = ()
    """Paths under templates/ that this target renders: folders, or single files."""
    also_under: tuple[str, ...] = ()
    """Output folders that also receive a copy of each static file, byte for byte (the store
    protocol's scripts ship inside every package)."""
    contracts: tuple[Contract, ...] = ()
    scan: Scan | None = None
    """Where this target's static runtime is and how it names exceptions and events, so that
    its contracts are checked against what the files reference (generator/contracts.py)."""
    comments: tuple[tuple[str, str], ...] = ()
    """How this target's files carry the "generated, do not edit" header: (file-name ending,
    comment style) pairs. A style is a line-comment prefix (``"#"``, ``"//"``; a shebang or
    ``<?php`` line stays first), ``"go"`` (``//`` lines, then a blank line: no doc comment),
    ``"html"`` (``<!-- -->``), ``"markdown"`` (a YAML comment in front matter, else
    ``<!-- -->``) or ``"package.json"`` (npm's ``"//"`` key). Files whose ending is not listed
    (JSON data, marker files) get no header."""

    def comment_style(self, path: str) -> str | None:
        return next((style for end, style in self.comments if path.endswith(end)), None)

    def namespace(self) -> Mapping[str, Any]:
        """Globals this target adds to every template (its projection of the model)."""
        return {}

    def filters(self) -> Mapping[str, Callable[..., Any]]:
        """Jinja filters this target adds (escaping for its language, say)."""
        return {}

    def data(self, spec: Spec) -> dict[str, str]:
        """Outputs built as data and serialized (``{output path: text}``)."""
        return {}

    def parity(self, op: Operation) -> Mapping[str, str]:
        """This target's cells of the parity index for one operation (``{"python": ...}``)."""
        return {}

    def finish(self, files: dict[str, str], spec: Spec) -> dict[str, str]:
        """Format or post-process what this target rendered; return the files to write."""
        return files

    def owns(self, template: str) -> bool:
        return any(
            template == t or template.startswith(t.rstrip("/") + "/") for t in self.templates
        )


class CamelNames:
    """The names of the camelCase languages' projections (``js.*``, ``php.*``): classes and
    constants as in Python, members camelCased by the language's own ``camel`` (which keeps
    clear of its reserved words)."""

    def camel(self, name: str) -> str:
        raise NotImplementedError

    def name(self, name: str) -> str:
        return self.camel(name)

    def klass(self, name: str) -> str:
        return names.python_class(name)

    def constant(self, name: str) -> str:
        return names.python_constant(name)

    def method(self, op: Operation) -> str:
        return self.camel(op.id)

    def param(self, p: Param) -> str:
        """The argument's name: the Python alias camelCased (``assertion`` -> ``jwt``)."""
        return self.camel(p.python_alias or p.name)

    def prop(self, f: Field) -> str:
        return self.camel(f.name)


def all_targets() -> tuple[Target, ...]:
    """Every target, in the order their outputs are built (docs after the languages)."""
    from generator.targets import (
        cases,
        curl,
        docs,
        go,
        js,
        openapi,
        parity,
        php,
        python,
        scenarios,
        store,
    )

    return (
        python.TARGET,
        js.TARGET,
        php.TARGET,
        go.TARGET,
        store.TARGET,
        curl.TARGET,
        openapi.TARGET,
        cases.TARGET,
        parity.TARGET,
        scenarios.TARGET,
        docs.TARGET,
    )
