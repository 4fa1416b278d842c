#!/usr/bin/env python3
"""Console benchmark (make bench): the organiser console and Publish on a generated 3,000-SME event.

A real server (``run.py serve``) on 127.0.0.1 serves a 3,000-SME event with a greedy schedule;
an organiser logged in through the real form loads every console page twice. One table: page,
first load (s), when the figures were shown (a page computing them in the background answers
at once with a "being computed" state and loads itself again: the time until it shows them),
next load (s) and size (KB of HTML). Then Publish: how long the console's request takes (the
job runs in the background) and how long the job takes to write and queue every invite
(its progress is read from the store, as the overview page shows it). The numbers depend
on the machine; the tests check correctness, never these times.

    python bench/console_bench.py [--participants 3000] [--no-publish]

Measured on the 2-core development machine, shared with other work (30 November 2026), 3,000 SMEs:
first loads 0.01 to 1.2 s (results 0.62 s, figures after 2.0 s; recommendations figures after
3 to 10 s; not placed 0.64 s, figures after 1.0 s), next loads 0.01 to 1.4 s, every page under
175 KB. Before (commit 2132238) the first loads of results and recommendations computed in the
request: 1.7 s each in tests/test_console_browser.py, capacity planning 20 s. Publish: the
request 0.58 s, the job 136 s for 15,102 invites; before, 15,102 invites in about 9 minutes
inside the request (the messages cost half as much to build now: 51 against 100 ms each,
measured one after the other on the same busy machine).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from scheduler.files.generator import generate_event  # noqa: E402
from scheduler.solver import SolverConfig, solve  # noqa: E402
from scheduler.store import Store  # noqa: E402
from tests.webtools import Server, login, seed_db  # noqa: E402

EV = "bench-console"
PAGES = [("overview", ""), ("participants", "/participants"), ("requests", "/requests"),
         ("schedule", "/schedule"), ("not placed", "/not-placed"), ("outbox", "/outbox"), ("settings", "/setup"),
         ("surveys", "/surveys"), ("results", "/results"), ("recommendations", "/recommendations")]  # fmt: skip
COMPUTING = 'id="computing"'


def load(session, url: str) -> tuple[float, float, int]:
    """(first answer s, figures shown after s, KB): reloads while the page says it is computing."""
    start = time.monotonic()
    r = session.get(url, timeout=300)
    first = time.monotonic() - start
    while COMPUTING in r.text:  # what the page's own refresh does, without its 2 s pause
        time.sleep(0.2)
        r = session.get(url, timeout=300)
    return first, time.monotonic() - start, len(r.content) // 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=3000)
    ap.add_argument("--no-publish", action="store_true", help="only the pages")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "console.db"
        seed_db(db, [generate_event(args.participants, seed=7, event_id=EV)])
        with Store(db) as s:
            s.save_schedule(solve(s.load(EV), (), SolverConfig(method="greedy")).schedule, actor="bench")
        server = Server(db, extra_env={"MATCHMAKING_PUBLISH_WAIT": "0"})
        try:
            session, csrf = login(server.url, "olga")
            pages = Table(title=f"Console pages of a generated {args.participants}-SME event (seed 7)")
            for col in ("page", "first load, s", "figures shown after, s", "next load, s", "KB"):
                pages.add_column(col, justify="left" if col == "page" else "right")
            for name, path in PAGES:
                url = server.url + f"/events/{EV}{path}"
                first, shown, kb = load(session, url)
                again, _, _ = load(session, url)
                pages.add_row(name, f"{first:.2f}", f"{shown:.2f}", f"{again:.2f}", str(kb))
            Console().print(pages)
            if not args.no_publish:
                publish(session, csrf, server.url, db, args.participants)
        finally:
            server.stop()
    return 0


def publish(session, csrf: str, url: str, db: Path, n: int) -> None:
    """Time the Publish request and its background job (until every invite is queued)."""
    start = time.monotonic()
    r = session.post(url + f"/events/{EV}/publish", data={"csrf_token": csrf}, timeout=600)
    answered = time.monotonic() - start
    assert r.status_code == 200, r.status_code
    while True:
        with Store(db) as s:
            job = s.last_job(EV, "publish")
        if job and job["status"] != "running":
            break
        time.sleep(0.5)
    with Store(db) as s:
        job = s.solve_job(job["id"])
        queued = sum(1 for row in s.outbox(EV) if row["kind"] == "invite")
    written = (job["finished_at"] - job["started_at"]).total_seconds()
    table = Table(title=f"Publish of a generated {n}-SME event")
    for col in ("step", "seconds", "what"):
        table.add_column(col, justify="right" if col == "seconds" else "left")
    table.add_row("request", f"{answered:.2f}", "the console's Publish returns (the job runs in the background)")
    table.add_row("job", f"{written:.1f}", f"{queued} invites written and queued in one transaction ({job['status']})")
    Console().print(table)


if __name__ == "__main__":
    sys.exit(main())
