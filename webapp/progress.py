"""What the organiser's page hears of a running solve, wherever it runs (a thread or a worker)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from scheduler.solver import Progress


def room(event_id: str) -> str:
    """The Socket.IO room of an event's staff pages."""
    return f"event:{event_id}"


def progress_payload(p: Progress, limit: float) -> dict[str, Any]:
    """A running solve as the page shows it: phase, seconds, meetings placed, gap, time limit."""
    return {"phase": p.phase, "elapsed": round(p.elapsed, 1), "meetings": p.meetings,
            "gap": round(p.gap, 4), "limit": limit}  # fmt: skip


def starting_payload(limit: float) -> dict[str, Any]:
    """The first progress message: the model is being built."""
    return {"phase": "build", "elapsed": 0, "meetings": 0, "gap": None, "limit": limit}


def throttled(emit: Callable[[dict[str, Any]], None], limit: float,
              every: float = 0.3) -> Callable[[Progress], None]:
    """A solver progress callback that calls ``emit(payload)`` at most once per ``every`` seconds."""
    last = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < every:
            return
        last[0] = now
        emit(progress_payload(p, limit))

    return progress
