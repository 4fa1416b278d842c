"""What-if capacity planning: how many virtual rooms and slots an event needs.

Two what-ifs, each on the event's own participants, availability and wanted pairs:

- **rooms**: the same slots, with 1, 2, ... virtual rooms;
- **slot length**: the same sessions cut into slots of another length (the gap between
  slots kept), so shorter meetings give more slots. Each participant's slots are worked
  out again from their hours (a slot must lie wholly inside one of their windows).

Every figure is the solver's upper bound on meetings
(:func:`scheduler.solver.meetings_upper_bound`): a degree-constrained matching with the
per-slot clashes relaxed away (each participant meets at most min(cap, slots it could use)
partners, each pair at most once, all meetings within rooms x slots), solved exactly. No
schedule can place more. *Traditional SMEs served* is the same bound with every traditional
SME's cap set to 1: the most traditional SMEs that any schedule can give a meeting. The
relaxation's largest flow reaches both maxima at once (an augmenting path never takes a
meeting away from a traditional SME), so both figures describe one optimal flow.

With ``solve`` the real solver (:func:`scheduler.solver.solve`, one worker, a deterministic
work budget per point, no compaction) also places the meetings of each point: what a
schedule achieved, a lower bound on what is possible.

The bound only grows with rooms (a flow with r rooms is one with r + 1), so the fewest rooms
reaching a share of the unlimited-rooms figure is found by a search (:func:`smallest`). The
relaxation's only room constraint is "meetings <= rooms x slots", so the bound with r rooms is
exactly min(r x slots, the unlimited figure) (:class:`_Grid` says why): it assumes meetings
spread evenly over the slots, and the room count it gives is a floor. Real schedules need
more rooms where people's hours overlap in few slots; ``solve`` measures that (the optimum
only grows with rooms too: a schedule for r rooms is one for r + 1).
The current schedule and its locked meetings play no part.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from scheduler.domain.errors import InvalidInput, Message, Problem
from scheduler.domain.language import N_
from scheduler.domain.limits import SLOT_MINUTES_MAX, SLOT_MINUTES_MIN, SLOTS_MAX
from scheduler.domain.model import EventData
from scheduler.domain.timegrid import build_slots
from scheduler.solver import SolverConfig, meetings_upper_bound, solve
from scheduler.solving.problem import SchedProblem, build_problem

#: slot lengths tried by default (minutes), besides the event's own
SLOT_MINUTES = (10, 15, 20, 25, 30, 40, 45, 60, 90)
#: at most about this many room counts in the table (spaced evenly past it)
ROOM_ROWS = 16


@dataclass(frozen=True)
class Options:
    """What to compute: the share to reach (``percent`` of the unlimited-rooms meetings), the
    slot lengths to try (minutes; empty: :data:`SLOT_MINUTES`), and
    whether to run the real solver per point with ``budget`` seconds of deterministic work.
    The event's own slot length is always tried."""

    percent: int = 99
    slot_minutes: tuple[int, ...] = ()
    solve: bool = False
    budget: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class Figures:
    """Meetings and traditional SMEs with at least one meeting (None: same-kind events)."""

    meetings: int
    traditional_served: int | None


@dataclass(frozen=True)
class Point:
    """One what-if: ``rooms`` rooms and ``slots`` slots of ``slot_minutes``; its upper bound,
    and what a real solve placed (None unless asked for)."""

    rooms: int
    slot_minutes: int
    slots: int
    bound: Figures
    placed: Figures | None = None


@dataclass(frozen=True)
class SlotOption:
    """One slot length: its figures with the event's rooms, the bound with unlimited rooms, and
    the fewest rooms whose bound reaches the plan's percent of that (0 when nothing can meet)."""

    point: Point
    unlimited_meetings: int
    rooms_needed: int


@dataclass(frozen=True)
class CapacityPlan:
    """The answer to "how many rooms and slots": figures by room count and by slot length.

    ``unlimited`` has ``unlimited_rooms`` rooms: from there on no slot can be short of a room,
    in a real schedule or in the bound. ``target`` = ceil(percent x unlimited meetings / 100);
    ``rooms_needed`` is the fewest rooms whose bound reaches it. With ``solved``, the same for
    real solves: ``solved_target`` from the placed unlimited figure, ``solved_rooms_needed``.
    """

    event_id: str
    event_name: str
    rooms: int
    slot_minutes: int
    gap_minutes: int
    slots: int
    percent: int
    traditional: int  # traditional SMEs with a wanted meeting they could take
    unlimited_rooms: int
    unlimited: Point
    target: int
    rooms_needed: int
    by_rooms: tuple[Point, ...]
    by_slot_minutes: tuple[SlotOption, ...]
    solved: bool = False
    budget: float = 0.0
    solved_target: int | None = None
    solved_rooms_needed: int | None = None
    wall_limit_hit: bool = False  # a solve was stopped by the wall clock: may not repeat


