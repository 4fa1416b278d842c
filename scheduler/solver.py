"""CP-SAT meeting scheduler: which pairs meet, then when.

Phase 1 (*select*) decides which wanted pairs meet and in which slot, on a
model with a Boolean only for each (pair, slot) allowed for both, one
at-most-one per (participant, slot), a room capacity per slot and the caps.
Its objective is the weighted value of the meetings plus a fairness bonus for
each traditional SME's first and second meeting. Phase 2 (*compact*) keeps the
chosen pairs and only moves them between slots to cut idle slots and the
number of sessions each participant must attend. Rooms are numbered last
(:func:`scheduler.solving.problem.assign_rooms`). See ``docs/solver.md`` for the
reasoning and measurements.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

from ortools.sat.python import cp_model

from scheduler.domain.model import EventData, Meeting, Schedule, Stats, Unscheduled
from scheduler.solving.compaction import (
    Compacted,
    Weights,
    compact,
    dtime_used,
    lower_bound,
    person_penalty,
    stopped_by_wall,
)
from scheduler.solving.flow import select_by_flow, usable_limits
from scheduler.solving.greedy import greedy
from scheduler.solving.problem import (
    Assignment,
    SchedProblem,
    build_problem,
    to_schedule,
)
from scheduler.solving.validate import check_assignment, idle_slots, sessions_attended

Method = Literal["cpsat", "greedy"]


@dataclass(frozen=True)
class SolverConfig:
    """Solver knobs; the defaults are the measured ones (docs/solver.md)."""

    time_limit: float = 30.0  # work budget, in seconds of an idle machine (deterministic: see _Clock)
    seed: int = 0
    workers: int = 8
    method: Method = "cpsat"
    select_share: float = 0.7  # share of the work budget the selection may use (compaction gets the rest)
    first_bonus: int = 30  # fairness: a traditional SME's first meeting
    second_bonus: int = 10  # fairness: its second meeting
    idle_weight: int = 3  # per idle slot inside a session
    session_weight: int = 2  # per session a participant must attend
    compact: bool = True
    deterministic: bool = True  # one worker on a deterministic clock: repeatable runs
    #: the wall clock is only a safety net: a solve stops at wall_factor x time_limit real seconds
    #: (reported as ``wall_limit_hit``; only then may the same input give another schedule)
    wall_factor: float = 10.0
    log: bool = False


@dataclass(frozen=True)
class Progress:
    """One progress report: the web app and the CLI show the same figures."""

    phase: str
    elapsed: float
    meetings: int
    objective: float
    bound: float

    @property
    def gap(self) -> float:
        return _gap(self.objective, self.bound)


ProgressFn = Callable[[Progress], None]


@dataclass(frozen=True)
class Report:
    method: str
    objective: float  # weighted pairs + fairness bonuses
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

    @property
    def gap(self) -> float:
        return _gap(self.objective, self.bound)

    @property
    def compact_optimal(self) -> bool:
        return self.compact_penalty <= self.compact_bound


@dataclass(frozen=True)
class Result:
    schedule: Schedule
    report: Report
    problem: SchedProblem


def _gap(obj: float, bound: float) -> float:
    return 0.0 if bound <= 0 else max(0.0, (bound - obj) / bound)


# ---------------------------------------------------------------- objective


def objective_value(prob: SchedProblem, asg: Assignment, cfg: SolverConfig) -> int:
    """Return the phase-1 objective of an assignment (the same formula CP-SAT maximises)."""
    value = sum(prob.pairs[k].weight for k in asg.slot_of)
    count: dict[str, int] = defaultdict(int)
    for k in asg.slot_of:
        for p in (prob.pairs[k].a, prob.pairs[k].b):
            count[p] += 1
    for p in _fair_targets(prob):
        n = count[p]
        value += cfg.first_bonus * (n >= 1) + cfg.second_bonus * (n >= 2)
    return value


def _fair_targets(prob: SchedProblem) -> list[str]:
    """Traditional SMEs with at least one wanted pair they could take."""
    out = set()
    for k, pr in enumerate(prob.pairs):
        if not prob.common[k]:
            continue
        for p in (pr.a, pr.b):
            if prob.participants[p].kind == "traditional" and prob.cap(p) > 0:
                out.add(p)
    return sorted(out)


# ---------------------------------------------------------------- phase 1


def _add_pair_objective(m: cp_model.CpModel, prob: SchedProblem, cfg: SolverConfig,
                        held: dict[int, cp_model.LinearExprT],
                        ) -> tuple[dict[str, tuple[cp_model.IntVar, ...]], cp_model.LinearExprT]:
    """Maximise weighted meetings plus the fairness bonuses; return the bonus variables and objective."""
    terms = [prob.pairs[k].weight * h for k, h in held.items()]
    pairs_of = prob.pairs_of()
    served: dict[str, tuple[cp_model.IntVar, ...]] = {}
    for p in _fair_targets(prob):
        hs = [held[k] for k in pairs_of[p] if k in held]
        if not hs:
            continue
        s1 = m.new_bool_var(f"first[{p}]")
        s2 = m.new_bool_var(f"second[{p}]")
        m.add(s1 + s2 <= sum(hs)).with_name(f"fair[{p}]")
        m.add_implication(s2, s1)
        served[p] = (s1, s2)
        terms += [cfg.first_bonus * s1, cfg.second_bonus * s2]
    objective = sum(terms)
    m.maximize(objective)
    return served, objective


def _hint_served(m: cp_model.CpModel, prob: SchedProblem, served: dict[str, tuple[cp_model.IntVar, ...]],
                 asg: Assignment) -> None:
    count: dict[str, int] = defaultdict(int)
    for k in asg.slot_of:
        count[prob.pairs[k].a] += 1
        count[prob.pairs[k].b] += 1
    for p, (s1, s2) in served.items():
        m.add_hint(s1, count[p] >= 1)
        m.add_hint(s2, count[p] >= 2)


class AggregateModel:
    """Which pairs meet, with slots relaxed away: held[pair], caps, fairness.

    A relaxation of the full problem (each participant keeps at most as many
    meetings as slots it could use; all meetings fit in rooms x slots), so its
    optimum bounds the weighted objective of every schedule. Its LP is almost
    integral, so CP-SAT closes it fast even for thousands of participants.
    """

    def __init__(self, prob: SchedProblem, cfg: SolverConfig):
        self.prob, self.m = prob, cp_model.CpModel()
        self.held = {k: self.m.new_bool_var(f"held[{pr.a},{pr.b}]")
                     for k, pr in enumerate(prob.pairs) if prob.common[k]}  # fmt: skip
        limits = usable_limits(prob)
        for p, ks in prob.pairs_of().items():
            hs = [self.held[k] for k in ks if k in self.held]
            if len(hs) > limits[p]:
                self.m.add(sum(hs) <= limits[p]).with_name(f"cap[{p}]")
        total = prob.event.rooms * len(prob.slots)
        if len(self.held) > total:
            self.m.add(sum(self.held.values()) <= total).with_name("rooms_x_slots")
        for k in prob.locked_slot():
            self.m.add(self.held[k] == 1)
        self.served, _ = _add_pair_objective(self.m, prob, cfg, dict(self.held))

    def hint(self, asg: Assignment) -> None:
        for k, v in self.held.items():
            self.m.add_hint(v, k in asg.slot_of)
        _hint_served(self.m, self.prob, self.served, asg)


class SelectModel:
    """Owns the phase-1 decision variables: x[pair, slot]."""

    def __init__(self, prob: SchedProblem, cfg: SolverConfig, pairs: list[int] | None = None):
        self.prob, self.cfg = prob, cfg
        self.m = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.held: dict[int, cp_model.LinearExprT] = {}
        keep = set(range(len(prob.pairs))) if pairs is None else set(pairs) | set(prob.locked_slot())
        for k, pr in enumerate(prob.pairs):
            if k not in keep:
                continue
            for t in prob.common[k]:
                self.x[k, t] = self.m.new_bool_var(f"x[{pr.a},{pr.b}@{t}]")
        self.by_pair: dict[int, list[int]] = defaultdict(list)
        for k, t in self.x:
            self.by_pair[k].append(t)
        self.add_pair_once()
        self.add_one_meeting_per_slot()
        self.add_room_capacity()
        self.add_caps()
        self.add_locks()
        self.add_objective()

    def add_pair_once(self) -> None:
        for k, ts in self.by_pair.items():
            terms = [self.x[k, t] for t in ts]
            self.m.add_at_most_one(terms).with_name(f"pair_once[{k}]")
            self.held[k] = sum(terms)

    def add_one_meeting_per_slot(self) -> None:
        per: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        for (k, t), v in self.x.items():
            pr = self.prob.pairs[k]
            per[pr.a, t].append(v)
            per[pr.b, t].append(v)
        for (p, t), vs in per.items():
            if len(vs) > 1:
                self.m.add_at_most_one(vs).with_name(f"one_meeting[{p}@{t}]")

    def add_room_capacity(self) -> None:
        per: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for (_k, t), v in self.x.items():
            per[t].append(v)
        for t, vs in per.items():
            if len(vs) > self.prob.event.rooms:
                self.m.add(sum(vs) <= self.prob.event.rooms).with_name(f"rooms[{t}]")

    def add_caps(self) -> None:
        for p, ks in self.prob.pairs_of().items():
            held = [self.held[k] for k in ks if k in self.held]
            if len(held) > self.prob.cap(p):
                self.m.add(sum(held) <= self.prob.cap(p)).with_name(f"cap[{p}]")

    def add_locks(self) -> None:
        for k, t in self.prob.locked_slot().items():
            self.m.add(self.x[k, t] == 1).with_name(f"locked[{k}@{t}]")

    def add_objective(self) -> None:
        self.served, self.objective = _add_pair_objective(self.m, self.prob, self.cfg, self.held)

    def hint(self, asg: Assignment) -> None:
        for (k, t), v in self.x.items():
            self.m.add_hint(v, asg.slot_of.get(k) == t)
        _hint_served(self.m, self.prob, self.served, asg)

    def read(self, value: Callable[[cp_model.IntVar], int]) -> Assignment:
        return Assignment({k: t for (k, t), v in self.x.items() if value(v)})


# ---------------------------------------------------------------- running


class _Watcher(cp_model.CpSolverSolutionCallback):
    def __init__(self, phase: str, start: float, count: Callable[[_Watcher], int],
                 report: ProgressFn | None, base_objective: float | None = None):
        super().__init__()
        self.phase, self.start, self.count, self.report = phase, start, count, report
        self.base_objective = base_objective

    def on_solution_callback(self) -> None:
        if self.report is None:
            return
        obj, bound = self.objective_value, self.best_objective_bound
        if self.base_objective is not None:  # phase 2 minimises a penalty; show phase 1's value
            obj = bound = self.base_objective
        self.report(Progress(self.phase, time.monotonic() - self.start, self.count(self), obj, bound))


def _solver(cfg: SolverConfig, dtime: float, clock: _Clock) -> cp_model.CpSolver:
    """A CP-SAT solver limited to ``dtime`` deterministic seconds; real time only as the safety net."""
    s = cp_model.CpSolver()
    p = s.parameters
    p.random_seed = cfg.seed
    p.log_search_progress = cfg.log
    if cfg.deterministic:
        # One worker stopped by CP-SAT's deterministic clock repeats itself exactly, however
        # loaded the machine; the wall clock only stops a run gone far beyond its budget.
        p.num_workers = 1
        p.max_deterministic_time = max(0.2, dtime)
        p.max_time_in_seconds = clock.safety_left()
    else:  # --parallel: several workers on the wall clock, never repeatable
        p.num_workers = cfg.workers
        p.max_time_in_seconds = max(0.5, min(clock.left(), dtime))
    return s


def solve(data: EventData, locked: tuple[Meeting, ...] = (), config: SolverConfig | None = None,
          progress: ProgressFn | None = None) -> Result:
    """Schedule the event's wanted meetings; return the schedule and a quality report."""
    cfg = config or SolverConfig()
    clock = _Clock(cfg.time_limit, cfg.wall_factor if cfg.deterministic else 1.0)
    prob = build_problem(data, locked)
    clock.lap("build")
    asg = greedy(prob)
    bound = _trivial_bound(prob, cfg)
    status = "greedy"
    w = Weights(cfg.idle_weight, cfg.session_weight)
    pen = (penalty(prob, w, asg), lower_bound(prob, w, asg))
    if cfg.method == "cpsat":
        asg, bound, status = _choose(prob, cfg, asg, clock, progress)
        pen = (penalty(prob, w, asg), lower_bound(prob, w, asg))
        if cfg.compact:
            done = _compact(prob, cfg, asg, clock, progress, objective_value(prob, asg, cfg))
            asg, pen = done.assignment, (done.penalty, done.bound)
            clock.lap("compact")
    check_assignment(prob, asg)
    schedule = to_schedule(prob, asg)
    upper = _upper_bound(prob, clock)
    report = _report(prob, cfg, asg, schedule, bound, upper, clock.elapsed(), status, clock.laps)
    report = replace(report, compact_penalty=pen[0], compact_bound=pen[1], work=round(clock.spent, 6),
                     wall_limit_hit=clock.wall_hit)
    stats = Stats(
        meetings=report.meetings, requests=len(data.requests), objective=report.objective,
        bound=report.bound, solve_seconds=report.solve_seconds,
        extra={"gap": round(report.gap, 6), "meetings_upper_bound": upper, "seed": cfg.seed,
               "workers": cfg.workers, "method": cfg.method, "idle_slots": report.idle_slots,
               "status": status, "compact_penalty": report.compact_penalty,
               "compact_bound": report.compact_bound, "work": report.work,
               "wall_limit_hit": report.wall_limit_hit},
    )  # fmt: skip
    schedule = replace(schedule, unscheduled=explain(prob, asg), stats=stats)
    return Result(schedule, report, prob)


