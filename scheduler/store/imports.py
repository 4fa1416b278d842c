"""Importing an event file: writes the ``events``, ``participants`` and ``requests``
rows of a whole file (owned by :mod:`.events` and :mod:`.requests`) in one transaction.

A new event is inserted; a replace starts the event again from the file (a
published one keeps its announced meetings as cancelled records); a merge
(re-import) applies the plan of :mod:`scheduler.changes.merge`.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime

from scheduler.changes import pipeline
from scheduler.changes.merge import MergePlan, plan_merge, replace_warning
from scheduler.domain.errors import Conflict, StaleVersion
from scheduler.domain.model import Event, EventData, Participant, Request, Schedule
from scheduler.store.connection import Connection
from scheduler.store.events import event_row, participant_row
from scheduler.store.rows import sessions_column, stale_message, to_iso


class Imports(Connection):
    """Writing an event file into the store: new, replaced, or merged into the stored event."""

    def save_event(self, data: EventData, *, replace: bool = False, confirmed: bool = False,
                   actor: str = "import", now: datetime | None = None) -> None:
        """Store a whole event in one transaction; refuse to overwrite unless ``replace``.

        Replacing a published event also needs ``confirmed`` (else Conflict, saying what it
        would cancel): its announced meetings are kept as cancelled records (SEQUENCE + 1, so
        the outbox sends their CANCEL), every participant gets a new personal link, and a
        meeting that comes back later with the same id continues its SEQUENCE.
        Re-importing without replacing is :meth:`merge`.
        """
        now = now or datetime.now(UTC)
        ev = data.event
        with self.write() as db:
            uid_domain = ev.uid_domain  # a new event's; a stored one keeps its own (calendars hold its UIDs)
            if db["events"].count_where("id = ?", [ev.id]):
                uid_domain = self.event(ev.id).uid_domain
                if not replace:
                    raise Conflict(f"event {ev.id!r} already exists (use --replace to overwrite it)")
                if self.published(ev.id):
                    if not confirmed:
                        raise Conflict(f"event {ev.id!r} was published. "
                                       + replace_warning(self.meetings(ev.id), self.notified(ev.id))
                                       + " Confirm to replace it.")  # fmt: skip
                    self._replace_published(data, actor, now)
                    return
                self._delete_event_rows(ev.id)
            db["events"].insert({**event_row(ev, now), "uid_domain": uid_domain})
            tokens = self._fresh_tokens(len(data.participants))
            db["participants"].insert_all(
                (participant_row(ev.id, p, tok, i)
                 for i, (p, tok) in enumerate(zip(data.participants, tokens, strict=True))),
                batch_size=500,
            )  # fmt: skip
            db["requests"].insert_all(
                (
                    {
                        "event_id": ev.id, "sender": r.sender, "receiver": r.receiver,
                        "priority": r.priority, "status": r.status, "origin": "import",
                        "extra": json.dumps(dict(r.extra)), "sessions": sessions_column(r.sessions),
                        "created_at": to_iso(now),
                        "updated_at": to_iso(now), "position": i,
                    }
                    for i, r in enumerate(data.requests)
                ),
                batch_size=500,
            )  # fmt: skip
            self.audit(ev.id, "import", actor=actor, now=now,
                       detail={"participants": len(data.participants), "requests": len(data.requests),
                               "replaced": replace})  # fmt: skip

    def _replace_published(self, data: EventData, actor: str, now: datetime) -> None:
        """A confirmed replace of a published event: nothing announced is deleted (see save_event)."""
        ev_id = data.event.id
        before = self.meetings(ev_id)
        announced = self.announced(ev_id)
        version = self.schedule_version(ev_id)
        for table in ("offers", "snapshots", "checkins"):  # live-day state of the replaced event
            self.db.execute(f"DELETE FROM {table} WHERE event_id = ?", [ev_id])
        cancelled = [m.id for m in before if m.id in announced and m.status in pipeline.UPCOMING]
        self.db.execute("UPDATE meetings SET status = 'cancelled', version = version + 1 WHERE event_id = ? AND id IN"
                        " (SELECT value FROM json_each(?))", [ev_id, json.dumps(cancelled)])  # fmt: skip
        self.db.execute("DELETE FROM meetings WHERE event_id = ? AND id NOT IN (SELECT value FROM json_each(?))",
                        [ev_id, json.dumps(sorted(announced))])  # fmt: skip
        self.db.execute("DELETE FROM requests WHERE event_id = ?", [ev_id])
        # everyone is removed with a revoked link; the file's participants come back with new links
        for pid in self.tokens(ev_id):
            self.db.execute("UPDATE participants SET removed_at = ?, token = ? WHERE event_id = ? AND id = ?",
                            [to_iso(now), secrets.token_urlsafe(24), ev_id, pid])  # fmt: skip
        for i, p in enumerate(data.participants):
            self._put_participant(ev_id, p, i, secrets.token_urlsafe(24))
        self._update_event_row(data.event, now)
        self._insert_requests(ev_id, data.requests, now)
        self.db.execute("UPDATE events SET schedule_version = ? WHERE id = ?", [version + 1, ev_id])
        self.audit(ev_id, "import", actor=actor, now=now,
                   detail={"participants": len(data.participants), "requests": len(data.requests),
                           "replaced": True, "cancelled": cancelled, "version": version + 1})  # fmt: skip

    def _update_event_row(self, ev: Event, now: datetime) -> None:
        row = event_row(ev, now)
        for key in ("id", "schedule_version"):
            row.pop(key)
        cols = ", ".join(f"{k} = ?" for k in row)
        self.db.execute(f"UPDATE events SET {cols} WHERE id = ?", [*row.values(), ev.id])

    def _put_participant(self, event_id: str, p: Participant, position: int, token: str | None) -> None:
        """Insert or update one participant (no longer removed); ``token`` None keeps their link."""
        row = participant_row(event_id, p, token or "", position)
        if token is None:
            row.pop("token")
        if self.db["participants"].count_where("event_id = ? AND id = ?", [event_id, p.id]):
            cols = ", ".join(f"{k} = ?" for k in row if k not in ("event_id", "id"))
            vals = [v for k, v in row.items() if k not in ("event_id", "id")]
            # an erased person the organiser imports again is back, with the data the file gives
            self.db.execute(f"UPDATE participants SET {cols}, removed_at = NULL, erased_at = NULL"
                            " WHERE event_id = ? AND id = ?",
                            [*vals, event_id, p.id])  # fmt: skip
        else:
            self.db["participants"].insert(row)

    def _insert_requests(self, event_id: str, requests: tuple[Request, ...], now: datetime,
                         actor: str | None = None) -> None:
        """Add imported requests after the stored ones (with a history record when ``actor``)."""
        pos = self.db.execute("SELECT coalesce(max(position), -1) FROM requests WHERE event_id = ?",
                              [event_id]).fetchone()[0]  # fmt: skip
        self.db["requests"].insert_all(
            ({"event_id": event_id, "sender": r.sender, "receiver": r.receiver, "priority": r.priority,
              "status": r.status, "origin": "import", "extra": json.dumps(dict(r.extra)),
              "sessions": sessions_column(r.sessions), "created_at": to_iso(now), "updated_at": to_iso(now), "position": pos + 1 + i}
             for i, r in enumerate(requests)),
            batch_size=500, replace=True,  # a request of a participant who is back replaces its old row
        )  # fmt: skip
        if actor:
            self.db["request_history"].insert_all(
                {"event_id": event_id, "sender": r.sender, "receiver": r.receiver, "at": to_iso(now),
                 "actor": actor, "action": "create", "status": r.status} for r in requests)  # fmt: skip

    def plan_merge(self, incoming: EventData, now: datetime) -> MergePlan:
        """What re-importing ``incoming`` over the stored event would change (nothing is stored).

        Raises NotFound for an unknown event, InvalidInput for a file of another event."""
        ev_id = incoming.event.id
        return plan_merge(self.load(ev_id), self.request_states(ev_id), incoming, self.meetings(ev_id), now)

    def merge(self, incoming: EventData, *, actor: str, now: datetime | None = None,
              expected_version: int | None = None, action: str = "merge") -> tuple[MergePlan, int]:
        """Re-import ``incoming`` over the stored event in one transaction, with an audit record
        (``action``: its name, e.g. ``participant_add`` for one change made in the console).

        The plan is computed again inside the transaction (what was previewed may have moved
        on; ``expected_version``, the schedule version the preview saw, turns a schedule
        changed meanwhile into a Conflict). Tokens of kept participants and invite versions
        stay; removed participants keep their row (``removed_at``, link revoked); cancelled
        meetings keep theirs with SEQUENCE + 1. Returns the plan applied and the new
        schedule version. The undo history ends here (an undo must not bring back the
        meetings of someone removed).
        """
        now = now or datetime.now(UTC)
        ev_id = incoming.event.id
        with self.write() as db:
            version = self.schedule_version(ev_id)
            if expected_version is not None and version != expected_version:
                raise StaleVersion(stale_message(version, expected_version).replace("try again", "upload the file again"))
            plan = self.plan_merge(incoming, now)
            self._update_event_row(plan.merged.event, now)
            added = {p.id for p in plan.added}
            for i, p in enumerate(plan.merged.participants):
                self._put_participant(ev_id, p, i, secrets.token_urlsafe(24) if p.id in added else None)
            for p in plan.removed:
                db.execute("UPDATE participants SET removed_at = ?, token = ? WHERE event_id = ? AND id = ?",
                           [to_iso(now), secrets.token_urlsafe(24), ev_id, p.id])  # fmt: skip
            self._insert_requests(ev_id, plan.requests_added, now, actor)
            for r in plan.requests_changed:  # the file restricts it to other sessions
                db.execute("UPDATE requests SET sessions = ?, updated_at = ? WHERE event_id = ? AND sender = ? AND receiver = ?",
                           [sessions_column(r.sessions), to_iso(now), ev_id, r.sender, r.receiver])  # fmt: skip
                db["request_history"].insert({"event_id": ev_id, "sender": r.sender, "receiver": r.receiver,
                                              "at": to_iso(now), "actor": actor, "action": "sessions",
                                              "status": r.status})  # fmt: skip
            for r in plan.requests_withdrawn:
                db.execute("UPDATE requests SET status = 'withdrawn', updated_at = ?, expires_at = NULL"
                           " WHERE event_id = ? AND sender = ? AND receiver = ?",
                           [to_iso(now), ev_id, r.sender, r.receiver])  # fmt: skip
                db["request_history"].insert({"event_id": ev_id, "sender": r.sender, "receiver": r.receiver,
                                              "at": to_iso(now), "actor": actor, "action": "withdraw",
                                              "status": "withdrawn"})  # fmt: skip
            cancelled = [c.meeting.id for c in plan.cancelled]
            v = self.save_schedule(Schedule(ev_id, plan.meetings), actor=actor, expected_version=version, now=now,
                                   detail={"action": "merge", "cancelled": cancelled})  # fmt: skip
            db.execute("DELETE FROM snapshots WHERE event_id = ?", [ev_id])
            self.audit(ev_id, action, actor=actor, now=now, detail={
                "added": sorted(added), "updated": {u.participant.id: list(u.fields) for u in plan.updated},
                "removed": [p.id for p in plan.removed],
                "requests_added": [[r.sender, r.receiver] for r in plan.requests_added],
                "requests_withdrawn": [[r.sender, r.receiver] for r in plan.requests_withdrawn],
                "requests_changed": [[r.sender, r.receiver, sessions_column(r.sessions)] for r in plan.requests_changed],
                "settings": [list(s) for s in plan.settings],
                "cancelled": {c.meeting.id: c.reason for c in plan.cancelled}, "version": v,
            })  # fmt: skip
            return plan, v

    def _delete_event_rows(self, event_id: str) -> None:
        # history and audit stay: they are append-only records of what happened
        # live-day state of the replaced event goes (an undo must not bring back its meetings)
        # so do its surveys and their answers (personal data of participants the file starts again)
        for table in ("offers", "snapshots", "checkins", "survey_answers", "survey_rounds", "surveys", "meetings",
                      "requests", "participants", "events"):
            key = "id" if table == "events" else "event_id"
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", [event_id])

    def _fresh_tokens(self, n: int) -> list[str]:
        return [secrets.token_urlsafe(24) for _ in range(n)]
