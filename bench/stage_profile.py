#!/usr/bin/env python3
"""Where a solve spends its time and memory, stage by stage (not run by make bench).

    python bench/stage_profile.py 10000 --limit 240

Wraps the solver's stages (build, greedy, flow, placement, compaction, validation,
bound, report, reasons) and prints, for each call that took 0.05 s or more, its
wall seconds, CP-SAT deterministic time, CP-SAT calls, resident memory before and
after and, for top-level stages, the peak during the stage (Linux: VmHWM, reset per
stage through /proc/self/clear_refs). Wall seconds depend on the machine's load.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ortools.sat.python import cp_model  # noqa: E402

import scheduler.solver as solver_mod  # noqa: E402
import scheduler.solving.search as search  # noqa: E402
import scheduler.solving.validate as validate_mod  # noqa: E402
from scheduler.files.formats import parse_event_document  # noqa: E402
from scheduler.files.generator import generate_event  # noqa: E402
from scheduler.solver import SolverConfig, solve  # noqa: E402

STAGES = [
    (validate_mod, ["to_schedule", "validate"]),
    (solver_mod, ["build_problem", "greedy", "trivial_bound", "choose", "compact_phase", "check_assignment",
                  "upper_bound", "explain"]),
    (search, ["select_by_flow", "greedy", "_place_all", "compact"]),
]  # fmt: skip
DTIME = [0.0, 0]  # CP-SAT deterministic time and calls
ROWS: list[tuple] = []
DEPTH = [0]
PEAK = [0.0]


def memory() -> dict[str, float]:
    """VmRSS and VmHWM of this process, in MB."""
    with open("/proc/self/status") as f:
        return {ln.split(":")[0]: int(ln.split()[1]) / 1024 for ln in f if ln.startswith(("VmHWM", "VmRSS"))}


def _count_dtime() -> None:
    solve_once = cp_model.CpSolver.solve

    def counted(self, *args, **kw):
        status = solve_once(self, *args, **kw)
        DTIME[0] += self.deterministic_time
        DTIME[1] += 1
        return status

    cp_model.CpSolver.solve = counted


def _wrap(mod, name: str) -> None:
    if not hasattr(mod, name):
        return
    f = getattr(mod, name)
    label = f"{mod.__name__.rsplit('.', 1)[-1]}.{name}"

    @functools.wraps(f)
    def timed(*args, **kw):
        depth = DEPTH[0]
        if depth == 0:
            PEAK[0] = max(PEAK[0], memory()["VmHWM"])
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")  # reset the peak: this stage's own
        rss0, t, (dt0, n0) = memory()["VmRSS"], time.monotonic(), tuple(DTIME)
        DEPTH[0] += 1
        try:
            return f(*args, **kw)
        finally:
            DEPTH[0] -= 1
            m = memory()
            PEAK[0] = max(PEAK[0], m["VmHWM"])
            ROWS.append((t, depth, label, time.monotonic() - t, DTIME[0] - dt0, DTIME[1] - n0, rss0, m["VmRSS"],
                         m["VmHWM"]))  # fmt: skip

    setattr(mod, name, timed)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("participants", type=int)
    ap.add_argument("--limit", type=float, default=180.0, help="time_limit (work budget)")
    ap.add_argument("--seed", type=int, default=1, help="generator seed (the solver's is 1)")
    opts = ap.parse_args()
    _count_dtime()
    for mod, names in STAGES:
        for name in names:
            _wrap(mod, name)
    t = time.monotonic()
    data = parse_event_document(generate_event(opts.participants, seed=opts.seed))
    print(f"load average {os.getloadavg()[0]:.1f}; generated and read {len(data.participants)} participants, "
          f"{len(data.requests)} requests in {time.monotonic() - t:.1f} s")  # fmt: skip
    t = time.monotonic()
    res = solve(data, config=SolverConfig(time_limit=opts.limit, seed=1))
    wall, r = time.monotonic() - t, res.report
    print(f"solve {wall:.1f} s, work {r.work:.1f}, status {r.status}, meetings {r.meetings}/{r.meetings_upper_bound} "
          f"({r.meetings / max(1, r.meetings_upper_bound):.2%}), traditional served "
          f"{r.traditional_served}/{r.traditional_with_feasible}, idle slots {r.idle_slots}, "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"{'stage':36s} {'wall s':>8s} {'dtime':>7s} {'calls':>6s} {'MB in':>6s} {'MB out':>6s} {'peak':>6s}")
    for _start, depth, label, w, dt, n, rss0, rss1, hwm in sorted(ROWS):
        if w >= 0.05 or depth == 0:
            peak = f"{hwm:6.0f}" if depth == 0 else ""
            print(f"{'  ' * depth + label:36s} {w:8.2f} {dt:7.2f} {n:6d} {rss0:6.0f} {rss1:6.0f} {peak}")
    print(f"peak resident memory {max(PEAK[0], memory()['VmHWM']):.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
