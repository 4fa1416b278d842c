"""The store's one entry, :class:`Store`: a connection (:mod:`.connection`) plus one class of
methods per aggregate, each in its own module with the tables it owns (see the package)."""

from __future__ import annotations

from pathlib import Path

from scheduler.store.events import Events
from scheduler.store.imports import Imports
from scheduler.store.live import LiveState
from scheduler.store.locks import SolveLocks
from scheduler.store.outbox import Outbox
from scheduler.store.privacy import Privacy
from scheduler.store.requests import Requests
from scheduler.store.schedules import Schedules
from scheduler.store.schema import Schema
from scheduler.store.surveys import Surveys
from scheduler.store.users import Users


class Store(Schema, Events, Imports, Requests, Schedules, LiveState, SolveLocks, Outbox, Users, Surveys, Privacy):
    """A handle on one SQLite file; belongs to the thread that opened it."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False):
        super().__init__(path, memory=memory)
        self.migrate()