def smallest(reaches: Callable[[int], bool], lo: int, hi: int) -> int:
    """Return the smallest r in [lo, hi] with ``reaches(r)``, for a monotone ``reaches``.

    ``reaches`` must be False up to some r and True from there on, and True at ``hi``.
    Searches up from ``lo`` by doubling steps, then bisects: O(log(answer - lo)) calls, one
    when ``lo`` is the answer. Raises ValueError when ``lo > hi``.
    """
    if lo > hi:
        raise ValueError(f"empty search range [{lo}, {hi}]")
    if reaches(lo):
        return lo
    fail, step = lo, 1
    while True:  # reaches(fail) is False
        probe = min(hi, fail + step)
        if probe == hi or reaches(probe):
            ok = probe
            break
        fail, step = probe, step * 2
    while ok - fail > 1:
        mid = (fail + ok) // 2
        if reaches(mid):
            ok = mid
        else:
            fail = mid
    return ok


def share_of(percent: int, total: int) -> int:
    """Return ceil(percent x total / 100), in whole meetings, without rounding error."""
    return -(-percent * total // 100)


class _Grid:
    """The event cut into slots of one length: its bound, and its solves cached per room count.

    The bound is computed once, with rooms that never bind, and then for r rooms is
    min(r x slots, that figure): the relaxation's only room constraint is one capacity on the
    total (meetings <= rooms x slots), and a maximum flow through one arc of capacity c is
    min(c, the maximum flow without it), as flow can be taken off path by path. So
    ``bound(r)`` equals ``meetings_upper_bound`` with r rooms (tests/test_capacity.py checks
    it for every r) at the cost of two flows per slot length, not two per room count.
    """

    def __init__(self, data: EventData, minutes: int, options: Options):
        self.data = replace(data, event=replace(data.event, slot_minutes=minutes))
        self.minutes, self.options = minutes, options
        self.prob = build_problem(self.data, scores=False)
        self.slots = len(self.prob.slots)
        people = self.prob.participants
        self.cross = not self.data.event.allow_same_kind
        feasible = [k for k, c in enumerate(self.prob.common) if c]
        takers = {p for k in feasible for p in (self.prob.pairs[k].a, self.prob.pairs[k].b)
                  if self.prob.cap(p) > 0}  # fmt: skip
        self.traditional = sum(1 for p in takers if people[p].kind == "traditional")
        enough = max(1, len(feasible))  # rooms x slots >= every wanted pair: rooms never bind
        served = None
        if self.cross:  # every traditional SME's cap 1: the bound counts traditional SMEs served
            one_each = {pid: replace(p, max_meetings=min(p.cap(self.prob.event), 1))
                        if p.kind == "traditional" else p for pid, p in people.items()}  # fmt: skip
            served = meetings_upper_bound(_with_rooms(replace(self.prob, participants=one_each), enough))
        self.unlimited = Figures(meetings_upper_bound(_with_rooms(self.prob, enough)), served)
        self._placed: dict[int, Figures] = {}
        self.wall_limit_hit = False
        busiest = 0
        for t in range(self.slots):
            here = [p for p in takers if t in self.prob.allowed[p]]
            trad = sum(1 for p in here if people[p].kind == "traditional")
            busiest = max(busiest, min(trad, len(here) - trad) if self.cross else len(here) // 2)
        floor = -(-self.unlimited.meetings // self.slots) if self.slots else 0
        self.unlimited_rooms = max(1, busiest, floor)

    def bound(self, rooms: int) -> Figures:
        """The upper bound with ``rooms`` rooms: min(rooms x slots, the unlimited figure)."""
        most = rooms * self.slots
        served = self.unlimited.traditional_served
        return Figures(min(most, self.unlimited.meetings), None if served is None else min(most, served))

    def placed(self, rooms: int) -> Figures:
        """What the real solver places with ``rooms`` rooms, in the options' work budget."""
        if rooms not in self._placed:
            cfg = SolverConfig(time_limit=self.options.budget, seed=self.options.seed, workers=1,
                               compact=False)  # fmt: skip
            data = replace(self.data, event=replace(self.data.event, rooms=rooms))
            report = solve(data, config=cfg).report
            self.wall_limit_hit |= report.wall_limit_hit
            self._placed[rooms] = Figures(report.meetings, report.traditional_served)
        return self._placed[rooms]

    def point(self, rooms: int) -> Point:
        placed = self.placed(rooms) if self.options.solve else None
        return Point(rooms, self.minutes, self.slots, self.bound(rooms), placed)

    def rooms_for(self, target: int) -> int:
        """The fewest rooms whose bound reaches ``target`` meetings (the bound is monotone in rooms)."""
        lo = -(-target // self.slots) if self.slots else 0  # any bound is at most rooms x slots
        return smallest(lambda r: self.bound(r).meetings >= target, lo, max(lo, self.unlimited_rooms))


def _with_rooms(prob: SchedProblem, rooms: int) -> SchedProblem:
    return replace(prob, data=replace(prob.data, event=replace(prob.event, rooms=rooms)))


def check_options(options: Options) -> None:
    """Raise InvalidInput naming each option out of range (percent, slot minutes, budget)."""
    problems = []
    if not 1 <= options.percent <= 100:
        problems.append(Problem.of("percent", N_("must be a whole number from 1 to 100 (got {got})"),
                                   got=options.percent))
    for i, m in enumerate(options.slot_minutes):
        if not SLOT_MINUTES_MIN <= m <= SLOT_MINUTES_MAX:
            problems.append(Problem.of(f"slot minutes[{i}]", N_("must be from {least} to {most} minutes (got {got})"),
                                       least=SLOT_MINUTES_MIN, most=SLOT_MINUTES_MAX, got=m))
    if not 0 < options.budget <= 600:
        problems.append(Problem.of("budget", N_("must be above 0 and at most 600 seconds (got {got})"),
                                   got=options.budget))
    if problems:
        raise InvalidInput(problems, Message.of(N_("capacity planning")))


def room_counts(event_rooms: int, *marks: int, rows: int = ROOM_ROWS) -> tuple[int, ...]:
    """Room counts for the table: 1 to the largest of the event's rooms and ``marks`` (the
    counts worth a row of their own), every count up to ``rows`` of them, else ``rows``
    evenly spaced counts plus the event's and the marks."""
    hi = max(1, event_rooms, *marks)
    if hi <= rows:
        return tuple(range(1, hi + 1))
    spaced = {round(1 + i * (hi - 1) / (rows - 1)) for i in range(rows)}
    return tuple(sorted(spaced | {event_rooms, *(m for m in marks if m >= 1)}))


def capacity_plan(data: EventData, options: Options | None = None) -> CapacityPlan:
    """Return the event's figures by room count and by slot length (see the module's text).

    Raises InvalidInput for options out of range (:func:`check_options`). Slot lengths that
    leave no slot, or more slots than an event may have (3000), are left out. Bounds only:
    about a second for 120 participants, 15 s for 3000. With ``solve``, one solve of
    ``budget`` work per room count in the table and per slot length, and a few for the search.
    """
    opts = options or Options()
    check_options(opts)
    ev = data.event
    grid = _Grid(data, ev.slot_minutes, opts)
    unlimited = grid.point(grid.unlimited_rooms)
    target = share_of(opts.percent, unlimited.bound.meetings)
    needed = grid.rooms_for(target)
    saturated = grid.rooms_for(unlimited.bound.meetings)
    solved_target = solved_needed = None
    if opts.solve:
        solved_target = share_of(opts.percent, grid.placed(grid.unlimited_rooms).meetings)
        lo = grid.rooms_for(solved_target)  # fewer rooms: even the bound falls short
        # the optimum only grows with rooms; a solve on a work budget nearly always does too
        solved_needed = smallest(lambda r: grid.placed(r).meetings >= solved_target, lo,
                                 max(lo, grid.unlimited_rooms))  # fmt: skip
    marks = (needed, saturated) if solved_needed is None else (needed, saturated, solved_needed)
    by_rooms = tuple(grid.point(r) for r in room_counts(ev.rooms, *marks))
    lengths, grids = [], [grid]
    for minutes in sorted(set(opts.slot_minutes or SLOT_MINUTES) | {ev.slot_minutes}):
        if minutes != ev.slot_minutes:
            if not 0 < len(build_slots(replace(ev, slot_minutes=minutes))) <= SLOTS_MAX:
                continue
            grids.append(_Grid(data, minutes, opts))
        g = grids[-1] if minutes != ev.slot_minutes else grid
        best = g.unlimited.meetings
        lengths.append(SlotOption(g.point(ev.rooms), best, g.rooms_for(share_of(opts.percent, best))))
    return CapacityPlan(
        event_id=ev.id, event_name=ev.name, rooms=ev.rooms, slot_minutes=ev.slot_minutes,
        gap_minutes=ev.gap_minutes, slots=grid.slots, percent=opts.percent, traditional=grid.traditional,
        unlimited_rooms=grid.unlimited_rooms, unlimited=unlimited, target=target, rooms_needed=needed,
        by_rooms=by_rooms, by_slot_minutes=tuple(lengths), solved=opts.solve,
        budget=opts.budget if opts.solve else 0.0, solved_target=solved_target,
        solved_rooms_needed=solved_needed, wall_limit_hit=any(g.wall_limit_hit for g in grids),
    )  # fmt: skip
