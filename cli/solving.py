"""Scheduling from the command line: ``solve`` (file to file, a stored draft, or
the previewed minimal-change re-optimisation of a published event), the live
progress bar and the schedule quality report (also used by ``demo``).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from datetime import datetime
from pathlib import Path

from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from cli.common import Subcommands, event_now, open_store, out, subcommand
from scheduler.changes.pipeline import phase
from scheduler.domain.errors import Conflict, InvalidInput
from scheduler.domain.model import EventData
from scheduler.domain.timegrid import local_label
from scheduler.files import schedules, sheets, writer
from scheduler.solver import NO_SPREAD, Result, SolverConfig, schedule_detail, solve
from scheduler.solver import Progress as SolverProgress
from scheduler.store import Store


def cmd_solve(args: argparse.Namespace) -> int:
    if bool(args.event_file) == bool(args.event):
        raise InvalidInput("give either EVENT.json or --event ID")
    locked: tuple = ()
    store = None
    if args.event:
        store = open_store(args)
        now = event_now(args)
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
                          wall_factor=args.safety_factor, compactness=args.compactness,
                          break_spread=_spread(args.break_spread))  # fmt: skip
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
    limit = "" if r.break_spread_limit is None else f", at most {r.break_spread_limit} allowed"
    t.add_row("breaks", f"{r.breaks} (spread between participants {r.break_spread}{limit})")
    t.add_row("compact days", f"{r.compactness}: penalty {r.compact_penalty}, proven bound {r.compact_bound}"
              + (" (proven optimal)" if r.proven_optimal else ""))  # fmt: skip
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


def _spread(text: str | None) -> int | None:
    """``--break-spread``: a whole number, or ``none`` for no bound (NO_SPREAD)."""
    if text is None:
        return None
    if text.lower() == "none":
        return NO_SPREAD
    if not text.isdigit():
        raise InvalidInput(f"--break-spread: a whole number, 0 or more, or 'none'; not {text!r}")
    return int(text)


# ------------------------------------------------------------------ options


def add_solve(sub: Subcommands) -> None:
    s = subcommand(sub, "solve", cmd_solve, "schedule the meetings (file to file, or a stored event)")
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
    s.add_argument("--compactness", choices=("idle", "breaks"),
                   help="what compact days minimise: idle slots and sessions attended, or breaks "
                        "(interruptions between two meetings of a session); default: the event's "
                        "'compactness' field, else idle")
    s.add_argument("--break-spread", metavar="N|none",
                   help="with breaks: most minus fewest breaks between participants (default: the event's "
                        "'break_spread', else 2; 'none' for no bound)")
    s.add_argument("--locked", help="schedule document whose meetings marked locked stay in place")
    s.add_argument("--apply", action="store_true",
                   help="published event: store the previewed re-optimisation (else only show it)")
    s.add_argument("--allow-moves", action="store_true",
                   help="published event: announced meetings may move when that places more meetings")
    s.add_argument("--now", help="the event clock, to rehearse a day (ISO time with offset)")
