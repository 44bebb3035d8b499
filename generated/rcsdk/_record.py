# Copied verbatim from templates/rcsdk/_record.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_record.py and run `make generate`.
"""The one base of rcsdk's records (models, auth state, settings): small immutable values.

A record has ``__slots__``, keyword construction, a ``repr`` that leaves secrets out, equality
by its typed fields, and a hash to match: it is immutable (assigning a field raises
``AttributeError``), so a record in a set or a dict key stays findable. It pickles and copies.
No dataclass machinery runs at import time, which keeps ``import rcsdk`` fast.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["Record"]


class Record:
    """Base of every record. Subclasses set ``__slots__``, ``_fields`` and ``_secret``."""

    __slots__ = ()

    _fields: ClassVar[tuple[str, ...]] = ()
    """The typed fields, in order: what ``repr``, ``==`` and ``hash`` use."""
    _secret: ClassVar[frozenset[str]] = frozenset()
    """Fields left out of ``repr``."""

    def _init(self, **values: Any) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name!r}")

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self._fields)

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self._fields if name not in self._secret
        )
        return f"{type(self).__name__}({shown})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, Record)
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, self._key()))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (type(self), {name: getattr(self, name) for name in _slots(type(self))}))


def _slots(cls: type) -> tuple[str, ...]:
    names: list[str] = []
    for klass in reversed(cls.__mro__):
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    return tuple(names)


def _restore(cls: type[Record], values: dict[str, Any]) -> Record:
    record = cls.__new__(cls)
    record._init(**values)
    return record
