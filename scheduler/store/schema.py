"""The schema: owns ``PRAGMA user_version`` and the shape of every table.

Each entry of :data:`MIGRATIONS` moves the file one version up inside one
transaction; a later release appends entries and never edits old ones.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from scheduler.store.connection import Connection


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


def _v9(db: sqlite_utils.Database) -> None:
    """Each event's calendar UID domain (``Event.uid_domain``), fixed when the event is first stored.

    The product was called b2bmatch until this version: an event that may already be in someone's
    calendar keeps ``b2bmatch.invalid``, else its next REQUEST / CANCEL would add a second entry
    instead of updating (or cancelling) the first. That is an event with any invite queued, and
    also one with a schedule (its participants' pages offer each meeting's .ics file and a feed
    even before publication). The others take the new name's ``entente.invalid``."""
    db.execute("ALTER TABLE events ADD COLUMN uid_domain TEXT NOT NULL DEFAULT 'entente.invalid'")
    db.execute("UPDATE events SET uid_domain = 'b2bmatch.invalid' WHERE"
               " EXISTS (SELECT 1 FROM outbox o WHERE o.event_id = events.id)"
               " OR EXISTS (SELECT 1 FROM meetings m WHERE m.event_id = events.id)")


def _v10(db: sqlite_utils.Database) -> None:
    """The sessions a request restricts its meeting to (``Request.sessions``), written as in a
    requests.csv cell: numbers from 1 separated by ';' (``1;3``); empty for any session."""
    db.execute("ALTER TABLE requests ADD COLUMN sessions TEXT NOT NULL DEFAULT ''")


def _v11(db: sqlite_utils.Database) -> None:
    """Pilot surveys (:mod:`scheduler.surveys`): each version of each event's surveys, the answers,
    the rounds the organiser schedules; the outbox learns that not every message is an invite.

    ``surveys.doc`` is :func:`scheduler.surveys.model.survey_to_dict` as JSON; a version is never
    changed once stored (an edit adds the next). ``survey_answers`` holds one row per participant,
    survey, meeting (``''`` for a survey not per meeting) and wave (``''``, ``m3``, ``m6``), with the
    version answered. ``survey_rounds`` says when invitations and reminders go out. ``outbox.kind``
    is ``invite`` (iMIP, the only kind before) or ``survey``; only invites announce meetings."""
    db.execute(
        "CREATE TABLE surveys (event_id TEXT NOT NULL REFERENCES events(id), id TEXT NOT NULL,"
        " version INTEGER NOT NULL, kind TEXT NOT NULL, doc TEXT NOT NULL, created_at TEXT NOT NULL,"
        " created_by TEXT NOT NULL DEFAULT '', PRIMARY KEY (event_id, id, version))"
    )
    db.execute(
        "CREATE TABLE survey_answers (id INTEGER PRIMARY KEY, event_id TEXT NOT NULL REFERENCES events(id),"
        " survey_id TEXT NOT NULL, version INTEGER NOT NULL, participant_id TEXT NOT NULL,"
        " meeting_id TEXT NOT NULL DEFAULT '', wave TEXT NOT NULL DEFAULT '', answers TEXT NOT NULL,"
        " answered_at TEXT NOT NULL, updated_at TEXT NOT NULL,"
        " UNIQUE (event_id, survey_id, participant_id, meeting_id, wave))"
    )
    db["survey_answers"].create_index(["event_id", "survey_id"])
    db.execute(
        "CREATE TABLE survey_rounds (event_id TEXT NOT NULL REFERENCES events(id), survey_id TEXT NOT NULL,"
        " wave TEXT NOT NULL DEFAULT '', send_at TEXT NOT NULL, reminders TEXT NOT NULL DEFAULT '[]',"
        " created_at TEXT NOT NULL, created_by TEXT NOT NULL DEFAULT '',"
        " PRIMARY KEY (event_id, survey_id, wave))"
    )
    db.execute("ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'invite'")


def _v12(db: sqlite_utils.Database) -> None:
    """Data protection (docs/privacy.md): ``events.retention_days`` (personal data of a finished
    event is erased that many days after its last session; 180 by default) and ``erased_at``;
    ``participants.erased_at`` (the person was erased: a pseudonymised record that aggregates
    still count, their link shows that the data was erased).

    The audit log and the request history stay append-only, with one exception: while the
    erase path (:mod:`scheduler.store.privacy`) holds a row in ``erasure_in_progress``, inside
    its own transaction, it may rewrite their rows to take personal data out. It deletes that
    row before it commits and appends an ``erased`` audit record; no row is ever deleted."""
    db.execute("ALTER TABLE events ADD COLUMN retention_days INTEGER NOT NULL DEFAULT 180")
    db.execute("ALTER TABLE events ADD COLUMN erased_at TEXT")
    db.execute("ALTER TABLE participants ADD COLUMN erased_at TEXT")
    db.execute("CREATE TABLE erasure_in_progress (event_id TEXT NOT NULL, started_at TEXT NOT NULL)")
    for table, words in (("audit", "the audit log"), ("request_history", "the request history")):
        db.execute(f"DROP TRIGGER {table}_append_only_u")
        db.execute(
            f"CREATE TRIGGER {table}_append_only_u BEFORE UPDATE ON {table}"
            " WHEN NOT EXISTS (SELECT 1 FROM erasure_in_progress)"
            f" BEGIN SELECT RAISE(ABORT, '{words} is append-only'); END"
        )