#: Work charged per unit of CP-SAT deterministic time in the selection models:
#: measured here, their deterministic clock runs at about half the wall clock.
DTIME_COST = 2.0


class _Clock:
    """The solve's budget.

    Phases share the budget by deterministic work only (CP-SAT's deterministic
    time and our own counted work), so a run repeats itself exactly whatever the
    machine's load: no decision reads the wall clock. Real time is a safety net
    at ``factor`` x the limit; when it stops a phase, ``wall_hit`` says so.
    ``RESERVE`` keeps room for model building and reporting.
    """

    RESERVE = 0.75

    def __init__(self, limit: float, factor: float = 10.0):
        self.limit, self.start = limit, time.monotonic()
        self.deadline = self.start + max(1e-3, limit * factor)
        self.laps: dict[str, float] = {}
        self._last = self.start
        self.spent = 0.0  # deterministic work used so far
        self.wall_hit = False

    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def left(self) -> float:
        """Real seconds left of the limit (only the non-repeatable --parallel mode uses it)."""
        return self.limit - self.elapsed()

    def safety_left(self) -> float:
        """Real seconds left before the safety net (at least a sliver, so a solver call returns)."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.wall_hit = True
        return max(0.05, left)

    def charge(self, solver: cp_model.CpSolver, status: int, cost: float = 1.0) -> None:
        """Count a CP-SAT call's deterministic time; note when the safety net, not the budget, stopped it."""
        self.spent += dtime_used(solver) * cost
        self.wall_hit |= stopped_by_wall(solver, status)

    def work_left(self) -> float:
        return self.limit * self.RESERVE - self.spent

    def lap(self, name: str) -> None:
        now = time.monotonic()
        self.laps[name] = self.laps.get(name, 0.0) + now - self._last
        self._last = now


