"""The product's rename (b2bmatch -> Entente) never changes the calendar UIDs of an event.

Calendars match entries by UID: an event announced as ``...@b2bmatch.invalid`` keeps that domain
after the upgrade, so its next REQUEST updates and its CANCEL cancels the entry participants
already have; a new event takes ``@entente.invalid``. Real SQLite files, real CLI, real parser.
"""

from __future__ import annotations

import email
import json
import sqlite3
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from pathlib import Path

import sqlite_utils
from icalendar import Calendar

from scheduler.files.formats import parse_event_document
from scheduler.files.writer import event_document
from scheduler.invitations.ical import InviteContext, feed
from scheduler.solver import SolverConfig, solve
from scheduler.store import MIGRATIONS, SCHEMA_VERSION, Store
from tests.test_announced import BEFORE
from tests.test_cli import run

OLD, NEW = "b2bmatch.invalid", "entente.invalid"
PRODID = "-//Entente//B2B match-making//EN"
EV = "min-rename"


def doc(event_id: str = EV) -> dict:
    """One traditional SME meeting two tech SMEs, in two slots and two rooms."""
    return {
        "event": {"id": event_id, "name": "Rename", "timezone": "Europe/Lisbon", "slot_minutes": 30, "rooms": 2,
                  "max_meetings": 2, "sessions": [{"date": "2027-03-26", "start": "09:00", "end": "10:00"}]},
        "participants": [
            {"id": "t-1", "name": "Alfa Texteis", "kind": "traditional", "timezone": "Europe/Lisbon",
             "email": "ana@alfa.example"},
            {"id": "s-1", "name": "Beta Vision", "kind": "tech", "timezone": "Europe/Berlin",
             "email": "bo@beta.example"},
            {"id": "s-2", "name": "Gamma AI", "kind": "tech", "timezone": "Indian/Reunion",
             "email": "gi@gamma.example"},
        ],
        "requests": [{"from": "t-1", "to": "s-1", "priority": 1}, {"from": "t-1", "to": "s-2", "priority": 1}],
    }  # fmt: skip


def mails(folder: Path) -> list[dict]:
    """Every .eml in the folder as what a mail reader and icalendar see: To, From, Message-ID,
    and the calendar part's METHOD, PRODID, UID and SEQUENCE."""
    out = []
    for f in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(f.read_bytes())
        part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
        cal = Calendar.from_ical(part.get_payload(decode=True))
        [ev] = cal.walk("VEVENT")
        out.append({"to": parseaddr(str(msg["To"]))[1], "from": parseaddr(str(msg["From"]))[1],
                    "message_id": str(msg["Message-ID"]), "method": str(cal["METHOD"]),
                    "prodid": str(cal["PRODID"]), "uid": str(ev["UID"]), "sequence": int(ev["SEQUENCE"])})  # fmt: skip
    return out


def columns(db: sqlite_utils.Database) -> dict[str, list[tuple]]:
    """Every table's columns (name, type, not null, default, primary key) as SQLite reports them."""
    return {t: [tuple(r[1:]) for r in db.execute(f"PRAGMA table_info({t})").fetchall()]
            for t in sorted(db.table_names())}  # fmt: skip


def v8_file(path: Path) -> sqlite_utils.Database:
    """A fresh file at schema v8, built by the migrations v1..v8 as an older release left it."""
    db = sqlite_utils.Database(sqlite3.connect(path))
    for migrate in MIGRATIONS[:8]:
        migrate(db)
    db.execute("PRAGMA user_version=8")
    db.conn.commit()
    return db


