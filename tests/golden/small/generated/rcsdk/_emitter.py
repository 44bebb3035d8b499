# Copied verbatim from templates/rcsdk/_emitter.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_emitter.py and run `make generate`.
"""The small dispatcher behind ``Platform.on``: thread-safe listeners per event."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from rcsdk._events import Event

__all__ = ["Emitter", "Handler"]

Handler = Callable[[Any], object]
logger = logging.getLogger("rcsdk")


class Emitter:
    """Thread-safe listeners. A handler that raises is logged, never allowed to break a call."""

    def __init__(self, redact: Callable[[str], str] = str) -> None:
        self._lock = threading.Lock()
        self._handlers: dict[Event, list[Handler]] = {}
        self._redact = redact

    def on(self, event: Event | str, handler: Handler) -> Callable[[], None]:
        key = Event.parse(event)
        with self._lock:
            self._handlers.setdefault(key, []).append(handler)

        def off() -> None:
            with self._lock:
                handlers = self._handlers.get(key, [])
                if handler in handlers:
                    handlers.remove(handler)

        return off

    def emit(self, event: Event, payload: object = None) -> None:
        with self._lock:
            handlers = list(self._handlers.get(event, ()))
        for handler in handlers:
            try:
                handler(payload)
            except Exception as exc:
                import traceback  # only when a handler fails

                # The payload's secrets may be in the handler's message: blanked like every line.
                trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
                logger.error("rcsdk: a %s handler raised\n%s", event.value, self._redact(trace))