def _trivial_bound(prob: SchedProblem, cfg: SolverConfig) -> float:
    feasible = sum(pr.weight for pr, c in zip(prob.pairs, prob.common, strict=True) if c)
    return float(feasible + len(_fair_targets(prob)) * (cfg.first_bonus + cfg.second_bonus))


#: Above this many (pair, slot) variables the full model is only used to place
#: the aggregate's choice, not to search over every pair.
FULL_MODEL_LIMIT = 60_000


def _choose(prob: SchedProblem, cfg: SolverConfig, base: Assignment, clock: _Clock,
            progress: ProgressFn | None) -> tuple[Assignment, float, str]:
    """Pick the pairs that meet and a first slot for each; return (assignment, bound, status)."""
    share = cfg.select_share if cfg.compact else 1.0
    chosen, bound = _aggregate(prob, cfg, base, clock, min(clock.work_left() * share * 0.4, 30.0))
    clock.lap("aggregate")
    best, status = base, "greedy"
    if chosen is not None:
        placed = greedy(prob, chosen, compact=True)
        filled = greedy(prob, start=placed)
        if objective_value(prob, filled, cfg) > objective_value(prob, best, cfg):
            best, status = filled, "aggregate"
        if len(placed.slot_of) < len(chosen):
            got = _place_all(prob, cfg, chosen, placed, clock, clock.work_left() * share * 0.5)
            if got is not None and objective_value(prob, got, cfg) > objective_value(prob, best, cfg):
                best, status = got, "aggregate"
        _emit(progress, "select", clock, len(best.slot_of), objective_value(prob, best, cfg), bound)
    n_vars = sum(len(c) for c in prob.common)
    if objective_value(prob, best, cfg) < bound and n_vars <= FULL_MODEL_LIMIT:
        full = SelectModel(prob, cfg)
        full.hint(best)
        solver = _solver(cfg, clock.work_left() * share / DTIME_COST, clock)
        xs = list(full.x.values())
        watcher = _Watcher("select", clock.start,
                           lambda cb: sum(1 for v in xs if cb.boolean_value(v)), progress)  # fmt: skip
        st = solver.solve(full.m, watcher)
        clock.charge(solver, st, DTIME_COST)
        if st in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            bound = min(bound, float(solver.best_objective_bound))
            got = full.read(solver.boolean_value)
            if objective_value(prob, got, cfg) > objective_value(prob, best, cfg):
                best = got
            status = "optimal" if st == cp_model.OPTIMAL else "feasible"
    value = objective_value(prob, best, cfg)
    if value >= bound:
        status = "optimal"
    clock.lap("select")
    return best, max(bound, value), status