def test_an_event_announced_before_the_rename_keeps_its_uids_after_the_upgrade(tmp_path):
    src, path = tmp_path / "event.json", tmp_path / "old.db"
    src.write_text(json.dumps(doc()))
    db = str(path)
    run("--db", db, "import", str(src))
    run("--db", db, "solve", "--event", EV, "--time-limit", "5")
    # the release before the rename wrote every UID with @b2bmatch.invalid: announce the event so
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE events SET uid_domain = ?", [OLD])
    run("--db", db, "invites", "--event", EV, "--send", "--outbox-dir", str(tmp_path / "o1"))
    first = {(m["to"], m["uid"]): m for m in mails(tmp_path / "o1")}
    assert len(first) == 4 and {m["method"] for m in first.values()} == {"REQUEST"}
    assert all(uid.endswith("@b2bmatch.invalid") for _, uid in first)
    # ... and take the file back to schema v8, the column the upgrade adds dropped
    with sqlite3.connect(path) as conn:
        for table, words in (("audit", "the audit log"), ("request_history", "the request history")):
            conn.execute(f"DROP TRIGGER {table}_append_only_u")  # v12's, which reads erasure_in_progress
            conn.execute(f"CREATE TRIGGER {table}_append_only_u BEFORE UPDATE ON {table}"
                         f" BEGIN SELECT RAISE(ABORT, '{words} is append-only'); END")  # as v1 / v2 made it
        conn.execute("ALTER TABLE events DROP COLUMN uid_domain")
        conn.execute("ALTER TABLE requests DROP COLUMN sessions")  # and the one v10 adds
        conn.execute("ALTER TABLE outbox DROP COLUMN kind")  # and what v11 adds
        conn.execute("ALTER TABLE events DROP COLUMN retention_days")  # and what v12 adds
        conn.execute("ALTER TABLE events DROP COLUMN erased_at")
        conn.execute("ALTER TABLE participants DROP COLUMN erased_at")
        for table in ("surveys", "survey_answers", "survey_rounds", "erasure_in_progress", "solve_jobs",
                      "event_staff", "login_failures"):  # v11 to v14
            conn.execute(f"DROP TABLE {table}")
        conn.execute("ALTER TABLE users DROP COLUMN session_generation")  # and the column v14 adds
        conn.execute("ALTER TABLE participants DROP COLUMN locale")  # and the column v15 adds
        conn.execute("ALTER TABLE participants DROP COLUMN page_locale")  # and the one v16 adds
        conn.execute("PRAGMA user_version=8")
    old = sqlite_utils.Database(sqlite3.connect(path))
    assert columns(old) == columns(v8_file(tmp_path / "v8.db"))  # exactly what v8 left
    old.conn.close()

    # the upgrade: the next release opens the file
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION >= 9
        assert store.event(EV).uid_domain == OLD
        meetings = {frozenset(m.participants): m for m in store.meetings(EV)}
        gone, moved = meetings[frozenset({"t-1", "s-1"})], meetings[frozenset({"t-1", "s-2"})]
        other_room = 1 if moved.room == 2 else 2
        store.update_meeting(EV, moved.id, actor="organiser", room=other_room, reason="room swap")
    # the other meeting is called off: withdrawn, and the re-solve keeps it as cancelled
    run("--db", db, "request", "withdraw", "t-1", "s-1", "--event", EV, "--actor", "t-1")
    run("--db", db, "solve", "--event", EV, "--time-limit", "5", BEFORE)
    run("--db", db, "invites", "--event", EV, "--send", "--outbox-dir", str(tmp_path / "o2"))
    later = mails(tmp_path / "o2")
    assert {(m["to"], m["method"], m["sequence"], m["uid"].split(".")[0]) for m in later} == {
        ("ana@alfa.example", "CANCEL", 1, gone.id), ("bo@beta.example", "CANCEL", 1, gone.id),
        ("ana@alfa.example", "REQUEST", 1, moved.id), ("gi@gamma.example", "REQUEST", 1, moved.id)}  # fmt: skip
    for m in later:  # the same calendar entry as the first invitation: same UID, @b2bmatch.invalid
        assert (m["to"], m["uid"]) in first
        assert m["uid"] == f"{m['uid'].split('.')[0]}.{EV}@{OLD}"
        assert m["message_id"].endswith(f"@{OLD}>")
        assert m["prodid"] == PRODID  # what made the document is the new name

    with Store(path) as store:
        data = store.load(EV)
        cal = feed(InviteContext(data.event, "o@x.example", "Organisers"), "all", store.meetings(EV),
                   data.by_id(), datetime(2027, 3, 1, tzinfo=UTC))  # fmt: skip
        assert {str(v["UID"]) for v in cal.walk("VEVENT")} == {f"{gone.id}.{EV}@{OLD}", f"{moved.id}.{EV}@{OLD}"}
        assert str(cal["UID"]) == f"feed-organiser.{EV}@{OLD}"

    # a re-import of the event's own export, merged or replacing, keeps the domain too
    out = tmp_path / "export.json"
    run("--db", db, "export", EV, "-o", str(out))
    assert "uid_domain" not in out.read_text() and OLD not in out.read_text()  # not in the interchange format
    run("--db", db, "import", str(out), "--apply", BEFORE)
    run("--db", db, "import", "--replace", "--yes", str(out), BEFORE)
    with Store(path) as store:
        assert store.event(EV).uid_domain == OLD

    # a new event in the same, upgraded file takes the new name
    src.write_text(json.dumps(doc("min-new")))
    run("--db", db, "import", str(src))
    run("--db", db, "solve", "--event", "min-new", "--time-limit", "5")
    run("--db", db, "invites", "--event", "min-new", "--send", "--outbox-dir", str(tmp_path / "o3"))
    assert {m["uid"].split("@")[1] for m in mails(tmp_path / "o3")} == {NEW}


