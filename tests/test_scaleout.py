"""Scale-out over real processes: Redis (Debian's redis-server, started here on a free port),
two production web servers (``run.py serve``: gunicorn) on one message queue, and a
``run.py worker`` solving from the job queue; plus the personal links kept out of the
access log and MATCHMAKING_BASE_URL in the mailed links."""

from __future__ import annotations

import email
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from scheduler.domain.model import Schedule
from scheduler.files.formats import parse_event_document
from scheduler.files.generator import generate_event
from scheduler.solver import SolverConfig, solve
from scheduler.solving.problem import build_problem
from scheduler.solving.validate import validate
from scheduler.store import Store
from tests.test_sockets import EVENT, Tab, br19_doc, cookie_of, move_on_board, until
from tests.webtools import ROOT, Server, csrf_of, free_port, login, publish, seed_db

BASE = "http://meet.example.org"  # http: an https public URL makes the session cookie Secure, which a test over plain http cannot send back
SOLVED, KILLED = "so-solve", "so-kill"
NOW = "2027-03-20T08:00:00+00:00"  # days before every event here: all are drafts


class RedisServer:
    """Debian's redis-server on 127.0.0.1, a free port, its own folder, nothing saved to disk."""

    def __init__(self, folder: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--dir", str(folder), "--save", "", "--appendonly", "no"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
        from redis import Redis

        client = Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except Exception:
                if time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


class Worker:
    """``run.py worker`` on the test Redis, with a known name."""

    def __init__(self, redis_url: str, folder: Path, name: str):
        self.name = name
        self.log = (folder / f"worker-{name}.log").open("w")
        self.proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "worker", "--redis", redis_url,
                                      "--name", name], cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT)  # fmt: skip

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Redis, web servers A and B on it (one database file), the events they serve."""
    folder = tmp_path_factory.mktemp("scaleout")
    db = folder / "web.db"
    small = generate_event(24, seed=11, event_id=SOLVED)
    bigger = generate_event(60, seed=12, event_id=KILLED)
    tokens = seed_db(db, [br19_doc(), small, bigger])
    with Store(db) as s:
        for doc in (br19_doc(), bigger):  # a schedule the killed solve must leave as it was
            s.save_schedule(solve(parse_event_document(doc), config=SolverConfig(time_limit=3)).schedule)
    redis = RedisServer(folder)
    env = {"MATCHMAKING_REDIS_URL": redis.url, "MATCHMAKING_STANDBY_TICK": "0", "MATCHMAKING_BASE_URL": BASE,
           "MATCHMAKING_SOLVE_HEARTBEAT": "1"}  # fmt: skip
    servers = []
    try:
        servers.append(Server(db, now=NOW, extra_env=env))
        servers.append(Server(db, now=NOW, extra_env=env))
        yield {"a": servers[0], "b": servers[1], "db": db, "redis": redis, "tokens": tokens, "folder": folder}
    finally:
        for server in servers:
            server.stop()
        redis.stop()


@pytest.fixture
def worker(cluster, request):
    w = Worker(cluster["redis"].url, cluster["folder"], request.node.name[:40])
    yield w
    w.stop()


def staff_tab(url: str, event_id: str) -> StaffTab:
    """The organiser's event page, connected to this server and watching the event."""
    org, _ = login(url, "olga")
    tab = StaffTab(url, cookie=cookie_of(org), watch=event_id, origin=BASE)
    assert until(lambda: "watching" in tab.names())
    return tab


def start_solve(url: str, event_id: str) -> int:
    """The organiser presses "Generate schedule" (the servers' limit: 3 s of solving)."""
    org, _ = login(url, "olga")
    page = org.get(url + f"/events/{event_id}").text
    return org.post(url + f"/events/{event_id}/solve", headers={"X-CSRFToken": csrf_of(page)}).status_code


class StaffTab(Tab):
    """An organiser's event page: also hears how solves go."""

    EVENTS = (*Tab.EVENTS, "solve_progress", "solve_done", "solve_failed")


def mail_text(path: Path) -> str:
    """Every decoded text part of one .eml file."""
    msg = email.message_from_bytes(path.read_bytes())
    return "".join(p.get_payload(decode=True).decode() for p in msg.walk() if not p.is_multipart())