def _place_all(prob: SchedProblem, cfg: SolverConfig, chosen: list[int], hint: Assignment,
               clock: _Clock, dtime: float) -> Assignment | None:
    """Find slots for every chosen pair: a pure feasibility problem, far easier than optimising."""
    if sum(len(prob.common[k]) for k in chosen) > FULL_MODEL_LIMIT:
        return None
    model = SelectModel(prob, cfg, pairs=chosen)
    for h in model.held.values():
        model.m.add(h == 1)
    model.m.clear_objective()
    model.hint(hint)
    solver = _solver(cfg, dtime / DTIME_COST, clock)
    st = solver.solve(model.m)
    clock.charge(solver, st, DTIME_COST)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return greedy(prob, start=model.read(solver.boolean_value))  # fill any room left


def _aggregate(prob: SchedProblem, cfg: SolverConfig, base: Assignment, clock: _Clock,
               seconds: float) -> tuple[list[int] | None, float]:
    """Choose pairs with slots relaxed away; return (pairs, bound on the weighted objective)."""
    targets = set(_fair_targets(prob))
    chosen = select_by_flow(prob, cfg.first_bonus, cfg.second_bonus, targets)
    if chosen is not None:  # exact: its value is the bound
        return chosen, float(objective_value(prob, Assignment(dict.fromkeys(chosen, 0)), cfg))
    agg = AggregateModel(prob, cfg)
    agg.hint(base)
    solver = _solver(cfg, seconds / DTIME_COST, clock)
    st = solver.solve(agg.m)
    clock.charge(solver, st, DTIME_COST)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, _trivial_bound(prob, cfg)
    return [k for k, v in agg.held.items() if solver.boolean_value(v)], float(solver.best_objective_bound)


