"""Background solves: run off the request thread, report progress to the event's room."""

from __future__ import annotations

import time
from typing import Any

from flask import Flask

from scheduler.solver import Progress, SolverConfig, schedule_detail, solve
from scheduler.store import Store

from .extensions import socketio
from .live import notify


def start_solve(app: Flask, event_id: str, actor: str, seconds: float | None = None) -> bool:
    """Start a background solve; False when one is already running for this event."""
    with Store(app.config["DATABASE"]) as store:
        if not store.start_solve(event_id):
            return False
    limit = float(seconds or app.config["SOLVE_TIME_LIMIT"])
    socketio.start_background_task(_run, app, event_id, actor, limit)
    return True


def _run(app: Flask, event_id: str, actor: str, limit: float) -> None:
    room = f"event:{event_id}"
    last = [0.0]

    def progress(p: Progress) -> None:
        now = time.monotonic()
        if now - last[0] < 0.3:  # at most ~3 updates a second
            return
        last[0] = now
        socketio.emit("solve_progress", _progress(p, limit), to=room)

    store = Store(app.config["DATABASE"])  # this thread's own connection
    try:
        data = store.load(event_id)
        locked = tuple(m for m in store.meetings(event_id) if m.locked)
        socketio.emit("solve_progress", {"phase": "build", "elapsed": 0, "meetings": 0, "gap": None,
                                         "limit": limit}, to=room)  # fmt: skip
        result = solve(data, locked, SolverConfig(time_limit=limit), progress)
        old = store.meetings(event_id)
        version = store.save_schedule(result.schedule, actor=actor, detail=schedule_detail(result))
        new = store.meetings(event_id)
    except Exception as exc:  # the organiser must hear about it; the lock must go
        store.end_solve(event_id)
        store.close()
        socketio.emit("solve_failed", {"error": str(exc)}, to=room)
        raise
    store.end_solve(event_id)
    store.close()
    r = result.report
    socketio.emit("solve_done", {
        "version": version, "meetings": r.meetings, "upper_bound": r.meetings_upper_bound,
        "gap": r.gap, "idle_slots": r.idle_slots, "seconds": round(r.solve_seconds, 1),
        "unscheduled": len(result.schedule.unscheduled), "wall_limit_hit": r.wall_limit_hit,
    }, to=room)  # fmt: skip
    with app.app_context(), Store(app.config["DATABASE"]) as store:
        notify(store, data, old, new, "The schedule was generated")


def _progress(p: Progress, limit: float) -> dict[str, Any]:
    return {"phase": p.phase, "elapsed": round(p.elapsed, 1), "meetings": p.meetings,
            "gap": round(p.gap, 4), "limit": limit}  # fmt: skip
