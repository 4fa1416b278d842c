"""Play an event day slot by slot with random no-shows, repairing as a host would.

The random world is fixed per (seed, participant, slot): the same people miss
the same slots whether or not we repair, so "with" and "without" compare like
for like. A participant who misses a meeting is gone for the rest of the day
with probability ``gone_share``; otherwise they were only late for that slot.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, replace
from datetime import datetime

from .model import EventData, Meeting
from .problem import build_problem
from .rebalance import LIVE, Absence, RebalanceConfig, rebalance


@dataclass(frozen=True)
class SlotReport:
    slot: int
    start: datetime
    no_shows: int
    rebalance_seconds: float | None
    rescued: int
    moved_others: int  # moved meetings that involve neither an absent person nor their partners


@dataclass(frozen=True)
class SimulationReport:
    slots: tuple[SlotReport, ...]
    held_with: int
    held_without: int
    scheduled: int

    @property
    def gain(self) -> float:
        return (self.held_with - self.held_without) / self.held_without if self.held_without else 0.0

    @property
    def median_rebalance(self) -> float:
        xs = [s.rebalance_seconds for s in self.slots if s.rebalance_seconds is not None]
        return statistics.median(xs) if xs else 0.0


def _draw(seed: int, pid: str, slot: int) -> tuple[float, float]:
    rng = random.Random(f"{seed}/{pid}/{slot}")
    return rng.random(), rng.random()


def simulate(data: EventData, meetings: tuple[Meeting, ...], no_show_rate: float = 0.2, seed: int = 0,
             gone_share: float = 0.5, repair: bool = True,
             config: RebalanceConfig | None = None) -> tuple[list[SlotReport], int]:
    """Run the day; return per-slot reports and the number of meetings held."""
    if repair:
        data = with_standby(data)
    prob = build_problem(data, scores=False)  # built once for the day, as a live server keeps it
    q = 1 - math.sqrt(1 - no_show_rate)  # per person, so that about no_show_rate of meetings fail
    gone: set[str] = set()
    absences: dict[str, Absence] = {}
    current = list(meetings)
    held = 0
    reports = []
    for s in prob.slots:
        now = s.start
        fresh: list[str] = []
        for i, m in enumerate(current):
            if m.start != s.start or m.status not in LIVE:
                continue
            missing = []
            for p in (m.a, m.b):
                miss, leave = _draw(seed, p, s.index)
                if p in gone or miss < q:
                    missing.append(p)
                    if p not in gone and leave < gone_share:
                        gone.add(p)
                        absences[p] = Absence(p)
                    elif p not in gone:
                        absences[p] = Absence(p, until=s.end)
                    fresh.append(p)
            current[i] = replace(m, status="no_show" if missing else "held")
            held += not missing
        rb_time, rescued, moved_others = None, 0, 0
        if repair and fresh:
            active = [a for a in absences.values() if a.until is None or a.until > now]
            plan = rebalance(data, current, now, active, config, problem=prob)
            hit = set(fresh) | {m.b if m.a in fresh else m.a for m in current if {m.a, m.b} & set(fresh)}
            rb_time, rescued = plan.seconds, len(plan.added)
            moved_others = sum(1 for before, _ in plan.moved if not {before.a, before.b} & hit)
            current = list(plan.meetings)
        reports.append(SlotReport(s.index, s.start, len(set(fresh)), rb_time, rescued, moved_others))
    return reports, held


def with_standby(data: EventData, per_participant: int = 3) -> EventData:
    """Add each traditional SME's top recommendations as a standby waitlist (suggested, priority 3).

    The repair only ever uses them for someone who lost a meeting, like a host's "meet now".
    """
    from .matching import recommend
    from .model import Request

    recs = recommend(data, per_participant, exclude=[(r.sender, r.receiver) for r in data.requests])
    standby = tuple(Request(m.participant, m.partner, 3, "suggested") for ms in recs.values() for m in ms)
    return replace(data, requests=(*data.requests, *standby))


def compare(data: EventData, meetings: tuple[Meeting, ...], no_show_rate: float = 0.2, seed: int = 0,
            config: RebalanceConfig | None = None) -> SimulationReport:
    """Simulate the same day with and without repairs."""
    reports, held_with = simulate(data, meetings, no_show_rate, seed, repair=True, config=config)
    _, held_without = simulate(data, meetings, no_show_rate, seed, repair=False)
    live = sum(1 for m in meetings if m.status in LIVE)
    return SimulationReport(tuple(reports), held_with, held_without, live)