def _emit(progress: ProgressFn | None, phase: str, clock: _Clock, meetings: int, obj: float,
          bound: float) -> None:
    if progress is not None:
        progress(Progress(phase, clock.elapsed(), meetings, obj, bound))


def _compact(prob: SchedProblem, cfg: SolverConfig, asg: Assignment, clock: _Clock,
             progress: ProgressFn | None, objective: float) -> Compacted:
    """Re-place the chosen meetings for compact days (see scheduler/compaction.py)."""
    w = Weights(cfg.idle_weight, cfg.session_weight)
    chosen = sorted(asg.slot_of)
    start = asg
    hint = greedy(prob, chosen, compact=True)
    if len(hint.slot_of) == len(chosen) and penalty(prob, w, hint) < penalty(prob, w, asg):
        start = hint
    n = len(chosen)

    def report(_pen: int) -> None:
        _emit(progress, "compact", clock, n, objective, objective)

    done = compact(prob, w, start, clock.work_left(), clock.safety_left(), cfg.seed, report)
    clock.spent += done.work
    clock.wall_hit |= done.wall_hit
    return done


def penalty(prob: SchedProblem, w: Weights, asg: Assignment) -> int:
    """Weighted idle slots and sessions attended, summed over participants."""
    busy = asg.busy(prob)
    return sum(person_penalty(prob, w, busy[p]) for p in busy)


