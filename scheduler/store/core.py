"""The store's one entry, :class:`Store`: a connection (:mod:`.connection`) plus one class of
methods per aggregate, each in its own module with the tables it owns (see the package)."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scheduler.changes import pipeline
from scheduler.changes.merge import MergePlan, plan_merge, replace_warning
from scheduler.domain.errors import Conflict, NotFound, StaleVersion
from scheduler.domain.model import Event, EventData, Participant, Request, Schedule, Session, Window
from scheduler.files.formats import event_to_dict, parse_clock, parse_day, participant_to_dict
from scheduler.store.live import LiveState
from scheduler.store.outbox import Outbox
from scheduler.store.requests import Requests
from scheduler.store.rows import stale_message, to_iso
from scheduler.store.schedules import Schedules
from scheduler.store.schema import Schema
from scheduler.store.users import Users


def event_row(ev: Event, now: datetime) -> dict[str, Any]:
    """The ``events`` row of ``ev`` (``schedule_version`` 0, imported ``now``)."""
    doc = event_to_dict(ev)
    return {
        "id": ev.id, "name": ev.name, "timezone": ev.timezone, "slot_minutes": ev.slot_minutes,
        "gap_minutes": ev.gap_minutes, "rooms": ev.rooms, "max_meetings": ev.max_meetings,
        "video_url_template": ev.video_url_template, "allow_same_kind": int(ev.allow_same_kind),
        "sessions": json.dumps(doc["sessions"]), "extra": json.dumps(dict(ev.extra)),
        "schedule_version": 0, "imported_at": to_iso(now),
        "request_policy": ev.request_policy, "request_ttl_hours": ev.request_ttl_hours,
    }  # fmt: skip


def participant_row(event_id: str, p: Participant, token: str, position: int) -> dict[str, Any]:
    """The ``participants`` row of ``p``, with their link ``token`` and file ``position``."""
    doc = participant_to_dict(p)
    return {
        "event_id": event_id, "id": p.id, "name": p.name, "kind": p.kind,
        "timezone": p.timezone, "cluster": p.cluster, "country": p.country,
        "contact": p.contact, "email": p.email,
        "wh_start": doc["working_hours"]["start"], "wh_end": doc["working_hours"]["end"],
        "available": None if p.available is None else json.dumps(doc["available"]),
        "max_meetings": p.max_meetings, "sectors": json.dumps(list(p.sectors)),
        "needs": json.dumps(list(p.needs)), "offers": json.dumps(list(p.offers)),
        "languages": json.dumps(list(p.languages)), "description": p.description,
        "extra": json.dumps(dict(p.extra)), "token": token, "position": position,
    }  # fmt: skip


class Store(Schema, Requests, Schedules, LiveState, Outbox, Users):
    """A handle on one SQLite file; belongs to the thread that opened it."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False):
        super().__init__(path, memory=memory)
        self.migrate()

    # ------------------------------------------------------------ events

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
            if db["events"].count_where("id = ?", [ev.id]):
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
            db["events"].insert(event_row(ev, now))
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
                        "extra": json.dumps(dict(r.extra)), "created_at": to_iso(now),
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
            self.db.execute(f"UPDATE participants SET {cols}, removed_at = NULL WHERE event_id = ? AND id = ?",
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
              "created_at": to_iso(now), "updated_at": to_iso(now), "position": pos + 1 + i}
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
              expected_version: int | None = None) -> tuple[MergePlan, int]:
        """Re-import ``incoming`` over the stored event in one transaction, with an audit record.

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
            self.audit(ev_id, "merge", actor=actor, now=now, detail={
                "added": sorted(added), "updated": {u.participant.id: list(u.fields) for u in plan.updated},
                "removed": [p.id for p in plan.removed],
                "requests_added": [[r.sender, r.receiver] for r in plan.requests_added],
                "requests_withdrawn": [[r.sender, r.receiver] for r in plan.requests_withdrawn],
                "settings": [list(s) for s in plan.settings],
                "cancelled": {c.meeting.id: c.reason for c in plan.cancelled}, "version": v,
            })  # fmt: skip
            return plan, v

    def _delete_event_rows(self, event_id: str) -> None:
        # history and audit stay: they are append-only records of what happened
        # live-day state of the replaced event goes (an undo must not bring back its meetings)
        for table in ("offers", "snapshots", "checkins", "meetings", "requests", "participants", "events"):
            key = "id" if table == "events" else "event_id"
            self.db.execute(f"DELETE FROM {table} WHERE {key} = ?", [event_id])

    def _fresh_tokens(self, n: int) -> list[str]:
        return [secrets.token_urlsafe(24) for _ in range(n)]

    def event_ids(self) -> list[str]:
        return [r["id"] for r in self.db["events"].rows_where(order_by="id", select="id")]

    def event_summaries(self) -> list[dict[str, Any]]:
        """Return one summary row per stored event (for listings)."""
        sql = """
            SELECT e.id, e.name, e.timezone, e.rooms, e.schedule_version,
              (SELECT count(*) FROM participants p WHERE p.event_id = e.id AND p.removed_at IS NULL)
                AS participants,
              (SELECT count(*) FROM participants p WHERE p.event_id = e.id AND p.kind='traditional'
                AND p.removed_at IS NULL) AS traditional,
              (SELECT count(*) FROM requests r WHERE r.event_id = e.id) AS requests,
              (SELECT count(*) FROM meetings m WHERE m.event_id = e.id AND m.status != 'cancelled')
                AS meetings
            FROM events e ORDER BY e.id
        """
        return [dict(r) for r in self.db.query(sql)]

    def event(self, event_id: str) -> Event:
        row = self.db["events"].get(event_id) if self._has_event(event_id) else None
        if row is None:
            raise NotFound(f"no event {event_id!r}")

        return Event(
            id=row["id"], name=row["name"], timezone=row["timezone"],
            slot_minutes=row["slot_minutes"], gap_minutes=row["gap_minutes"],
            sessions=tuple(
                Session(parse_day(s["date"]), parse_clock(s["start"]), parse_clock(s["end"]))
                for s in json.loads(row["sessions"])
            ),
            rooms=row["rooms"], max_meetings=row["max_meetings"],
            video_url_template=row["video_url_template"],
            allow_same_kind=bool(row["allow_same_kind"]),
            request_policy=row.get("request_policy") or "unless_declined",
            request_ttl_hours=row.get("request_ttl_hours") or 72.0,
            extra=json.loads(row["extra"] or "{}"),
        )  # fmt: skip

    def _has_event(self, event_id: str) -> bool:
        return bool(self.db["events"].count_where("id = ?", [event_id]))

    def participants(self, event_id: str, *, removed: bool = False) -> tuple[Participant, ...]:
        """The event's participants in file order (``removed``: instead, the ones a re-import removed)."""
        out = []
        where = "event_id = ? AND removed_at IS " + ("NOT NULL" if removed else "NULL")
        for r in self.db["participants"].rows_where(where, [event_id], order_by="position"):
            avail = None
            if r["available"] is not None:
                avail = tuple(
                    Window(parse_day(w["date"]), parse_clock(w["start"]), parse_clock(w["end"]))
                    for w in json.loads(r["available"])
                )
            out.append(
                Participant(
                    id=r["id"], name=r["name"], kind=r["kind"], timezone=r["timezone"],
                    working_hours=(parse_clock(r["wh_start"]), parse_clock(r["wh_end"])), available=avail,
                    max_meetings=r["max_meetings"], cluster=r["cluster"] or "",
                    country=r["country"] or "", contact=r["contact"] or "", email=r["email"] or "",
                    sectors=tuple(json.loads(r["sectors"])), needs=tuple(json.loads(r["needs"])),
                    offers=tuple(json.loads(r["offers"])), languages=tuple(json.loads(r["languages"])),
                    description=r["description"] or "", extra=json.loads(r["extra"] or "{}"),
                )
            )  # fmt: skip
        return tuple(out)

    def load(self, event_id: str) -> EventData:
        """Return the whole stored event; requests of removed participants are left out (they
        stay in :meth:`request_states`), the removed participants are in ``removed``."""
        people = self.participants(event_id)
        ids = {p.id for p in people}
        reqs = tuple(r for r in self.requests(event_id) if r.sender in ids and r.receiver in ids)
        return EventData(self.event(event_id), people, reqs, self.participants(event_id, removed=True))

    def tokens(self, event_id: str) -> dict[str, str]:
        """Return participant id -> personal access token."""
        return {
            r["id"]: r["token"]
            for r in self.db["participants"].rows_where("event_id = ?", [event_id], select="id, token")
        }

    def by_token(self, token: str) -> tuple[str, str] | None:
        """Return (event id, participant id) for a personal link token, or None."""
        if not token:
            return None
        row = self.db.execute("SELECT event_id, id FROM participants WHERE token = ? AND removed_at IS NULL",
                              [token]).fetchone()  # fmt: skip
        return (row[0], row[1]) if row else None

    def renew_token(self, event_id: str, pid: str, actor: str) -> str:
        """Revoke a participant's link and return the new one's token."""
        token = secrets.token_urlsafe(24)
        with self.write() as db:
            cur = db.execute("UPDATE participants SET token = ? WHERE event_id = ? AND id = ?",
                             [token, event_id, pid])  # fmt: skip
            if cur.rowcount != 1:
                raise NotFound(f"no participant {pid!r} in event {event_id!r}")
            self.audit(event_id, "renew_token", actor=actor, detail={"participant": pid})
        return token

    def update_participant(self, event_id: str, p: Participant, actor: str) -> None:
        """Replace one participant's profile (already validated) in one transaction."""
        with self.write() as db:
            row = participant_row(event_id, p, "", 0)
            for key in ("token", "position", "event_id", "id"):
                row.pop(key)
            cols = ", ".join(f"{k} = ?" for k in row)
            cur = db.execute(f"UPDATE participants SET {cols} WHERE event_id = ? AND id = ?",
                             [*row.values(), event_id, p.id])  # fmt: skip
            if cur.rowcount != 1:
                raise NotFound(f"no participant {p.id!r} in event {event_id!r}")
            self.audit(event_id, "profile", actor=actor, detail={"participant": p.id})

    def change_profile(self, event_id: str, p: Participant, *, actor: str, keep: list[str], release: list[str],
                       now: datetime | None = None) -> None:
        """Save ``p``'s profile and decide its meetings that fall outside the new hours, in one
        transaction: ``keep`` ones are locked in place (no repair moves or cancels them: the
        participant said they will make it), ``release`` ones are cancelled (SEQUENCE + 1)."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            self.update_participant(event_id, p, actor)
            if keep:
                marks = ",".join("?" * len(keep))
                db.execute(f"UPDATE meetings SET locked = 1 WHERE event_id = ? AND id IN ({marks})", [event_id, *keep])
                self.audit(event_id, "keep_meetings", actor=actor, now=now,
                           detail={"participant": p.id, "kept": keep, "why": "kept outside the new availability"})
            if release:
                self.cancel_meetings(event_id, release, actor=actor, now=now,
                                     why=f"{p.name} is no longer available then")
