"""The durable outbox: owns the ``outbox`` table.

Every calendar message is stored before it is sent; the delivery loop takes the
due ones and records each step. What was ever queued also tells whether an
event was published and which meetings were announced.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, to_iso


class Outbox(Connection):
    """Calendar messages, stored before they are sent."""

    def queue(self, messages: list[dict[str, Any]], now: datetime | None = None,
              send_from: datetime | None = None) -> int:
        """Store messages before anything is sent; one already queued (same key) is kept as it was.

        ``now`` is recorded as ``created_at``; ``send_from`` (default ``now``) is when the delivery
        loop may first send them (its own clock, when ``now`` is a rehearsal's event clock)."""
        now = now or datetime.now(UTC)
        first = to_iso(send_from or now)
        with self.write() as db:
            before = db["outbox"].count
            db["outbox"].insert_all(
                ({**m, "status": "queued", "attempts": 0, "next_attempt_at": first, "created_at": to_iso(now)}
                 for m in messages),
                ignore=True,
            )  # fmt: skip
            return db["outbox"].count - before

    def published(self, event_id: str) -> bool:
        """Whether any invite of the event was ever queued (the organiser published it)."""
        return self.db.execute("SELECT 1 FROM outbox WHERE event_id = ? AND kind = 'invite' LIMIT 1", [event_id]).fetchone() is not None

    def announced(self, event_id: str) -> set[str]:
        """Ids of the meetings any invite was ever queued for (they are never deleted again)."""
        rows = self.db.execute("SELECT DISTINCT meeting_id FROM outbox WHERE event_id = ? AND kind = 'invite'", [event_id])
        return {r[0] for r in rows.fetchall()}

    def notified(self, event_id: str) -> set[tuple[str, str, int, str]]:
        """Return (meeting, participant, sequence, method) of every message ever queued."""
        rows = self.db.execute(
            "SELECT meeting_id, participant_id, sequence, method FROM outbox WHERE event_id = ? AND kind = 'invite'",
            [event_id])
        return {(a, b, int(c), d) for a, b, c, d in rows.fetchall()}

    def survey_mail(self, event_id: str) -> dict[tuple[str, str], dict[int, datetime]]:
        """(round key ``survey:<survey>:<wave>``, participant) -> sequence -> when it was queued,
        for every survey message ever queued (0 the invitation, n reminder n)."""
        out: dict[tuple[str, str], dict[int, datetime]] = {}
        rows = self.db.execute("SELECT meeting_id, participant_id, sequence, created_at FROM outbox"
                               " WHERE event_id = ? AND kind = 'survey'", [event_id])  # fmt: skip
        for key, pid, seq, at in rows.fetchall():
            out.setdefault((key, pid), {})[int(seq)] = from_iso(at)
        return out

    def due(self, now: datetime, stale_after: timedelta, limit: int = 200) -> list[dict[str, Any]]:
        """Messages to try now: queued and due, or stuck in 'sending' (a crash mid-send) for a while."""
        return [dict(r) for r in self.db.query(
            "SELECT * FROM outbox WHERE (status = 'queued' AND next_attempt_at <= ?)"
            " OR (status = 'sending' AND next_attempt_at <= ?) ORDER BY id LIMIT ?",
            [to_iso(now), to_iso(now - stale_after), limit])]  # fmt: skip

    def mark(self, message_id: int, status: str, now: datetime, *, error: str | None = None,
             next_attempt: datetime | None = None, attempt: bool = False) -> None:
        """Record one delivery step of one message (its own transaction)."""
        with self.write() as db:
            sets = {"status": status, "last_error": error}
            if status == "sent":
                sets["sent_at"] = to_iso(now)
            if next_attempt is not None:
                sets["next_attempt_at"] = to_iso(next_attempt)
            if status == "sending":
                sets["next_attempt_at"] = to_iso(now)
            cols = ", ".join(f"{k} = ?" for k in sets)
            db.execute(f"UPDATE outbox SET {cols}{', attempts = attempts + 1' if attempt else ''} WHERE id = ?",
                       [*sets.values(), message_id])  # fmt: skip

    def claim(self, message_id: int, now: datetime, stale_after: timedelta) -> bool:
        """Mark a due message 'sending' (one attempt more) unless another process claimed it
        first; True when this caller may send it. Several server processes deliver from one
        outbox, so reading it as due is not enough."""
        with self.write() as db:
            cur = db.execute("UPDATE outbox SET status = 'sending', next_attempt_at = ?, last_error = NULL,"
                             " attempts = attempts + 1 WHERE id = ? AND ((status = 'queued' AND next_attempt_at <= ?)"
                             " OR (status = 'sending' AND next_attempt_at <= ?))",
                             [to_iso(now), message_id, to_iso(now), to_iso(now - stale_after)])  # fmt: skip
            return cur.rowcount == 1

    def outbox(self, event_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db["outbox"].rows_where("event_id = ?", [event_id], order_by="id")]

    def outbox_page(self, event_id: str, *, status: str = "", kind: str = "", recipient: str = "",
                    offset: int = 0, limit: int = 50) -> tuple[list[dict[str, Any]], int]:
        """One page of an event's outbox, newest first, and how many messages match in all.

        ``status`` and ``kind`` match exactly, ``recipient`` as a case-insensitive part of the
        address; an empty filter matches every message. The message bodies are left out."""
        where, args = ["event_id = ?"], [event_id]
        for column, value in (("status", status), ("kind", kind)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if recipient:
            where.append("instr(lower(recipient), lower(?)) > 0")
            args.append(recipient)
        cond = " AND ".join(where)
        total = self.db.execute(f"SELECT count(*) FROM outbox WHERE {cond}", args).fetchone()[0]
        rows = self.db.query(
            "SELECT id, meeting_id, participant_id, sequence, method, recipient, subject, status, attempts,"
            f" next_attempt_at, last_error, created_at, sent_at, kind FROM outbox WHERE {cond}"
            " ORDER BY id DESC LIMIT ? OFFSET ?", [*args, limit, offset])  # fmt: skip
        return [dict(r) for r in rows], total

    def outbox_counts(self, event_id: str) -> dict[str, int]:
        """How many of an event's messages are in each status (``queued``, ``sent``, ``failed``, ...)."""
        return {r["status"]: r["n"] for r in self.db.query(
            "SELECT status, count(*) AS n FROM outbox WHERE event_id = ? GROUP BY status", [event_id])}

    def retry_failed(self, event_id: str, message_id: int, now: datetime) -> bool:
        """Queue a failed message of this event again, due ``now``; False when it is not a failed
        message of the event (sent meanwhile, queued already, another event's, or none)."""
        with self.write() as db:
            cur = db.execute("UPDATE outbox SET status = 'queued', next_attempt_at = ? WHERE id = ? AND event_id = ?"
                             " AND status = 'failed'", [to_iso(now), message_id, event_id])  # fmt: skip
            return cur.rowcount == 1