# ---------------------------------------------------------------- reporting


def meetings_upper_bound(prob: SchedProblem, seconds: float = 10.0) -> int:
    """Return a bound no schedule can beat: a degree-constrained matching, solved exactly.

    Each participant meets at most min(cap, slots it could use) partners, each
    pair at most once, all meetings fit in rooms x slots. Per-slot clashes are
    relaxed away, so the bound holds for every schedule. Cross-kind events solve
    it as a max flow; same-kind events with CP-SAT (its proven bound, after at
    most ``seconds`` of deterministic time).
    """
    return _upper_bound(prob, _Clock(seconds), seconds)


def _upper_bound(prob: SchedProblem, clock: _Clock, seconds: float = 10.0) -> int:
    chosen = select_by_flow(prob, 0, 0, set(), unit_weights=True)
    if chosen is not None:
        return len(chosen)
    m = cp_model.CpModel()
    held = {k: m.new_bool_var(f"held[{k}]") for k, c in enumerate(prob.common) if c}
    limits = usable_limits(prob)
    for p, ks in prob.pairs_of().items():
        hs = [held[k] for k in ks if k in held]
        if len(hs) > limits[p]:
            m.add(sum(hs) <= limits[p])
    m.add(sum(held.values()) <= prob.event.rooms * len(prob.slots))
    m.maximize(sum(held.values()))
    s = cp_model.CpSolver()
    s.parameters.max_deterministic_time = seconds
    s.parameters.max_time_in_seconds = max(clock.safety_left(), 10 * seconds)  # a safety net only
    s.parameters.num_workers = 1
    st = s.solve(m)
    clock.wall_hit |= stopped_by_wall(s, st)
    return int(s.best_objective_bound + 1e-6)


def _report(prob: SchedProblem, cfg: SolverConfig, asg: Assignment, schedule: Schedule, bound: float,
            upper: int, elapsed: float, status: str, phases: dict[str, float]) -> Report:
    served = set()
    for k in asg.slot_of:
        served.update((prob.pairs[k].a, prob.pairs[k].b))
    targets = _fair_targets(prob)
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
            count: dict[str, int], per_slot: dict[int, int]) -> str:
    pr = prob.pairs[k]
    common = prob.common[k]
    if not prob.allowed[pr.a] or not prob.allowed[pr.b]:
        who = pr.a if not prob.allowed[pr.a] else pr.b
        return f"{who} has no available slot in the event's sessions"
    if not common:
        return "no common slot in both working hours and availability"
    for p in (pr.a, pr.b):
        if count.get(p, 0) >= prob.cap(p):
            return f"{p} reached its cap of {prob.cap(p)}"
    full = [t for t in common if per_slot[t] >= prob.event.rooms]
    if len(full) == len(common):
        n = len(common)
        return f"all rooms full in the {n} slot{'s' if n != 1 else ''} both share"
    open_slots = [t for t in common if t not in full]
    blockers: dict[str, int] = defaultdict(int)
    for t in open_slots:
        for p in (pr.a, pr.b):
            if t in busy.get(p, {}):
                blockers[p] += 1
    who = max((pr.a, pr.b), key=lambda p: (blockers[p], p))
    return f"lower priority than the meetings {who} got in the {len(open_slots)} slots both share"


def schedule_detail(result: Result) -> dict[str, object]:
    """What the audit log keeps of a solve: its quality and why wanted meetings were left out."""
    r = result.report
    return {
        "objective": r.objective, "bound": r.bound, "gap": round(r.gap, 6), "meetings": r.meetings,
        "meetings_upper_bound": r.meetings_upper_bound, "idle_slots": r.idle_slots, "seed": r.seed,
        "work": r.work, "wall_limit_hit": r.wall_limit_hit,
        "unscheduled": [{"from": u.sender, "to": u.receiver, "reason": u.reason}
                        for u in result.schedule.unscheduled],
    }  # fmt: skip
