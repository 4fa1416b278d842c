"""What a ``run.py worker`` process runs: solves from the RQ queue, with no database.

A job receives the problem as data (the event, its locked meetings, the time limit) and
returns the solver's :class:`~scheduler.solver.Result`; progress goes to the event's staff
room through the Socket.IO message queue on the same Redis. While it solves, the job keeps
a key ``entente:alive:<job>`` with a short TTL fresh, so the web process following it
notices within seconds when the worker is killed.
"""

from __future__ import annotations

import threading

from flask_socketio import SocketIO
from redis import Redis
from rq import SimpleWorker, get_current_job

from scheduler.domain.model import EventData
from scheduler.solver import Result, SolverConfig, solve

QUEUE = "entente-solves"
ALIVE_TTL = 4  # seconds a worker's heartbeat key lives without a refresh
ALIVE_EVERY = 1.0  # seconds between two refreshes


def alive_key(job: str) -> str:
    """The Redis key a running solve job keeps fresh."""
    return f"entente:alive:{job}"


def solve_task(data: EventData, locked: tuple, limit: float, redis_url: str, channel: str) -> Result:
    """Solve ``data`` (``locked`` meetings kept) within ``limit`` seconds; progress to the event's room."""
    from .progress import room, starting_payload, throttled

    conn = Redis.from_url(redis_url)
    job = get_current_job()
    key = alive_key(job.id if job else "local")
    stop = threading.Event()

    def beat() -> None:
        while True:
            conn.set(key, "1", ex=ALIVE_TTL)
            if stop.wait(ALIVE_EVERY):
                return

    beat_thread = threading.Thread(target=beat, name="solve-heartbeat", daemon=True)
    beat_thread.start()
    emitter = SocketIO(message_queue=redis_url, channel=channel)

    def emit(payload) -> None:
        emitter.emit("solve_progress", payload, to=room(data.event.id))

    try:
        emit(starting_payload(limit))
        return solve(data, locked, SolverConfig(time_limit=limit), throttled(emit, limit))
    finally:
        stop.set()
        beat_thread.join()
        conn.delete(key)


def run(redis_url: str, name: str | None = None, burst: bool = False) -> None:
    """Work the solve queue until stopped (``burst``: until it is empty)."""
    conn = Redis.from_url(redis_url)
    SimpleWorker([QUEUE], connection=conn, name=name).work(burst=burst, logging_level="INFO")
