"""The one error the generator reports to people: a problem in the spec, with its place."""

from __future__ import annotations

from dataclasses import dataclass


class SpecError(Exception):
    """A spec problem, printed as one line: ``FILE:LINE: yaml.path: what is wrong``."""

    def __init__(self, file: str, line: int, path: str, message: str) -> None:
        super().__init__(f"{file}:{line}: {path}: {message}")
        self.file = file
        self.line = line
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Origin:
    """Where an item of the model comes from in the spec, so that a template that cannot render
    it can say so as a SpecError (generator/render.py)."""

    file: str
    line: int
    path: str

    def error(self, message: str) -> SpecError:
        return SpecError(self.file, self.line, self.path, message)
