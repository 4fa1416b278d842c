"""The solve lock: owns the ``solve_jobs`` table.

One row per solve or long repair, with its owner (host, process id, job id) and a
heartbeat. The event's lock is its one row in state ``running`` (a unique partial
index keeps it one); a finished job stays as ``done`` or ``failed`` with the error
in words, so the organiser sees what became of the last solve. A lock whose owner
is gone is recognised at once when the owner ran on this host (its process id no
longer exists) and, from any host, once its heartbeat is older than the caller's
``stale_after``: the row is then marked failed and the lock is free.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, to_iso

ABANDONED = "the process that ran it stopped (killed or crashed); the previous schedule is unchanged"


@dataclass(frozen=True)
class LockOwner:
    """Who holds a solve lock: the host and process that will end it, and the job's id."""

    host: str
    pid: int
    job: str

    @classmethod
    def here(cls, job: str | None = None) -> LockOwner:
        """This process on this host, with ``job`` or a fresh random job id."""
        return cls(socket.gethostname(), os.getpid(), job or uuid.uuid4().hex)


def owner_gone(host: str, pid: int) -> bool:
    """True when the owner ran on this host and its process no longer exists (other hosts: False)."""
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # exists, belongs to another user
        return False
    return False


class SolveLocks(Connection):
    """The per-event solve lock, its heartbeat, and the record of finished solve jobs."""

    def start_solve(self, event_id: str, now: datetime | None = None,
                    stale_after: timedelta = timedelta(minutes=2), *, owner: LockOwner | None = None,
                    kind: str = "solve") -> bool:
        """Take the event's lock for a solve or a repair; False when a live one holds it.

        A lock whose owner process is gone, or whose heartbeat is older than ``stale_after``,
        is marked failed and taken over. Raises NotFound for an unknown event."""
        now = now or datetime.now(UTC)
        owner = owner or LockOwner.here()
        with self.write() as db:
            self.event(event_id)  # type: ignore[attr-defined]  # NotFound for an unknown event
            held = self.solve_lock(event_id)
            if held is not None:
                if not self._abandoned(held, now, stale_after):
                    return False
                self._finish(held["id"], "failed", ABANDONED, now)
            db["solve_jobs"].insert({"id": owner.job, "event_id": event_id, "kind": kind, "status": "running",
                                     "host": owner.host, "pid": owner.pid, "worker": "",
                                     "started_at": to_iso(now), "heartbeat_at": to_iso(now),
                                     "finished_at": None, "error": ""})  # fmt: skip
            return True

    def end_solve(self, event_id: str, job: str | None = None, *, error: str | None = None,
                  worker: str | None = None, now: datetime | None = None, done: int | None = None) -> None:
        """Release the event's lock (only job ``job``'s, when given): done, or failed with ``error``
        (``done``: what the job achieved, e.g. the messages a publish queued)."""
        now = now or datetime.now(UTC)
        with self.write():
            held = self.solve_lock(event_id)
            if held is None or (job is not None and held["id"] != job):
                return
            self._finish(held["id"], "failed" if error else "done", error or "", now, worker)
            if done is not None:
                self.db.execute("UPDATE solve_jobs SET done = ? WHERE id = ?", [done, held["id"]])

    def heartbeat(self, event_id: str, job: str, now: datetime | None = None,
                  progress: tuple[int, int] | None = None) -> bool:
        """Say job ``job`` is alive (``progress``: how far it got, (done, total)); False when it no
        longer holds the lock (taken over meanwhile)."""
        done, total = progress or (None, None)
        with self.write() as db:
            cur = db.execute("UPDATE solve_jobs SET heartbeat_at = ?, done = COALESCE(?, done), total = COALESCE(?, total)"
                             " WHERE id = ? AND event_id = ? AND status = 'running'",
                             [to_iso(now or datetime.now(UTC)), done, total, job, event_id])  # fmt: skip
            return cur.rowcount == 1

    def solving(self, event_id: str) -> bool:
        """True while a solve or repair holds the event's lock."""
        return self.solve_lock(event_id) is not None

    def solve_lock(self, event_id: str) -> dict[str, Any] | None:
        """The running job holding the event's lock, or None."""
        rows = list(self.db["solve_jobs"].rows_where("event_id = ? AND status = 'running'", [event_id]))
        return self._job(rows[0]) if rows else None

    def solve_job(self, job: str) -> dict[str, Any] | None:
        """One job's record: id, event_id, kind, status, host, pid, worker, times (aware UTC), error."""
        rows = list(self.db["solve_jobs"].rows_where("id = ?", [job]))
        return self._job(rows[0]) if rows else None

    def last_solve(self, event_id: str) -> dict[str, Any] | None:
        """The event's most recently started solve (or repair) job, or None."""
        return self.last_job(event_id, exclude="publish")

    def last_job(self, event_id: str, kind: str | None = None, *, exclude: str | None = None) -> dict[str, Any] | None:
        """The event's most recently started job of ``kind`` (any kind: None; ``exclude``: any but that), or None."""
        where, args = "event_id = ?", [event_id]
        if kind is not None:
            where, args = where + " AND kind = ?", [*args, kind]
        if exclude is not None:
            where, args = where + " AND kind != ?", [*args, exclude]
        rows = list(self.db["solve_jobs"].rows_where(where, args, order_by="started_at DESC, rowid DESC", limit=1))
        return self._job(rows[0]) if rows else None

    def clear_dead_locks(self, now: datetime | None = None) -> list[str]:
        """At start-up: mark failed every running job whose owner process on this host is gone."""
        now = now or datetime.now(UTC)
        cleared = []
        with self.write():
            for row in self.db["solve_jobs"].rows_where("status = 'running'"):
                if owner_gone(row["host"], row["pid"]):
                    self._finish(row["id"], "failed", ABANDONED, now)
                    cleared.append(row["id"])
        return cleared

    def _abandoned(self, held: dict[str, Any], now: datetime, stale_after: timedelta) -> bool:
        return owner_gone(held["host"], held["pid"]) or held["heartbeat_at"] < now - stale_after

    def _finish(self, job: str, status: str, error: str, now: datetime, worker: str | None = None) -> None:
        self.db.execute("UPDATE solve_jobs SET status = ?, error = ?, finished_at = ?, worker = COALESCE(?, worker)"
                        " WHERE id = ?", [status, error, to_iso(now), worker, job])  # fmt: skip

    @staticmethod
    def _job(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "started_at": from_iso(row["started_at"]), "heartbeat_at": from_iso(row["heartbeat_at"]),
                "finished_at": from_iso(row["finished_at"]) if row["finished_at"] else None}  # fmt: skip