def events_of(tab: Tab, name: str) -> list[dict]:
    return [d for n, d in list(tab.got) if n == name]


def test_a_change_made_through_a_reaches_a_participant_connected_to_b(cluster):
    a, b = cluster["a"], cluster["b"]
    participant = Tab(b.url, token=cluster["tokens"][EVENT]["t-1"], origin=BASE)
    bystander = Tab(b.url, token=cluster["tokens"][SOLVED]["t-0001"], origin=BASE)
    try:
        host, _ = login(a.url, "hans")
        move_on_board(host, a.url, cluster["db"])
        assert until(lambda: "agenda_changed" in participant.names(), timeout=2.0)
        [(_, change)] = [g for g in participant.got if g[0] == "agenda_changed"]
        assert change["why"] and "moved" in change["changes"][0]
        assert "agenda_changed" not in bystander.names()  # only the people whose meetings changed
    finally:
        participant.close()
        bystander.close()


def test_a_solve_submitted_on_a_runs_on_the_worker_and_its_progress_reaches_b(cluster, worker):
    a, b, db = cluster["a"], cluster["b"], cluster["db"]
    tab = staff_tab(b.url, SOLVED)
    try:
        assert start_solve(a.url, SOLVED) == 202
        assert until(lambda: events_of(tab, "solve_done") or events_of(tab, "solve_failed"), timeout=60)
        assert events_of(tab, "solve_failed") == []
        [done] = events_of(tab, "solve_done")
        assert done["worker"] == worker.name  # solved by the worker process, not by A
        phases = [p["phase"] for p in events_of(tab, "solve_progress")]
        assert phases[:2] == ["queued", "build"] and len(phases) >= 3  # queued on A, then the worker's
    finally:
        tab.close()
    with Store(db) as s:
        job = s.last_solve(SOLVED)
        assert (job["id"], job["status"], job["worker"], job["error"]) == (done["job"], "done", worker.name, "")
        assert not s.solving(SOLVED)
        data, meetings = s.load(SOLVED), s.meetings(SOLVED)
    assert len(meetings) == done["meetings"] > 0
    assert validate(build_problem(data), Schedule(SOLVED, meetings)) == []


def test_a_worker_killed_mid_solve_leaves_a_failed_job_the_old_schedule_and_no_lock(cluster, worker):
    a, b, db = cluster["a"], cluster["b"], cluster["db"]
    with Store(db) as s:
        before, version = s.meetings(KILLED), s.schedule_version(KILLED)
    tab = staff_tab(b.url, KILLED)
    try:
        assert start_solve(a.url, KILLED) == 202
        assert until(lambda: [p for p in events_of(tab, "solve_progress") if p["phase"] != "queued"],
                     timeout=30)  # the worker took the job and is solving (not merely queued)
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait()
        assert until(lambda: events_of(tab, "solve_failed"), timeout=20)
        [failed] = events_of(tab, "solve_failed")
        assert "worker stopped while solving" in failed["error"] and "previous schedule is unchanged" in failed["error"]
        assert events_of(tab, "solve_done") == []
    finally:
        tab.close()
    with Store(db) as s:
        job = s.solve_job(failed["job"])
        assert (job["status"], job["error"]) == ("failed", failed["error"])
        assert not s.solving(KILLED)
        assert s.meetings(KILLED) == before and s.schedule_version(KILLED) == version
    org, _ = login(b.url, "olga")
    assert "failed: the worker stopped while solving" in org.get(b.url + f"/events/{KILLED}").text
    assert start_solve(b.url, KILLED) == 202  # a new solve can start at once (it waits for a worker)
    with Store(db) as s:
        assert s.solving(KILLED)


def test_the_access_log_never_holds_a_personal_link(cluster):
    import requests

    b = cluster["b"]
    token = cluster["tokens"][SOLVED]["t-0002"]
    for path in (f"/p/{token}", f"/p/{token}/agenda.json", f"/p/{token}/feed.ics", f"/login?token={token}"):
        requests.get(b.url + path, timeout=10)
    Tab(b.url, token=token, origin=BASE).close()
    log = b.db.parent / f"server-{b.port}.log"
    assert until(lambda: "/p/***/feed.ics" in log.read_text(), timeout=5)
    text = log.read_text()
    assert token not in text
    assert '"GET /p/*** HTTP/1.1" 200' in text and "/p/***/agenda.json" in text and "/login?token=***" in text


