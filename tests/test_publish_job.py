"""Publishing from the console runs as a background job: the request returns before the invites
are written, the job's end state has every invite queued exactly once, and a server killed
mid-publish leaves either nothing or everything announced (real SQLite, real processes)."""

from __future__ import annotations

import os
import signal
import time

from werkzeug.security import generate_password_hash

from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.store import Store
from tests.webtools import PASSWORD, Server, csrf_of, logged_in, login, seed_db

EV = "pub-job"


def stored(db, n: int) -> None:
    """``n`` generated SMEs with a greedy schedule and an organiser, not yet published."""
    with Store(db) as s:
        s.save_event(parse_event_document(generate_event(n, seed=5, event_id=EV)))
        s.add_user("olga", generate_password_hash(PASSWORD), "organiser")
        s.save_schedule(solve(s.load(EV), (), SolverConfig(method="greedy")).schedule, actor="test")


def expected(db) -> set[tuple[str, str]]:
    """(meeting, participant) of every invite a publish must queue: both sides with an address."""
    with Store(db) as s:
        people = s.load(EV).by_id()
        return {(m.id, p) for m in s.meetings(EV) for p in (m.a, m.b) if people[p].email}


def queued(db) -> list[tuple[str, str]]:
    with Store(db) as s:
        return [(r["meeting_id"], r["participant_id"]) for r in s.outbox(EV) if r["kind"] == "invite"]