def test_a_new_event_is_announced_as_entente(tmp_path):
    src, db = tmp_path / "event.json", str(tmp_path / "new.db")
    src.write_text(json.dumps(doc()))
    run("--db", db, "import", str(src))
    run("--db", db, "solve", "--event", EV, "--time-limit", "5")
    run("--db", db, "invites", "--event", EV, "--send", "--outbox-dir", str(tmp_path / "o"))
    sent = mails(tmp_path / "o")
    assert len(sent) == 4
    for m in sent:
        assert m["prodid"] == PRODID
        assert m["uid"] == f"{m['uid'].split('.')[0]}.{EV}@{NEW}"
        assert m["message_id"].endswith(f".{EV}@{NEW}>")
        assert m["from"] == "entente@localhost"  # no SMTP configured, no organiser address in the event


def test_the_upgrade_keeps_the_old_domain_for_every_event_a_calendar_may_hold(tmp_path):
    """v8 -> v9: an event with an invite queued, or with a schedule (each meeting's .ics and the
    feed are on the participant's page before publication), keeps b2bmatch.invalid; an event with
    neither takes the new name."""
    path = tmp_path / "v8.db"
    db = v8_file(path)
    now = "2027-03-01T09:00:00+00:00"
    event = {"name": "E", "timezone": "Europe/Lisbon", "slot_minutes": 30, "rooms": 1, "max_meetings": 2,
             "sessions": json.dumps([{"date": "2027-03-26", "start": "09:00", "end": "10:00"}]),
             "extra": "{}", "imported_at": now}  # fmt: skip
    for ev in ("published", "drafted", "empty"):
        db["events"].insert({"id": ev, **event})
        for pid, kind in (("t-1", "traditional"), ("s-1", "tech")):
            db["participants"].insert({"event_id": ev, "id": pid, "name": pid, "kind": kind,
                                       "timezone": "Europe/Lisbon", "wh_start": "08:00", "wh_end": "18:00",
                                       "sectors": "[]", "needs": "[]", "offers": "[]", "languages": "[]",
                                       "extra": "{}", "token": f"{ev}-{pid}", "position": 0})  # fmt: skip
    for ev in ("published", "drafted"):
        db.execute("INSERT INTO meetings (event_id, id, a, b, start, end, room) VALUES"
                   " (?, 'm-1', 't-1', 's-1', '2027-03-26T09:00:00+00:00', '2027-03-26T09:30:00+00:00', 1)",
                   [ev])  # fmt: skip
    db.execute("INSERT INTO outbox (event_id, meeting_id, participant_id, sequence, method, recipient, subject,"
               " message, message_id, next_attempt_at, created_at) VALUES ('published', 'm-1', 't-1', 0,"
               " 'REQUEST', 't-1@example.org', 's', 'm', '<request-0-t-1.m-1.published@b2bmatch.invalid>', ?, ?)",
               [now, now])  # fmt: skip
    db.conn.commit()
    db.conn.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert {ev: store.event(ev).uid_domain for ev in store.event_ids()} == {
            "published": OLD, "drafted": OLD, "empty": NEW}
        # an old-domain draft replaced by a file (rows deleted and written again) keeps its domain
        data = parse_event_document(event_document(store.load("drafted")))
        assert data.event.uid_domain == NEW  # what a file says: the default
        store.save_event(data, replace=True)
        assert store.event("drafted").uid_domain == OLD


def test_an_event_document_never_carries_the_domain_and_a_move_to_another_file_is_new(tmp_path):
    """The domain is a store detail: an export holds no schedule, no SEQUENCE and no outbox, so an
    import into another database announces the event afresh (with the new name's domain)."""
    data = parse_event_document(doc())
    with Store(tmp_path / "a.db") as a:
        a.save_event(data)
        a.save_schedule(solve(a.load(EV), config=SolverConfig(time_limit=5)).schedule)
        a.db.execute("UPDATE events SET uid_domain = ?", [OLD])
        exported = event_document(a.load(EV))
        assert "uid_domain" not in exported["event"]
        assert a.load(EV) == parse_event_document(exported)  # equality ignores the store detail
    with Store(tmp_path / "b.db") as b:
        b.save_event(parse_event_document(exported), now=datetime.now(UTC) - timedelta(days=1))
        assert b.event(EV).uid_domain == NEW and b.meetings(EV) == ()
