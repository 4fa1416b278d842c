"""The web app from the command line: ``serve`` runs it on a stored database
(``--now`` rehearses the live day), ``demo`` generates, stores, recommends,
solves and then serves a demo event with a fresh organiser password.

The only ``cli`` module that imports ``webapp`` (lazily, when a server starts).
"""

from __future__ import annotations

import argparse
import os
from datetime import timedelta
from pathlib import Path

from cli.common import Subcommands, event_clock, out, subcommand
from cli.events import print_summary
from cli.matching import proposed
from cli.solving import print_report, run_with_progress
from scheduler.domain.timegrid import build_slots
from scheduler.files import sheets, writer
from scheduler.files.generator import generate_event
from scheduler.matching import scores as matching
from scheduler.solver import SolverConfig, schedule_detail
from scheduler.store import Store, default_path


def cmd_serve(args: argparse.Namespace) -> int:
    serve(str(args.db or default_path()), args.host, args.port, event_clock(args.now))
    return 0


def serve(db: str, host: str, port: int, now: str | None = None) -> None:
    from webapp import create_app
    from webapp.extensions import socketio

    config = {"DATABASE": db}
    if not os.environ.get("MATCHMAKING_BASE_URL"):  # a public URL (https behind a proxy) wins: links, cookies
        config["BASE_URL"] = f"http://{host}:{port}"
    if now:
        config["NOW"] = now  # a rehearsal: the event clock stands at this instant
    app = create_app(config)
    from webapp.live import start_ticker
    from webapp.sockets import start_recheck

    start_ticker(app)  # standby "meet now" offers as slots run
    start_recheck(app)  # live connections whose link or account was revoked elsewhere end
    out.print(f"serving on http://{host}:{port}  (Ctrl-C to stop)")
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True)


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
        password = _demo_organiser(store)
        tokens = store.tokens("demo")
    print_report(result)
    base = f"http://{args.host}:{args.port}"
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
    d.add_argument("--now", help="serve with the event clock at this ISO instant (rehearse the host board)")


def add_serve(sub: Subcommands) -> None:
    sv = subcommand(sub, "serve", cmd_serve, "serve the web app for a stored database")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=5000)
    sv.add_argument("--now", help="rehearse the live day: the event clock stands at this ISO instant "
                                  "(e.g. 2027-03-26T09:36:00+01:00); default: real time")
