"""The only module that talks to SQLite (through sqlite-utils).

One file per deployment (default ``data/matchmaking.db``), WAL mode, foreign
keys on. The schema is versioned with ``PRAGMA user_version``: each entry of
:data:`MIGRATIONS` moves the file one version up inside one transaction, so a
later release appends entries and never edits old ones. Every change that
touches several rows runs in one transaction; a rejected change leaves the
file as it was.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlite_utils

from scheduler.changes import pipeline
from scheduler.changes.merge import MergePlan, plan_merge, replace_warning
from scheduler.domain.errors import Conflict, NotFound, StaleVersion
from scheduler.domain.model import (
    Event,
    EventData,
    Meeting,
    Participant,
    Request,
    Schedule,
    Session,
    Window,
)
from scheduler.files.inputs import parse_clock, parse_day
from scheduler.files.writer import event_to_dict, participant_to_dict
from scheduler.matching import requests as req
from scheduler.matching.requests import RequestState

DEFAULT_DB = Path("data") / "matchmaking.db"
ENV_VAR = "MATCHMAKING_DB"


def default_path(env: dict[str, str] | None = None) -> Path:
    """Return the database path from the environment, else the default."""
    env = os.environ if env is None else env
    return Path(env.get(ENV_VAR) or DEFAULT_DB)


def _iso(dt: datetime) -> str:
    if dt.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return dt.astimezone(UTC).isoformat()


def _dt(s: str) -> datetime:
    return datetime.fromisoformat(s).astimezone(UTC)


#: statuses of a meeting that does not take place (its calendar entry is cancelled or moot)
GONE = ("cancelled", "no_show")


def _stale(version: int, expected: int) -> str:
    """The words for a change refused because the page it came from is out of date."""
    return (f"Someone changed the schedule meanwhile (your page showed version {expected}, it is now at "
            f"{version}), so nothing was changed. Look at the schedule as it is now and try again.")


def _invite_changed(prev: Meeting, new: Meeting) -> bool:
    """Whether the participants' calendars must hear of the change (a higher SEQUENCE):
    a new time or room, a cancellation, or a cancelled meeting that comes back."""
    if (prev.start, prev.room) != (new.start, new.room):
        return True
    return (new.status == "cancelled") != (prev.status == "cancelled")


def _v1(db: sqlite_utils.Database) -> None:
    db["events"].create(
        {
            "id": str, "name": str, "timezone": str, "slot_minutes": int, "gap_minutes": int,
            "rooms": int, "max_meetings": int, "video_url_template": str, "allow_same_kind": int,
            "sessions": str, "extra": str, "schedule_version": int, "imported_at": str,
        },
        pk="id", not_null={"name", "timezone", "slot_minutes", "rooms", "max_meetings"},
        defaults={"gap_minutes": 0, "allow_same_kind": 0, "schedule_version": 0, "extra": "{}"},
    )  # fmt: skip
    db["participants"].create(
        {
            "event_id": str, "id": str, "name": str, "kind": str, "timezone": str,
            "cluster": str, "country": str, "contact": str, "email": str,
            "wh_start": str, "wh_end": str, "available": str, "max_meetings": int,
            "sectors": str, "needs": str, "offers": str, "languages": str,
            "description": str, "extra": str, "token": str, "position": int,
        },
        pk=("event_id", "id"), foreign_keys=[("event_id", "events", "id")],
        not_null={"name", "kind", "timezone", "token"},
    )  # fmt: skip
    db["participants"].create_index(["token"], unique=True)
    db["requests"].create(
        {
            "event_id": str, "sender": str, "receiver": str, "priority": int, "status": str,
            "origin": str, "extra": str, "created_at": str, "updated_at": str,
            "expires_at": str, "position": int,
        },
        pk=("event_id", "sender", "receiver"), foreign_keys=[("event_id", "events", "id")],
        defaults={"status": "pending", "origin": "import", "extra": "{}"},
    )  # fmt: skip
    db.execute(
        "CREATE TABLE meetings (event_id TEXT NOT NULL REFERENCES events(id), id TEXT NOT NULL,"
        " a TEXT NOT NULL, b TEXT NOT NULL, start TEXT NOT NULL, end TEXT NOT NULL,"
        " room INTEGER NOT NULL, status TEXT NOT NULL DEFAULT 'scheduled',"
        " locked INTEGER NOT NULL DEFAULT 0, version INTEGER NOT NULL DEFAULT 0,"
        " PRIMARY KEY (event_id, id),"
        " FOREIGN KEY (event_id, a) REFERENCES participants(event_id, id),"
        " FOREIGN KEY (event_id, b) REFERENCES participants(event_id, id))"
    )
    db["meetings"].create_index(["event_id", "start"])
    db["audit"].create(
        {"id": int, "event_id": str, "at": str, "actor": str, "action": str, "detail": str},
        pk="id", not_null={"event_id", "at", "action"},
    )  # fmt: skip
    db["audit"].create_index(["event_id", "id"])
    db.execute(
        "CREATE TRIGGER audit_append_only_u BEFORE UPDATE ON audit"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_append_only_d BEFORE DELETE ON audit"
        " BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
    )


def _v2(db: sqlite_utils.Database) -> None:
    """Request lifecycle history (append-only) for the request / accept cycle."""
    db["request_history"].create(
        {"id": int, "event_id": str, "sender": str, "receiver": str, "at": str, "actor": str,
         "action": str, "status": str},
        pk="id", not_null={"event_id", "sender", "receiver", "at", "action", "status"},
    )  # fmt: skip
    db["request_history"].create_index(["event_id", "sender", "receiver"])
    for op in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER request_history_append_only_{op[0].lower()} BEFORE {op} ON request_history"
            " BEGIN SELECT RAISE(ABORT, 'the request history is append-only'); END"
        )
    db["requests"].add_column("score", float)
    db["events"].add_column("request_policy", str, not_null_default="unless_declined")
    db["events"].add_column("request_ttl_hours", float, not_null_default=72.0)


def _v3(db: sqlite_utils.Database) -> None:
    """Durable outbox for calendar invites: every message stored before it is sent."""
    db.execute(
        "CREATE TABLE outbox (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL, meeting_id TEXT NOT NULL,"
        " participant_id TEXT NOT NULL, sequence INTEGER NOT NULL, method TEXT NOT NULL,"
        " recipient TEXT NOT NULL, subject TEXT NOT NULL, message TEXT NOT NULL, message_id TEXT NOT NULL,"
        " status TEXT NOT NULL DEFAULT 'queued', attempts INTEGER NOT NULL DEFAULT 0,"
        " next_attempt_at TEXT NOT NULL, last_error TEXT, created_at TEXT NOT NULL, sent_at TEXT,"
        " UNIQUE (event_id, meeting_id, participant_id, sequence, method))"
    )
    db["outbox"].create_index(["status", "next_attempt_at"])


def _v4(db: sqlite_utils.Database) -> None:
    """Organiser and host accounts; a per-event solve lock for background jobs."""
    db["users"].create({"username": str, "password_hash": str, "role": str, "created_at": str},
                       pk="username", not_null={"password_hash", "role"})  # fmt: skip
    db["events"].add_column("solving_since", str)


def _v5(db: sqlite_utils.Database) -> None:
    """Schedule snapshots for undo; check-ins for the live event."""
    db["snapshots"].create({"id": int, "event_id": str, "version": int, "actor": str, "at": str, "action": str,
                            "meetings": str}, pk="id")  # fmt: skip
    db["snapshots"].create_index(["event_id", "id"])
    db["checkins"].create({"event_id": str, "participant_id": str, "at": str, "by": str},
                          pk=("event_id", "participant_id"))  # fmt: skip


def _v6(db: sqlite_utils.Database) -> None:
    """Live-day settings per event, closed virtual rooms, standby "meet now" offers."""
    db.execute("ALTER TABLE events ADD COLUMN auto_repair INTEGER NOT NULL DEFAULT 1")
    db.execute("ALTER TABLE events ADD COLUMN standby_minutes INTEGER NOT NULL DEFAULT 5")
    db.execute("ALTER TABLE events ADD COLUMN closed_rooms TEXT NOT NULL DEFAULT '[]'")
    db.execute(
        "CREATE TABLE offers (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL REFERENCES events(id),"
        " slot_start TEXT NOT NULL, slot_end TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL,"
        " room INTEGER NOT NULL, score REAL NOT NULL, reasons TEXT NOT NULL, replaces TEXT NOT NULL,"
        " a_answer TEXT, b_answer TEXT, status TEXT NOT NULL DEFAULT 'open', meeting_id TEXT, note TEXT,"
        " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"
    )
    db["offers"].create_index(["event_id", "status"])


def _v7(db: sqlite_utils.Database) -> None:
    """How many recommendations per traditional SME a live repair may refill from (the waitlist)."""
    db.execute("ALTER TABLE events ADD COLUMN waitlist INTEGER NOT NULL DEFAULT 3")


def _v8(db: sqlite_utils.Database) -> None:
    """A participant a re-import removed stays as a record (past meetings, cancellations and the
    audit name them): ``removed_at`` says since when; their personal link no longer works."""
    db.execute("ALTER TABLE participants ADD COLUMN removed_at TEXT")


#: Schema migrations, oldest first; entry i brings the file to version i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8]
SCHEMA_VERSION = len(MIGRATIONS)


class Store:
    """A handle on one SQLite file; belongs to the thread that opened it."""

    def __init__(self, path: str | Path | None = None, *, memory: bool = False):
        if memory:
            self.db = sqlite_utils.Database(memory=True)
            self.path: Path | None = None
        else:
            self.path = Path(path) if path is not None else default_path()
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=30, isolation_level=None, check_same_thread=True)
            self.db = sqlite_utils.Database(conn)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.migrate()

    def close(self) -> None:
        self.db.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------ schema

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Bring the schema up to :data:`SCHEMA_VERSION`; a no-op when it is current."""
        while self.schema_version < SCHEMA_VERSION:
            with self.write():
                current = self.schema_version  # re-read under the write lock
                if current >= SCHEMA_VERSION:
                    break
                MIGRATIONS[current](self.db)
                self.db.execute(f"PRAGMA user_version={current + 1}")

    @contextmanager
    def write(self) -> Iterator[sqlite_utils.Database]:
        """Run the block as one write transaction (BEGIN IMMEDIATE), rolled back on error."""
        conn = self.db.conn
        if conn.in_transaction:  # nested: join the outer transaction
            yield self.db
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

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
            db["events"].insert(self._event_row(ev, now))
            tokens = self._fresh_tokens(len(data.participants))
            db["participants"].insert_all(
                (self._participant_row(ev.id, p, tok, i)
                 for i, (p, tok) in enumerate(zip(data.participants, tokens, strict=True))),
                batch_size=500,
            )  # fmt: skip
            db["requests"].insert_all(
                (
                    {
                        "event_id": ev.id, "sender": r.sender, "receiver": r.receiver,
                        "priority": r.priority, "status": r.status, "origin": "import",
                        "extra": json.dumps(dict(r.extra)), "created_at": _iso(now),
                        "updated_at": _iso(now), "position": i,
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
                            [_iso(now), secrets.token_urlsafe(24), ev_id, pid])  # fmt: skip
        for i, p in enumerate(data.participants):
            self._put_participant(ev_id, p, i, secrets.token_urlsafe(24))
        self._update_event_row(data.event, now)
        self._insert_requests(ev_id, data.requests, now)
        self.db.execute("UPDATE events SET schedule_version = ? WHERE id = ?", [version + 1, ev_id])
        self.audit(ev_id, "import", actor=actor, now=now,
                   detail={"participants": len(data.participants), "requests": len(data.requests),
                           "replaced": True, "cancelled": cancelled, "version": version + 1})  # fmt: skip

    def _update_event_row(self, ev: Event, now: datetime) -> None:
        row = self._event_row(ev, now)
        for key in ("id", "schedule_version"):
            row.pop(key)
        cols = ", ".join(f"{k} = ?" for k in row)
        self.db.execute(f"UPDATE events SET {cols} WHERE id = ?", [*row.values(), ev.id])

    def _put_participant(self, event_id: str, p: Participant, position: int, token: str | None) -> None:
        """Insert or update one participant (no longer removed); ``token`` None keeps their link."""
        row = self._participant_row(event_id, p, token or "", position)
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
              "created_at": _iso(now), "updated_at": _iso(now), "position": pos + 1 + i}
             for i, r in enumerate(requests)),
            batch_size=500, replace=True,  # a request of a participant who is back replaces its old row
        )  # fmt: skip
        if actor:
            self.db["request_history"].insert_all(
                {"event_id": event_id, "sender": r.sender, "receiver": r.receiver, "at": _iso(now),
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
                raise StaleVersion(_stale(version, expected_version).replace("try again", "upload the file again"))
            plan = self.plan_merge(incoming, now)
            self._update_event_row(plan.merged.event, now)
            added = {p.id for p in plan.added}
            for i, p in enumerate(plan.merged.participants):
                self._put_participant(ev_id, p, i, secrets.token_urlsafe(24) if p.id in added else None)
            for p in plan.removed:
                db.execute("UPDATE participants SET removed_at = ?, token = ? WHERE event_id = ? AND id = ?",
                           [_iso(now), secrets.token_urlsafe(24), ev_id, p.id])  # fmt: skip
            self._insert_requests(ev_id, plan.requests_added, now, actor)
            for r in plan.requests_withdrawn:
                db.execute("UPDATE requests SET status = 'withdrawn', updated_at = ?, expires_at = NULL"
                           " WHERE event_id = ? AND sender = ? AND receiver = ?",
                           [_iso(now), ev_id, r.sender, r.receiver])  # fmt: skip
                db["request_history"].insert({"event_id": ev_id, "sender": r.sender, "receiver": r.receiver,
                                              "at": _iso(now), "actor": actor, "action": "withdraw",
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

    @staticmethod
    def _event_row(ev: Event, now: datetime) -> dict[str, Any]:
        doc = event_to_dict(ev)
        return {
            "id": ev.id, "name": ev.name, "timezone": ev.timezone, "slot_minutes": ev.slot_minutes,
            "gap_minutes": ev.gap_minutes, "rooms": ev.rooms, "max_meetings": ev.max_meetings,
            "video_url_template": ev.video_url_template, "allow_same_kind": int(ev.allow_same_kind),
            "sessions": json.dumps(doc["sessions"]), "extra": json.dumps(dict(ev.extra)),
            "schedule_version": 0, "imported_at": _iso(now),
            "request_policy": ev.request_policy, "request_ttl_hours": ev.request_ttl_hours,
        }  # fmt: skip

    @staticmethod
    def _participant_row(event_id: str, p: Participant, token: str, position: int) -> dict[str, Any]:
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

    def requests(self, event_id: str) -> tuple[Request, ...]:
        return tuple(
            Request(r["sender"], r["receiver"], r["priority"], r["status"], json.loads(r["extra"] or "{}"))
            for r in self.db["requests"].rows_where("event_id = ?", [event_id], order_by="position")
        )

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

    # ------------------------------------------------------------ requests

    def request_states(self, event_id: str) -> list[RequestState]:
        """Return every request of the event with its lifecycle fields."""
        return [
            RequestState(
                Request(r["sender"], r["receiver"], r["priority"], r["status"], json.loads(r["extra"] or "{}")),
                r["origin"] or "import", _dt(r["created_at"]), _dt(r["updated_at"]),
                _dt(r["expires_at"]) if r["expires_at"] else None,
            )
            for r in self.db["requests"].rows_where("event_id = ?", [event_id], order_by="position")
        ]  # fmt: skip

    def add_requests(self, event_id: str, new: list[tuple[str, str, int]], *, status: str, origin: str,
                     actor: str, now: datetime | None = None,
                     scores: dict[tuple[str, str], float] | None = None) -> int:
        """Add requests (sender, receiver, priority) in one transaction; all or none."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            data = self.load(event_id)
            wait = req.ttl(data.event)
            pos = self.db.execute("SELECT coalesce(max(position), -1) FROM requests WHERE event_id = ?",
                                  [event_id]).fetchone()[0]  # fmt: skip
            rows = []
            for i, (a, b, prio) in enumerate(new):
                req.check_new(data, a, b, prio)
                data = EventData(data.event, data.participants, (*data.requests, Request(a, b, prio, status)))
                rows.append({
                    "event_id": event_id, "sender": a, "receiver": b, "priority": prio, "status": status,
                    "origin": origin, "extra": "{}", "created_at": _iso(now), "updated_at": _iso(now),
                    "expires_at": _iso(now + wait) if status == "pending" else None,
                    "position": pos + 1 + i, "score": (scores or {}).get((a, b)),
                })  # fmt: skip
            db["requests"].insert_all(rows)
            db["request_history"].insert_all(
                {"event_id": event_id, "sender": r["sender"], "receiver": r["receiver"], "at": _iso(now),
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
                [new.request.status, _iso(now), _iso(new.expires_at) if new.expires_at else None,
                 event_id, sender, receiver],
            )  # fmt: skip
            db["request_history"].insert({"event_id": event_id, "sender": sender, "receiver": receiver,
                                          "at": _iso(now), "actor": actor, "action": action,
                                          "status": new.request.status})  # fmt: skip
            # a meeting still to come that nobody wants any more is cancelled in the same transaction
            # (the whole event is read only when this pair has such a meeting: expiry runs this per request)
            booked = db.execute(
                "SELECT 1 FROM meetings WHERE event_id = ? AND status IN ('scheduled', 'moved') AND start > ?"
                " AND ((a = ? AND b = ?) OR (a = ? AND b = ?)) LIMIT 1",
                [event_id, _iso(now), sender, receiver, receiver, sender]).fetchone()  # fmt: skip
            gone = [] if booked is None else [m for m in pipeline.unwanted(self.load(event_id), self.meetings(event_id), now)
                                              if {m.a, m.b} == {sender, receiver}]  # fmt: skip
            if gone:
                self.cancel_meetings(event_id, [m.id for m in gone], actor=actor, now=now,
                                     why=f"request {sender} -> {receiver} {new.request.status}")  # fmt: skip
        return new

    def cancel_meetings(self, event_id: str, ids: list[str], *, actor: str, why: str,
                        now: datetime | None = None, expected_version: int | None = None) -> int:
        """Cancel the meetings ``ids`` (kept as ``cancelled``, SEQUENCE + 1) in one transaction,
        with a snapshot for undo and an audit record saying why; return the new schedule version."""
        with self.write():
            meetings = self.meetings(event_id)
            return self.save_schedule(Schedule(event_id, pipeline.cancelled(meetings, ids)), actor=actor,
                                      expected_version=expected_version, now=now,
                                      detail={"action": "cancel", "cancelled": list(ids), "why": why})  # fmt: skip

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

    # ------------------------------------------------------------ people and access

    def add_user(self, username: str, password_hash: str, role: str, now: datetime | None = None) -> None:
        if role not in ("organiser", "host"):
            raise ValueError(f"role must be organiser or host, not {role!r}")
        with self.write() as db:
            if db["users"].count_where("username = ?", [username]):
                raise Conflict(f"user {username!r} already exists")
            db["users"].insert({"username": username, "password_hash": password_hash, "role": role,
                                "created_at": _iso(now or datetime.now(UTC))})  # fmt: skip

    def remove_user(self, username: str) -> None:
        """Delete an account; its open sessions and sockets end at their next check."""
        with self.write() as db:
            if db.execute("DELETE FROM users WHERE username = ?", [username]).rowcount != 1:
                raise NotFound(f"no user {username!r}")

    def set_role(self, username: str, role: str) -> None:
        if role not in ("organiser", "host"):
            raise ValueError(f"role must be organiser or host, not {role!r}")
        with self.write() as db:
            if db.execute("UPDATE users SET role = ? WHERE username = ?", [role, username]).rowcount != 1:
                raise NotFound(f"no user {username!r}")

    def user(self, username: str) -> dict[str, Any] | None:
        rows = list(self.db["users"].rows_where("username = ?", [username]))
        return rows[0] if rows else None

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
            row = self._participant_row(event_id, p, "", 0)
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

    def check_in(self, event_id: str, pid: str, by: str, now: datetime | None = None) -> None:
        """Record that ``pid`` is here (said by themselves or a host), with an audit record."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            db["checkins"].upsert({"event_id": event_id, "participant_id": pid, "at": _iso(now), "by": by},
                                  pk=("event_id", "participant_id"))  # fmt: skip
            self.audit(event_id, "checkin", actor=by, now=now, detail={"participant": pid})

    def checked_in(self, event_id: str) -> set[str]:
        return {r["participant_id"] for r in self.db["checkins"].rows_where("event_id = ?", [event_id])}

    # ------------------------------------------------------------ solve lock

    def start_solve(self, event_id: str, now: datetime | None = None,
                    stale_after: timedelta = timedelta(minutes=30)) -> bool:
        """Take the event's lock for a solve or a repair; False when one is already running.

        A lock older than ``stale_after`` was left by a process that died: it is taken over.
        """
        now = now or datetime.now(UTC)
        with self.write() as db:
            self.event(event_id)  # NotFound for an unknown event
            cur = db.execute("UPDATE events SET solving_since = ? WHERE id = ? AND"
                             " (solving_since IS NULL OR solving_since < ?)",
                             [_iso(now), event_id, _iso(now - stale_after)])  # fmt: skip
            return cur.rowcount == 1

    def end_solve(self, event_id: str) -> None:
        with self.write() as db:
            db.execute("UPDATE events SET solving_since = NULL WHERE id = ?", [event_id])

    def solving(self, event_id: str) -> bool:
        row = self.db.execute("SELECT solving_since FROM events WHERE id = ?", [event_id]).fetchone()
        return bool(row and row[0])

    # ------------------------------------------------------------ live day

    def live_settings(self, event_id: str) -> dict[str, Any]:
        """``auto_repair`` (apply repairs after a no-show at once), ``standby_minutes`` (offer a
        "meet now" when a partner is this late), ``closed_rooms`` (virtual rooms out of use),
        ``waitlist`` (top recommendations per traditional SME a repair may refill from)."""
        row = self.db.execute("SELECT auto_repair, standby_minutes, closed_rooms, waitlist FROM events WHERE id = ?",
                              [event_id]).fetchone()  # fmt: skip
        if row is None:
            raise NotFound(f"no event {event_id!r}")
        return {"auto_repair": bool(row[0]), "standby_minutes": int(row[1]), "closed_rooms": json.loads(row[2]),
                "waitlist": int(row[3])}  # fmt: skip

    def set_live_settings(self, event_id: str, *, actor: str, auto_repair: bool | None = None,
                          standby_minutes: int | None = None, closed_rooms: list[int] | None = None,
                          waitlist: int | None = None, now: datetime | None = None) -> dict[str, Any]:
        with self.write() as db:
            current = self.live_settings(event_id)
            new = {"auto_repair": current["auto_repair"] if auto_repair is None else bool(auto_repair),
                   "standby_minutes": current["standby_minutes"] if standby_minutes is None else int(standby_minutes),
                   "closed_rooms": current["closed_rooms"] if closed_rooms is None else sorted(set(closed_rooms)),
                   "waitlist": current["waitlist"] if waitlist is None else int(waitlist)}  # fmt: skip
            db.execute("UPDATE events SET auto_repair = ?, standby_minutes = ?, closed_rooms = ?, waitlist = ?"
                       " WHERE id = ?", [int(new["auto_repair"]), new["standby_minutes"],
                                         json.dumps(new["closed_rooms"]), new["waitlist"], event_id])  # fmt: skip
            self.audit(event_id, "live_settings", actor=actor, now=now, detail={"before": current, "after": new})
            return new

    def add_offers(self, event_id: str, offers: list[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
        """Store new standby offers (one transaction); return them with their ids."""
        out = []
        with self.write() as db:
            for o in offers:
                row = {"event_id": event_id, "slot_start": _iso(o["slot_start"]), "slot_end": _iso(o["slot_end"]),
                       "a": o["a"], "b": o["b"], "room": o["room"], "score": o["score"],
                       "reasons": json.dumps(list(o["reasons"])), "replaces": json.dumps(list(o["replaces"])),
                       "status": "open", "created_at": _iso(now), "updated_at": _iso(now)}  # fmt: skip
                row["id"] = db["offers"].insert(row).last_pk
                self.audit(event_id, "standby_offer", actor="system", now=now,
                           detail={"offer": row["id"], "a": o["a"], "b": o["b"], "slot": row["slot_start"]})  # fmt: skip
                out.append(self.offer(event_id, row["id"]))
        return out

    @staticmethod
    def _offer(row: dict[str, Any]) -> dict[str, Any]:
        return {**row, "slot_start": _dt(row["slot_start"]), "slot_end": _dt(row["slot_end"]),
                "reasons": json.loads(row["reasons"]), "replaces": json.loads(row["replaces"])}  # fmt: skip

    def offers(self, event_id: str, *, status: str | None = None, participant: str | None = None,
               ) -> list[dict[str, Any]]:
        where, args = "event_id = ?", [event_id]
        if status:
            where, args = where + " AND status = ?", [*args, status]
        if participant:
            where, args = where + " AND (a = ? OR b = ?)", [*args, participant, participant]
        return [self._offer(dict(r)) for r in self.db["offers"].rows_where(where, args, order_by="id")]

    def offer(self, event_id: str, offer_id: int) -> dict[str, Any]:
        rows = list(self.db["offers"].rows_where("event_id = ? AND id = ?", [event_id, offer_id]))
        if not rows:
            raise NotFound(f"no offer {offer_id} in event {event_id!r}")
        return self._offer(dict(rows[0]))

    def set_offer(self, event_id: str, offer_id: int, now: datetime, *, actor: str = "system",
                  **fields: Any) -> dict[str, Any]:
        """Change an offer's ``a_answer``, ``b_answer``, ``status``, ``meeting_id`` or ``note``."""
        allowed = {"a_answer", "b_answer", "status", "meeting_id", "note"}
        if set(fields) - allowed:
            raise ValueError(f"cannot set {sorted(set(fields) - allowed)} on an offer")
        with self.write() as db:
            self.offer(event_id, offer_id)
            cols = ", ".join(f"{k} = ?" for k in fields)
            db.execute(f"UPDATE offers SET {cols}, updated_at = ? WHERE event_id = ? AND id = ?",
                       [*fields.values(), _iso(now), event_id, offer_id])  # fmt: skip
            self.audit(event_id, "standby_offer", actor=actor, now=now, detail={"offer": offer_id, **fields})
            return self.offer(event_id, offer_id)

    # ------------------------------------------------------------ outbox

    def queue(self, messages: list[dict[str, Any]], now: datetime | None = None) -> int:
        """Store messages before anything is sent; one already queued (same key) is kept as it was."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            before = db["outbox"].count
            db["outbox"].insert_all(
                ({**m, "status": "queued", "attempts": 0, "next_attempt_at": _iso(now), "created_at": _iso(now)}
                 for m in messages),
                ignore=True,
            )  # fmt: skip
            return db["outbox"].count - before

    def published(self, event_id: str) -> bool:
        """Whether any invite of the event was ever queued (the organiser published it)."""
        return self.db.execute("SELECT 1 FROM outbox WHERE event_id = ? LIMIT 1", [event_id]).fetchone() is not None

    def announced(self, event_id: str) -> set[str]:
        """Ids of the meetings any invite was ever queued for (they are never deleted again)."""
        rows = self.db.execute("SELECT DISTINCT meeting_id FROM outbox WHERE event_id = ?", [event_id])
        return {r[0] for r in rows.fetchall()}

    def notified(self, event_id: str) -> set[tuple[str, str, int, str]]:
        """Return (meeting, participant, sequence, method) of every message ever queued."""
        rows = self.db.execute(
            "SELECT meeting_id, participant_id, sequence, method FROM outbox WHERE event_id = ?", [event_id])
        return {(a, b, int(c), d) for a, b, c, d in rows.fetchall()}

    def due(self, now: datetime, stale_after: timedelta, limit: int = 200) -> list[dict[str, Any]]:
        """Messages to try now: queued and due, or stuck in 'sending' (a crash mid-send) for a while."""
        return [dict(r) for r in self.db.query(
            "SELECT * FROM outbox WHERE (status = 'queued' AND next_attempt_at <= ?)"
            " OR (status = 'sending' AND next_attempt_at <= ?) ORDER BY id LIMIT ?",
            [_iso(now), _iso(now - stale_after), limit])]  # fmt: skip

    def mark(self, message_id: int, status: str, now: datetime, *, error: str | None = None,
             next_attempt: datetime | None = None, attempt: bool = False) -> None:
        """Record one delivery step of one message (its own transaction)."""
        with self.write() as db:
            sets = {"status": status, "last_error": error}
            if status == "sent":
                sets["sent_at"] = _iso(now)
            if next_attempt is not None:
                sets["next_attempt_at"] = _iso(next_attempt)
            if status == "sending":
                sets["next_attempt_at"] = _iso(now)
            cols = ", ".join(f"{k} = ?" for k in sets)
            db.execute(f"UPDATE outbox SET {cols}{', attempts = attempts + 1' if attempt else ''} WHERE id = ?",
                       [*sets.values(), message_id])  # fmt: skip

    def outbox(self, event_id: str) -> list[dict[str, Any]]:
        return [dict(r) for r in self.db["outbox"].rows_where("event_id = ?", [event_id], order_by="id")]

    # ------------------------------------------------------------ schedules

    def schedule_version(self, event_id: str) -> int:
        row = self.db.execute("SELECT schedule_version FROM events WHERE id = ?", [event_id]).fetchone()
        if row is None:
            raise NotFound(f"no event {event_id!r}")
        return int(row[0])

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
                raise StaleVersion(_stale(version, expected_version))
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
        when its time or room changes or it is cancelled. Returns the meeting as stored."""
        now = now or datetime.now(UTC)
        with self.write() as db:
            version = self.schedule_version(event_id)
            if expected_version is not None and version != expected_version:
                raise StaleVersion(_stale(version, expected_version))  # fmt: skip
            current = self.meetings(event_id)
            old = next((m for m in current if m.id == meeting_id), None)
            if old is not None:
                self._snapshot(event_id, version, current, actor, now, reason or "meeting")
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
                "meeting": meeting_id, "reason": reason, "version": version + 1,
                "before": {"start": _iso(old.start), "room": old.room, "status": old.status},
                "after": {"start": row["start"], "room": new.room, "status": new.status},
            })  # fmt: skip
            return Meeting(new.id, new.a, new.b, new.start, new.end, new.room, new.status, new.locked, bumped)

    def _snapshot(self, event_id: str, version: int, meetings: tuple[Meeting, ...], actor: str,
                  now: datetime, action: str) -> None:
        """Keep the schedule as it was before a change, for undo."""
        self.db["snapshots"].insert({
            "event_id": event_id, "version": version, "actor": actor, "at": _iso(now), "action": action,
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
                Meeting(r["id"], r["a"], r["b"], _dt(r["start"]), _dt(r["end"]), r["room"], r["status"],
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
        return None if row is None else {"actor": row[0], "at": _dt(row[1]), "action": row[2]}

    @staticmethod
    def _meeting_row(event_id: str, m: Meeting, version: int) -> dict[str, Any]:
        return {
            "event_id": event_id, "id": m.id, "a": m.a, "b": m.b, "start": _iso(m.start),
            "end": _iso(m.end), "room": m.room, "status": m.status, "locked": int(m.locked),
            "version": version,
        }  # fmt: skip

    def meetings(self, event_id: str) -> tuple[Meeting, ...]:
        return tuple(
            Meeting(r["id"], r["a"], r["b"], _dt(r["start"]), _dt(r["end"]), r["room"], r["status"],
                    bool(r["locked"]), r["version"])  # fmt: skip
            for r in self.db["meetings"].rows_where("event_id = ?", [event_id], order_by="start, room")
        )

    # ------------------------------------------------------------ audit

    def audit(self, event_id: str, action: str, *, actor: str = "system", detail: Any = None,
              now: datetime | None = None) -> None:
        """Append one record to the audit log."""
        now = now or datetime.now(UTC)
        self.db["audit"].insert(
            {"event_id": event_id, "at": _iso(now), "actor": actor, "action": action,
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

    def counts(self) -> dict[str, int]:
        """Row counts per table (for tests and diagnostics)."""
        return {t: self.db[t].count for t in ("events", "participants", "requests", "meetings", "audit")}
