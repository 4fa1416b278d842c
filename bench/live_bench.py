#!/usr/bin/env python3
"""Live-repair benchmark (make bench): rebalance times after single no-shows, and a simulated day."""

from __future__ import annotations

import statistics
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from scheduler.domain.timegrid import end_of_local_day  # noqa: E402
from scheduler.files.formats import parse_event_document  # noqa: E402
from scheduler.files.generator import generate_event  # noqa: E402
from scheduler.live import standby  # noqa: E402
from scheduler.live.repair import Absence, rebalance, with_waitlist  # noqa: E402
from scheduler.live.simulate import compare  # noqa: E402
from scheduler.solver import SolverConfig, solve  # noqa: E402


def single_no_shows(data, r, samples: int = 9, gone: bool = True) -> tuple[float, int, float]:
    """Median rebalance seconds after one no-show, spread over the day; worst 'others moved';
    median rescue meetings added. ``gone``: the absent left for the day (else only that meeting
    was missed, as the board's no-show button assumes)."""
    slots = r.problem.slots
    times, worst, rescued = [], 0, []
    for i in range(samples):
        cut = 2 + i * (len(slots) - 4) // samples
        m = next(x for x in r.schedule.meetings if x.start == slots[cut].start)
        # the host marks m.a absent in the running slot: the meeting is a no-show, m.a is gone
        day = [replace(x, status="no_show") if x.id == m.id else x for x in r.schedule.meetings]
        tz = data.event.timezone
        away = Absence(m.a, until=end_of_local_day(m.start, tz) if gone else m.end)
        # as the board does it: the waitlist (top-3 recommendations) and the problem are built each time
        started = time.perf_counter()
        plan = rebalance(with_waitlist(data, 3), day, slots[cut].start, [away])
        times.append(time.perf_counter() - started)
        partners = {x.b if x.a == m.a else x.a for x in r.schedule.meetings if m.a in (x.a, x.b)} | {m.a}
        worst = max(worst, sum(1 for b, _ in plan.moved if not {b.a, b.b} & partners))
        rescued.append(len(plan.added))
    return statistics.median(times), worst, statistics.median(rescued)


def close_room(data, r) -> tuple[float, int, int, int]:
    """Close the busiest room at mid-day: seconds, meetings evicted, re-roomed in the same slot, cancelled."""
    slots = r.problem.slots
    now = slots[len(slots) // 2].start
    future = [m for m in r.schedule.meetings if m.start > now]
    room = max({m.room for m in future}, key=lambda k: sum(m.room == k for m in future))
    plan = rebalance(data, r.schedule.meetings, now, closed_rooms=[room])
    evicted = sum(m.room == room for m in future)
    same_time = sum(1 for b, a in plan.moved if b.start == a.start)
    return plan.seconds, evicted, same_time, len(plan.cancelled)


def standby_scan(data, r) -> tuple[float, int, int]:
    """A running slot where one side of every 10th meeting is missing and everybody else is here:
    seconds to find the "meet now" offers, people waiting, offers made."""
    slots = r.problem.slots
    slot = slots[len(slots) // 3]
    now = slot.start + timedelta(minutes=6)
    running = [m for m in r.schedule.meetings if m.start == slot.start]
    missing = {m.b for m in running[::10]}
    checked = {p.id for p in data.participants} - missing
    started = time.perf_counter()
    offers = standby.propose(data, r.schedule.meetings, checked, now, 5)
    return time.perf_counter() - started, len(missing), len(offers)


def main() -> int:
    table = Table(title="Live repair (seed 1)")
    for col in ("measure", "value"):
        table.add_column(col)
    for n in (400, 1500):
        data = parse_event_document(generate_event(n, seed=1))
        r = solve(data, config=SolverConfig(time_limit=30))
        median, worst, rescued = single_no_shows(data, r)
        table.add_row(f"{n} SMEs: repair after one no-show, absent gone for the day (waitlist + re-solve), median of 9",
                      f"{median:.2f} s")
        table.add_row(f"{n} SMEs: most meetings moved not involving the absent or their partners", str(worst))
        table.add_row(f"{n} SMEs: rescue meetings added per no-show (waitlist: top-3 recommendations), median", f"{rescued:g}")
        median, worst, rescued = single_no_shows(data, r, gone=False)
        table.add_row(f"{n} SMEs: the same when only that meeting was missed (board's no-show button): time; "
                      "others moved; rescues", f"{median:.2f} s; {worst}; {rescued:g}")
        secs, evicted, same, cancelled = close_room(data, r)
        table.add_row(f"{n} SMEs: close the busiest room at mid-day: time; its meetings -> same slot other "
                      "room / cancelled", f"{secs:.2f} s; {evicted} -> {same} / {cancelled}")
        secs, waiting, offers = standby_scan(data, r)
        table.add_row(f"{n} SMEs: standby scan, {waiting} people waiting in a slot: time; offers made",
                      f"{secs:.2f} s; {offers}")
    data = parse_event_document(generate_event(400, seed=1))
    r = solve(data, config=SolverConfig(time_limit=20))
    rep = compare(data, r.schedule.meetings, 0.2, seed=1)
    table.add_row("400 SMEs, 20% no-shows, 5% called off: meetings held with / without repairs",
                  f"{rep.held_with} / {rep.held_without} ({rep.gain:+.1%})")
    table.add_row("  of which rescue meetings placed / meet-now meetings held", f"{rep.rescued} / {rep.meet_now}")
    table.add_row("  most meetings moved in one slot not involving those hit or their partners",
                  str(max(s.moved_others for s in rep.slots)))
    table.add_row("  median repair per slot (all of that slot's no-shows and cancellations at once)",
                  f"{rep.median_rebalance:.2f} s")
    bare = compare(data, r.schedule.meetings, 0.2, seed=1, waitlist=0)
    table.add_row("  the same with no waitlist (stored requests only): held with / without",
                  f"{bare.held_with} / {bare.held_without} ({bare.gain:+.1%})")
    Console(width=170).print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
