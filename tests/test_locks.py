"""The solve lock (scheduler/store/locks.py): one running job per event, with an owner and a
heartbeat; a lock whose process is gone never blocks the next solve."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.domain.errors import NotFound
from scheduler.store.locks import ABANDONED, LockOwner
from tests.builders import document, person

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
EV = "ev-test"


@pytest.fixture
def s(store):
    from scheduler.files.formats import parse_event_document

    store.save_event(parse_event_document(document([person("t-1"), person("s-1")], [("t-1", "s-1")])))
    return store


def gone_pid() -> int:
    """The id of a process that has just ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_one_running_job_per_event_and_its_owner_ends_it(s):
    me = LockOwner.here("job-1")
    assert s.start_solve(EV, T0, owner=me)
    assert not s.start_solve(EV, T0 + timedelta(seconds=5), owner=LockOwner.here("job-2"))
    lock = s.solve_lock(EV)
    assert (lock["id"], lock["host"], lock["pid"], lock["status"]) == ("job-1", me.host, me.pid, "running")
    s.end_solve(EV, "job-2")  # not the holder: nothing happens
    assert s.solving(EV)
    s.end_solve(EV, "job-1", worker="w1", now=T0 + timedelta(seconds=9))
    job = s.solve_job("job-1")
    assert (job["status"], job["worker"], job["error"], job["finished_at"]) == ("done", "w1", "", T0 + timedelta(seconds=9))
    assert not s.solving(EV)


def test_a_failed_job_keeps_its_reason_and_frees_the_lock(s):
    assert s.start_solve(EV, T0, owner=LockOwner.here("job-1"))
    s.end_solve(EV, "job-1", error="the solver ran out of memory", now=T0)
    assert (s.last_solve(EV)["status"], s.last_solve(EV)["error"]) == ("failed", "the solver ran out of memory")
    assert s.start_solve(EV, T0, owner=LockOwner.here("job-2"))


def test_a_lock_whose_process_on_this_host_is_gone_is_taken_over_at_once(s):
    dead = LockOwner(LockOwner.here().host, gone_pid(), "job-dead")
    assert s.start_solve(EV, T0, owner=dead)
    assert s.start_solve(EV, T0 + timedelta(seconds=1), owner=LockOwner.here("job-new"))
    assert (s.solve_job("job-dead")["status"], s.solve_job("job-dead")["error"]) == ("failed", ABANDONED)
    assert s.solve_lock(EV)["id"] == "job-new"


def test_a_lock_from_another_host_holds_while_its_heartbeat_is_fresh(s):
    elsewhere = LockOwner("another-host.example", 1, "job-far")
    assert s.start_solve(EV, T0, owner=elsewhere)
    assert s.heartbeat(EV, "job-far", T0 + timedelta(minutes=1))
    assert not s.start_solve(EV, T0 + timedelta(minutes=2), owner=LockOwner.here("job-2"))
    assert s.start_solve(EV, T0 + timedelta(minutes=3, seconds=1), owner=LockOwner.here("job-3"))
    assert s.solve_job("job-far")["status"] == "failed"
    assert not s.heartbeat(EV, "job-far", T0 + timedelta(minutes=4))  # it lost the lock


def test_start_up_clears_the_locks_of_processes_that_are_gone(s):
    assert s.start_solve(EV, T0, owner=LockOwner(LockOwner.here().host, gone_pid(), "job-dead"))
    assert s.clear_dead_locks(T0) == ["job-dead"]
    assert not s.solving(EV) and s.clear_dead_locks(T0) == []
    assert s.start_solve(EV, T0, owner=LockOwner.here("job-live"))
    assert s.clear_dead_locks(T0) == []  # this process is alive: its lock stays
    assert s.solving(EV)


def test_an_unknown_event_has_no_lock_to_take(s):
    with pytest.raises(NotFound):
        s.start_solve("no-such-event", T0)


def test_two_processes_delivering_one_outbox_send_each_message_once(s, db_path):
    """Each web process retries due mail: a message is sent by whoever claims it first."""
    from scheduler.store import Store

    s.queue([{"event_id": EV, "meeting_id": "m-1", "participant_id": "t-1", "sequence": 0, "method": "REQUEST",
              "recipient": "t-1@example.org", "subject": "Meeting", "message": "...", "message_id": "<1@x>"}], T0)  # fmt: skip
    [row] = s.due(T0, timedelta(minutes=5))
    with Store(db_path) as other:  # the second process's own connection
        assert [r["id"] for r in other.due(T0, timedelta(minutes=5))] == [row["id"]]
        assert s.claim(row["id"], T0, timedelta(minutes=5))
        assert not other.claim(row["id"], T0, timedelta(minutes=5))
    later = T0 + timedelta(minutes=6)  # stuck in 'sending' past the stale limit (the sender crashed)
    assert s.claim(row["id"], later, timedelta(minutes=5))
    assert s.outbox(EV)[0]["attempts"] == 2
