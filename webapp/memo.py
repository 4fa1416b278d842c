"""Figures computed once per state of an event, reused by the next page loads.

The recommendations (a score matrix over every pair), the reasons meetings were not placed,
and the results report (figures and charts) take a second or more for a 3,000-SME event; they
depend only on the stored event, so a page asks :func:`remembered` for them under the event's
:meth:`~scheduler.store.Store.change_stamp`: any change to the event (an import, a request, a
solve, an answer, a check-in) gives a new stamp and the next load computes afresh.
One small LRU per process (cachetools), shared by its threads under a lock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache

_CACHE: LRUCache = LRUCache(maxsize=64)
_LOCK = threading.Lock()


def remembered(what: str, store: Any, event_id: str, compute: Callable[[], Any], *extra: Hashable) -> Any:
    """``compute()`` for ``what`` of ``event_id`` in its current state, computed at most once per
    state (``extra``: anything else the result depends on, such as the language or the date)."""
    key = (what, event_id, store.change_stamp(event_id), getattr(store, "path", None), *extra)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    value = compute()
    with _LOCK:
        _CACHE[key] = value
    return value
