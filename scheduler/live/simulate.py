"""Play an event day slot by slot with random no-shows, late arrivals and cancellations,
repairing as a host would, through the same core functions the host board uses.

The random world is fixed per (seed, participant, slot) and per (seed, pair): the
same people miss the same slots, and the same meetings get called off, whether or
not we repair, so "with" and "without" compare like for like.

- A participant who misses a meeting is gone for the rest of that event day
  (back the next day) with probability ``gone_share``; otherwise they were
  only late for that slot (the host marks them late until the slot ends).
- A meeting is called off two slots ahead with probability ``cancel_rate``.
- With repairs: each slot, the host marks what happened and applies the repair
  (:func:`scheduler.live.repair.rebalance`); and six minutes into the slot, those
  left waiting get a standby "meet now" offer (:mod:`scheduler.live.standby`) with a
  free participant who is online, which both accept with probability
  ``accept_rate``. Free participants are online with probability ``online_share``.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from scheduler.domain.errors import Conflict
from scheduler.domain.model import EventData, Meeting
from scheduler.domain.timegrid import end_of_local_day, to_local
from scheduler.live import standby
from scheduler.live.repair import LIVE, Absence, RebalanceConfig, rebalance, with_waitlist
from scheduler.matching.scores import Scorer
from scheduler.solving.problem import build_problem

CANCEL_LEAD = 2  # slots ahead a cancellation is announced


@dataclass(frozen=True)
class SlotReport:
    slot: int
    start: datetime
    no_shows: int
    rebalance_seconds: float | None
    rescued: int
    moved_others: int  # moved meetings that involve neither an absent person nor their partners
    cancelled: int = 0  # meetings called off (announced) in this slot
    meet_now: int = 0  # standby meetings held in this slot


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

    @property
    def meet_now(self) -> int:
        return sum(s.meet_now for s in self.slots)

    @property
    def rescued(self) -> int:
        return sum(s.rescued for s in self.slots)


def _draw(seed: int, key: str, slot: int) -> tuple[float, float]:
    rng = random.Random(f"{seed}/{key}/{slot}")
    return rng.random(), rng.random()


def simulate(data: EventData, meetings: tuple[Meeting, ...], no_show_rate: float = 0.2, seed: int = 0,
             gone_share: float = 0.5, repair: bool = True, config: RebalanceConfig | None = None,
             cancel_rate: float = 0.05, accept_rate: float = 0.8, online_share: float = 0.5,
             waitlist: int = 3) -> tuple[list[SlotReport], int]:
    """Run the day; return per-slot reports and the number of meetings held.

    ``waitlist``: each traditional SME's top-K recommendations are on the waitlist the
    repair draws on, as after ``run.py recommend --write -k K`` (0: only the requests).
    """
    if repair and waitlist:
        data = with_waitlist(data, waitlist)
    prob = build_problem(data, scores=False)  # built once for the day, as a live server keeps it
    scorer = Scorer(data) if repair else None
    q = 1 - math.sqrt(1 - no_show_rate)  # per person, so that about no_show_rate of meetings fail
    gone: set[str] = set()
    absences: dict[str, Absence] = {}
    decided: set[tuple[str, str]] = set()  # pairs whose cancellation draw has been made
    current = list(meetings)
    held = 0
    reports = []
    people = [p.id for p in data.participants]
    tz = data.event.timezone
    day = None
    for s in prob.slots:
        now = s.start
        if to_local(now, tz).date() != day:  # a new event day: those gone yesterday may be back
            day = to_local(now, tz).date()
            gone.clear()
        # 1. cancellations announced now for meetings CANCEL_LEAD slots ahead
        lost: list[str] = []
        ahead = s.index + CANCEL_LEAD
        cancelled = 0
        if ahead < len(prob.slots):
            for i, m in enumerate(current):
                key = (m.a, m.b) if m.a < m.b else (m.b, m.a)
                if m.start != prob.slots[ahead].start or m.status not in LIVE or key in decided:
                    continue
                decided.add(key)
                if _draw(seed, f"cancel/{key[0]}/{key[1]}", 0)[0] < cancel_rate:
                    current[i] = replace(m, status="cancelled")
                    lost += [m.a, m.b]
                    cancelled += 1
        # 2. who turns up for this slot
        missing_now: set[str] = set()
        for m in current:
            if m.start != s.start or m.status not in LIVE:
                continue
            for p in (m.a, m.b):
                if p in gone or _draw(seed, p, s.index)[0] < q:
                    missing_now.add(p)
        fresh = sorted(p for p in missing_now if p not in gone)
        for p in fresh:
            if _draw(seed, p, s.index)[1] < gone_share:
                gone.add(p)
                absences[p] = Absence(p, until=end_of_local_day(now, tz))
            else:
                absences[p] = Absence(p, until=s.end)
        # 3. meet now: those left waiting, with free participants who are online
        meet_now = 0
        if repair:
            busy = {p for m in current if m.start == s.start and m.status in LIVE for p in (m.a, m.b)}
            online = {p for p in people if p not in busy and p not in gone
                      and _draw(seed, f"online/{p}", s.index)[0] < online_share}  # fmt: skip
            checked = (busy - missing_now) | online
            at = s.start + timedelta(minutes=6)
            for offer in standby.propose(data, current, checked, at, 5, scorer=scorer):
                if _draw(seed, f"accept/{offer['a']}/{offer['b']}", s.index)[0] >= accept_rate:
                    continue
                try:
                    current = list(standby.confirm(data, current, offer, at, checked=checked))
                except Conflict:
                    continue
                meet_now += 1
        # 4. the host marks the slot
        for i, m in enumerate(current):
            if m.start != s.start or m.status not in LIVE:
                continue
            missed = bool({m.a, m.b} & missing_now)
            current[i] = replace(m, status="no_show" if missed else "held")
            held += not missed
        # 5. and repairs the rest of the day
        rb_time, rescued, moved_others = None, 0, 0
        if repair and (fresh or lost):
            active = [a for a in absences.values() if a.until is None or a.until > now]
            plan = rebalance(data, current, now, active, config, lost=lost, problem=prob)
            touched = set(fresh) | set(lost)
            hit = touched | {m.b if m.a in touched else m.a for m in current if {m.a, m.b} & touched}
            rb_time, rescued = plan.seconds, len(plan.added)
            moved_others = sum(1 for before, _ in plan.moved if not {before.a, before.b} & hit)
            current = list(plan.meetings)
        reports.append(SlotReport(s.index, s.start, len(fresh), rb_time, rescued, moved_others, cancelled, meet_now))
    return reports, held


def compare(data: EventData, meetings: tuple[Meeting, ...], no_show_rate: float = 0.2, seed: int = 0,
            config: RebalanceConfig | None = None, cancel_rate: float = 0.05, waitlist: int = 3,
            ) -> SimulationReport:
    """Simulate the same day with and without repairs."""
    reports, held_with = simulate(data, meetings, no_show_rate, seed, repair=True, config=config,
                                  cancel_rate=cancel_rate, waitlist=waitlist)  # fmt: skip
    _, held_without = simulate(data, meetings, no_show_rate, seed, repair=False, cancel_rate=cancel_rate)
    live = sum(1 for m in meetings if m.status in LIVE)
    return SimulationReport(tuple(reports), held_with, held_without, live)