def _v13(db: sqlite_utils.Database) -> None:
    """The solve lock as a record with an owner and a heartbeat (replaces ``events.solving_since``)."""
    db.execute(
        "CREATE TABLE solve_jobs (id TEXT PRIMARY KEY, event_id TEXT NOT NULL REFERENCES events(id),"
        " kind TEXT NOT NULL DEFAULT 'solve', status TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,"
        " worker TEXT NOT NULL DEFAULT '', started_at TEXT NOT NULL, heartbeat_at TEXT NOT NULL,"
        " finished_at TEXT, error TEXT NOT NULL DEFAULT '')"
    )
    db.execute("CREATE UNIQUE INDEX solve_jobs_running ON solve_jobs (event_id) WHERE status = 'running'")
    db.execute("CREATE INDEX solve_jobs_event ON solve_jobs (event_id, started_at)")



def _v14(db: sqlite_utils.Database) -> None:
    """Staff per event, log-in throttling and revocable sessions (issue 17).

    ``event_staff`` grants an account a role (``host`` or ``organiser``) on one event; an account
    whose global role is ``organiser`` stays an administrator of every event and of the staff.
    So that nothing breaks, every existing ``host`` account is granted ``host`` on every event
    stored before this version; events stored later are granted by an organiser.
    ``users.session_generation`` is written into each log-in's cookie: log-out, a password change
    or reset and a removal bump it, so an older cookie opens nothing. ``login_failures`` holds the
    recent failed log-ins by account and address (the lock-out survives a restart)."""
    db.execute(
        "CREATE TABLE event_staff (event_id TEXT NOT NULL REFERENCES events(id), username TEXT NOT NULL"
        " REFERENCES users(username) ON DELETE CASCADE, role TEXT NOT NULL, granted_at TEXT NOT NULL,"
        " granted_by TEXT NOT NULL DEFAULT '', PRIMARY KEY (event_id, username))"
    )
    db.execute("CREATE INDEX event_staff_user ON event_staff (username)")
    db.execute("INSERT INTO event_staff (event_id, username, role, granted_at, granted_by)"
               " SELECT e.id, u.username, 'host', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), 'migration'"
               " FROM events e CROSS JOIN users u WHERE u.role = 'host'")
    db.execute("ALTER TABLE users ADD COLUMN session_generation INTEGER NOT NULL DEFAULT 0")
    db.execute("CREATE TABLE login_failures (id INTEGER PRIMARY KEY, at TEXT NOT NULL,"
               " username TEXT NOT NULL, address TEXT NOT NULL)")
    db.execute("CREATE INDEX login_failures_user ON login_failures (username, at)")
    db.execute("CREATE INDEX login_failures_address ON login_failures (address, at)")


def _v15(db: sqlite_utils.Database) -> None:
    """Each participant's language for their mail and pages ("" = the event's default language)."""
    db.execute("ALTER TABLE participants ADD COLUMN locale TEXT NOT NULL DEFAULT ''")


def _v16(db: sqlite_utils.Database) -> None:
    """The language each participant's page was last shown in ("" = not seen yet): live pushes are
    written in it, so an open page can show them without asking the server again."""
    db.execute("ALTER TABLE participants ADD COLUMN page_locale TEXT NOT NULL DEFAULT ''")


def _v17(db: sqlite_utils.Database) -> None:
    """How far a running job got (``done`` of ``total``), e.g. the meetings whose invites a publish wrote."""
    db.execute("ALTER TABLE solve_jobs ADD COLUMN done INTEGER NOT NULL DEFAULT 0")
    db.execute("ALTER TABLE solve_jobs ADD COLUMN total INTEGER NOT NULL DEFAULT 0")


#: Schema migrations, oldest first; entry i brings the file to version i + 1.
MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_v1, _v2, _v3, _v4, _v5, _v6, _v7, _v8, _v9, _v10, _v11,
                                                             _v12, _v13, _v14, _v15, _v16, _v17]
SCHEMA_VERSION = len(MIGRATIONS)


class Schema(Connection):
    """The schema version of the file, and the migrations up to the current one."""

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
