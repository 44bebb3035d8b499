# Copied verbatim from templates/rcsdk/_record.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_record.py and run `make generate`.
"""The one base of rcsdk's records (models, auth state, settings): small immutable values.

A record has ``__slots__``, keyword construction, a ``repr`` that leaves secrets out, equality
by its typed fields, and a hash to match: it is immutable (assigning a field raises
``AttributeError``), so a record in a set or a dict key stays findable. It copies; it pickles
unless it holds a secret (a token, the app secret, a JWT...): no serialization shows a secret,
and ``Platform.get_auth_data()`` is the way to hand tokens to another process.
No dataclass machinery runs at import time, which keeps ``import rcsdk`` fast.

The ``as_*`` functions are the lenient readers of JSON values that the generated models
(``rcsdk._models``) build their fields with. RingCentral's real responses have lacked fields the
spec calls required, sent ids as strings or numbers, and added fields: a missing or mistyped
value reads as ``None`` (or empty), never as an exception.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = ["Record", "as_bool", "as_float", "as_int", "as_items", "as_mapping", "as_str"]


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
        held = [name for name in self._secret if getattr(self, name, None) is not None]
        if held:
            raise TypeError(
                f"{type(self).__name__} holds secrets ({', '.join(sorted(held))}) and is not "
                "pickled; pass Platform.get_auth_data() to another process instead"
            )
        return (_restore, (type(self), {name: getattr(self, name) for name in _slots(type(self))}))

    def __copy__(self) -> Record:
        return self  # immutable

    def __deepcopy__(self, memo: dict[int, Any]) -> Record:
        values = {name: getattr(self, name) for name in _slots(type(self))}
        return _restore(type(self), copy.deepcopy(values, memo))


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


# --- lenient readers of JSON values, for the generated models -------------------------------


def as_str(value: object) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def as_float(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return float(value)
    except OverflowError:  # an int beyond any float
        return None


def as_bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def as_mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def as_items(value: object) -> list[Mapping[str, Any]]:
    """The objects of a JSON list (anything else in it is skipped)."""
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