def test_links_in_mails_use_matchmaking_base_url_not_the_bind_address(cluster):
    a = cluster["a"]
    publish(a.url, EVENT)
    assert until(lambda: list((cluster["folder"] / "outbox").glob("*.eml")), timeout=10)
    mails = [mail_text(p) for p in (cluster["folder"] / "outbox").glob("*.eml")]
    token = cluster["tokens"][EVENT]["t-1"]
    assert any(f"{BASE}/p/{token}" in m for m in mails)
    assert not any("127.0.0.1" in m for m in mails)


def test_werkzeugs_request_log_never_holds_a_personal_link_either(tmp_path):
    import requests

    db = tmp_path / "dev.db"
    token = seed_db(db, [br19_doc()])[EVENT]["t-1"]
    port = free_port()
    log = tmp_path / "werkzeug.log"
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--db", str(db), "serve", "--server", "werkzeug",
                                 "--port", str(port)], cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                env={**os.environ, "MATCHMAKING_SECRET_KEY": "test-secret-not-for-production"})  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            assert until(lambda: _answers(url + f"/p/{token}"), timeout=30)
            requests.get(url + f"/p/{token}/agenda.json", timeout=10)
            assert until(lambda: "/p/***/agenda.json" in log.read_text(), timeout=5)
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    text = log.read_text()
    assert token not in text and '"GET /p/*** HTTP/1.1" 200' in text


def _answers(url: str) -> bool:
    import requests

    try:
        return requests.get(url, timeout=2).status_code == 200
    except (requests.ConnectionError, requests.Timeout):
        return False


def test_with_redis_down_a_solve_is_refused_in_words_and_leaves_no_lock(tmp_path):
    """MATCHMAKING_REDIS_URL names a port where nothing listens: the organiser hears why."""
    from webapp import create_app

    db = tmp_path / "down.db"
    seed_db(db, [br19_doc()])
    app = create_app({"DATABASE": str(db), "SECRET_KEY": "test", "WTF_CSRF_ENABLED": False,
                      "REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})  # fmt: skip
    client = app.test_client()
    client.post("/login", data={"username": "olga", "password": "correct horse battery"})
    r = client.post(f"/events/{EVENT}/solve")
    assert r.status_code == 503 and "solve queue (Redis) could not be reached" in r.get_json()["error"]
    with Store(db) as s:
        assert not s.solving(EVENT)
        assert s.last_solve(EVENT)["status"] == "failed"


def test_a_web_process_killed_mid_solve_has_its_lock_cleared_when_its_replacement_starts(tmp_path):
    """One process, no Redis: gunicorn boots a new worker process, which clears the dead one's lock."""
    from scheduler.store.locks import ABANDONED

    db = tmp_path / "one.db"
    doc = generate_event(60, seed=12, event_id=KILLED)
    seed_db(db, [doc])
    with Store(db) as s:
        s.save_schedule(solve(parse_event_document(doc), config=SolverConfig(time_limit=3)).schedule)
        before, version = s.meetings(KILLED), s.schedule_version(KILLED)
    server = Server(db, solve_seconds=30, now=NOW, extra_env={"MATCHMAKING_STANDBY_TICK": "0"})
    try:
        assert start_solve(server.url, KILLED) == 202
        with Store(db) as s:
            lock = s.solve_lock(KILLED)
        assert lock["pid"] != server.proc.pid  # held by gunicorn's worker process, not its master
        os.kill(lock["pid"], signal.SIGKILL)
        with Store(db) as s:
            assert until(lambda: s.solve_job(lock["id"])["status"] == "failed", timeout=30)
            assert s.solve_job(lock["id"])["error"] == ABANDONED
            assert not s.solving(KILLED)
            assert s.meetings(KILLED) == before and s.schedule_version(KILLED) == version
        assert until(lambda: _answers(server.url + "/login"), timeout=30)
        assert start_solve(server.url, KILLED) == 202
    finally:
        server.stop()
