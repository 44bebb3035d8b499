# Copied verbatim from templates/rcsdk/_fork.py by rcsdk's generator.
# Do not edit: change templates/rcsdk/_fork.py and run `make generate`.
"""A forked child renews what it cannot share with its parent: locks held by the parent's
threads, connections, the deadline watchdog's thread. Objects that hold such things register
here once (``renew_in_child``); ``os.register_at_fork`` calls their ``_after_fork`` in a child.
"""

from __future__ import annotations

import os
import weakref
from typing import Protocol

__all__ = ["renew_in_child"]


class _Renewable(Protocol):
    def _after_fork(self) -> None: ...


_LIVE: weakref.WeakSet[_Renewable] = weakref.WeakSet()


def renew_in_child(thing: _Renewable) -> None:
    """Call ``thing._after_fork()`` in every child this process forks, while ``thing`` lives."""
    _LIVE.add(thing)


def _in_child() -> None:
    for thing in list(_LIVE):
        thing._after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_in_child)
