"""Stage 3 helpers: every naming rule of every target, in one place.

The spec names things in its own style (camelCase operation ids like OpenAPI, snake_case
events and fields, wire names as the server spells them); each target asks here for its own.
"""

from __future__ import annotations

import functools
import keyword
import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|[^A-Za-z0-9]+")


@functools.lru_cache(maxsize=8192)
def words(name: str) -> tuple[str, ...]:
    """Split ``loginJwt``, ``login_jwt``, ``login-jwt`` or ``LOGIN_JWT`` into lower words (each
    name once: the templates ask for the same names over and over)."""
    return tuple(w.lower() for w in _WORD_BOUNDARY.split(name) if w)


def python_name(name: str) -> str:
    """A Python function, argument or attribute name: snake_case, never a keyword."""
    out = "_".join(words(name))
    return f"{out}_" if keyword.iskeyword(out) else out


def python_class(name: str) -> str:
    """A Python class name: PascalCase (names already in PascalCase stay as they are)."""
    if re.fullmatch(r"[A-Z][A-Za-z0-9]*", name):
        return name
    return "".join(w.capitalize() for w in words(name))


def python_constant(name: str) -> str:
    """A Python constant or enum member: SHOUT_CASE."""
    return "_".join(words(name)).upper()


def shell_variable(name: str) -> str:
    """A shell variable: SHOUT_CASE with the project prefix (``RC_``) kept once."""
    out = python_constant(name)
    return out if out.startswith("RC_") else f"RC_{out}"


def camel_case(name: str) -> str:
    """The JavaScript-style name the original SDK used for events (``accessViolation``)."""
    first, *rest = words(name)
    return first + "".join(w.capitalize() for w in rest)


def file_stem(name: str) -> str:
    """A file name stem: kebab-case (``loginJwt`` -> ``login-jwt``)."""
    return "-".join(words(name))


def anchor(name: str) -> str:
    """A docs anchor, as Slate derives it from a heading (lowercase, dashes)."""
    return "-".join(words(name))