def wait_for_job(db, seconds: float = 120) -> dict:
    """The event's publish job once it is no longer running."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Store(db) as s:
            job = s.last_job(EV, "publish")
        if job and job["status"] != "running":
            return job
        time.sleep(0.1)
    raise AssertionError(f"the publish job did not end: {job}")


def test_publish_returns_before_the_invites_are_written_and_queues_each_once(tmp_path):
    from webapp import create_app

    db = tmp_path / "p.db"
    stored(db, 24)
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "PUBLISH_WAIT": 0,
                      "OUTBOX_DIR": str(tmp_path / "out")})  # fmt: skip
    olga = logged_in(app, "olga")
    token = csrf_of(olga.get("/events").get_data(as_text=True))
    r = olga.post(f"/events/{EV}/publish", data={"csrf_token": token}, follow_redirects=True)
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "being written in the background" in page
    again = olga.post(f"/events/{EV}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert again.status_code == 200  # while one runs another is refused, or it queues nothing new
    job = wait_for_job(db)
    assert job["status"] == "done" and job["error"] == ""
    rows = queued(db)
    assert len(rows) == len(set(rows)) and set(rows) == expected(db)  # every invite, exactly once
    assert job["done"] == len(rows) or job["done"] == 0  # the second publish (if it ran) queued nothing
    overview = olga.get(f"/events/{EV}").get_data(as_text=True)
    assert 'id="publishing"' not in overview and 'id="publish-failed"' not in overview
    assert 'data-solving="no"' in overview


def test_the_overview_says_how_far_a_running_publish_got(tmp_path):
    from webapp import create_app

    db = tmp_path / "p.db"
    stored(db, 8)
    with Store(db) as s:  # a publish job of this process, stopped half-way (the lock and its progress)
        assert s.start_solve(EV, kind="publish")
        job = s.solve_lock(EV)["id"]
        assert s.heartbeat(EV, job, progress=(3, 7))
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True})
    olga = logged_in(app, "olga")
    page = olga.get(f"/events/{EV}").get_data(as_text=True)
    assert "Publishing the invites: 3 of 7 meetings written." in page and 'http-equiv="refresh"' in page
    assert 'data-solving="no"' in page  # a publish is no schedule generation
    token = csrf_of(page)
    r = olga.post(f"/events/{EV}/publish", data={"csrf_token": token}, follow_redirects=True)
    assert "cannot be published while" in r.get_data(as_text=True) and queued(db) == []
    with Store(db) as s:
        s.end_solve(EV, job, error="the process that ran it stopped")
    page = olga.get(f"/events/{EV}").get_data(as_text=True)
    assert 'id="publish-failed"' in page and "the process that ran it stopped" in page


def test_a_server_killed_mid_publish_leaves_nothing_or_everything_announced(tmp_path):
    db = tmp_path / "k.db"
    seed_db(db, [generate_event(150, seed=5, event_id=EV)])
    with Store(db) as s:
        s.save_schedule(solve(s.load(EV), (), SolverConfig(method="greedy")).schedule, actor="test")
    want = expected(db)
    server = Server(db, extra_env={"MATCHMAKING_PUBLISH_WAIT": "0"})
    try:
        s, csrf = login(server.url, "olga")
        assert s.post(server.url + f"/events/{EV}/publish", data={"csrf_token": csrf}).status_code == 200
        deadline, seen = time.monotonic() + 60, None
        while time.monotonic() < deadline:  # kill it once it has written some invites
            with Store(db) as st:
                seen = st.last_job(EV, "publish")
            if seen and (seen["done"] > 0 or seen["status"] != "running"):
                break
            time.sleep(0.05)
        assert seen is not None
        os.kill(seen["pid"], signal.SIGKILL)  # the web process that runs the job (gunicorn boots a new one)
        rows = queued(db)
        assert rows == [] or (len(rows) == len(set(rows)) and set(rows) == want)  # nothing, or everything once
        if seen["status"] == "running" and seen["done"] < seen["total"]:
            assert rows == []  # killed while writing: the one transaction never came
        with Store(db) as st:
            assert st.published(EV) == bool(rows)
        # the new web process clears the dead job's lock at start; publishing again completes it
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with Store(db) as st:
                if not st.solving(EV):
                    break
            time.sleep(0.1)
        s, csrf = login(server.url, "olga")
        assert s.post(server.url + f"/events/{EV}/publish", data={"csrf_token": csrf}).status_code == 200
        job = wait_for_job(db)
        assert job["status"] == "done" and job["id"] != seen["id"], job
    finally:
        server.stop()
    rows = queued(db)
    assert len(rows) == len(set(rows)) and set(rows) == want


def test_invites_built_while_the_schedule_changed_are_built_again_from_the_new_one(tmp_path):
    from datetime import UTC, datetime

    from scheduler.domain.model import Schedule
    from scheduler.invitations.delivery import queue_invites
    from scheduler.invitations.ical import InviteContext

    db = tmp_path / "c.db"
    stored(db, 12)
    with Store(db) as s:
        before = s.meetings(EV)
    dropped = before[0]
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if len(seen) == 1:  # while the first build runs, the organiser drops a meeting (another connection)
            with Store(db) as other:
                other.save_schedule(Schedule(EV, tuple(m for m in before if m.id != dropped.id)), actor="olga")

    with Store(db) as s:
        data = s.load(EV)
        ctx = lambda pid: InviteContext(data.event, "organiser@cluster.example", "Cluster", f"https://b2b.example/p/{pid}")  # noqa: E731
        ends: list[int] = []
        n, _ = queue_invites(s, EV, ctx, datetime(2027, 1, 1, tzinfo=UTC), "organiser@cluster.example",
                             progress=progress, also=ends.append)  # fmt: skip
        assert queue_invites(s, EV, ctx, datetime(2027, 1, 1, tzinfo=UTC), "organiser@cluster.example") == (0, [])
    rows = queued(db)
    assert (len(before), len(before)) in seen and (len(before) - 1, len(before) - 1) in seen  # built twice
    assert dropped.id not in {m for m, _ in rows} and set(rows) == expected(db) and len(rows) == len(set(rows))
    assert ends == [n] and n == len(rows)  # ``also`` ran once, with what the one transaction stored


def test_a_publish_whose_lock_was_taken_over_stops_and_queues_nothing(tmp_path):
    from webapp import create_app
    from webapp.publishing import start_publish

    db = tmp_path / "l.db"
    stored(db, 60)
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "TESTING": True, "OUTBOX_DIR": str(tmp_path / "out")})
    job = start_publish(app, EV)
    assert job is not None and start_publish(app, EV) is None  # one at a time per event
    with Store(db) as s:  # given up as abandoned (as a stale heartbeat would be) while it writes
        s.end_solve(EV, job.job, error="given up")
    assert job.finished.wait(120)
    assert "abandoned" in job.error and queued(db) == []
    with Store(db) as s:
        assert s.solve_job(job.job)["error"] == "given up" and not s.published(EV)
