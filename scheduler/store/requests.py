"""Meeting requests: owns the ``requests`` and ``request_history`` tables.

A lifecycle change runs in one transaction with its history record; a meeting
still to come that nobody wants any more is cancelled in the same transaction.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from scheduler.changes import pipeline
from scheduler.domain.errors import InvalidInput, Problem
from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.model import EventData, Request
from scheduler.domain.sessions import describe
from scheduler.matching import requests as req
from scheduler.matching.requests import RequestState
from scheduler.store.connection import Connection
from scheduler.store.rows import from_iso, sessions_column, sessions_from_column, to_iso


def _request(r: dict[str, Any]) -> Request:
    extra = r["extra"]  # mostly empty: not parsed then (15,000 requests per load of a large event)
    return Request(r["sender"], r["receiver"], r["priority"], r["status"],
                   json.loads(extra) if extra and extra != "{}" else {}, sessions=sessions_from_column(r.get("sessions")))


class Requests(Connection):
    """Meeting requests and their lifecycle."""

    def requests(self, event_id: str) -> tuple[Request, ...]:
        """The event's requests in file order (as plain rows: every page of a large event loads them)."""
        rows = self.db.execute("SELECT sender, receiver, priority, status, extra, sessions FROM requests"
                               " WHERE event_id = ? ORDER BY position", [event_id]).fetchall()  # fmt: skip
        keys = ("sender", "receiver", "priority", "status", "extra", "sessions")
        return tuple(_request(dict(zip(keys, r, strict=True))) for r in rows)

    def request_states(self, event_id: str) -> list[RequestState]:
        """Return every request of the event with its lifecycle fields."""
        return [
            RequestState(
                _request(r), r["origin"] or "import", from_iso(r["created_at"]), from_iso(r["updated_at"]),
                from_iso(r["expires_at"]) if r["expires_at"] else None,
            )
            for r in self.db["requests"].rows_where("event_id = ?", [event_id], order_by="position")
        ]  # fmt: skip

    def add_requests(self, event_id: str, new: list[tuple[str, str, int]], *, status: str, origin: str,
                     actor: str, now: datetime | None = None,
                     scores: dict[tuple[str, str], float] | None = None,
                     sessions: dict[tuple[str, str], tuple[int, ...]] | None = None) -> int:
        """Add requests (sender, receiver, priority) in one transaction; all or none.

        ``sessions``: (sender, receiver) -> the sessions that request restricts its meeting to
        (indices into ``Event.sessions``; absent: any). Raises InvalidInput naming the field
        (``sessions`` for a session the event does not have), Conflict for a request that exists.
        """
        now = now or datetime.now(UTC)
        with self.write() as db:
            data = self.load(event_id)
            wait = req.ttl(data.event)
            pos = self.db.execute("SELECT coalesce(max(position), -1) FROM requests WHERE event_id = ?",
                                  [event_id]).fetchone()[0]  # fmt: skip
            rows = []
            for i, (a, b, prio) in enumerate(new):
                named = (sessions or {}).get((a, b), ())
                req.check_new(data, a, b, prio, named)
                data = EventData(data.event, data.participants,
                                 (*data.requests, Request(a, b, prio, status, sessions=named)))
                rows.append({
                    "event_id": event_id, "sender": a, "receiver": b, "priority": prio, "status": status,
                    "origin": origin, "extra": "{}", "sessions": sessions_column(named),
                    "created_at": to_iso(now), "updated_at": to_iso(now),
                    "expires_at": to_iso(now + wait) if status == "pending" else None,
                    "position": pos + 1 + i, "score": (scores or {}).get((a, b)),
                })  # fmt: skip
            db["requests"].insert_all(rows)
            db["request_history"].insert_all(
                {"event_id": event_id, "sender": r["sender"], "receiver": r["receiver"], "at": to_iso(now),
                 "actor": actor, "action": "create", "status": status} for r in rows)  # fmt: skip
        return len(rows)

    def transition_request(self, event_id: str, sender: str, receiver: str, action: str, actor: str,
                           now: datetime | None = None) -> RequestState:
        """Apply one lifecycle action in one transaction; refusals change nothing."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            ev = self.event(event_id)
            state = req.find(self.request_states(event_id), sender, receiver)
            new = req.transition(state, action, actor, now, req.ttl(ev))
            db.execute(
                "UPDATE requests SET status = ?, updated_at = ?, expires_at = ?"
                " WHERE event_id = ? AND sender = ? AND receiver = ?",
                [new.request.status, to_iso(now), to_iso(new.expires_at) if new.expires_at else None,
                 event_id, sender, receiver],
            )  # fmt: skip
            db["request_history"].insert({"event_id": event_id, "sender": sender, "receiver": receiver,
                                          "at": to_iso(now), "actor": actor, "action": action,
                                          "status": new.request.status})  # fmt: skip
            # a meeting still to come that nobody wants any more is cancelled in the same transaction
            # (the whole event is read only when this pair has such a meeting: expiry runs this per request)
            booked = db.execute(
                "SELECT 1 FROM meetings WHERE event_id = ? AND status IN ('scheduled', 'moved') AND start > ?"
                " AND ((a = ? AND b = ?) OR (a = ? AND b = ?)) LIMIT 1",
                [event_id, to_iso(now), sender, receiver, receiver, sender]).fetchone()  # fmt: skip
            gone = [] if booked is None else [m for m in pipeline.unwanted(self.load(event_id), self.meetings(event_id), now)
                                              if {m.a, m.b} == {sender, receiver}]  # fmt: skip
            if gone:
                self.cancel_meetings(event_id, [m.id for m in gone], actor=actor, now=now,
                                     why=Message(N_("request {sender} -> {receiver} {status}"), sender=sender,
                                                 receiver=receiver, status=new.request.status))  # fmt: skip
        return new

    def restrict_request(self, event_id: str, sender: str, receiver: str, sessions: tuple[int, ...], actor: str,
                         now: datetime | None = None) -> tuple[str, ...]:
        """Set the sessions a request restricts its meeting to (indices into ``Event.sessions``;
        () for any) in one transaction, with a history record; a meeting of the pair still to come
        that falls outside the sessions the pair may now use is cancelled in the same transaction.

        Returns the ids of the meetings cancelled. Raises NotFound for an unknown request,
        InvalidInput naming ``sessions`` for a session the event does not have."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            data = self.load(event_id)
            state = req.find(self.request_states(event_id), sender, receiver)
            n = len(data.event.sessions)
            wrong = [i + 1 for i in sessions if not 0 <= i < n]
            if wrong:
                raise InvalidInput([Problem.of("sessions", req.not_a_session(wrong[0], n))])
            named = tuple(sorted(set(sessions)))
            db.execute("UPDATE requests SET sessions = ?, updated_at = ? WHERE event_id = ? AND sender = ? AND receiver = ?",
                       [sessions_column(named), to_iso(now), event_id, sender, receiver])  # fmt: skip
            db["request_history"].insert({"event_id": event_id, "sender": sender, "receiver": receiver,
                                          "at": to_iso(now), "actor": actor, "action": "sessions",
                                          "status": state.request.status})  # fmt: skip
            words = describe(data.event, named) if named else Message(N_("any session"))
            self.audit(event_id, "request_sessions", actor=actor, now=now,
                       detail={"from": sender, "to": receiver, "sessions": sessions_column(named), "words": words})
            gone = [m.id for m in pipeline.outside_sessions(self.load(event_id), self.meetings(event_id), now)
                    if {m.a, m.b} == {sender, receiver}]  # fmt: skip
            if gone:
                self.cancel_meetings(event_id, gone, actor=actor, now=now,
                                     why=Message(N_("request {sender} -> {receiver} now restricted to {sessions}"),
                                                 sender=sender, receiver=receiver, sessions=words))  # fmt: skip
        return tuple(gone)

    def expire_requests(self, event_id: str, now: datetime | None = None) -> int:
        """Mark pending requests past their answer time as expired; return how many."""
        now = now or datetime.now(UTC)
        with self.write():
            due = [s for s in self.request_states(event_id)
                   if s.request.status == "pending" and s.expires_at is not None and s.expires_at <= now]
            for s in due:
                self.transition_request(event_id, s.request.sender, s.request.receiver, "expire", "system", now)
            return len(due)

    def request_history(self, event_id: str, sender: str, receiver: str) -> list[dict[str, Any]]:
        return list(self.db["request_history"].rows_where(
            "event_id = ? AND sender = ? AND receiver = ?", [event_id, sender, receiver], order_by="id"))
