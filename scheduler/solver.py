"""CP-SAT meeting scheduler: which pairs meet, then when.

Phase 1 (*select*) decides which wanted pairs meet and in which slot, on a
model with a Boolean only for each (pair, slot) allowed for both, one
at-most-one per (participant, slot), a room capacity per slot and the caps.
Its objective is the weighted value of the meetings plus a leximin fairness
term over traditional SMEs' served counts (:mod:`scheduler.solving.fairness`). Phase 2 (*compact*) keeps the
chosen pairs and only moves them between slots to cut idle slots and the
number of sessions each participant must attend, or, as the organiser chooses,
the number of breaks (with a bound on their spread). Rooms are numbered last
(:func:`scheduler.solving.problem.assign_rooms`). See ``docs/solver.md`` for the
reasoning and measurements.

This module is the entry point and orchestrates: build the problem, a greedy
warm start and the bounds, the CP-SAT phases (models in
:mod:`scheduler.solving.cpsat`, staged search and work budget in
:mod:`scheduler.solving.search`), compaction, validation, the result and its
report. The knobs and progress reports are :mod:`scheduler.solving.config`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.model import EventData, Meeting, Schedule, Stats, Unscheduled
from scheduler.domain.sessions import describe
from scheduler.solving.breaks import breaks_by_participant, spread_of
from scheduler.solving.compaction import lower_bound
from scheduler.solving.config import (
    NO_SPREAD,
    Compactness,
    Method,
    Progress,
    ProgressFn,
    SolverConfig,
    relative_gap,
    resolve_compactness,
)
from scheduler.solving.cpsat import fair_targets, objective_value, trivial_bound
from scheduler.solving.greedy import greedy
from scheduler.solving.problem import Assignment, SchedProblem, build_problem
from scheduler.solving.search import Clock, choose, compact_phase, penalty, upper_bound, weights
from scheduler.solving.validate import check_assignment, idle_slots, sessions_attended

#: The public face: what other code imports from here.
__all__ = [
    "NO_SPREAD",
    "Compactness",
    "Method",
    "Progress",
    "ProgressFn",
    "Report",
    "Result",
    "SolverConfig",
    "explain",
    "meetings_upper_bound",
    "objective_value",
    "penalty",
    "schedule_detail",
    "solve",
]


@dataclass(frozen=True)
class Report:
    """How good a solve is: its objective and bounds, who was served, compactness, work used."""

    method: str
    objective: float  # weighted pairs + leximin fairness term (docs/solver.md, Objective)
    bound: float  # CP-SAT's best bound on that objective
    meetings: int
    meetings_upper_bound: int  # no schedule can place more
    wanted_pairs: int
    feasible_pairs: int  # wanted pairs with at least one common slot
    traditional_served: int
    traditional_with_feasible: int
    idle_slots: int
    sessions_attended: int
    solve_seconds: float
    seed: int
    workers: int
    status: str
    compact_penalty: int = 0  # idle_weight x idle slots + session_weight x sessions attended
    compact_bound: int = 0  # proven lower bound on that penalty for the chosen meetings
    phases: dict[str, float] = field(default_factory=dict)
    work: float = 0.0  # deterministic work used (CP-SAT deterministic time + counted work)
    wall_limit_hit: bool = False  # the wall-clock safety net stopped a phase: may not repeat
    compactness: str = "idle"  # what compact_penalty counts: "idle" (idle slots, sessions) or "breaks"
    breaks: int = 0  # breaks of all participants (runs of empty slots between two meetings of a session)
    break_spread: int = 0  # most minus fewest breaks, over participants with a meeting
    break_spread_limit: int | None = None  # breaks mode: the spread bound the schedule honours (None: none)
    #: the compaction reached its proven bound: no placement of these meetings has a lower penalty
    #: (in breaks mode: fewer breaks, among those within break_spread_limit); the search stopped there
    proven_optimal: bool = False

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)

    @property
    def compact_optimal(self) -> bool:
        return self.compact_penalty <= self.compact_bound


@dataclass(frozen=True)
class Result:
    """A solve's schedule, its quality report, and the problem it was solved on."""

    schedule: Schedule
    report: Report
    problem: SchedProblem


