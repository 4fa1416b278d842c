"""The request / accept cycle, stored with its history; refusals change nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.errors import Conflict, InvalidInput, NotFound
from scheduler.solving.problem import build_problem
from tests.builders import document, person

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def ev(store):
    from scheduler.files.formats import parse_event_document

    doc = document([person("t1"), person("t2"), person("s1"), person("s2")], [("t2", "s2")])
    store.save_event(parse_event_document(doc), now=NOW)
    return store


def snapshot(store):
    return store.counts(), store.request_states("ev-test"), store.db["request_history"].count


def status(store, a, b):
    return next(s.request.status for s in store.request_states("ev-test")
                if (s.request.sender, s.request.receiver) == (a, b))


def test_send_accept_with_history(ev):
    ev.add_requests("ev-test", [("t1", "s1", 1)], status="pending", origin="participant", actor="t1", now=NOW)
    st = ev.request_states("ev-test")[-1]
    assert st.request.status == "pending" and st.expires_at == NOW + timedelta(hours=72)
    ev.transition_request("ev-test", "t1", "s1", "accept", "s1", NOW + timedelta(hours=1))
    assert status(ev, "t1", "s1") == "accepted"
    assert [(h["action"], h["status"], h["actor"]) for h in ev.request_history("ev-test", "t1", "s1")] == [
        ("create", "pending", "t1"), ("accept", "accepted", "s1")]


@pytest.mark.parametrize(
    "setup, action, actor, message",
    [
        ([], "accept", "t1", "request t1 -> s1: only s1 may accept it"),
        ([("decline", "s1")], "accept", "s1",
         "request t1 -> s1 is declined since 2027-03-01 10:00 UTC; it cannot be accepted"),
        ([("withdraw", "t1")], "accept", "s1",
         "request t1 -> s1 is withdrawn since 2027-03-01 10:00 UTC; it cannot be accepted"),
        ([("accept", "s1")], "send", "t1",
         "request t1 -> s1 is accepted since 2027-03-01 10:00 UTC; it cannot be sent"),
    ],
)
def test_refused_transitions_change_nothing(ev, setup, action, actor, message):
    ev.add_requests("ev-test", [("t1", "s1", 1)], status="pending", origin="participant", actor="t1", now=NOW)
    for act, who in setup:
        ev.transition_request("ev-test", "t1", "s1", act, who, NOW + timedelta(hours=1))
    before = snapshot(ev)
    with pytest.raises(Conflict) as info:
        ev.transition_request("ev-test", "t1", "s1", action, actor, NOW + timedelta(hours=2))
    assert str(info.value) == message
    assert snapshot(ev) == before


def test_pending_requests_expire_and_cannot_be_accepted_afterwards(ev):
    ev.add_requests("ev-test", [("t1", "s1", 1)], status="pending", origin="participant", actor="t1", now=NOW)
    later = NOW + timedelta(hours=73)
    with pytest.raises(Conflict, match="is expired since 2027-03-04 09:00 UTC; it cannot be accepted"):
        ev.transition_request("ev-test", "t1", "s1", "accept", "s1", later)
    assert ev.expire_requests("ev-test", later) == 1
    assert status(ev, "t1", "s1") == "expired"
    assert ev.expire_requests("ev-test", later) == 0


def test_suggestions_can_be_sent_accepted_or_imposed(ev):
    ev.add_requests("ev-test", [("t1", "s1", 2), ("t1", "s2", 2)], status="suggested",
                    origin="recommendation", actor="organiser", now=NOW)
    ev.transition_request("ev-test", "t1", "s1", "send", "t1", NOW)
    assert status(ev, "t1", "s1") == "pending"
    ev.transition_request("ev-test", "t1", "s2", "decline", "s2", NOW)
    ev.transition_request("ev-test", "t1", "s2", "impose", "organiser", NOW)
    assert status(ev, "t1", "s2") == "imposed"


@pytest.mark.parametrize(
    "new, error, message",
    [
        ([("t1", "s9", 1)], InvalidInput, "to: unknown participant 's9'"),
        ([("t1", "t1", 1)], InvalidInput, "to: 't1' cannot request a meeting with itself"),
        ([("t1", "t2", 1)], InvalidInput,
         "to: 't1' and 't2' are both traditional SMEs; the event does not allow same-kind meetings"),
        ([("t2", "s2", 1)], Conflict, "request t2 -> s2 already exists (pending)"),
        ([("t1", "s1", 1), ("t1", "s1", 2)], Conflict, "request t1 -> s1 already exists (pending)"),
        ([("t1", "s1", 7)], InvalidInput, "priority: must be 1, 2 or 3 (got 7)"),
    ],
)
def test_bad_new_requests_are_refused_whole(ev, new, error, message):
    before = snapshot(ev)
    with pytest.raises(error) as info:
        ev.add_requests("ev-test", new, status="pending", origin="participant", actor="t1", now=NOW)
    assert str(info.value) == message
    assert snapshot(ev) == before


def test_unknown_request(ev):
    with pytest.raises(NotFound, match="no request t1 -> s1"):
        ev.transition_request("ev-test", "t1", "s1", "accept", "s1", NOW)


def test_policy_accepted_only_schedules_only_accepted_and_imposed(ev):
    ev.add_requests("ev-test", [("t1", "s1", 1), ("t1", "s2", 1)], status="pending",
                    origin="participant", actor="t1", now=NOW)
    ev.transition_request("ev-test", "t1", "s1", "accept", "s1", NOW)
    data = ev.load("ev-test")
    assert {pr.key for pr in build_problem(data).pairs} == {("s1", "t1"), ("s2", "t1"), ("s2", "t2")}
    from dataclasses import replace

    strict = replace(data, event=replace(data.event, request_policy="accepted_only"))
    assert {pr.key for pr in build_problem(strict).pairs} == {("s1", "t1")}
    ev.add_requests("ev-test", [("s2", "t1", 3)], status="pending", origin="participant", actor="s2", now=NOW)
    data = ev.load("ev-test")
    strict = replace(data, event=replace(data.event, request_policy="accepted_only"))
    assert {pr.key for pr in build_problem(strict).pairs} == {("s1", "t1"), ("s2", "t1")}  # mutual


def test_schema_v1_file_migrates_to_current(tmp_path):
    import sqlite3

    from scheduler.store import MIGRATIONS, SCHEMA_VERSION, Store

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    import sqlite_utils

    db = sqlite_utils.Database(conn)
    MIGRATIONS[0](db)
    conn.execute("PRAGMA user_version=1")
    conn.commit()
    conn.close()
    with Store(path) as s:
        assert s.schema_version == SCHEMA_VERSION >= 2
        assert "request_history" in s.db.table_names()
        assert "score" in s.db["requests"].columns_dict
