"""Records of the model: schemas and their fields, environment variables, and the attributes
they become in generated record classes."""

from __future__ import annotations

from dataclasses import dataclass, field

from generator import names
from generator.errors import Origin

PYTHON_TYPES = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}


@dataclass(frozen=True)
class RecordField:
    """One attribute of a generated record class (a model, or the settings)."""

    name: str
    annotation: str
    default: str | None
    secret: bool
    doc: str


@dataclass(frozen=True)
class EnvVar:
    name: str
    description: str
    example: str
    secret: bool
    local: bool
    """Whether the local platform accepts the example value as a credential."""

    @property
    def python_name(self) -> str:
        """The attribute this variable fills in ``RCSDK.from_env`` (``RC_APP_KEY`` -> app_key)."""
        return names.python_name(self.name.removeprefix("RC_"))

    @property
    def record_field(self) -> RecordField:
        doc = f"``{self.name}``: {self.description}"
        return RecordField(self.python_name, "str | None", "None", self.secret, doc)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    needed: bool
    secret: bool
    ref: str | None
    items: str | None
    description: str
    enum: tuple[str, ...] = ()
    format: str | None = None
    min_items: int | None = None
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def python_name(self) -> str:
        return names.python_name(self.name)

    @property
    def record_field(self) -> RecordField:
        """Needed fields have no default; arrays default to ``()``, the rest to ``None``."""
        annotation = f"{self.python_type} | None"
        default: str | None = "None"
        if self.needed:
            annotation, default = self.python_type, None
        elif self.type == "array":
            annotation, default = self.python_type, "()"
        return RecordField(self.python_name, annotation, default, self.secret, self.description)

    @property
    def item_class(self) -> str:
        return names.python_class(self.items or "")

    @property
    def python_type(self) -> str:
        if self.type == "object":
            return names.python_class(self.ref or "dict")
        if self.type == "array":
            return f"tuple[{self.item_class}, ...]"
        return PYTHON_TYPES[self.type]


@dataclass(frozen=True)
class Schema:
    name: str
    description: str
    fields: tuple[Field, ...]
    origin: Origin | None = field(default=None, compare=False, repr=False)

    @property
    def python_class(self) -> str:
        return names.python_class(self.name)

    @property
    def record_fields(self) -> tuple[RecordField, ...]:
        return tuple(f.record_field for f in self.fields)

    @property
    def refs(self) -> tuple[str, ...]:
        """Names of the schemas this one nests, in field order."""
        return tuple(r for f in self.fields for r in (f.ref, f.items) if r and r[0].isupper())
