"""kill -9 in the middle of the two kinds of work a crash must not corrupt: a live repair (the
web server killed while it rebalances the day) and a mail run (``invites --send`` killed while
the SMTP server holds a message). Real processes, a real SMTP server on 127.0.0.1, real SQLite.

After each: the stored schedule is the one before or the whole new one (valid), nothing queued
is lost, and no change reaches anyone twice under two different SEQUENCE numbers. (A solve
killed mid-way, and the lock left by a dead process, are the solve lock's own tests.)
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import timedelta

import requests
from aiosmtpd.controller import Controller

from scheduler.files.generator import generate_event
from scheduler.store import Store
from tests.test_invites import Inbox
from tests.test_live_mail import invites
from tests.webtools import (
    ROOT,
    Server,
    free_port,
    login,
    mailed_live_world,
    publish,
    wait_for_delivery,
)

EV = "kill-9"


class HeldInbox(Inbox):
    """An SMTP inbox that takes the ``hold``-th message, then keeps its client waiting for the
    answer until released: the moment a sender can die between "sent" and "marked sent"."""

    def __init__(self, hold: int):
        super().__init__()
        self.hold, self.holding, self.released = hold, threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        answer = await super().handle_DATA(server, session, envelope)
        if len(self.messages) == self.hold:
            self.holding.set()
            while not self.released.is_set():
                await asyncio.sleep(0.02)
        return answer


def whole(meetings) -> bool:
    """Nobody and no room is in two meetings at once."""
    seen = set()
    for m in meetings:
        for key in ((m.a, m.start), (m.b, m.start), (f"room {m.room}", m.start)):
            if key in seen:
                return False
            seen.add(key)
    return True


def sequences_per_change(inbox: Inbox) -> dict[tuple[str, str, str], set[int]]:
    """(recipient, meeting, METHOD) -> the SEQUENCE numbers it was mailed with."""
    out: dict[tuple[str, str, str], set[int]] = defaultdict(set)
    for to, meeting, method, seq in invites(inbox):
        out[(to, meeting, method)].add(seq)
    return out


def test_kill_9_during_a_mail_run_loses_nothing_and_resends_at_the_same_sequence(tmp_path):
    from scheduler.files import formats
    from scheduler.solver import SolverConfig, solve

    doc = generate_event(16, seed=3, event_id=EV)
    data = formats.parse_event_document(doc)
    db = tmp_path / "mail.db"
    with Store(db) as s:
        s.save_event(data)
        s.save_schedule(solve(data, config=SolverConfig(time_limit=2, seed=1)).schedule)
    inbox = HeldInbox(hold=3)
    port = free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=port)
    smtp.start()
    env = {**os.environ, "MATCHMAKING_SMTP_HOST": "127.0.0.1", "MATCHMAKING_SMTP_PORT": str(port),
           "MATCHMAKING_SMTP_FROM": "events@cluster.example"}  # fmt: skip
    cmd = [sys.executable, str(ROOT / "run.py"), "--db", str(db), "invites", "--event", EV, "--send"]
    try:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert inbox.holding.wait(60), "the mail run never reached the third message"
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        inbox.released.set()
        with Store(db) as s:
            rows = s.outbox(EV)
        statuses = [r["status"] for r in rows]
        assert statuses.count("sent") == 2 and statuses.count("sending") == 1, statuses  # on disk, not lost
        # the next run sends the rest; the message cut off in 'sending' waits until it is stale
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        with Store(db) as s:
            assert [r["status"] for r in s.outbox(EV)].count("sending") == 1
            assert len(s.outbox(EV)) == len(rows)  # nothing queued twice
            s.db.execute("UPDATE outbox SET next_attempt_at = '2000-01-01T00:00:00+00:00' WHERE status = 'sending'")
        subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True, timeout=120)
        with Store(db) as s:
            final = s.outbox(EV)
        assert {r["status"] for r in final} == {"sent"} and len(final) == len(rows)
        assert len(inbox.messages) == len(rows) + 1  # the held message arrived twice ...
        seqs = sequences_per_change(inbox)
        assert all(len(v) == 1 for v in seqs.values()), seqs  # ... under the same SEQUENCE
        assert len(seqs) == len(rows)
    finally:
        inbox.released.set()
        smtp.stop()


def test_kill_9_during_a_live_repair_keeps_a_whole_schedule(tmp_path):
    world = mailed_live_world(tmp_path, EV, 150, 4, timedelta(0))
    w = next(world)
    server, db, now = w["server"], w["db"], w["now"]
    try:
        publish(server.url, EV)
        wait_for_delivery(db, EV, w["inbox"], 60)
        with Store(db) as s:
            before, version = s.meetings(EV), s.schedule_version(EV)
        mailed = len(w["inbox"].messages)
        host, csrf = login(server.url, "hans")
        gone = next(m.a for m in before if m.start > now and m.status in ("scheduled", "moved"))
        answered: list[object] = []

        def post() -> None:
            try:
                answered.append(host.post(server.url + f"/events/{EV}/board/absence", timeout=120,
                                          data={"csrf_token": csrf, "participant": gone, "mode": "gone",
                                                "apply": "1"}).status_code)  # fmt: skip
            except requests.ConnectionError as exc:
                answered.append(exc)

        t = threading.Thread(target=post)
        t.start()
        deadline, seen = time.monotonic() + 60, False
        while time.monotonic() < deadline and t.is_alive():
            with Store(db) as s:
                if s.solving(EV):
                    seen = True
                    break
            time.sleep(0.005)
        server.proc.send_signal(signal.SIGKILL)
        server.proc.wait(10)
        t.join(30)
        assert seen, f"the repair ended before the kill ({answered})"
        with Store(db) as s:
            after, new_version = s.meetings(EV), s.schedule_version(EV)
        if new_version == version:
            assert after == before  # the old schedule, untouched
        else:
            assert new_version == version + 1  # the whole new one, valid
            assert whole([m for m in after if m.status in ("scheduled", "moved")])
        # a restarted server delivers what was queued; no change reaches anyone under two SEQUENCEs
        server.stop()
        again = Server(db, now=now.isoformat(), extra_env=w["env"])
        try:
            wait_for_delivery(db, EV, w["inbox"], 60)
        finally:
            again.stop()
        assert len(w["inbox"].messages) >= mailed
        # every change went out exactly under the SEQUENCE its outbox row holds: a repair that
        # committed sends its moves as the next SEQUENCE once, nothing is re-sent under a new one
        with Store(db) as s:
            queued = {(r["recipient"], r["meeting_id"], r["method"], r["sequence"]) for r in s.outbox(EV)
                      if r.get("kind", "invite") == "invite"}  # fmt: skip
            held = s.solving(EV)
        assert set(invites(w["inbox"])) == queued
        assert not held  # the killed repair's lock: its process is gone, so it was cleared
    finally:
        try:
            next(world)
        except StopIteration:
            pass
