"""Publishing an event's invites off the request: a background job under the event's lock.

Writing the invites of a 3,000-SME event (15,000 iCalendar messages) takes minutes, longer than
a reverse proxy lets a request live. The console's Publish takes the event's job lock
(:mod:`scheduler.store.locks`, kind ``publish``: no solve or second publish meanwhile) and
writes them in a background task of this process, which keeps the lock's heartbeat with how
far it got (``done`` of ``total`` meetings) for the overview page to show. The messages are
stored in one transaction at the end (:func:`~scheduler.invitations.delivery.queue_invites`),
so a process killed mid-way leaves nothing announced and its lock is cleared as abandoned; a
finished job has queued every invite once. Then the outbox is delivered, still in the background.

The request waits up to ``PUBLISH_WAIT`` seconds (default 20, well under a proxy's timeout) for the whole job, so a small
event's organiser reads the outcome at once, as before; a larger one is told it runs on.
The command line (``run.py invites --send``) calls the same ``queue_invites``, synchronously.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from flask import Flask

from scheduler.invitations.delivery import DeliveryReport, Skipped
from scheduler.store import Store
from scheduler.store.locks import LockOwner

from .extensions import socketio
from .live import deliver_due, queue_event_invites

KIND = "publish"
EVERY = 1.0  # seconds between two progress records (each also the lock's heartbeat)


class LostLock(RuntimeError):
    """The job no longer holds the event's lock (it was taken over as abandoned): it stops, queuing nothing."""


@dataclass
class PublishJob:
    """What this process knows of a publish it started: ``finished`` is set once the invites
    were queued (``queued``, ``skipped``) and delivered (``report``), or the job failed (``error``)."""

    job: str
    finished: threading.Event = field(default_factory=threading.Event)
    queued: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    report: DeliveryReport | None = None
    error: str = ""


def start_publish(app: Flask, event_id: str) -> PublishJob | None:
    """Start publishing ``event_id``'s invites in the background; None when a solve, a repair or
    another publish holds the event's lock. Raises NotFound for an unknown event."""
    owner = LockOwner.here()
    with Store(app.config["DATABASE"]) as store:
        if not store.start_solve(event_id, owner=owner, kind=KIND):
            return None
    job = PublishJob(owner.job)
    socketio.start_background_task(run, app, event_id, job)
    return job


def run(app: Flask, event_id: str, job: PublishJob) -> None:
    """The job: write and queue the invites in one transaction, free the lock, deliver."""
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= EVERY or done == total:
            last[0] = now
            if not store.heartbeat(event_id, job.job, progress=(done, total)):
                raise LostLock("the publish was given up as abandoned meanwhile")

    def end(queued: int) -> None:  # in the transaction that stores the invites: never one without the other
        held = store.solve_lock(event_id)
        if held is None or held["id"] != job.job:
            raise LostLock("the publish was given up as abandoned meanwhile")  # rolls the invites back
        store.end_solve(event_id, job.job, done=queued)

    try:
        with app.app_context(), Store(app.config["DATABASE"]) as store:
            job.queued, job.skipped = queue_event_invites(store, store.load(event_id), progress=progress, also=end)
    except Exception as exc:  # the organiser reads why on the overview; nothing was queued
        app.logger.exception("publishing the invites of %s failed", event_id)
        job.error = f"the invites could not be written ({exc}); nothing was sent"
        with Store(app.config["DATABASE"]) as store:
            store.end_solve(event_id, job.job, error=job.error)
        job.finished.set()
        return
    try:
        job.report = deliver_due(app)
    finally:
        job.finished.set()


def wait(app: Flask, job: PublishJob) -> bool:
    """Wait up to ``PUBLISH_WAIT`` seconds for ``job`` to end; True when it did."""
    return job.finished.wait(float(app.config.get("PUBLISH_WAIT", 20)))
