"""What every rcsdk exception can do, whatever the spec names it: the static bases.

* ``ErrorBase`` (under ``RCSDKError``): compares equal by class, arguments and attributes, and
  pickles to an equal exception (``ProcessPoolExecutor`` and ``multiprocessing`` carry it across
  a process boundary). Messages are redacted when the exception is made, so the copy is redacted
  alike.
* ``StatusErrorBase`` (under ``APIStatusError``): the fields of an error response.
* ``classify``: an error response's class by its status AND by its error code or OAuth error.
  A 400 ``invalid_grant`` is both a ``BadRequestError`` and an ``InvalidGrantError``: such a
  pair becomes one class with both bases (made once, named after the specific class).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any, TypeVar

__all__ = ["ErrorBase", "StatusErrorBase", "classify", "combine"]

E = TypeVar("E", bound=BaseException)


class ErrorBase(Exception):
    """Equality and pickling for every rcsdk exception."""

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (_class_key(type(self)), self.args, dict(vars(self))))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, ErrorBase)
        return self.args == other.args and vars(self) == vars(other)

    def __hash__(self) -> int:
        return hash((type(self).__qualname__, self.args))


class StatusErrorBase(ErrorBase):
    """The platform's answer, as an exception: status, OAuth error, error codes, request id."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        error: str | None = None,
        error_description: str | None = None,
        error_codes: tuple[str, ...] = (),
        request_id: str | None = None,
        body: Mapping[str, Any] | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.error = error
        self.error_description = error_description
        self.error_codes = error_codes
        self.request_id = request_id
        self.body = body
        self.retry_after = retry_after

    @property
    def error_code(self) -> str | None:
        """The first RingCentral error code, such as ``OAU-140``."""
        return self.error_codes[0] if self.error_codes else None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, error={self.error!r}, "
            f"error_codes={self.error_codes!r}, request_id={self.request_id!r})"
        )


_combined: dict[tuple[type[BaseException], type[BaseException]], type[BaseException]] = {}
_combined_lock = threading.Lock()


def combine(specific: type[E], general: type[E]) -> type[E]:
    """A class that is both ``specific`` and ``general`` (one of them if it already is)."""
    if issubclass(specific, general):
        return specific
    if issubclass(general, specific):
        return general
    key = (specific, general)
    with _combined_lock:
        cls = _combined.get(key)
        if cls is None:
            namespace = {
                "__module__": specific.__module__,
                "__qualname__": specific.__qualname__,
                "__doc__": specific.__doc__,
                "_combined_from": key,
            }
            cls = _combined[key] = type(specific.__name__, key, namespace)
    assert issubclass(cls, general)
    return cls


def classify(
    status_code: int,
    error: str | None,
    error_codes: tuple[str, ...],
    *,
    by_code: Mapping[str, type[E]],
    by_error: Mapping[str, type[E]],
    by_status: Mapping[int, type[E]],
    server_error: type[E],
    other: type[E],
) -> type[E]:
    """The class for an error response: by status, combined with the class its first known
    error code (else its OAuth ``error``) names."""
    general = by_status.get(status_code) or (server_error if status_code >= 500 else other)
    specific = next((by_code[code] for code in error_codes if code in by_code), None)
    if specific is None and error:
        specific = by_error.get(error)
    return combine(specific, general) if specific is not None else general


def _class_key(cls: type[BaseException]) -> object:
    return cls.__dict__.get("_combined_from", cls)


def _restore(key: object, args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    if isinstance(key, tuple):
        cls: type[BaseException] = combine(key[0], key[1])
    else:
        assert isinstance(key, type) and issubclass(key, BaseException)
        cls = key
    exc = cls.__new__(cls)
    exc.args = args
    exc.__dict__.update(state)
    return exc