def solve(data: EventData, locked: tuple[Meeting, ...] = (), config: SolverConfig | None = None,
          progress: ProgressFn | None = None) -> Result:
    """Schedule the event's wanted meetings; return the schedule and a quality report."""
    cfg = resolve_compactness(config or SolverConfig(), data.event.extra)
    clock = Clock(cfg.time_limit, cfg.wall_factor if cfg.deterministic else 1.0)
    prob = build_problem(data, locked)
    clock.lap("build")
    asg = greedy(prob)
    bound = trivial_bound(prob, cfg)
    status = "greedy"
    w = weights(cfg)
    pen = (penalty(prob, w, asg), lower_bound(prob, w, asg))
    spread_limit = None
    if cfg.method == "cpsat":
        asg, bound, status, pending = choose(prob, cfg, asg, clock, progress)
        pen = (penalty(prob, w, asg), lower_bound(prob, w, asg))
        if cfg.compact:
            done = compact_phase(prob, cfg, asg, clock, progress, objective_value(prob, asg, cfg), pending)
            asg, pen, spread_limit = done.assignment, (done.penalty, done.bound), done.spread
            clock.lap("compact")
            if pending and objective_value(prob, asg, cfg) >= bound:
                status = "optimal"
    schedule = check_assignment(prob, asg)
    upper = upper_bound(prob, clock)
    report = _report(prob, cfg, asg, schedule, bound, upper, clock.elapsed(), status, clock.laps)
    per = breaks_by_participant(prob, asg)
    report = replace(report, compact_penalty=pen[0], compact_bound=pen[1], work=round(clock.spent, 6),
                     wall_limit_hit=clock.wall_hit, compactness=cfg.compactness or "idle",
                     breaks=sum(per.values()), break_spread=spread_of(per), break_spread_limit=spread_limit,
                     proven_optimal=pen[0] <= pen[1])  # fmt: skip
    stats = Stats(
        meetings=report.meetings, requests=len(data.requests), objective=report.objective,
        bound=report.bound, solve_seconds=report.solve_seconds,
        extra={"gap": round(report.gap, 6), "meetings_upper_bound": upper, "seed": cfg.seed,
               "workers": cfg.workers, "method": cfg.method, "idle_slots": report.idle_slots,
               "status": status, "compact_penalty": report.compact_penalty,
               "compact_bound": report.compact_bound, "work": report.work,
               "wall_limit_hit": report.wall_limit_hit, "compactness": report.compactness,
               "breaks": report.breaks, "break_spread": report.break_spread,
               "proven_optimal": report.proven_optimal},
    )  # fmt: skip
    schedule = replace(schedule, unscheduled=explain(prob, asg), stats=stats)
    return Result(schedule, report, prob)


# ---------------------------------------------------------------- reporting


def meetings_upper_bound(prob: SchedProblem, seconds: float = 10.0) -> int:
    """Return a bound no schedule can beat: a degree-constrained matching, solved exactly.

    Each participant meets at most min(cap, slots it could use) partners, each
    pair at most once, all meetings fit in rooms x slots. Per-slot clashes are
    relaxed away, so the bound holds for every schedule. Cross-kind events solve
    it as a max flow; same-kind events with CP-SAT (its proven bound, after at
    most ``seconds`` of deterministic time).
    """
    return upper_bound(prob, Clock(seconds), seconds)


def _report(prob: SchedProblem, cfg: SolverConfig, asg: Assignment, schedule: Schedule, bound: float,
            upper: int, elapsed: float, status: str, phases: dict[str, float]) -> Report:
    served = set()
    for k in asg.slot_of:
        served.update((prob.pairs[k].a, prob.pairs[k].b))
    targets = fair_targets(prob)
    objective = objective_value(prob, asg, cfg)
    return Report(
        method=cfg.method, objective=float(objective), bound=max(float(bound), float(objective)),
        meetings=len(asg.slot_of), meetings_upper_bound=upper, wanted_pairs=len(prob.pairs),
        feasible_pairs=sum(1 for c in prob.common if c),
        traditional_served=sum(1 for p in targets if p in served),
        traditional_with_feasible=len(targets), idle_slots=idle_slots(prob, schedule),
        sessions_attended=sessions_attended(prob, schedule), solve_seconds=elapsed,
        seed=cfg.seed, workers=cfg.workers, status=status, phases=phases,
    )  # fmt: skip


