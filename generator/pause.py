"""``gc_paused()``: the cyclic garbage collector held off while a stage builds many objects.

Loading a spec and rendering it allocate hundreds of thousands of small objects (YAML nodes,
dicts, Jinja frames) that all stay alive until the stage ends: the collector's passes over them
find nothing to free and cost a third of the time of a large spec. Reference counting still
frees what goes; the collector resumes when the stage is over.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    if not gc.isenabled():  # already paused by an enclosing stage
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
