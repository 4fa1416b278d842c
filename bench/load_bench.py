#!/usr/bin/env python3
"""Load benchmark (make bench): N participant pages open as real Socket.IO clients, one
change that touches every one of them, and how fast it reaches them.

Two layouts on this machine, each started fresh with the production command (``run.py
serve``: gunicorn, one process, one thread per open page):

- one web process, no Redis;
- two web processes on one Redis message queue (the pages spread over both).

The event has N participants paired in N/2 meetings; the schedule was moved one slot
later, and a host presses "Undo" on the board of the first process: every meeting moves
back, so every participant's page gets ``agenda_changed``. Push latency runs from the
moment the Undo request is sent (the host logged in and opened the board before: not
timed) to the moment a page receives its message. The table also shows when the Undo
request was answered (its redirect back to the board: the change committed and every push
handed to Socket.IO), when each page had its fresh agenda (the real page,
webapp/static/portal.js, takes it from the push when the push is in the page's language, else
asks ``agenda.json`` at once: 2,000 requests together; ``--fetch`` makes every page ask), and what the server processes used: CPU seconds while connecting the pages
and during the push, and their memory (RSS) at the end.

    python bench/load_bench.py            # N = 2000
    python bench/load_bench.py --n 500
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
import requests  # noqa: E402
import socketio  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from scheduler.domain.model import Meeting, Schedule  # noqa: E402
from scheduler.domain.timegrid import build_slots  # noqa: E402
from scheduler.files.formats import parse_event_document  # noqa: E402
from scheduler.store import Store  # noqa: E402

EVENT = "load"
NOW = "2027-03-01T09:00:00+00:00"  # weeks before the event: a draft, every meeting may move
PASSWORD = "bench password, not for production"
PAGE_LANGUAGE = "en"  # the language the pages are shown in (the event's and the participants')
SLOTS_USED = 14  # of the 16 slots of the day: one is left free to shift every meeting into


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def build_world(db: Path, n: int) -> dict[str, str]:
    """Store an event of ``n`` participants in ``n // 2`` meetings, then the same meetings one
    slot later (the change the benchmark undoes); return each participant's token."""
    pairs = n // 2
    rooms = math.ceil(pairs / SLOTS_USED)
    people = [{"id": f"{k}-{i:05d}", "name": f"{k}-{i:05d} SME", "kind": kind, "timezone": "Europe/Brussels",
               "email": f"{k}-{i:05d}@example.org"}
              for i in range(pairs) for k, kind in (("t", "traditional"), ("s", "tech"))]  # fmt: skip
    doc = {"event": {"id": EVENT, "name": "Load benchmark", "timezone": "Europe/Brussels", "slot_minutes": 25,
                     "gap_minutes": 5, "sessions": [{"date": "2027-03-26", "start": "09:00", "end": "17:00"}],
                     "rooms": rooms, "max_meetings": 4},
           "participants": people,
           "requests": [{"from": f"t-{i:05d}", "to": f"s-{i:05d}", "priority": 1} for i in range(pairs)]}  # fmt: skip
    data = parse_event_document(doc)
    slots = build_slots(data.event)

    def meetings(shift: int) -> tuple[Meeting, ...]:
        return tuple(Meeting(f"m-{i:05d}", f"t-{i:05d}", f"s-{i:05d}", slots[i % SLOTS_USED + shift].start,
                             slots[i % SLOTS_USED + shift].end, i // SLOTS_USED + 1) for i in range(pairs))  # fmt: skip

    with Store(db) as store:
        store.save_event(data)
        store.save_schedule(Schedule(EVENT, meetings(0)), actor="bench")
        store.save_schedule(Schedule(EVENT, meetings(1)), actor="bench")  # the change "Undo" reverses
        store.add_user("hans", generate_password_hash(PASSWORD), "host")
        store.grant(EVENT, "hans", "host")  # hosts run the boards of the events they are granted
        return store.tokens(EVENT)


@dataclass
class Servers:
    procs: list[subprocess.Popen]
    urls: list[str]
    redis: subprocess.Popen | None

    def tree(self) -> list[psutil.Process]:
        """The gunicorn masters and their workers (and Redis)."""
        out = []
        for p in self.procs + ([self.redis] if self.redis else []):
            proc = psutil.Process(p.pid)
            out += [proc, *proc.children(recursive=True)]
        return out

    def cpu(self) -> float:
        return sum(_cpu(p) for p in self.tree())

    def rss_mb(self) -> list[float]:
        return [round(sum(_rss(p) for p in [psutil.Process(s.pid), *psutil.Process(s.pid).children(recursive=True)])
                      / 2**20) for s in self.procs]  # fmt: skip

    def stop(self) -> None:
        for p in self.procs + ([self.redis] if self.redis else []):
            p.terminate()
        for p in self.procs + ([self.redis] if self.redis else []):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def _cpu(p: psutil.Process) -> float:
    try:
        t = p.cpu_times()
        return t.user + t.system
    except psutil.NoSuchProcess:
        return 0.0


def _rss(p: psutil.Process) -> int:
    try:
        return p.memory_info().rss
    except psutil.NoSuchProcess:
        return 0


def start(db: Path, folder: Path, processes: int, threads: int, with_redis: bool) -> Servers:
    env = {**os.environ, "MATCHMAKING_SECRET_KEY": "bench-secret-not-for-production", "MATCHMAKING_NOW": NOW,
           "MATCHMAKING_STANDBY_TICK": "0", "MATCHMAKING_OUTBOX_DIR": str(folder / "outbox")}  # fmt: skip
    redis = None
    if with_redis:
        port = free_port()
        redis = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder),
                                  "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)  # fmt: skip
        env["MATCHMAKING_REDIS_URL"] = f"redis://127.0.0.1:{port}/0"
    procs, urls = [], []
    for _ in range(processes):
        port = free_port()
        log = (folder / f"server-{port}.log").open("w")
        procs.append(subprocess.Popen([sys.executable, str(ROOT / "run.py"), "--db", str(db), "serve", "--port",
                                       str(port), "--threads", str(threads)], cwd=ROOT, env=env, stdout=log,
                                      stderr=subprocess.STDOUT))  # fmt: skip
        urls.append(f"http://127.0.0.1:{port}")
    servers = Servers(procs, urls, redis)
    for url in urls:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/login", timeout=2).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if time.monotonic() > deadline:
                servers.stop()
                raise RuntimeError(f"the server at {url} did not start")
            time.sleep(0.3)
    return servers


async def open_pages(urls: list[str], tokens: list[str], got: dict[int, float], shown: dict[int, float],
                     http: aiohttp.ClientSession, page_language: str = PAGE_LANGUAGE) -> list[socketio.AsyncClient]:
    """Connect one client per token, spread over ``urls``; record when each hears agenda_changed
    (``got``) and when, as the real page does (webapp/static/portal.js), it has its fresh agenda
    (``shown``): from the push when it came in the page's language, else from ``agenda.json``."""
    clients: list[socketio.AsyncClient] = []
    gate = asyncio.Semaphore(50)  # connections being opened at once
    fetches: set[asyncio.Task] = set()

    async def one(i: int, token: str) -> None:
        c = socketio.AsyncClient(reconnection=False)
        url = urls[i % len(urls)]

        async def refetch() -> None:
            async with http.get(f"{url}/p/{token}/agenda.json", headers={"Accept": "application/json"}) as r:
                if r.status == 200 and (await r.json()).get("agenda") is not None:
                    shown.setdefault(i, time.monotonic())

        async def agenda(data=None) -> None:
            got.setdefault(i, time.monotonic())
            if isinstance(data, dict) and data.get("agenda") is not None and data.get("lang") == page_language:
                shown.setdefault(i, time.monotonic())  # the push brought the agenda in the page's language
                return
            task = asyncio.create_task(refetch())
            fetches.add(task)
            task.add_done_callback(fetches.discard)

        c.on("agenda_changed", agenda)
        async with gate:
            try:
                await c.connect(url, auth={"token": token}, transports=["websocket"], wait_timeout=30)
                clients.append(c)
            except Exception as exc:  # counted as not connected
                print(f"page {i}: {exc}", file=sys.stderr)

    await asyncio.gather(*(one(i, t) for i, t in enumerate(tokens)))
    return clients


def host_board(url: str) -> tuple[requests.Session, str, str]:
    """Log in as the host and open the board: the session, its CSRF token and the schedule version."""
    s = requests.Session()
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', s.get(url + "/login").text).group(1)
    s.post(url + "/login", data={"username": "hans", "password": PASSWORD, "csrf_token": csrf})
    page = s.get(url + f"/events/{EVENT}/board").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return s, csrf, version


def press_undo(url: str, board: tuple[requests.Session, str, str]) -> requests.Response:
    """The host presses Undo: the POST alone (its answer is the redirect back to the board)."""
    s, csrf, version = board
    return s.post(url + f"/events/{EVENT}/board/undo", data={"csrf_token": csrf, "version": version},
                  allow_redirects=False, timeout=600)


def check_undone(url: str, board: tuple[requests.Session, str, str], answer: requests.Response) -> None:
    """The board the undo redirected to says it was done."""
    page = board[0].get(requests.compat.urljoin(url, answer.headers.get("Location", "")), timeout=600)
    if not answer.is_redirect or "was undone" not in page.text:
        raise RuntimeError(f"the undo was refused ({answer.status_code})")


def _quantiles(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and max of ``values`` (NaN when empty)."""
    if not values:
        return math.nan, math.nan, math.nan
    q = statistics.quantiles(values, n=100) if len(values) >= 2 else values * 100
    return q[49], q[94], max(values)


async def measure(servers: Servers, tokens: list[str], wait: float, page_language: str = PAGE_LANGUAGE) -> dict:
    got: dict[int, float] = {}
    shown: dict[int, float] = {}
    cpu0 = servers.cpu()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        clients = await open_pages(servers.urls, tokens, got, shown, http, page_language)
        await asyncio.sleep(2)  # let the servers settle (connect handlers, recheck loops)
        cpu1 = servers.cpu()
        board = await asyncio.to_thread(host_board, servers.urls[0])  # log-in and board page: before the clock
        t0 = time.monotonic()
        answer = await asyncio.to_thread(press_undo, servers.urls[0], board)
        answered = time.monotonic() - t0  # the change is committed and every push handed to Socket.IO
        deadline = time.monotonic() + wait
        while (len(got) < len(clients) or len(shown) < len(clients)) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        cpu2 = servers.cpu()
        await asyncio.to_thread(check_undone, servers.urls[0], board, answer)
        rss = servers.rss_mb()
        await asyncio.gather(*(c.disconnect() for c in clients), return_exceptions=True)
    p50, p95, top = _quantiles([t - t0 for t in got.values()])
    s50, s95, stop = _quantiles([t - t0 for t in shown.values()])
    return {"connected": len(clients), "received": len(got), "p50": p50, "p95": p95, "max": top,
            "shown": len(shown), "s50": s50, "s95": s95, "smax": stop,
            "answered": answered, "cpu_connect": cpu1 - cpu0, "cpu_push": cpu2 - cpu1, "rss": rss}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=2000, help="participant pages to open (default 2000)")
    ap.add_argument("--wait", type=float, default=60.0, help="seconds to wait for the push to reach every page")
    ap.add_argument("--fetch", action="store_true",
                    help="pages shown in another language than the push's: every page asks agenda.json")
    args = ap.parse_args()
    page_language = "xx" if args.fetch else PAGE_LANGUAGE  # --fetch: no page takes the pushed agenda
    n = args.n - args.n % 2
    console = Console(width=200)
    rows = []
    for label, processes, with_redis in (("1 process, no Redis", 1, False), ("2 processes + Redis", 2, True)):
        with tempfile.TemporaryDirectory(prefix="entente-load-") as tmp:
            folder = Path(tmp)
            tokens = list(build_world(folder / "load.db", n).values())
            servers = start(folder / "load.db", folder, processes, n // processes + 100, with_redis)
            try:
                console.print(f"{label}: opening {n} pages ...")
                rows.append((label, asyncio.run(measure(servers, tokens, args.wait, page_language))))
            finally:
                servers.stop()
    table = Table(title=f"Push to {n} open participant pages (one change touching all; {os.cpu_count()} cores)")
    for col in ("layout", "connected", "received", "undo answered s", "p50 s", "p95 s", "max s",
                "agenda shown", "shown p50 s", "shown p95 s", "shown max s",
                "server CPU s connecting", "server CPU s push", "RSS MB per process"):
        table.add_column(col, justify="left" if col == "layout" else "right")
    for label, r in rows:
        table.add_row(label, str(r["connected"]), str(r["received"]), f"{r['answered']:.2f}", f"{r['p50']:.2f}",
                      f"{r['p95']:.2f}", f"{r['max']:.2f}", str(r["shown"]), f"{r['s50']:.2f}", f"{r['s95']:.2f}",
                      f"{r['smax']:.2f}", f"{r['cpu_connect']:.1f}", f"{r['cpu_push']:.1f}",
                      " + ".join(str(m) for m in r["rss"]))  # fmt: skip
    console.print(table)


if __name__ == "__main__":
    main()
