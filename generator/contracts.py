"""Contracts checked against the code: what a runtime's static files reference, by name.

A target's ``Contract`` lists the spec names its runtime relies on (generator/targets/). A list
kept by hand drifts: an exception dropped from the code stays listed, one added to the code is
missed until a spec without it generates a runtime that does not load. So the exceptions and
events a runtime's files under templates/ (static files and templates alike) reference are read
from the files themselves and compared with the target's contracts, both ways:

* a name the files reference that no contract lists (the build would not catch a spec without it);
* a name a contract lists that no file references (stale).

Exceptions are identifiers ending in ``Error`` other than the language's own; events are found by
the target's ``Scan.event`` pattern and turned back into the spec's snake_case names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generator import names

if TYPE_CHECKING:
    from generator.targets import Target

_ERROR_NAME = re.compile(r"\b[A-Z][A-Za-z0-9]*Error\b")


@dataclass(frozen=True)
class Scan:
    """How to read one runtime's references: where its static files are and how it names things."""

    folder: str
    """The runtime's static files, under templates/ (``rcsdk``, ``js/src``)."""
    builtins: frozenset[str]
    """``...Error`` names that are no spec exception: the language's and libraries' own, and
    the runtime's private ones."""
    event: re.Pattern[str]
    """Group 1 is an event as the runtime writes it (``Event.STORE_ERROR`` -> ``STORE_ERROR``)."""
    event_name: Callable[[str], str] = str.lower
    """From the runtime's spelling to the spec's name (``storeError`` -> ``store_error``)."""
    exception: re.Pattern[str] = _ERROR_NAME
    """Group 0 (or 1, when the pattern has a group) is an exception as the runtime writes it."""
    exception_name: Callable[[str], str] = str
    """From the runtime's spelling of an exception to the spec's (Go: ``InvalidGrant`` ->
    ``InvalidGrantError``)."""
    skip: tuple[str, ...] = ()
    """Sub-folders that are no part of the client runtime (the local platform, ``testing``)."""


def _files(root: Path, skip: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if path.is_file() and parts[0] not in skip and "node_modules" not in parts:
            yield path


def referenced(scan: Scan, templates: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The exceptions and events the files reference, each with where it is first seen."""
    exceptions: dict[str, str] = {}
    events: dict[str, str] = {}
    root = templates / scan.folder
    for path in _files(root, scan.skip):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        where = path.relative_to(templates.parent).as_posix()
        for lineno, line in enumerate(text.splitlines(), 1):
            for match in scan.exception.finditer(line):
                name = scan.exception_name(match.group(match.re.groups and 1))
                if name not in scan.builtins:
                    exceptions.setdefault(name, f"{where}:{lineno}")
            for match in scan.event.finditer(line):
                events.setdefault(scan.event_name(match.group(1)), f"{where}:{lineno}")
    return exceptions, events


def problems(target: Target, templates: Path) -> list[str]:
    """How a target's contracts and its runtime's references differ (empty when they agree)."""
    if target.scan is None:
        return []
    exceptions, events = referenced(target.scan, templates)
    module = type(target).__module__.replace(".", "/") + ".py"
    out: list[str] = []
    for table, found in (("exceptions", exceptions), ("events", events)):
        listed = {name for c in target.contracts for name in getattr(c, table)}
        for name in sorted(set(found) - listed):
            out.append(
                f"{found[name]}: references {table[:-1]} {name!r}, which no contract of target"
                f" {target.name!r} lists (add it to {module})"
            )
        for name in sorted(listed - set(found)):
            out.append(
                f"{module}: contract lists {table[:-1]} {name!r}, which"
                f" no file under templates/{target.scan.folder}/ references (stale: remove it)"
            )
    return out


def camel_event(name: str) -> str:
    """``storeError`` -> ``store_error``: JavaScript's event names back to the spec's."""
    return "_".join(names.words(name))
