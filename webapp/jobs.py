"""Background solves: run off the request thread, report progress to the event's room.

The process that takes the event's solve lock (:mod:`scheduler.store.locks`) owns the job:
it keeps the lock's heartbeat, saves the schedule and ends the lock, in one transaction.
Without ``MATCHMAKING_REDIS_URL`` the solve runs in a thread of this process; with it, a
``run.py worker`` process solves (:mod:`.jobqueue`, :mod:`.worker`) and this process follows
the job. Either way the organiser's page hears ``solve_progress``, then ``solve_done`` or
``solve_failed`` (a failed solve leaves the previous schedule as it was).
"""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask

from scheduler.domain.model import EventData
from scheduler.solver import Result, SolverConfig, schedule_detail, solve
from scheduler.store import Store
from scheduler.store.locks import LockOwner

from .extensions import socketio
from .live import N_, notify
from .progress import done_sentence, room, starting_payload, throttled


class QueueUnavailable(RuntimeError):
    """The job queue (Redis) did not take the solve; the lock was freed and the job marked failed."""


def start_solve(app: Flask, event_id: str, actor: str, seconds: float | None = None) -> bool:
    """Start a background solve; False when one is already running for this event.

    Raises QueueUnavailable when MATCHMAKING_REDIS_URL is set and Redis does not answer."""
    owner = LockOwner.here()
    with Store(app.config["DATABASE"]) as store:
        if not store.start_solve(event_id, owner=owner):
            return False
        data = store.load(event_id)
        locked = tuple(m for m in store.meetings(event_id) if m.locked)
    limit = float(seconds or app.config["SOLVE_TIME_LIMIT"])
    if app.config.get("REDIS_URL"):
        from . import jobqueue

        try:
            jobqueue.submit(app, owner.job, data, locked, limit)
        except Exception as exc:  # Redis down: say so, and free the lock at once
            why = f"the solve queue (Redis) could not be reached, so nothing was started ({exc})"
            fail(app, event_id, owner.job, why)
            raise QueueUnavailable(why) from exc
        socketio.emit("solve_progress", starting_payload(limit, "queued"), to=room(event_id))
        socketio.start_background_task(
            jobqueue.follow, app, event_id, owner.job,
            lambda result, worker: finish(app, event_id, actor, owner.job, data, result, worker),
            lambda error: fail(app, event_id, owner.job, error))
    else:
        socketio.start_background_task(_run_here, app, event_id, actor, owner.job, data, locked, limit)
    return True


def keep_alive(app: Flask, event_id: str, job: str, stop: threading.Event) -> None:
    """Refresh the lock's heartbeat every SOLVE_HEARTBEAT seconds until ``stop`` is set."""
    period = float(app.config.get("SOLVE_HEARTBEAT", 10))
    while not stop.wait(period):
        with Store(app.config["DATABASE"]) as store:
            if not store.heartbeat(event_id, job):
                return


def _run_here(app: Flask, event_id: str, actor: str, job: str, data: EventData, locked: tuple,
              limit: float) -> None:
    def emit(payload: dict[str, Any]) -> None:
        socketio.emit("solve_progress", payload, to=room(event_id))

    stop = threading.Event()
    socketio.start_background_task(keep_alive, app, event_id, job, stop)
    try:
        emit(starting_payload(limit))
        result = solve(data, locked, SolverConfig(time_limit=limit), throttled(emit, limit))
    except Exception as exc:  # the organiser must hear about it; the lock must go
        fail(app, event_id, job, str(exc))
        raise
    finally:
        stop.set()
    finish(app, event_id, actor, job, data, result)


def finish(app: Flask, event_id: str, actor: str, job: str, data: EventData, result: Result,
           worker: str = "") -> None:
    """Save a finished solve and end its lock in one transaction, then tell the pages and the people.

    When the save fails the job is marked failed with the reason (the lock goes, nothing changed)."""
    try:
        saved = _save(app, event_id, actor, job, result, worker)
    except Exception as exc:
        fail(app, event_id, job, f"the schedule could not be saved ({exc}); nothing was changed")
        raise
    if saved is None:
        return
    old, new, version = saved
    r = result.report
    socketio.emit("solve_done", {
        "version": version, "meetings": r.meetings, "upper_bound": r.meetings_upper_bound,
        "gap": r.gap, "idle_slots": r.idle_slots, "seconds": round(r.solve_seconds, 1),
        "unscheduled": len(result.schedule.unscheduled), "wall_limit_hit": r.wall_limit_hit,
        "job": job, "worker": worker, "sentence": done_sentence(r.meetings, r.meetings_upper_bound),
        "percent": 100.0,
    }, to=room(event_id))  # fmt: skip
    with app.app_context(), Store(app.config["DATABASE"]) as store:
        notify(store, data, old, new, N_("The schedule was generated"))


def _save(app: Flask, event_id: str, actor: str, job: str, result: Result, worker: str):
    """(old meetings, new meetings, version), or None when the job lost its lock meanwhile."""
    with Store(app.config["DATABASE"]) as store:
        with store.write():
            held = store.solve_lock(event_id)
            if held is None or held["id"] != job:  # taken over as abandoned meanwhile: keep what is there
                socketio.emit("solve_failed", {"error": "the solve took too long to report and was given up; "
                                                        "the schedule is unchanged", "job": job}, to=room(event_id))  # fmt: skip
                return None
            old = store.meetings(event_id)
            version = store.save_schedule(result.schedule, actor=actor, detail=schedule_detail(result))
            store.end_solve(event_id, job, worker=worker)
        return old, store.meetings(event_id), version


def fail(app: Flask, event_id: str, job: str, error: str) -> None:
    """Mark the job failed with ``error``, free the lock, and tell the organiser's page."""
    with Store(app.config["DATABASE"]) as store:
        store.end_solve(event_id, job, error=error)
    socketio.emit("solve_failed", {"error": error, "job": job}, to=room(event_id))
