#!/usr/bin/env python3
"""Breaks benchmark (make bench): fixed meeting lists of the published kind, solved for the fewest breaks.

Sixteen forums from ``bench/jair_like.py`` (42-78 companies, 125-302 meetings, 8-22
slots, 12-27 tables), each solved by the normal pipeline (``solve``) with the
organiser's choice written in the event (``"compactness": "breaks"``; JAIR's spread
bound d = 2 by default). One table: the breaks found, the proven lower bound, whether
the optimum is proven, real seconds of ``solve`` (after one untimed warm-up solve that
loads the time-zone rules) and the deterministic work (CP-SAT deterministic time plus
counted model building, the figure that decides when to stop). The target: every
forum proven optimal in under 10 s on a 2-core machine.

``python bench/breaks_bench.py [--spread N|none] [--time-limit S] [--seed N] [--only NAME]``
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from jair_like import INSTANCES, Spec, jair_like  # noqa: E402
from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from scheduler.files.formats import parse_event_document  # noqa: E402
from scheduler.solver import NO_SPREAD, SolverConfig, solve  # noqa: E402
from scheduler.solving.validate import validate  # noqa: E402


def run_one(spec: Spec, config: SolverConfig) -> dict:
    """Solve one forum; return its row's figures."""
    data = parse_event_document(jair_like(spec))
    t = time.monotonic()
    res = solve(data, config=config)
    wall = time.monotonic() - t
    assert validate(res.problem, res.schedule) == [], f"{spec.name}: invalid schedule"
    r = res.report
    assert r.meetings == len(data.requests), f"{spec.name}: {r.meetings} of {len(data.requests)} meetings placed"
    return {"companies": len(data.participants),
            "meetings": r.meetings, "slots": len(res.problem.slots), "tables": data.event.rooms,
            "breaks": r.breaks, "bound": r.compact_bound, "proven": r.proven_optimal,
            "spread": r.break_spread, "limit": r.break_spread_limit, "seconds": wall, "work": r.work}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spread", default=None, help="JAIR's d (default: the event's, i.e. 2), or 'none'")
    ap.add_argument("--time-limit", type=float, default=30.0, help="work budget per forum (default 30)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="run only the forums whose name contains this")
    opts = ap.parse_args()
    spread = None if opts.spread is None else NO_SPREAD if opts.spread == "none" else int(opts.spread)
    config = SolverConfig(time_limit=opts.time_limit, seed=opts.seed, break_spread=spread)
    solve(parse_event_document(jair_like(Spec(12, 20, 6, 4, 0))), config=config)  # warm-up: zone rules, imports
    load = os.getloadavg()[0]
    console = Console(width=160)
    table = Table(title=f"Fewest breaks on JAIR-like forums (seed {opts.seed}, d = {opts.spread or 'event (2)'}, "
                        f"load average {load:.1f} on {os.cpu_count()} cores)")
    for col in ("instance", "companies", "meetings", "slots", "tables", "breaks", "lower bound", "proven optimum",
                "spread (d)", "seconds", "work (det.)"):
        table.add_column(col, justify="left" if col == "instance" else "right")
    total = {"meetings": 0, "breaks": 0, "bound": 0, "proven": 0, "seconds": 0.0, "work": 0.0}
    specs = [s for s in INSTANCES if not opts.only or opts.only in s.name]
    worst = 0.0
    for spec in specs:
        r = run_one(spec, config)
        worst = max(worst, r["seconds"])
        for key in total:
            total[key] += r[key]
        limit = "-" if r["limit"] is None else str(r["limit"])
        table.add_row(spec.name, str(r["companies"]), str(r["meetings"]), str(r["slots"]), str(r["tables"]),
                      str(r["breaks"]), str(r["bound"]), "yes" if r["proven"] else "no", f"{r['spread']} ({limit})",
                      f"{r['seconds']:.2f}", f"{r['work']:.2f}")  # fmt: skip
        console.print(f"done {spec.name}", style="dim")
    table.add_row(f"total ({len(specs)} forums; slowest {worst:.2f} s)", "", str(total["meetings"]), "", "",
                  str(total["breaks"]), str(total["bound"]), f"{total['proven']}/{len(specs)}", "",
                  f"{total['seconds']:.2f}", f"{total['work']:.2f}", end_section=True)  # fmt: skip
    console.print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
