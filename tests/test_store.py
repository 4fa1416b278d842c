"""Persistence: schema, transactions, audit, schedule versions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from scheduler.domain.errors import Conflict, NotFound
from scheduler.domain.model import Meeting, Schedule
from scheduler.files import formats, writer
from scheduler.store import SCHEMA_VERSION, Store, default_path


def test_schema_is_created_once_and_versioned(db_path):
    with Store(db_path) as s:
        assert s.schema_version == SCHEMA_VERSION
        tables = set(s.db.table_names())
    with Store(db_path) as s:  # second open: nothing to do, nothing lost
        assert s.schema_version == SCHEMA_VERSION
        assert set(s.db.table_names()) == tables
    assert {"events", "participants", "requests", "meetings", "audit"} <= tables


def test_wal_and_foreign_keys(store):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.db.execute("INSERT INTO requests (event_id, sender, receiver, priority) VALUES ('nope', 'a', 'b', 1)")


def test_event_round_trip_through_the_store(store, sample_doc):
    data = formats.parse_event_document(sample_doc)
    store.save_event(data)
    back = store.load("ai4trad-2027")
    assert writer.event_document(back) == writer.event_document(data)
    assert back == data


def test_second_import_of_the_same_id_is_a_conflict_and_changes_nothing(store, sample_doc):
    data = formats.parse_event_document(sample_doc)
    store.save_event(data)
    before = store.counts()
    tokens = store.tokens(data.event.id)
    with pytest.raises(Conflict, match="already exists"):
        store.save_event(data)
    assert store.counts() == before
    assert store.tokens(data.event.id) == tokens


def test_replace_swaps_the_whole_event_atomically(store, sample_doc):
    store.save_event(formats.parse_event_document(sample_doc))
    sample_doc["participants"] = sample_doc["participants"][:5] + sample_doc["participants"][6:]
    sample_doc["requests"] = [r for r in sample_doc["requests"] if "t-006" not in (r["from"], r["to"])]
    store.save_event(formats.parse_event_document(sample_doc), replace=True)
    assert len(store.participants("ai4trad-2027")) == 9


def test_failure_inside_a_write_rolls_everything_back(store, sample_doc):
    data = formats.parse_event_document(sample_doc)
    store.save_event(data)
    before = store.counts()
    with pytest.raises(RuntimeError):
        with store.write() as db:
            db["requests"].delete_where("event_id = ?", [data.event.id])
            raise RuntimeError("crash half-way")
    assert store.counts() == before


def test_audit_log_is_append_only(store, sample_doc):
    store.save_event(formats.parse_event_document(sample_doc), actor="ana")
    log = store.audit_log("ai4trad-2027")
    assert [(r["actor"], r["action"]) for r in log] == [("ana", "import")]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM audit")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE audit SET actor = 'mallory'")


def test_tokens_are_unguessable_and_distinct(store, sample_doc):
    store.save_event(formats.parse_event_document(sample_doc))
    tokens = store.tokens("ai4trad-2027")
    assert len(set(tokens.values())) == 10
    assert all(len(t) >= 32 for t in tokens.values())


def test_schedule_versions_and_meeting_versions(store, sample_doc):
    store.save_event(formats.parse_event_document(sample_doc))
    t0 = datetime(2027, 3, 26, 8, tzinfo=UTC)
    t1 = datetime(2027, 3, 26, 8, 30, tzinfo=UTC)
    m = Meeting("m-0001", "t-001", "s-001", t0, t0.replace(minute=25), 1)
    assert store.save_schedule(Schedule("ai4trad-2027", (m,))) == 1
    assert store.meetings("ai4trad-2027")[0].version == 0
    moved = Meeting("m-0001", "t-001", "s-001", t1, t1.replace(minute=55), 1, "moved")
    assert store.save_schedule(Schedule("ai4trad-2027", (moved,)), expected_version=1) == 2
    got = store.meetings("ai4trad-2027")[0]
    assert (got.start, got.version, got.start.tzinfo) == (t1, 1, UTC)
    with pytest.raises(Conflict, match="meanwhile"):
        store.save_schedule(Schedule("ai4trad-2027", (m,)), expected_version=1)
    assert store.meetings("ai4trad-2027")[0].start == t1


def test_unknown_event(store):
    with pytest.raises(NotFound):
        store.load("nope")


def test_database_path_from_environment(tmp_path):
    assert default_path({"MATCHMAKING_DB": str(tmp_path / "x.db")}) == tmp_path / "x.db"
    assert str(default_path({})) == "data/matchmaking.db"


def test_a_schedule_write_that_fails_half_way_leaves_the_previous_schedule(store, sample_doc):
    """The repair's write deletes the old rows before inserting the new ones; if it dies in
    between (here: the new schedule names a participant that does not exist), nothing changed."""
    store.save_event(formats.parse_event_document(sample_doc))
    t0 = datetime(2027, 3, 26, 8, tzinfo=UTC)
    m = Meeting("m-0001", "t-001", "s-001", t0, t0.replace(minute=25), 1)
    store.save_schedule(Schedule("ai4trad-2027", (m,)))
    state = lambda: (store.meetings("ai4trad-2027"), store.schedule_version("ai4trad-2027"),  # noqa: E731
                     store.counts(), store.db["snapshots"].count)
    before = state()
    ghost = Meeting("m-0002", "t-001", "s-999", t0, t0.replace(minute=25), 2)
    with pytest.raises(sqlite3.IntegrityError):
        store.save_schedule(Schedule("ai4trad-2027", (m, ghost)), expected_version=1)
    assert state() == before  # no snapshot or audit record of the failed write either
