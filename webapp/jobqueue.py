"""Solves on ``run.py worker`` processes, through an RQ job queue on the Redis of
``MATCHMAKING_REDIS_URL``.

The web process that took the lock submits the problem as data (the event and its locked
meetings) and follows the job: while the worker solves, it keeps the lock's heartbeat; when
the job finishes it saves the schedule ; when the job fails, or the
worker stops sending its own heartbeat (``kill -9``, a crash, a lost machine), it marks the
job failed and frees the lock , so the previous schedule stays and a new
solve can start at once. The worker streams progress to the organiser's page itself, through
the Socket.IO message queue (:mod:`.worker`).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask
from redis import Redis
from rq import Queue
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from scheduler.domain.model import EventData
from scheduler.solver import Result

from . import worker
from .extensions import socketio

POLL = 0.25  # seconds between two looks at the job
GONE = ("the worker stopped while solving (it was killed or crashed); the previous schedule is "
        "unchanged and a new solve can start now")  # fmt: skip


def connection(app: Flask) -> Redis:
    """A Redis client for the app's ``REDIS_URL``."""
    return Redis.from_url(app.config["REDIS_URL"])


def submit(app: Flask, job: str, data: EventData, locked: tuple, limit: float) -> None:
    """Put the solve on the queue as job ``job`` (the lock's job id); raises on a Redis error."""
    queue = Queue(worker.QUEUE, connection=connection(app))
    channel = app.config.get("SOCKETIO_CHANNEL", "flask-socketio")
    queue.enqueue(worker.solve_task, args=(data, locked, limit, app.config["REDIS_URL"], channel),
                  job_id=job, job_timeout=int(limit * 3 + 300), result_ttl=3600, failure_ttl=86400,
                  description=f"solve {data.event.id}")  # fmt: skip


def follow(app: Flask, event_id: str, job_id: str, done: Callable[[Result, str], None],
           failed: Callable[[str], None]) -> None:
    """Until the job ends, keep the lock alive; then ``done(result, worker name)`` or ``failed(why)``."""
    from scheduler.store import Store

    conn = connection(app)
    beat_every = float(app.config.get("SOLVE_HEARTBEAT", 10))
    last_beat = time.monotonic()
    missing = 0  # consecutive looks at a started job whose worker heartbeat was gone
    while True:
        socketio.sleep(POLL)
        try:
            job = Job.fetch(job_id, connection=conn)
            status = job.get_status()
        except NoSuchJobError:
            failed("the solve job disappeared from the queue; the schedule is unchanged")
            return
        except Exception:  # Redis unreachable for a moment: look again, a little later
            app.logger.exception("following solve job %s", job_id)
            socketio.sleep(2)
            continue
        if time.monotonic() - last_beat >= beat_every:
            last_beat = time.monotonic()
            with Store(app.config["DATABASE"]) as store:
                if not store.heartbeat(event_id, job_id):
                    return  # no longer ours (given up as abandoned): nothing to save
        if status == JobStatus.FINISHED:
            done(job.latest_result().return_value, job.worker_name or "")
            return
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            failed(failure_text(job))
            return
        if status == JobStatus.STARTED and not conn.exists(worker.alive_key(job_id)):
            missing += 1
            if missing * POLL >= worker.ALIVE_TTL:  # the key had its TTL to come (back)
                _give_up(job)
                failed(GONE)
                return
        else:
            missing = 0


def failure_text(job: Job) -> str:
    """The last line of the job's exception, without the module path of its class."""
    result = job.latest_result()
    text = (result.exc_string if result is not None else "") or "the solve failed"
    last = [line for line in text.strip().splitlines() if line.strip()][-1]
    name, _, message = last.partition(": ")
    return message or name.rsplit(".", 1)[-1]


def _give_up(job: Job) -> None:
    """Mark an abandoned job failed in the queue too, so no dashboard shows it running."""
    try:
        job.set_status(JobStatus.FAILED)
    except Exception:  # best effort: the store's record is the one the organiser sees
        pass
