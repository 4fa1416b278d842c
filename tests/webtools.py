"""A real server for web tests: `run.py serve` in a subprocess on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import requests
from werkzeug.security import generate_password_hash

from scheduler.files import formats
from scheduler.store import Store

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_db(path: Path, docs: list[dict]) -> dict[str, dict[str, str]]:
    """Store events and the two staff accounts (hans hosts every event); return each event's participant tokens."""
    with Store(path) as store:
        for doc in docs:
            store.save_event(formats.parse_event_document(doc))
        store.add_user("olga", generate_password_hash(PASSWORD), "organiser")
        store.add_user("hans", generate_password_hash(PASSWORD), "host")
        for doc in docs:  # the host runs every event of these worlds (a grant per event)
            store.grant(doc["event"]["id"], "hans", "host", by="test")
        return {ev["event"]["id"]: store.tokens(ev["event"]["id"]) for ev in docs}


class Server:
    def __init__(self, db: Path, solve_seconds: float = 3.0, now: str | None = None,
                 extra_env: dict[str, str] | None = None):
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "MATCHMAKING_SOLVE_TIME_LIMIT": str(solve_seconds),
               "MATCHMAKING_SECRET_KEY": "test-secret-not-for-production",
               "MATCHMAKING_OUTBOX_DIR": str(db.parent / "outbox")}  # .eml files when no SMTP server
        if now:
            env["MATCHMAKING_NOW"] = now  # the event clock, for a rehearsal of the live day
        env.update(extra_env or {})
        self.log = (db.parent / f"server-{self.port}.log").open("w")
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "--db", str(db), "serve", "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/login", timeout=1).status_code == 200:
                    return
            except (requests.ConnectionError, requests.Timeout):  # a busy machine answers late
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("the server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def login(url: str, user: str = "olga") -> tuple[requests.Session, str]:
    """Log in through the real form; return the session and a CSRF token."""
    s = requests.Session()
    token = csrf_of(s.get(url + "/login").text)
    r = s.post(url + "/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 200, r.text
    return s, csrf_of(r.text)


def publish(url: str, event_id: str, seconds: float = 300) -> None:
    """The organiser publishes the event's invites, as before the live day. When the background
    job outlasts the request's wait (a large event, a busy machine), wait as the organiser
    would: on the overview, until it no longer says how far the publishing got."""
    s, csrf = login(url, "olga")
    r = s.post(url + f"/events/{event_id}/publish", data={"csrf_token": csrf})
    assert r.status_code == 200 and ("Published:" in r.text or "being written in the background" in r.text), r.text
    deadline = time.monotonic() + seconds
    while 'id="publishing"' in r.text and time.monotonic() < deadline:
        time.sleep(0.5)
        r = s.get(url + f"/events/{event_id}")
    assert 'id="publishing"' not in r.text and 'id="publish-failed"' not in r.text, r.text


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def free_slot(event_file: Path, schedule: dict, meeting_id: str) -> tuple[int, int]:
    """A slot both sides of a meeting can take and are free in, and a room nobody uses then."""
    from scheduler.domain.timegrid import allowed_map, build_slots
    from scheduler.files.sheets import read_event_file

    m = next(x for x in schedule["meetings"] if x["id"] == meeting_id)
    data = read_event_file(event_file)
    slots = build_slots(data.event)
    allowed = allowed_map(data, slots)
    for s in slots:
        at = s.start.strftime("%Y-%m-%dT%H:%M:%SZ")
        if at == m["start"] or any(s.index not in allowed[p] for p in m["participants"]):
            continue
        busy = [x for x in schedule["meetings"] if x["start"] == at]
        if any(set(x["participants"]) & set(m["participants"]) for x in busy):
            continue
        used = {x["room"] for x in busy}
        return s.index, next(r for r in range(1, data.event.rooms + 1) if r not in used)
    raise AssertionError("no free slot to move to")


class Proxy:
    """A TCP proxy in front of a server whose line can be cut (open connections dropped, new ones
    refused) and restored: a participant's train going through a tunnel."""

    def __init__(self, target_port: int):
        import threading

        self.online = True
        self.conns: list[socket.socket] = []
        self.lock = threading.Lock()
        self.target = ("127.0.0.1", target_port)
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.url = f"http://127.0.0.1:{self.srv.getsockname()[1]}"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            if not self.online:
                c.close()
                continue
            try:
                u = socket.create_connection(self.target)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.conns += [c, u]
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            _drop(s)

    def cut(self) -> None:
        self.online = False
        with self.lock:
            for s in self.conns:
                _drop(s)
            self.conns = []

    def restore(self) -> None:
        self.online = True

    def close(self) -> None:
        self.cut()
        self.srv.close()


def _drop(s: socket.socket) -> None:
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already down
    s.close()


def mailed_live_world(folder: Path, event_id: str, participants: int, seed: int, now_after: timedelta):
    """A generated event, solved and stored, served on its live day (the clock ``now_after`` past
    the start of its third slot) with a real SMTP server on 127.0.0.1 receiving the invites.
    Yields a dict (server, db, inbox, now, data, env: the server's SMTP settings) and stops both
    servers afterwards."""
    from aiosmtpd.controller import Controller

    from scheduler.files.generator import generate_event
    from scheduler.solver import SolverConfig, solve
    from tests.test_invites import Inbox

    doc = generate_event(participants, seed=seed, event_id=event_id)
    db = folder / f"{event_id}.db"
    seed_db(db, [doc])
    data = formats.parse_event_document(doc)
    result = solve(data, config=SolverConfig(time_limit=2))
    with Store(db) as s:
        s.save_schedule(result.schedule)
    inbox = Inbox()
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    now = result.problem.slots[2].start + now_after
    env = {"MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(port),
           "MATCHMAKING_SMTP_FROM": "events@cluster.example", "MATCHMAKING_STANDBY_TICK": "0"}
    server = Server(db, now=now.isoformat(), extra_env=env)
    try:
        yield {"server": server, "db": db, "inbox": inbox, "now": now, "data": data, "env": env}
    finally:
        server.stop()
        smtp.stop()


def wait_for_delivery(db: Path, event_id: str, inbox, seconds: float = 20) -> None:
    """Wait until the background delivery has emptied the event's outbox into ``inbox``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with Store(db) as s:
            rows = s.outbox(event_id)
        if all(r["status"] == "sent" for r in rows) and len(inbox.messages) == len(rows):
            return
        time.sleep(0.2)
    raise AssertionError(f"outbox not delivered: {[r['status'] for r in rows]}")


def logged_in(app, user: str):
    """A Flask test client of ``app`` logged in as ``user`` through the real form (with its CSRF token)."""
    client = app.test_client()
    token = csrf_of(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": user, "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)
    return client
