#!/usr/bin/env python3
"""Command-line entry for the B2B match-making scheduler.

Each subcommand parses its arguments, calls the core in ``scheduler/`` and
prints. User mistakes end with a message on stderr and exit status 2, never a
traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from scheduler.changes.pipeline import phase
from scheduler.domain.errors import Conflict, InvalidInput, NotFound, SchedulerError
from scheduler.domain.model import LIVE_STATUSES, EventData
from scheduler.domain.timegrid import allowed_map, build_slots, local_label
from scheduler.files import schedules, sheets, writer
from scheduler.files.generator import generate_event
from scheduler.matching import scores as matching
from scheduler.matching.requests import STATUSES, TRANSITIONS
from scheduler.solver import Progress as SolverProgress
from scheduler.solver import Result, SolverConfig, schedule_detail, solve
from scheduler.store import ENV_VAR, Store, default_path

# piped output (CI, tests, files) gets wide tables instead of folded cells
out = Console(highlight=False, width=None if sys.stdout.isatty() else 200)

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


def command(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return register


def open_store(args: argparse.Namespace) -> Store:
    return Store(args.db or default_path())


# ------------------------------------------------------------------ commands


@command("generate")
def cmd_generate(args: argparse.Namespace) -> int:
    doc = generate_event(args.participants, seed=args.seed, event_id=args.event_id)
    writer.dump_json(doc, args.output)
    out.print(
        f"wrote {args.output}: event {doc['event']['id']!r}, {len(doc['participants'])} participants, "
        f"{len(doc['requests'])} requests (seed {args.seed})"
    )
    return 0


@command("import")
def cmd_import(args: argparse.Namespace) -> int:
    data = sheets.read_event_file(args.source)
    with open_store(args) as store:
        exists = data.event.id in store.event_ids()
        if exists and not args.replace:
            return _merge(store, data, args)
        if exists and store.published(data.event.id):
            from scheduler.changes.merge import replace_warning

            warning = replace_warning(store.meetings(data.event.id), store.notified(data.event.id))
            if not args.yes:
                raise Conflict(f"event {data.event.id!r} was published. {warning} Run again with --yes to "
                               "replace it, or without --replace to merge the file into it.")  # fmt: skip
            out.print(warning)
        store.save_event(data, replace=args.replace, confirmed=args.yes, actor="cli")
        if exists and store.published(data.event.id):
            out.print(f"run 'invites --event {data.event.id} --send' to send the cancellations")
    out.print(
        f"imported event {data.event.id!r}: {len(data.participants)} participants, "
        f"{len(data.requests)} requests"
    )
    if args.summary:
        print_summary(data)
    return 0


def _merge(store: Store, data: EventData, args: argparse.Namespace) -> int:
    """Re-import of a stored event: print the merge plan; store it only with --apply / --yes."""
    now = _now(args)
    plan = store.plan_merge(data, now)
    out.print(f"event {data.event.id!r} exists: merging the file into it")
    out.print(plan.summary())
    for line in plan.lines():
        out.print(f"  {line}", markup=False)
    if plan.told:
        people = plan.merged.by_id()
        out.print("told: " + ", ".join(people[p].name for p in plan.told), markup=False)
    if plan.empty:
        out.print("nothing to change")
        return 0
    if not (args.apply or args.yes):
        out.print("preview only: nothing was stored; run again with --apply to store it")
        return 0
    _, v = store.merge(data, actor="cli", now=now, expected_version=store.schedule_version(data.event.id))
    sent = " run 'invites --send' to send the updates" if plan.cancelled and store.published(data.event.id) else ""
    out.print(f"merged into event {data.event.id!r}: schedule version {v}.{sent}")
    return 0


@command("export")
def cmd_export(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.load(args.event_id)
    if args.format == "csv":
        sheets.write_csv_dir(data, Path(args.output))
    elif args.format == "xlsx":
        sheets.write_workbook(data, Path(args.output))
    else:
        writer.dump_json(writer.event_document(data), args.output)
    out.print(f"wrote {args.output}")
    return 0


@command("events")
def cmd_events(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        rows = store.event_summaries()
        stages = {r["id"]: phase(store.load(r["id"]), store.published(r["id"]), _now(args)) for r in rows}
    if not rows:
        out.print("no events stored yet: try 'python run.py import data/sample-event.json'")
        return 0
    table = Table("event", "name", "phase", "zone", "participants", "traditional", "requests", "rooms", "meetings")
    for r in rows:
        table.add_row(r["id"], r["name"], stages[r["id"]], r["timezone"], str(r["participants"]),
                      str(r["traditional"]), str(r["requests"]), str(r["rooms"]), str(r["meetings"]))  # fmt: skip
    out.print(table)
    return 0


@command("solve")
def cmd_solve(args: argparse.Namespace) -> int:
    if bool(args.event_file) == bool(args.event):
        raise InvalidInput("give either EVENT.json or --event ID")
    locked: tuple = ()
    store = None
    if args.event:
        store = open_store(args)
        now = _now(args)
        store.expire_requests(args.event, now)  # a late answer's request is not scheduled
        data = store.load(args.event)
        stage = phase(data, store.published(args.event), now)
        if stage != "draft":
            try:
                return _reoptimise(store, data, stage, now, args)
            finally:
                store.close()
        locked = tuple(m for m in store.meetings(args.event) if m.locked)
        version = store.schedule_version(args.event)
    else:
        data = sheets.read_event_file(args.event_file)
    if args.locked:
        doc = schedules.parse_schedule_document(json.loads(Path(args.locked).read_text("utf-8")), args.locked)
        locked = tuple(m for m in doc.meetings if m.locked)
    config = SolverConfig(time_limit=args.time_limit, seed=args.seed, workers=args.workers,
                          method=args.method, deterministic=not args.parallel,
                          wall_factor=args.safety_factor)  # fmt: skip
    try:
        result = run_with_progress(data, locked, config)
        if args.output:
            writer.dump_json(schedules.schedule_document(result.schedule), args.output)
            out.print(f"wrote {args.output}")
        if store is not None:
            v = store.save_schedule(result.schedule, actor="cli", expected_version=version,
                                    detail=schedule_detail(result))
            out.print(f"stored as schedule version {v} of event {data.event.id!r}")
    finally:
        if store is not None:
            store.close()
    print_report(result)
    return 0


def _now(args: argparse.Namespace) -> datetime:
    """The event clock: --now (to rehearse a day, checked by ``_event_clock``), else the real time."""
    from datetime import UTC

    text = _event_clock(getattr(args, "now", None))
    return datetime.fromisoformat(text).astimezone(UTC) if text else datetime.now(UTC)


def _reoptimise(store: Store, data: EventData, stage: str, now: datetime, args: argparse.Namespace) -> int:
    """Solve of a published event: minimal change, previewed, stored only with --apply."""
    from scheduler.changes.pipeline import PHASE_TEXT, preview
    from scheduler.domain.model import Schedule
    from scheduler.live.repair import RebalanceConfig, reoptimise

    out.print(PHASE_TEXT[stage])
    if stage == "closed":
        raise Conflict(f"event {data.event.id!r} is over; its schedule is the record of what happened")
    event_id = data.event.id
    version = store.schedule_version(event_id)
    before = store.meetings(event_id)
    cfg = RebalanceConfig(time_limit=args.time_limit, seed=args.seed, max_bystander_moves=10**6)
    plan = reoptimise(data, before, now, allow_moves=args.allow_moves,
                      closed_rooms=store.live_settings(event_id)["closed_rooms"], config=cfg)  # fmt: skip
    change = preview(before, plan.meetings)
    people = data.by_id()
    tz = data.event.timezone

    def line(m) -> str:
        return f"{people[m.a].name} <> {people[m.b].name}, {local_label(m.start, tz, '%a %d %b %H:%M')}, room {m.room}"

    out.print(f"re-optimisation ({'moves allowed' if args.allow_moves else 'announced meetings kept'}; "
              f"slots that started are frozen): {len(change.added)} added, {len(change.moved)} moved, "
              f"{len(change.cancelled)} cancelled; {len(change.affected)} participants would be told")  # fmt: skip
    for m in change.added:
        out.print(f"  + {line(m)}")
    for b, a in change.moved:
        out.print(f"  ~ {line(b)} -> {local_label(a.start, tz, '%a %d %b %H:%M')}, room {a.room}")
    for m in change.cancelled:
        out.print(f"  - {line(m)}")
    if change.empty:
        out.print("nothing to change")
        return 0
    if not args.apply:
        out.print("preview only: nothing was stored; run again with --apply to store it "
                  "(then 'invites --send' sends the updates)")  # fmt: skip
        return 0
    v = store.save_schedule(Schedule(event_id, plan.meetings), actor="cli", expected_version=version,
                            detail={"action": "reoptimise", "added": len(change.added),
                                    "moved": len(change.moved), "cancelled": len(change.cancelled)})  # fmt: skip
    out.print(f"stored as schedule version {v} of event {event_id!r}; run 'invites --send' to send the updates")
    return 0


def run_with_progress(data: EventData, locked: tuple, config: SolverConfig) -> Result:
    columns = (
        TextColumn("[bold]{task.fields[phase]:<8}"), BarColumn(), TimeElapsedColumn(),
        TextColumn("meetings {task.fields[meetings]:>6}"), TextColumn("gap {task.fields[gap]}"),
    )  # fmt: skip
    with Progress(*columns, console=out, transient=False) as bar:
        task = bar.add_task("solve", total=config.time_limit, phase="build", meetings=0, gap="-")

        def report(p: SolverProgress) -> None:
            bar.update(task, completed=min(p.elapsed, config.time_limit), phase=p.phase,
                       meetings=p.meetings, gap=f"{p.gap:.2%}")  # fmt: skip

        result = solve(data, locked, config, progress=report)
        bar.update(task, completed=config.time_limit, phase="done", meetings=result.report.meetings,
                   gap=f"{result.report.gap:.2%}")  # fmt: skip
    return result


def print_report(result: Result) -> None:
    r = result.report
    t = Table(title="Schedule quality", show_header=False)
    t.add_row("meetings placed", f"{r.meetings} of {r.feasible_pairs} wanted pairs that share a slot")
    t.add_row("upper bound on meetings", f"{r.meetings_upper_bound} "
              f"({r.meetings / max(1, r.meetings_upper_bound):.1%} reached)")  # fmt: skip
    t.add_row("traditional SMEs served", f"{r.traditional_served} of {r.traditional_with_feasible} "
              "with a feasible request")  # fmt: skip
    t.add_row("objective / bound", f"{r.objective:.0f} / {r.bound:.0f} (gap {r.gap:.2%})")
    t.add_row("idle slots", str(r.idle_slots))
    t.add_row("sessions attended", str(r.sessions_attended))
    t.add_row("compact days", f"penalty {r.compact_penalty}, proven bound {r.compact_bound}"
              + (" (optimal)" if r.compact_optimal else ""))  # fmt: skip
    t.add_row("solve time", f"{r.solve_seconds:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in r.phases.items())})")
    t.add_row("deterministic work", f"{r.work:.2f} (CP-SAT deterministic time and counted steps)")
    t.add_row("method / seed / workers", f"{r.method} / {r.seed} / {r.workers} ({r.status})")
    out.print(t)
    if r.wall_limit_hit:
        out.print("[yellow]warning:[/] the wall-clock safety net (--safety-factor x --time-limit) stopped the "
                  "solve before its work budget was used: a rerun may give another (equally valid) schedule")
    reasons = Counter(_reason_kind(u.reason) for u in result.schedule.unscheduled)
    if reasons:
        rt = Table("why wanted meetings were not placed", "pairs")
        for reason, n in reasons.most_common():
            rt.add_row(reason, str(n))
        out.print(rt)


def _reason_kind(reason: str) -> str:
    for prefix in ("lower priority", "all rooms full", "no common slot"):
        if reason.startswith(prefix):
            return prefix
    if "reached its cap" in reason:
        return "a participant reached its cap"
    if "has no available slot" in reason:
        return "a participant has no available slot"
    return reason


@command("recommend")
def cmd_recommend(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.load(args.event)
        t0 = time.monotonic()
        recs = matching.recommend(data, args.per_participant, exclude=_proposed(data))
        seconds = time.monotonic() - t0
        table = Table("traditional SME", "partner", "score", "why")
        names = {p.id: p.name for p in data.participants}
        for t, ms in sorted(recs.items()):
            for m in ms:
                table.add_row(f"{t} {names[t]}", f"{m.partner} {names[m.partner]}", f"{m.percent}%",
                              "; ".join(m.reasons))  # fmt: skip
        if not args.quiet:
            out.print(table)
        n = sum(len(v) for v in recs.values())
        out.print(f"{n} recommendations for {len(recs)} traditional SMEs in {seconds:.1f} s")
        if args.write:
            new = [(m.participant, m.partner, 2) for ms in recs.values() for m in ms]
            scores = {(m.participant, m.partner): m.score for ms in recs.values() for m in ms}
            added = store.add_requests(data.event.id, new, status="suggested", origin="recommendation",
                                       actor="cli", scores=scores)  # fmt: skip
            out.print(f"stored {added} suggested requests")
    return 0


def _proposed(data: EventData) -> list[tuple[str, str]]:
    """Pairs already requested in either direction (or declined): never recommend them again."""
    return [(r.sender, r.receiver) for r in data.requests]


@command("autofill")
def cmd_autofill(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        data = store.load(args.event)
        recs = matching.recommend(data, args.min + 5, exclude=_proposed(data))
        live = [(r.sender, r.receiver) for r in data.requests if r.status in LIVE_STATUSES]
        fill = matching.autofill(data, args.min, recs, live)
        added = store.add_requests(data.event.id, [(t, s, 2) for t, s, _ in fill], status="suggested",
                                   origin="autofill", actor="cli",
                                   scores={(t, s): sc for t, s, sc in fill})  # fmt: skip
        data = store.load(args.event)
    short = _below(data, args.min)
    out.print(f"added {added} suggested requests; traditional SMEs still below {args.min}: {len(short)}")
    for pid in short[:20]:
        out.print(f"  {pid}: no further compatible partner with a common slot")
    return 0


def _below(data: EventData, minimum: int) -> list[str]:
    count: Counter[str] = Counter()
    for pr in data.pairs():
        count[pr.a] += 1
        count[pr.b] += 1
    return [p.id for p in data.participants if p.kind == "traditional" and count[p.id] < minimum]


@command("requests")
def cmd_requests(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.expire:
            out.print(f"expired {store.expire_requests(args.event)} pending requests")
        states = store.request_states(args.event)
    table = Table("from", "to", "priority", "status", "origin", "expires (UTC)")
    for s in states:
        r = s.request
        if args.status and r.status != args.status:
            continue
        if args.participant and args.participant not in (r.sender, r.receiver):
            continue
        table.add_row(r.sender, r.receiver, str(r.priority), r.status, s.origin,
                      f"{s.expires_at:%Y-%m-%d %H:%M}" if s.expires_at else "")  # fmt: skip
    out.print(table)
    return 0


@command("request")
def cmd_request(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        if args.action == "create":
            store.add_requests(args.event, [(args.sender, args.receiver, args.priority)],
                               status="pending", origin="organiser", actor=args.actor)  # fmt: skip
            out.print(f"request {args.sender} -> {args.receiver} created (pending)")
            return 0
        new = store.transition_request(args.event, args.sender, args.receiver, args.action, args.actor)
    out.print(f"request {args.sender} -> {args.receiver} is now {new.request.status}")
    return 0


@command("invites")
def cmd_invites(args: argparse.Namespace) -> int:
    import os
    from datetime import UTC, datetime

    from scheduler.invitations import delivery
    from scheduler.invitations.ical import contexts, organiser_of

    smtp = delivery.smtp_config(os.environ, "MATCHMAKING_")  # secrets stay out of code and files
    now = datetime.now(UTC)
    with open_store(args) as store:
        data = store.load(args.event)
        organiser = args.organiser_email or organiser_of(data.event, smtp.sender if smtp else "entente@localhost")[0]
        ctx_for = contexts(data.event, store.tokens(args.event), args.base_url, organiser)
        if not args.send:
            rows, skipped = delivery.plan(ctx_for, store.meetings(args.event), data.by_id(),
                                          store.notified(args.event), now, organiser)  # fmt: skip
            kinds = Counter(r["method"] for r in rows)
            out.print(f"{kinds['REQUEST']} invites and {kinds['CANCEL']} cancellations to send "
                      "(run again with --send to queue and deliver them)")  # fmt: skip
        else:
            queued, skipped = delivery.queue_invites(store, args.event, ctx_for, now, organiser)
            folder = Path(args.outbox_dir or f"data/outbox/{args.event}")
            transport = delivery.Transport(smtp, None if smtp else folder)
            report = delivery.deliver(store, transport, now)
            where = f"SMTP {smtp.host}:{smtp.port}" if smtp else f"folder {folder}"
            out.print(f"queued {queued} new messages; delivered {report.sent} via {where}; "
                      f"{report.retrying} waiting to retry; {report.failed} failed")  # fmt: skip
            for e in report.errors[:10]:
                out.print(f"  server said: {e}")
        for s in skipped:
            print(f"warning: {s.participant} ({s.meeting}): {s.reason}", file=sys.stderr)
    return 0


@command("user")
def cmd_user(args: argparse.Namespace) -> int:
    import getpass

    from werkzeug.security import generate_password_hash

    if args.action == "role" and not args.role:
        raise InvalidInput("user role: say which, e.g. --role host")
    if args.action in ("remove", "role"):
        with open_store(args) as store:
            if args.action == "remove":
                store.remove_user(args.username)
            else:
                store.set_role(args.username, args.role)
        out.print(f"user {args.username!r} " + ("removed" if args.action == "remove" else f"is now {args.role}")
                  + " (a running server ends their open pages' live connections within seconds)")
        return 0
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass(f"Password for {args.username}: ")
    if len(password) < 8:
        raise InvalidInput("password: use at least 8 characters")
    with open_store(args) as store:
        store.add_user(args.username, generate_password_hash(password), args.role or "organiser")
    out.print(f"user {args.username!r} ({args.role or 'organiser'}) created")
    return 0


@command("serve")
def cmd_serve(args: argparse.Namespace) -> int:
    serve(str(args.db or default_path()), args.host, args.port, _event_clock(args.now))
    return 0


def _event_clock(text: str | None) -> str | None:
    """Check --now: an ISO instant with its UTC offset, e.g. 2027-03-26T09:36:00+01:00."""
    if not text:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"--now: {text!r} is not an ISO date and time (e.g. 2027-03-26T09:36:00+01:00)") from None
    if at.tzinfo is None:
        raise InvalidInput(f"--now: {text!r} needs its UTC offset (e.g. +01:00 or Z)")
    return at.isoformat()


def serve(db: str, host: str, port: int, now: str | None = None) -> None:
    from webapp import create_app
    from webapp.extensions import socketio

    config = {"DATABASE": db, "BASE_URL": f"http://{host}:{port}"}
    if now:
        config["NOW"] = now  # a rehearsal: the event clock stands at this instant
    app = create_app(config)
    from webapp.live import start_ticker
    from webapp.sockets import start_recheck

    start_ticker(app)  # standby "meet now" offers as slots run
    start_recheck(app)  # live connections whose link or account was revoked elsewhere end
    out.print(f"serving on http://{host}:{port}  (Ctrl-C to stop)")
    socketio.run(app, host=host, port=port, debug=False, use_reloader=False, allow_unsafe_werkzeug=True)


@command("simulate")
def cmd_simulate(args: argparse.Namespace) -> int:
    from scheduler.live.simulate import compare

    for flag, value in (("--no-show-rate", args.no_show_rate), ("--cancel-rate", args.cancel_rate)):
        if not 0 <= value < 1:
            raise InvalidInput(f"{flag}: must be a share from 0 to below 1, e.g. 0.2 (got {value})")
    with open_store(args) as store:
        data = store.load(args.event)
        meetings = store.meetings(args.event)
    if not meetings:
        raise InvalidInput(f"event {args.event!r} has no schedule yet: run 'solve --event {args.event}' first")
    rep = compare(data, meetings, args.no_show_rate, args.seed, cancel_rate=args.cancel_rate,
                  waitlist=args.waitlist)  # fmt: skip
    table = Table("slot", "start (UTC)", "no-shows", "called off", "meet now", "rebalance s", "meetings rescued",
                  "others moved")  # fmt: skip
    for s in rep.slots:
        table.add_row(str(s.slot), f"{s.start:%a %H:%M}", str(s.no_shows), str(s.cancelled), str(s.meet_now),
                      "" if s.rebalance_seconds is None else f"{s.rebalance_seconds:.2f}",
                      str(s.rescued), str(s.moved_others))  # fmt: skip
    out.print(table)
    out.print(f"meetings held: {rep.held_with} with repairs and meet-now, {rep.held_without} without "
              f"({rep.gain:+.1%}); {rep.scheduled} were scheduled; {rep.rescued} rescue meetings placed, "
              f"{rep.meet_now} meet-now meetings held; median rebalance {rep.median_rebalance:.2f} s")
    return 0


@command("demo")
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
        recs = matching.recommend(data, 3, exclude=_proposed(data))
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
    serve(str(db_path), args.host, args.port, _event_clock(args.now))
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


def print_summary(data: EventData) -> None:
    ev = data.event
    slots = build_slots(ev)
    allowed = allowed_map(data, slots)
    kinds = Counter(p.kind for p in data.participants)
    zones = Counter(p.timezone for p in data.participants)
    pairs = data.pairs()
    feasible = sum(1 for pr in pairs if allowed[pr.a] & allowed[pr.b])
    table = Table(title=f"{ev.name} ({ev.id})", show_header=False)
    table.add_row("organiser zone", ev.timezone)
    table.add_row("sessions", f"{len(ev.sessions)} ({len(slots)} slots of {ev.slot_minutes} min)")
    table.add_row("rooms", str(ev.rooms))
    table.add_row("participants", f"{len(data.participants)} ({kinds['traditional']} traditional, "
                                  f"{kinds['tech']} tech)")  # fmt: skip
    table.add_row("time zones", str(len(zones)))
    table.add_row("requests", f"{len(data.requests)} ({len(pairs)} pairs, "
                              f"{sum(p.mutual for p in pairs)} mutual)")  # fmt: skip
    table.add_row("pairs with a common slot", f"{feasible} of {len(pairs)}")
    no_slot = [p.id for p in data.participants if not allowed[p.id]]
    table.add_row("participants with no usable slot", str(len(no_slot)))
    out.print(table)
    zt = Table("time zone", "participants", "usable slots (median)")
    for tz, n in zones.most_common():
        counts = sorted(len(allowed[p.id]) for p in data.participants if p.timezone == tz)
        zt.add_row(tz, str(n), str(counts[len(counts) // 2]))
    out.print(zt)


# ------------------------------------------------------------------ parser


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="run.py", description="Virtual B2B match-making event scheduler.")
    p.add_argument("--db", help=f"SQLite file (default: ${ENV_VAR} or data/matchmaking.db)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    g = sub.add_parser("generate", help="write a realistic generated event (JSON)")
    g.add_argument("--participants", "-n", type=int, default=120, help="number of SMEs (default 120)")
    g.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    g.add_argument("--event-id", help="event id (default gen-N-sSEED)")
    g.add_argument("-o", "--output", default="event.json", help="output file (default event.json)")

    i = sub.add_parser("import", help="validate and store an event (JSON file, .xlsx workbook or CSV folder)")
    i.add_argument("source", help="EVENT.json, BOOK.xlsx (sheets event, participants, requests), or a folder "
                                  "with event.json, participants.csv|.xlsx, requests.csv|.xlsx (docs/format.md)")
    i.add_argument("--replace", action="store_true",
                   help="overwrite a stored event with the same id (new links for all; a published event needs --yes)")
    i.add_argument("--apply", action="store_true",
                   help="an event that exists: store the merge plan (else it is only printed)")
    i.add_argument("--yes", action="store_true", help="confirm: --apply, or --replace of a published event")
    i.add_argument("--now", help="the event clock: meetings before it are history (ISO time with offset)")
    i.add_argument("--summary", action="store_true", help="print a summary after importing")

    e = sub.add_parser("export", help="write a stored event in the interchange format")
    e.add_argument("event_id", metavar="EVENT_ID")
    e.add_argument("-o", "--output", required=True,
                   help="file (json, xlsx) or folder (csv: UTF-8 with BOM, for Excel)")
    e.add_argument("--format", choices=("json", "csv", "xlsx"), default="json")

    sub.add_parser("events", help="list stored events")

    s = sub.add_parser("solve", help="schedule the meetings (file to file, or a stored event)")
    s.add_argument("event_file", nargs="?", metavar="EVENT.json", help="event document (or use --event)")
    s.add_argument("--event", help="solve the stored event with this id and store the schedule")
    s.add_argument("-o", "--output", help="write the schedule document here")
    s.add_argument("--time-limit", type=float, default=30.0,
                   help="work budget in seconds of an idle machine, counted deterministically: the same "
                        "input, seed and workers give the same schedule however busy the machine is")
    s.add_argument("--safety-factor", type=float, default=10.0,
                   help="real time allowed, as a multiple of --time-limit, before the wall-clock safety "
                        "net stops the solve (reported; default 10)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--workers", type=int, default=8, help="CP-SAT workers (with --parallel)")
    s.add_argument("--method", choices=("cpsat", "greedy"), default="cpsat",
                   help="greedy is a baseline for benchmarks")
    s.add_argument("--parallel", action="store_true",
                   help="multi-worker CP-SAT on the wall clock (faster, not repeatable)")
    s.add_argument("--locked", help="schedule document whose meetings marked locked stay in place")
    s.add_argument("--apply", action="store_true",
                   help="published event: store the previewed re-optimisation (else only show it)")
    s.add_argument("--allow-moves", action="store_true",
                   help="published event: announced meetings may move when that places more meetings")
    s.add_argument("--now", help="the event clock, to rehearse a day (ISO time with offset)")

    r = sub.add_parser("recommend", help="propose tech partners to each traditional SME, with reasons")
    r.add_argument("--event", required=True)
    r.add_argument("--per-participant", "-k", type=int, default=5)
    r.add_argument("--write", action="store_true", help="store them as suggested requests")
    r.add_argument("--quiet", action="store_true", help="print only the summary line")

    a = sub.add_parser("autofill", help="lift every traditional SME to at least K proposed meetings")
    a.add_argument("--event", required=True)
    a.add_argument("--min", type=int, required=True, metavar="K")

    q = sub.add_parser("requests", help="list requests and their status")
    q.add_argument("--event", required=True)
    q.add_argument("--status", choices=STATUSES)
    q.add_argument("--participant")
    q.add_argument("--expire", action="store_true", help="first expire pending requests past their time")

    rq = sub.add_parser("request", help="create a request or move one through its lifecycle")
    rq.add_argument("action", choices=("create", *TRANSITIONS.keys()))
    rq.add_argument("sender", metavar="FROM")
    rq.add_argument("receiver", metavar="TO")
    rq.add_argument("--event", required=True)
    rq.add_argument("--priority", type=int, default=2)
    rq.add_argument("--actor", default="organiser", help="who acts: a participant id or 'organiser'")

    iv = sub.add_parser("invites", help="build (and with --send, queue and deliver) calendar invites")
    iv.add_argument("--event", required=True)
    iv.add_argument("--send", action="store_true", help="queue new invites in the outbox and deliver them")
    iv.add_argument("--base-url", default="http://127.0.0.1:5000", help="where participants' agenda links point")
    iv.add_argument("--organiser-email", help="ORGANIZER address (default: the event's, or the SMTP sender)")
    iv.add_argument("--outbox-dir", help="folder for .eml files when no SMTP server is configured "
                    "(MATCHMAKING_SMTP_HOST, _PORT, _STARTTLS, _USER, _PASSWORD, _FROM)")

    d = sub.add_parser("demo", help="generate, store and summarise a demo event")
    d.add_argument("--participants", "-n", type=int, default=120)
    d.add_argument("--seed", type=int, default=7)
    d.add_argument("--time-limit", type=float, default=20.0)
    d.add_argument("--host", default="127.0.0.1")
    d.add_argument("--port", type=int, default=5000)
    d.add_argument("--no-serve", action="store_true", help="stop after solving; do not start the web app")
    d.add_argument("--now", help="serve with the event clock at this ISO instant (rehearse the host board)")

    sm = sub.add_parser("simulate", help="play the event day with random no-shows, rebalancing as it goes")
    sm.add_argument("--event", required=True)
    sm.add_argument("--no-show-rate", type=float, default=0.2)
    sm.add_argument("--seed", type=int, default=0)
    sm.add_argument("--cancel-rate", type=float, default=0.05,
                    help="share of meetings called off two slots ahead (default 0.05)")
    sm.add_argument("--waitlist", type=int, default=3, metavar="K",
                    help="each traditional SME's top-K recommendations wait for a freed slot, as after "
                         "'recommend --write -k K' (default 3; 0: only the stored requests)")

    u = sub.add_parser("user", help="manage organiser and host accounts")
    u.add_argument("action", choices=("add", "remove", "role"),
                   help="add an account, remove one, or set its --role")
    u.add_argument("username")
    u.add_argument("--role", choices=("organiser", "host"), help="the account's role (add: organiser by default)")
    u.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    sv = sub.add_parser("serve", help="serve the web app for a stored database")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=5000)
    sv.add_argument("--now", help="rehearse the live day: the event clock stands at this ISO instant "
                                  "(e.g. 2027-03-26T09:36:00+01:00); default: real time")
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except InvalidInput as exc:
        print(f"error: {exc.summary()}", file=sys.stderr)
        return 2
    except (NotFound, Conflict, SchedulerError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
