#!/usr/bin/env python3
"""Live-repair benchmark (make bench): rebalance times after single no-shows, and a simulated day."""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from scheduler.formats import parse_event_document  # noqa: E402
from scheduler.generator import generate_event  # noqa: E402
from scheduler.rebalance import Absence, rebalance  # noqa: E402
from scheduler.simulate import compare  # noqa: E402
from scheduler.solver import SolverConfig, solve  # noqa: E402


def single_no_shows(n: int, samples: int = 9) -> tuple[float, int]:
    """Median rebalance seconds after one no-show, spread over the day; worst 'others moved'."""
    data = parse_event_document(generate_event(n, seed=1))
    r = solve(data, config=SolverConfig(time_limit=30))
    slots = r.problem.slots
    times, worst = [], 0
    for i in range(samples):
        cut = 2 + i * (len(slots) - 4) // samples
        m = next(x for x in r.schedule.meetings if x.start == slots[cut].start)
        plan = rebalance(data, r.schedule.meetings, slots[cut].start, [Absence(m.a)])
        partners = {x.b if x.a == m.a else x.a for x in r.schedule.meetings if m.a in (x.a, x.b)} | {m.a}
        worst = max(worst, sum(1 for b, _ in plan.moved if not {b.a, b.b} & partners))
        times.append(plan.seconds)
    return statistics.median(times), worst


def main() -> int:
    table = Table(title="Live repair (seed 1)")
    for col in ("measure", "value"):
        table.add_column(col)
    for n in (400, 1500):
        median, worst = single_no_shows(n)
        table.add_row(f"{n} SMEs: rebalance after one no-show, median of 9 over the day", f"{median:.2f} s")
        table.add_row(f"{n} SMEs: most meetings moved not involving the absent or their partners", str(worst))
    data = parse_event_document(generate_event(400, seed=1))
    r = solve(data, config=SolverConfig(time_limit=20))
    rep = compare(data, r.schedule.meetings, 0.2, seed=1)
    table.add_row("400 SMEs, 20% no-shows: meetings held with / without rebalancing",
                  f"{rep.held_with} / {rep.held_without} ({rep.gain:+.1%})")
    table.add_row("400 SMEs, simulated day: median rebalance per slot", f"{rep.median_rebalance:.2f} s")
    Console(width=160).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
