"""Schedules: owns the ``meetings``, ``snapshots`` and ``audit`` tables and the
``schedule_version`` column of ``events``.

Every schedule change bumps the version (a change from an out-of-date page is
refused), keeps a snapshot for undo, raises the invite version (SEQUENCE) of a
meeting whose calendars must hear of it, and appends to the audit log.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from scheduler.changes import pipeline
from scheduler.domain.errors import Conflict, NotFound, StaleVersion
from scheduler.domain.messages import to_data
from scheduler.domain.model import Meeting, Schedule
from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, stale_message, to_iso

#: statuses of a meeting that does not take place (its calendar entry is cancelled or moot)
GONE = ("cancelled", "no_show")


def _invite_changed(prev: Meeting, new: Meeting) -> bool:
    """Whether the participants' calendars must hear of the change (a higher SEQUENCE):
    a new time or room, a cancellation, or a cancelled meeting that comes back."""
    if (prev.start, prev.room) != (new.start, new.room):
        return True
    return (new.status == "cancelled") != (prev.status == "cancelled")


class Schedules(Connection):
    """The event's meetings, the snapshots undo puts back, and the audit log."""

    def schedule_version(self, event_id: str) -> int:
        row = self.db.execute("SELECT schedule_version FROM events WHERE id = ?", [event_id]).fetchone()
        if row is None:
            raise NotFound(f"no event {event_id!r}")
        return int(row[0])

    def change_stamp(self, event_id: str) -> tuple:
        """A value that changes whenever anything of the event changes: its row (settings, imports,
        the schedule version), the newest audit record, request lifecycle record and survey answer.
        Views use it to reuse figures computed for the same state (``webapp/memo.py``)."""
        row = self.db.execute(
            "SELECT e.schedule_version, e.imported_at,"
            " (SELECT max(id) FROM audit WHERE event_id = e.id),"
            " (SELECT max(id) FROM request_history WHERE event_id = e.id),"
            " (SELECT max(updated_at) FROM survey_answers WHERE event_id = e.id),"
            " (SELECT count(*) FROM checkins WHERE event_id = e.id)"
            " FROM events e WHERE e.id = ?", [event_id]).fetchone()  # fmt: skip
        if row is None:
            raise NotFound(f"no event {event_id!r}")
        return tuple(row)

    def save_schedule(self, schedule: Schedule, *, actor: str = "solver", expected_version: int | None = None,
                      now: datetime | None = None, detail: dict[str, Any] | None = None) -> int:
        """Replace the event's meetings with ``schedule``; return the new schedule version.

        A meeting that keeps its id keeps its invite version when its time and
        room are unchanged and gets version + 1 when they change.
        """
        now = now or datetime.now(UTC)
        ev_id = schedule.event_id
        with self.write() as db:
            version = self.schedule_version(ev_id)
            if expected_version is not None and version != expected_version:
                raise StaleVersion(stale_message(version, expected_version))
            before = self.meetings(ev_id)
            self._snapshot(ev_id, version, before, actor, now, (detail or {}).get("action", "schedule"))
            old = {m.id: m for m in before}
            announced = self.announced(ev_id)
            db.execute("DELETE FROM meetings WHERE event_id = ?", [ev_id])
            rows = []
            for m in schedule.meetings:
                prev = old.get(m.id)
                v = m.version
                if prev is not None:
                    v = prev.version + (1 if _invite_changed(prev, m) else 0)
                rows.append(self._meeting_row(ev_id, m, v))
            # an announced meeting is never deleted: one the new schedule leaves out is cancelled,
            # keeps its UID and gets a higher SEQUENCE, so the outbox sends its CANCEL
            kept = {m.id for m in schedule.meetings}
            for m in before:
                if m.id in kept or m.id not in announced:
                    continue
                gone = m if m.status in GONE else Meeting(m.id, m.a, m.b, m.start, m.end, m.room, "cancelled",
                                                          m.locked, m.version + 1)  # fmt: skip
                rows.append(self._meeting_row(ev_id, gone, gone.version))
            db["meetings"].insert_all(rows, batch_size=500)
            db.execute("UPDATE events SET schedule_version = ? WHERE id = ?", [version + 1, ev_id])
            self.audit(ev_id, "schedule", actor=actor, now=now,
                       detail={"meetings": len(rows), "version": version + 1, **(detail or {})})  # fmt: skip
            return version + 1

    def update_meeting(self, event_id: str, meeting_id: str, *, actor: str, start: datetime | None = None,
                       end: datetime | None = None, room: int | None = None, status: str | None = None,
                       expected_version: int | None = None, reason: str = "",
                       now: datetime | None = None) -> Meeting:
        """Change one meeting in one transaction, with an audit record; bump its invite version
        when its time or room changes or it is cancelled. Returns the meeting as stored.
        ``reason``: a text, or a :class:`~scheduler.domain.messages.Message` kept as its template
        and arguments, so the board says it in each reader's language."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            version = self.schedule_version(event_id)
            if expected_version is not None and version != expected_version:
                raise StaleVersion(stale_message(version, expected_version))  # fmt: skip
            current = self.meetings(event_id)
            old = next((m for m in current if m.id == meeting_id), None)
            if old is not None:
                self._snapshot(event_id, version, current, actor, now, str(reason) or "meeting")
            if old is None:
                raise NotFound(f"no meeting {meeting_id!r} in event {event_id!r}")
            new = Meeting(old.id, old.a, old.b, start or old.start, end or old.end,
                          room if room is not None else old.room, status or old.status, old.locked, old.version)  # fmt: skip
            moved = (new.start, new.room) != (old.start, old.room)
            if moved and new.status == "scheduled":
                new = Meeting(new.id, new.a, new.b, new.start, new.end, new.room, "moved", new.locked, new.version)
            bumped = new.version + (1 if _invite_changed(old, new) else 0)
            row = self._meeting_row(event_id, new, bumped)
            db.execute("UPDATE meetings SET start = ?, end = ?, room = ?, status = ?, version = ?"
                       " WHERE event_id = ? AND id = ?",
                       [row["start"], row["end"], row["room"], row["status"], bumped, event_id, meeting_id])  # fmt: skip
            db.execute("UPDATE events SET schedule_version = ? WHERE id = ?", [version + 1, event_id])
            self.audit(event_id, "meeting", actor=actor, now=now, detail={
                "meeting": meeting_id, "reason": to_data(reason), "version": version + 1,
                "before": {"start": to_iso(old.start), "room": old.room, "status": old.status},
                "after": {"start": row["start"], "room": new.room, "status": new.status},
            })  # fmt: skip
            return Meeting(new.id, new.a, new.b, new.start, new.end, new.room, new.status, new.locked, bumped)

    def cancel_meetings(self, event_id: str, ids: list[str], *, actor: str, why: str,
                        now: datetime | None = None, expected_version: int | None = None) -> int:
        """Cancel the meetings ``ids`` (kept as ``cancelled``, SEQUENCE + 1) in one transaction,
        with a snapshot for undo and an audit record saying why (a Message is kept as its template and
        arguments, said in each reader's language); return the new schedule version."""
        with self.write():
            meetings = self.meetings(event_id)
            return self.save_schedule(Schedule(event_id, pipeline.cancelled(meetings, ids)), actor=actor,
                                      expected_version=expected_version, now=now,
                                      detail={"action": "cancel", "cancelled": list(ids), "why": to_data(why)})  # fmt: skip

    def set_locked(self, event_id: str, meeting_id: str, locked: bool, *, actor: str,
                   now: datetime | None = None) -> Meeting:
        """Lock a meeting in place (no solve, repair or re-optimisation moves or cancels it) or
        unlock it, in one transaction with an audit record. Returns the meeting as stored.

        Raises NotFound for a meeting the event does not have."""
        with self.write() as db:
            old = next((m for m in self.meetings(event_id) if m.id == meeting_id), None)
            if old is None:
                raise NotFound(f"no meeting {meeting_id!r} in event {event_id!r}")
            db.execute("UPDATE meetings SET locked = ? WHERE event_id = ? AND id = ?",
                       [int(locked), event_id, meeting_id])
            self.audit(event_id, "lock" if locked else "unlock", actor=actor, now=now,
                       detail={"meeting": meeting_id, "before": old.locked, "after": bool(locked)})
            return Meeting(old.id, old.a, old.b, old.start, old.end, old.room, old.status, bool(locked), old.version)

    def _snapshot(self, event_id: str, version: int, meetings: tuple[Meeting, ...], actor: str,
                  now: datetime, action: str) -> None:
        """Keep the schedule as it was before a change, for undo."""
        self.db["snapshots"].insert({
            "event_id": event_id, "version": version, "actor": actor, "at": to_iso(now), "action": action,
            "meetings": json.dumps([self._meeting_row(event_id, m, m.version) for m in meetings]),
        })  # fmt: skip

    def undo(self, event_id: str, *, actor: str, expected_version: int | None = None,
             now: datetime | None = None) -> int:
        """Put back the schedule as it was before the last change; return the new version.

        Times, rooms and statuses come back exactly; invite versions keep rising (a
        meeting moved back gets a higher SEQUENCE, so calendars follow it back).
        """
        now = now or datetime.now(UTC)
        with self.write() as db:
            rows = list(db["snapshots"].rows_where("event_id = ?", [event_id], order_by="id desc", limit=1))
            if not rows:
                raise Conflict(f"nothing to undo in event {event_id!r}")
            snap = rows[0]
            meetings = tuple(
                Meeting(r["id"], r["a"], r["b"], from_iso(r["start"]), from_iso(r["end"]), r["room"], r["status"],
                        bool(r["locked"]), r["version"])  # fmt: skip
                for r in json.loads(snap["meetings"])
            )
            version = self.save_schedule(Schedule(event_id, meetings), actor=actor, expected_version=expected_version,
                                         now=now, detail={"action": "undo", "undid": snap["action"]})  # fmt: skip
            # the snapshot save_schedule just took (of the state being undone) and the one used go away
            db.execute("DELETE FROM snapshots WHERE event_id = ? AND id >= ?", [event_id, snap["id"]])
            return version

    def last_change(self, event_id: str) -> dict[str, Any] | None:
        """What ``undo`` would reverse: who made the newest change still undoable, when
        (``at``, aware UTC) and what (``action``); None when there is nothing to undo."""
        row = self.db.execute("SELECT actor, at, action FROM snapshots WHERE event_id = ? ORDER BY id DESC LIMIT 1",
                              [event_id]).fetchone()  # fmt: skip
        return None if row is None else {"actor": row[0], "at": from_iso(row[1]), "action": row[2]}

    @staticmethod
    def _meeting_row(event_id: str, m: Meeting, version: int) -> dict[str, Any]:
        return {
            "event_id": event_id, "id": m.id, "a": m.a, "b": m.b, "start": to_iso(m.start),
            "end": to_iso(m.end), "room": m.room, "status": m.status, "locked": int(m.locked),
            "version": version,
        }  # fmt: skip

    def meetings_of(self, event_id: str, pid: str) -> tuple[Meeting, ...]:
        """``pid``'s meetings (every status), by start: what their own page shows, without
        reading the rest of the event's meetings."""
        return tuple(
            Meeting(r["id"], r["a"], r["b"], from_iso(r["start"]), from_iso(r["end"]), r["room"], r["status"],
                    bool(r["locked"]), r["version"])  # fmt: skip
            for r in self.db["meetings"].rows_where("event_id = ? AND (a = ? OR b = ?)", [event_id, pid, pid],
                                                    order_by="start, room")  # fmt: skip
        )

    def meetings(self, event_id: str) -> tuple[Meeting, ...]:
        return tuple(
            Meeting(r["id"], r["a"], r["b"], from_iso(r["start"]), from_iso(r["end"]), r["room"], r["status"],
                    bool(r["locked"]), r["version"])  # fmt: skip
            for r in self.db["meetings"].rows_where("event_id = ?", [event_id], order_by="start, room")
        )

    # ------------------------------------------------------------ audit

    def audit(self, event_id: str, action: str, *, actor: str = "system", detail: Any = None,
              now: datetime | None = None) -> None:
        """Append one record to the audit log."""
        now = now or datetime.now(UTC)
        self.db["audit"].insert(
            {"event_id": event_id, "at": to_iso(now), "actor": actor, "action": action,
             "detail": json.dumps(detail or {}, default=str)}  # fmt: skip
        )

    def audit_log(self, event_id: str, last: int | None = None) -> list[dict[str, Any]]:
        """The event's audit records, oldest first (``last``: only the newest N)."""
        if last is None:
            rows = self.db["audit"].rows_where("event_id = ?", [event_id], order_by="id")
        else:
            rows = reversed(list(self.db["audit"].rows_where("event_id = ?", [event_id], order_by="id desc",
                                                             limit=last)))  # fmt: skip
        return [{**r, "detail": json.loads(r["detail"])} for r in rows]
