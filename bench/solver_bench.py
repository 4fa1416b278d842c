#!/usr/bin/env python3
"""Solver benchmark (make bench): CP-SAT against greedy first-fit on generated events.

Each instance runs in its own process so peak memory is that instance's own.
Seeds and time limits are fixed; the figures are wall-clock on this machine, so the
title gives its load; "work" is the deterministic work used (CP-SAT deterministic time
and counted LNS work), the same on any machine. ``--only gen-10000`` runs one row.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from scheduler.files.formats import parse_event_document  # noqa: E402
from scheduler.files.generator import generate_event, generate_fixed_list  # noqa: E402
from scheduler.solver import SolverConfig, solve  # noqa: E402
from scheduler.solving.fairness import fair_targets  # noqa: E402
from scheduler.solving.validate import validate  # noqa: E402

# (label, generator args, time limit)
# gen-10000: 10,000 SMEs, 6 days, about 49,000 requests; its limit keeps the solve under
# 10 minutes on a loaded 2-core machine (docs/solver.md, "Scale")
GENERATED = [("gen-80", 80, 5.0), ("gen-400", 400, 20.0), ("gen-1500", 1500, 60.0), ("gen-3000", 3000, 180.0),
             ("gen-10000", 10000, 240.0)]  # fmt: skip
FIXED = [("b2b-40c-8s", (40, 8, 120, 1), 10.0), ("b2b-60c-14s", (60, 14, 200, 2), 10.0),
         ("b2b-80c-22s", (80, 22, 300, 3), 15.0)]  # fmt: skip


def run_one(kind: str, args, limit: float, queue) -> None:
    doc = generate_event(args, seed=1) if kind == "gen" else generate_fixed_list(*args)
    data = parse_event_document(doc)
    extra = {} if kind == "gen" else {"session_weight": 0}
    greedy = solve(data, config=SolverConfig(method="greedy", **extra))
    t = time.monotonic()
    res = solve(data, config=SolverConfig(time_limit=limit, seed=1, **extra))
    wall = time.monotonic() - t
    assert validate(res.problem, res.schedule) == [], "invalid schedule"
    r, g = res.report, greedy.report
    count = dict.fromkeys(fair_targets(res.problem), 0)
    for m in res.schedule.meetings:
        for p in m.participants:
            if p in count:
                count[p] += 1
    queue.put({
        "participants": len(data.participants), "requests": len(data.requests),
        "slots": len(res.problem.slots), "rooms": data.event.rooms,
        "meetings": r.meetings, "greedy_meetings": g.meetings, "upper": r.meetings_upper_bound,
        "served": r.traditional_served, "with_feasible": r.traditional_with_feasible,
        "trad_min": min(count.values(), default=0), "trad_max": max(count.values(), default=0),
        "idle": r.idle_slots, "greedy_idle": g.idle_slots, "gap": r.gap,
        "objective": r.objective, "greedy_objective": g.objective,
        "compact_optimal": r.compact_optimal, "seconds": wall, "limit": limit, "work": r.work,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    })  # fmt: skip


def measure(kind: str, args, limit: float) -> dict:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=run_one, args=(kind, args, limit, q))
    p.start()
    row = q.get()
    p.join()
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="only the small instances")
    ap.add_argument("--only", action="append", metavar="INSTANCE", help="only this instance (repeatable)")
    opts = ap.parse_args()
    console = Console(width=230)
    load = os.getloadavg()[0]
    columns = ("instance", "participants", "requests", "slots", "rooms", "meetings CP-SAT",
               "meetings greedy", "upper bound", "CP-SAT/UB", "trad served", "trad min/max", "idle CP-SAT",
               "idle greedy", "objective vs greedy", "gap", "idle optimal", "seconds (limit)",
               "work", "peak MB")  # fmt: skip
    rows: list[list[str]] = []
    jobs = [("gen", label, n, limit) for label, n, limit in GENERATED]
    jobs += [("b2b", label, args, limit) for label, args, limit in FIXED]
    if opts.quick:
        jobs = [j for j in jobs if j[1] in ("gen-80", "gen-400", "b2b-40c-8s")]
    if opts.only:
        jobs = [j for j in jobs if j[1] in opts.only]
    for kind, label, args, limit in jobs:
        r = measure(kind, args, limit)
        rows.append([
            label, str(r["participants"]), str(r["requests"]), str(r["slots"]), str(r["rooms"]),
            str(r["meetings"]), str(r["greedy_meetings"]), str(r["upper"]),
            f"{r['meetings'] / max(1, r['upper']):.2%}", f"{r['served']}/{r['with_feasible']}",
            f"{r['trad_min']}/{r['trad_max']}", str(r["idle"]), str(r["greedy_idle"]),
            f"{(r['objective'] - r['greedy_objective']) / max(1, r['greedy_objective']):+.2%}",
            f"{r['gap']:.3%}", "yes" if r["compact_optimal"] else "no",
            f"{r['seconds']:.1f} ({r['limit']:.0f})", f"{r['work']:.1f}", f"{r['peak_mb']:.0f}",
        ])  # fmt: skip
        console.print(f"done {label}", style="dim")
    cores = os.cpu_count()
    table = Table(title=f"CP-SAT vs greedy first-fit (seed 1; {cores} cores, load average "
                        f"{load:.1f} at the start and {os.getloadavg()[0]:.1f} at the end)")  # fmt: skip
    for col in columns:
        table.add_column(col, justify="right" if col != "instance" else "left")
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
