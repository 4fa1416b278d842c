"""Figures computed once per state of an event, reused by the next page loads.

The recommendations (a score matrix over every pair), the reasons meetings were not placed,
and the results report (figures and charts) take a second or more for a 3,000-SME event; they
depend only on the stored event, so a page asks :func:`remembered` for them under the event's
:meth:`~scheduler.store.Store.change_stamp`: any change to the event (an import, a request, a
solve, an answer, a check-in) gives a new stamp and the next load computes afresh.
One small LRU per process (cachetools), shared by its threads under a lock.

:func:`ready` computes in a background thread instead: a page waits a moment for it and, when
the figures take longer (the first load after a change of a large event), says they are being
computed and refreshes itself; it never shows the figures of an earlier state as current.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache

_CACHE: LRUCache = LRUCache(maxsize=64)
_LOCK = threading.Lock()
_RUNNING: dict[tuple, threading.Event] = {}  # key -> set when its background computation ended


def remembered(what: str, store: Any, event_id: str, compute: Callable[[], Any], *extra: Hashable) -> Any:
    """``compute()`` for ``what`` of ``event_id`` in its current state, computed at most once per
    state (``extra``: anything else the result depends on, such as the language or the date)."""
    key = _key(what, store, event_id, extra)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
    value = compute()
    with _LOCK:
        _CACHE[key] = value
    return value


def _key(what: str, store: Any, event_id: str, extra: tuple) -> tuple:
    return (what, event_id, store.change_stamp(event_id), str(getattr(store, "path", None)), *extra)


def ready(what: str, store: Any, event_id: str, compute: Callable[[], Any], *extra: Hashable,
          wait: float = 0.5) -> Any | None:
    """Like :func:`remembered`, but ``compute()`` runs in a background thread (once per state, however
    many pages ask meanwhile); return its value when it is known within ``wait`` seconds, else None
    (the caller shows "being computed"). Read the event's state before calling (the key holds the
    state's stamp) and give ``compute`` no request-bound object: it runs on another thread, so it
    takes plain values (the event's data) or opens its own store. A computation that raised is
    forgotten (the next call tries again) and its error logged."""
    key = _key(what, store, event_id, extra)
    with _LOCK:
        if key in _CACHE:
            return _CACHE[key]
        done = _RUNNING.get(key)
        if done is None:
            done = _RUNNING[key] = threading.Event()
            threading.Thread(target=_compute, args=(key, compute, done), name=f"memo-{what}", daemon=True).start()
    done.wait(wait)
    with _LOCK:
        return _CACHE.get(key)


def _compute(key: tuple, compute: Callable[[], Any], done: threading.Event) -> None:
    try:
        value = compute()
        with _LOCK:
            _CACHE[key] = value
    except Exception:  # logged; the next page that asks tries again
        logging.getLogger(__name__).exception("computing %s of event %s failed", key[0], key[1])
    finally:
        with _LOCK:
            _RUNNING.pop(key, None)
        done.set()
