"""The staged search: how the phases share the work budget and run CP-SAT.

Phase 1 (*select*, :func:`choose`) picks the pairs that meet: the aggregate
(min-cost flow, or :class:`~.cpsat.AggregateModel` when same-kind meetings are
allowed), then greedy placement, a CP-SAT feasibility model when greedy leaves
some out, and the full :class:`~.cpsat.SelectModel` when it is small enough.
Phase 2 (*compact*, :func:`compact_phase`) re-places the chosen meetings
(:mod:`.compaction`). :class:`Clock` charges every phase by deterministic work, so
a run repeats itself; progress is reported as :class:`~.config.Progress`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler.solving.compaction import (
    PROVE_LIMIT,
    Compacted,
    Weights,
    compact,
    dtime_used,
    person_penalty,
    stopped_by_wall,
)
from scheduler.solving.config import Progress, ProgressFn, SolverConfig
from scheduler.solving.cpsat import AggregateModel, SelectModel, objective_value, trivial_bound
from scheduler.solving.fairness import fairness
from scheduler.solving.flow import select_by_flow, usable_limits
from scheduler.solving.greedy import greedy
from scheduler.solving.problem import Assignment, SchedProblem

# ---------------------------------------------------------------- budget

#: Work charged per unit of CP-SAT deterministic time in the selection models:
#: measured here, their deterministic clock runs at about half the wall clock.
DTIME_COST = 2.0


class Clock:
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


def _solver(cfg: SolverConfig, dtime: float, clock: Clock) -> cp_model.CpSolver:
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


# ---------------------------------------------------------------- phase 1

#: Above this many (pair, slot) variables the full model is only used to place
#: the aggregate's choice, not to search over every pair.
FULL_MODEL_LIMIT = 60_000


def choose(prob: SchedProblem, cfg: SolverConfig, base: Assignment, clock: Clock,
           progress: ProgressFn | None) -> tuple[Assignment, float, str, tuple[int, ...]]:
    """Pick the pairs that meet and a first slot for each; return (assignment, bound, status, pending).

    ``pending``: chosen pairs left for the compaction phase to place, in breaks mode on a
    small event, where the whole-event breaks search places them together with the
    others (placing first and compacting after was slower on fixed meeting lists).
    """
    share = cfg.select_share if cfg.compact else 1.0
    chosen, bound = _aggregate(prob, cfg, base, clock, min(clock.work_left() * share * 0.4, 30.0))
    clock.lap("aggregate")
    best, status = base, "greedy"
    if chosen is not None:
        placed = greedy(prob, chosen, compact=True)
        filled = greedy(prob, start=placed)
        if objective_value(prob, filled, cfg) > objective_value(prob, best, cfg):
            best, status = filled, "aggregate"
        if len(placed.slot_of) < len(chosen) and _breaks_places(prob, cfg, chosen):
            clock.lap("select")
            return placed, bound, "aggregate", tuple(k for k in chosen if k not in placed.slot_of)
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
    return best, max(bound, value), status, ()


def _breaks_places(prob: SchedProblem, cfg: SolverConfig, chosen: list[int]) -> bool:
    """Whether the compaction phase places the chosen pairs itself (breaks mode, whole-event model)."""
    return (cfg.compact and cfg.compactness == "breaks"
            and sum(len(prob.common[k]) for k in chosen) <= PROVE_LIMIT)  # fmt: skip


def _place_all(prob: SchedProblem, cfg: SolverConfig, chosen: list[int], hint: Assignment,
               clock: Clock, dtime: float) -> Assignment | None:
    """Find slots for every chosen pair: a pure feasibility problem, far easier than optimising."""
    if sum(len(prob.common[k]) for k in chosen) > FULL_MODEL_LIMIT:
        return _place_rest(prob, cfg, chosen, hint, clock, dtime)
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


def _place_rest(prob: SchedProblem, cfg: SolverConfig, chosen: list[int], hint: Assignment,
                clock: Clock, dtime: float) -> Assignment | None:
    """Place the chosen pairs ``hint`` left out by moving only their participants' meetings.

    For events too large for the whole model: everything else stays where it is, so
    the model is a neighbourhood of the pairs left out (heaviest first, up to
    FULL_MODEL_LIMIT variables), whatever the event's size. It keeps every meeting
    it frees and places as much weight of the left-out pairs as it can.
    """
    locked = prob.locked_slot()
    busy = hint.busy(prob)
    left = sorted((k for k in chosen if k not in hint.slot_of), key=lambda k: (-prob.pairs[k].weight, k))
    take: list[int] = []
    free: set[int] = set()
    size = 0
    for k in left:
        pr = prob.pairs[k]
        mine = {m for p in (pr.a, pr.b) for m in busy.get(p, {}).values() if m not in locked} - free
        n = sum(len(prob.common[m]) for m in (*mine, k))
        if size + n <= FULL_MODEL_LIMIT:
            take.append(k)
            free |= mine
            size += n
    if not take:
        return None
    held = [m for m in hint.slot_of if m not in free]
    fixed: dict[str, set[int]] = defaultdict(set)  # participant -> slots taken by meetings that stay
    rooms_left = [prob.event.rooms] * len(prob.slots)
    for m in held:
        fixed[prob.pairs[m].a].add(hint.slot_of[m])
        fixed[prob.pairs[m].b].add(hint.slot_of[m])
        rooms_left[hint.slot_of[m]] -= 1
    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    per: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    for k in [*sorted(free), *take]:
        pr = prob.pairs[k]
        vs = []
        for t in prob.common[k]:
            if t not in fixed[pr.a] and t not in fixed[pr.b]:
                x[k, t] = v = model.new_bool_var(f"x[{k}@{t}]")
                vs.append(v)
                per[pr.a, t].append(v)
                per[pr.b, t].append(v)
                per_slot[t].append(v)
                model.add_hint(v, hint.slot_of.get(k) == t)
        if k in free:
            model.add_exactly_one(vs)  # a meeting set free keeps a slot
        else:
            model.add_at_most_one(vs)
    for vs in per.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for t, vs in per_slot.items():
        if len(vs) > rooms_left[t]:
            model.add(sum(vs) <= rooms_left[t])
    model.maximize(sum(prob.pairs[k].weight * v for (k, _t), v in x.items() if k not in free))
    solver = _solver(cfg, dtime / DTIME_COST, clock)
    st = solver.solve(model)
    clock.charge(solver, st, DTIME_COST)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    slot_of = {m: hint.slot_of[m] for m in held}
    slot_of.update({k: t for (k, t), v in x.items() if solver.boolean_value(v)})
    return greedy(prob, start=Assignment(slot_of))  # fill any room left


def _aggregate(prob: SchedProblem, cfg: SolverConfig, base: Assignment, clock: Clock,
               seconds: float) -> tuple[list[int] | None, float]:
    """Choose pairs with slots relaxed away; return (pairs, bound on the weighted objective)."""
    chosen = select_by_flow(prob, fairness(prob, cfg.fairness))
    if chosen is not None:  # exact: its value is the bound
        return chosen, float(objective_value(prob, Assignment(dict.fromkeys(chosen, 0)), cfg))
    agg = AggregateModel(prob, cfg)
    agg.hint(base)
    solver = _solver(cfg, seconds / DTIME_COST, clock)
    st = solver.solve(agg.m)
    clock.charge(solver, st, DTIME_COST)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, trivial_bound(prob, cfg)
    return [k for k, v in agg.held.items() if solver.boolean_value(v)], float(solver.best_objective_bound)


def _emit(progress: ProgressFn | None, phase: str, clock: Clock, meetings: int, obj: float,
          bound: float) -> None:
    if progress is not None:
        progress(Progress(phase, clock.elapsed(), meetings, obj, bound))


# ---------------------------------------------------------------- phase 2


def compact_phase(prob: SchedProblem, cfg: SolverConfig, asg: Assignment, clock: Clock,
                  progress: ProgressFn | None, objective: float, pending: tuple[int, ...] = ()) -> Compacted:
    """Re-place the chosen meetings for compact days (see scheduler/solving/compaction.py).

    ``pending``: chosen pairs not placed yet (breaks mode, see :func:`choose`); when the
    breaks search cannot place them, the phase-1 placement model does, then compaction runs.
    """
    w = weights(cfg)
    chosen = sorted({*asg.slot_of, *pending})
    start = asg
    hint = greedy(prob, chosen, compact=True)
    if len(hint.slot_of) == len(chosen) and (pending or penalty(prob, w, hint) < penalty(prob, w, asg)):
        start, pending = hint, ()
    n = len(chosen)

    def report(_pen: int) -> None:
        _emit(progress, "compact", clock, n, objective, objective)

    done = compact(prob, w, start, clock.work_left(), clock.safety_left(), cfg.seed, report,
                   cfg.spread_limit, pending)  # fmt: skip
    clock.spent += done.work
    clock.wall_hit |= done.wall_hit
    if pending and len(done.assignment.slot_of) < n:
        got = _place_all(prob, cfg, chosen, asg, clock, clock.work_left() / 2)
        start = got if got is not None else asg
        done = compact(prob, w, start, clock.work_left(), clock.safety_left(), cfg.seed, report, cfg.spread_limit)
        clock.spent += done.work
        clock.wall_hit |= done.wall_hit
    return done


def weights(cfg: SolverConfig) -> Weights:
    """What compact days cost under ``cfg``: breaks alone in breaks mode, else idle slots and sessions."""
    if cfg.compactness == "breaks":
        return Weights(0, 0, 1)
    return Weights(cfg.idle_weight, cfg.session_weight)


def penalty(prob: SchedProblem, w: Weights, asg: Assignment) -> int:
    """Weighted idle slots and sessions attended, summed over participants."""
    busy = asg.busy(prob)
    return sum(person_penalty(prob, w, busy[p]) for p in busy)


# ---------------------------------------------------------------- bounds


def upper_bound(prob: SchedProblem, clock: Clock, seconds: float = 10.0) -> int:
    """The most meetings any schedule can hold: a degree-constrained matching with slot clashes relaxed.

    Cross-kind events solve it as a max flow; same-kind events with CP-SAT (its
    proven bound, after at most ``seconds`` of deterministic time).
    """
    chosen = select_by_flow(prob, unit_weights=True)
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