def explain(prob: SchedProblem, asg: Assignment) -> tuple[Unscheduled, ...]:
    """Say, for each wanted pair left out, why in words a person understands."""
    busy = asg.busy(prob)
    count = {p: len(ts) for p, ts in busy.items()}
    per_slot: dict[int, int] = defaultdict(int)
    for t in asg.slot_of.values():
        per_slot[t] += 1
    out = []
    for k, pr in enumerate(prob.pairs):
        if k in asg.slot_of:
            continue
        out.append(Unscheduled(pr.a, pr.b, _reason(prob, asg, k, busy, count, per_slot)))
    return tuple(out)


def _reason(prob: SchedProblem, asg: Assignment, k: int, busy: dict[str, dict[int, int]],
            count: dict[str, int], per_slot: dict[int, int]) -> Message:
    """Why pair ``k`` was left out: a message whose ``a``, ``b``, ``who`` name participants by id."""
    pr = prob.pairs[k]
    common = prob.common[k]
    if not prob.allowed[pr.a] or not prob.allowed[pr.b]:
        who = pr.a if not prob.allowed[pr.a] else pr.b
        return Message(N_("{who} has no available slot in the event's sessions"), who=who)
    if pr.sessions == ():
        return Message(N_("its requests restrict it to sessions that do not overlap, so it has no session it may "
                          "take place in"))  # fmt: skip
    # a request that names sessions: say so, and where in them the pair could not meet
    within = describe(prob.event, pr.sessions) if pr.sessions is not None else None
    if not common:
        if within and prob.allowed[pr.a] & prob.allowed[pr.b]:
            return Message(N_("restricted to {sessions}, where {a} and {b} have no common slot in both working hours "
                              "and availability"), sessions=within, a=pr.a, b=pr.b)  # fmt: skip
        return Message(N_("no common slot in both working hours and availability"))
    for p in (pr.a, pr.b):
        if count.get(p, 0) >= prob.cap(p):
            return Message(N_("{who} reached its cap of {cap}"), who=p, cap=prob.cap(p))
    full = [t for t in common if per_slot[t] >= prob.event.rooms]
    if len(full) == len(common):
        n = len(common)
        if within:
            return Message(N_("restricted to {sessions}, where all rooms are full in the {n} slots both share")
                           if n != 1 else N_("restricted to {sessions}, where all rooms are full in the 1 slot both share"),
                           sessions=within, n=n)  # fmt: skip
        return Message(N_("all rooms full in the {n} slots both share") if n != 1
                       else N_("all rooms full in the 1 slot both share"), n=n)  # fmt: skip
    open_slots = [t for t in common if t not in full]
    blockers: dict[str, int] = defaultdict(int)
    for t in open_slots:
        for p in (pr.a, pr.b):
            if t in busy.get(p, {}):
                blockers[p] += 1
    who = max((pr.a, pr.b), key=lambda p: (blockers[p], p))
    if within and all(t in busy.get(pr.a, {}) or t in busy.get(pr.b, {}) for t in open_slots):
        return Message(N_("restricted to {sessions}, where {a} and {b} have no common free slot (the meetings {who} "
                          "got there come first)"), sessions=within, a=pr.a, b=pr.b, who=who)  # fmt: skip
    if within:
        return Message(N_("lower priority than the meetings {who} got in the {n} slots both share (restricted to "
                          "{sessions})"), who=who, n=len(open_slots), sessions=within)  # fmt: skip
    return Message(N_("lower priority than the meetings {who} got in the {n} slots both share"), who=who,
                   n=len(open_slots))


def schedule_detail(result: Result) -> dict[str, object]:
    """What the audit log keeps of a solve: its quality and why wanted meetings were left out."""
    r = result.report
    return {
        "objective": r.objective, "bound": r.bound, "gap": round(r.gap, 6), "meetings": r.meetings,
        "meetings_upper_bound": r.meetings_upper_bound, "idle_slots": r.idle_slots, "seed": r.seed,
        "work": r.work, "wall_limit_hit": r.wall_limit_hit, "compactness": r.compactness, "breaks": r.breaks,
        "break_spread": r.break_spread, "proven_optimal": r.proven_optimal,
        "unscheduled": [{"from": u.sender, "to": u.receiver, "reason": u.reason}
                        for u in result.schedule.unscheduled],
    }  # fmt: skip
