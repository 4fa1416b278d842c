"""The web app from the command line: ``serve`` runs it on a stored database
(``--now`` rehearses the live day) on gunicorn, ``demo`` generates, stores, recommends,
solves, simulates the outcomes (meetings held, survey answers: marked as demo data) and then
serves a demo event with a fresh organiser password, and ``worker`` solves from the Redis
job queue of ``MATCHMAKING_REDIS_URL``.

The only ``cli`` module that imports ``webapp`` (lazily, when a server or worker starts).
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cli.common import Subcommands, event_clock, out, subcommand
from cli.events import print_summary
from cli.matching import proposed
from cli.report import DEMO_ACTION
from cli.solving import print_report, run_with_progress
from scheduler.domain.model import EventData, Schedule
from scheduler.domain.timegrid import build_slots
from scheduler.files import sheets, writer
from scheduler.files.demo_outcomes import demo_outcomes
from scheduler.files.generator import generate_event
from scheduler.matching import scores as matching
from scheduler.solver import SolverConfig, schedule_detail
from scheduler.store import Store, default_path
from scheduler.surveys.rounds import default_rounds


def cmd_serve(args: argparse.Namespace) -> int:
    serve(str(args.db or default_path()), args.host, args.port, event_clock(args.now),
          server=args.server, threads=args.threads)  # fmt: skip
    return 0


def base_url(host: str, port: int) -> str:
    """The address in personal links and mails: ``MATCHMAKING_BASE_URL``, else the bind address."""
    return os.environ.get("MATCHMAKING_BASE_URL") or f"http://{host}:{port}"


def serve(db: str, host: str, port: int, now: str | None = None, *, server: str = "gunicorn",
          threads: int = 1000) -> None:
    """Serve until stopped: gunicorn (one process, ``threads`` threads) or Werkzeug's development server."""
    config = {"DATABASE": db, "BASE_URL": base_url(host, port)}
    if now:
        config["NOW"] = now  # a rehearsal: the event clock stands at this instant
    if host in ("0.0.0.0", "::") and not os.environ.get("MATCHMAKING_BASE_URL"):
        out.print(f"[yellow]warning[/yellow]: links in mails will point at {config['BASE_URL']}; "
                  "set MATCHMAKING_BASE_URL to the address people use (e.g. https://meet.example.org)")
    queue = os.environ.get("MATCHMAKING_REDIS_URL")
    out.print(f"serving on http://{host}:{port}  (links: {config['BASE_URL']}; "
              + (f"Redis message queue and solve workers at {_safe(queue)}" if queue else "one process, no Redis")
              + "; Ctrl-C to stop)", soft_wrap=True)
    sys.stdout.flush()
    if server == "werkzeug":
        from webapp.extensions import socketio
        from webapp.server import production

        app = production(config)
        socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True)
        return
    from webapp.server import run

    run(config, host, port, threads=threads)


def _safe(url: str) -> str:
    """A Redis URL without its password, for the console."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return url if not parts.password else url.replace(parts.password, "***", 1)


def cmd_worker(args: argparse.Namespace) -> int:
    url = args.redis or os.environ.get("MATCHMAKING_REDIS_URL")
    if not url:
        print("error: worker needs Redis: --redis redis://HOST:PORT/0 or MATCHMAKING_REDIS_URL", file=sys.stderr)
        return 2
    from webapp import worker

    out.print(f"solve worker on {_safe(url)}, queue {worker.QUEUE}  (Ctrl-C to stop)")
    worker.run(url, name=args.name, burst=args.burst)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    db_path = Path(args.db or "data/demo.db")
    doc = generate_event(args.participants, seed=args.seed, event_id="demo")
    src = Path("data/demo-event.json")
    writer.dump_json(doc, src)
    data = sheets.read_event_file(src)
    with Store(db_path) as store:
        store.save_event(data, replace=True, actor="demo")
        out.print(f"[bold]Demo event[/bold] generated into {src} and stored in {db_path}")
        print_summary(data)
        recs = matching.recommend(data, 3, exclude=proposed(data))
        live = [(r.sender, r.receiver) for r in data.requests]
        fill = matching.autofill(data, 3, recs, live)
        store.add_requests("demo", [(t, s, 2) for t, s, _ in fill], status="suggested", origin="autofill",
                           actor="demo", scores={(t, s): sc for t, s, sc in fill})  # fmt: skip
        out.print(f"auto-fill proposed {len(fill)} more meetings so every traditional SME has at least 3"
                  if fill else "every traditional SME already has at least 3 proposed meetings")
        data = store.load("demo")
        result = run_with_progress(data, (), SolverConfig(time_limit=args.time_limit, seed=args.seed))
        store.save_schedule(result.schedule, actor="demo", detail=schedule_detail(result))
        if not args.no_outcomes:
            simulated_outcomes(store, data, args.seed)
        planned = default_rounds(store.surveys("demo"), data, datetime.now(UTC))
        for rnd in planned:  # the adoption survey opens now: participants' pages invite them to answer
            store.set_round("demo", rnd.survey_id, rnd.send_at, list(rnd.reminders), wave=rnd.wave, actor="demo")
        out.print(f"survey rounds planned: {len(planned)} (the console's Surveys page; mail goes out as each comes due)")
        password = _demo_organiser(store)
        tokens = store.tokens("demo")
    print_report(result)
    base = base_url(args.host, args.port)
    out.print(f"\n[bold]Organiser console[/bold]: {base}/login   user [bold]organiser[/bold]  password [bold]{password}[/bold]")
    far = ("America/", "Indian/", "Atlantic/", "Asia/")
    trad = sorted((p for p in data.participants if p.kind == "traditional"),
                  key=lambda p: (not p.timezone.startswith(far), p.id))  # show a far-away zone first
    for p in trad[:2] + [p for p in data.participants if p.kind == "tech"][:1]:
        out.print(f"Participant link for {p.name} ({p.timezone}): {base}/p/{tokens[p.id]}")
    first = build_slots(data.event)[0].start + timedelta(minutes=6)
    out.print(f"Host board: {base}/events/demo/board")
    out.print(f"To rehearse the live day (event clock in a running slot): "
              f".venv/bin/python run.py --db {db_path} serve --now {first.isoformat()}"
              + (f" --port {args.port}" if args.port != 5000 else ""), soft_wrap=True)
    if args.no_serve:
        return 0
    serve(str(db_path), args.host, args.port, event_clock(args.now))
    return 0


def simulated_outcomes(store: Store, data: EventData, seed: int) -> None:
    """Mark the demo's meetings held or no-show and store simulated survey answers, in one
    transaction audited as ``demo_outcomes`` (the Results page and the report say "demo data")."""
    played = demo_outcomes(data, store.meetings(data.event.id), seed)
    with store.write():
        store.save_schedule(Schedule(data.event.id, played.meetings), actor="demo",
                            detail={"action": DEMO_ACTION})  # fmt: skip
        for answer in played.answers:
            store.save_answer(answer, actor="demo")
        store.audit(data.event.id, DEMO_ACTION, actor="demo", detail={"answers": len(played.answers), "seed": seed})
    held = sum(1 for m in played.meetings if m.status == "held")
    no_show = sum(1 for m in played.meetings if m.status == "no_show")
    out.print(f"[bold]demo outcomes[/bold] (simulated): {held} meetings held, {no_show} no-shows, "
              f"{len(played.answers)} survey answers; see the Results page or 'run.py report'")


def _demo_organiser(store: Store) -> str:
    """A fresh organiser password for each demo run (no password lives in the code)."""
    import secrets

    from werkzeug.security import generate_password_hash

    password = secrets.token_urlsafe(9)
    with store.write() as db:
        db.execute("DELETE FROM users WHERE username = 'organiser'")
    store.add_user("organiser", generate_password_hash(password), "organiser")
    return password


# ------------------------------------------------------------------ options


def add_demo(sub: Subcommands) -> None:
    d = subcommand(sub, "demo", cmd_demo, "generate, store and summarise a demo event")
    d.add_argument("--participants", "-n", type=int, default=120)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--time-limit", type=float, default=20.0)
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=5000)
    d.add_argument("--no-serve", action="store_true", help="stop after solving; do not start the web app")
    d.add_argument("--no-outcomes", action="store_true",
                   help="leave the meetings as scheduled: no simulated held / no-show meetings and survey answers")
    d.add_argument("--now", help="serve with the event clock at this ISO instant (rehearse the host board)")


def add_serve(sub: Subcommands) -> None:
    sv = subcommand(sub, "serve", cmd_serve, "serve the web app for a stored database")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=5000)
    sv.add_argument("--now", help="rehearse the live day: the event clock stands at this ISO instant "
                                  "(e.g. 2027-03-26T09:36:00+01:00); default: real time")
    sv.add_argument("--server", choices=("gunicorn", "werkzeug"), default="gunicorn",
                    help="gunicorn (production, the default) or Werkzeug's development server")
    sv.add_argument("--threads", type=int, default=1000,
                    help="gunicorn threads: each open page holds one (default 1000)")


def add_worker(sub: Subcommands) -> None:
    w = subcommand(sub, "worker", cmd_worker, "solve schedules from the Redis job queue (no database needed)")
    w.add_argument("--redis", help="Redis URL (default: $MATCHMAKING_REDIS_URL)")
    w.add_argument("--name", help="this worker's name in the queue (default: a random one)")
    w.add_argument("--burst", action="store_true", help="stop when the queue is empty")
