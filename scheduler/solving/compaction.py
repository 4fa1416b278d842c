"""Compact days: move the chosen meetings between slots to cut idle slots and sessions.

The meetings are fixed; only their slots change. The engine is a large
neighbourhood search of our own: pick a participant with a fragmented day and
a few of their partners, free every meeting among them, and let a small CP-SAT
model (one worker) re-place those meetings optimally around everything else.
Small models solve to optimality in milliseconds, every step is seeded, and the
budget is counted in CP-SAT's deterministic time plus model size, so the same
input and seed give the same schedule on any machine that is not overloaded
past the wall-clock safety cap.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solving.problem import Assignment, SchedProblem

#: Counted work per LNS step, besides CP-SAT's deterministic time: per variable
#: built and per step, calibrated so a unit of work takes about a second here.
WORK_PER_VAR = 3e-5
WORK_PER_STEP = 2e-3
WORK_PER_PERSON_STEP = 5e-7  # choosing a neighbourhood scans every participant


def stopped_by_wall(solver: cp_model.CpSolver, status: int) -> bool:
    """True when the wall-clock safety net, not the deterministic budget, ended this CP-SAT call."""
    if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
        return False
    return solver.wall_time >= 0.98 * solver.parameters.max_time_in_seconds


def dtime_used(solver: cp_model.CpSolver) -> float:
    """CP-SAT's deterministic time of the last call, to the microsecond: its last bits vary
    between identical runs, and a budget decision must not hang on them."""
    return round(solver.deterministic_time, 6)


@dataclass(frozen=True)
class Weights:
    idle: int
    session: int


class CompactModel:
    """Owns the variables that re-place ``free`` meetings: x[pair, slot], busy, span indicators."""

    def __init__(self, prob: SchedProblem, w: Weights, free: list[int],
                 cands: dict[int, tuple[int, ...]], fixed: dict[str, set[int]],
                 room_left: dict[int, int]):
        self.prob, self.w = prob, w
        self.m = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        per: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
        per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        count: dict[str, int] = defaultdict(int)
        for k in free:
            pr = prob.pairs[k]
            vs = []
            for t in cands[k]:
                v = self.m.new_bool_var(f"x[{pr.a},{pr.b}@{t}]")
                self.x[k, t] = v
                vs.append(v)
                per[pr.a, t].append(v)
                per[pr.b, t].append(v)
                per_slot[t].append(v)
            self.m.add_exactly_one(vs).with_name(f"placed[{pr.a},{pr.b}]")
            count[pr.a] += 1
            count[pr.b] += 1
        for t, vs in per_slot.items():
            if len(vs) > room_left.get(t, prob.event.rooms):
                self.m.add(sum(vs) <= room_left.get(t, prob.event.rooms)).with_name(f"rooms[{t}]")
        self.penalty: list[cp_model.LinearExprT] = []
        people = sorted({p for p, _ in per})
        sessions = prob.session_slots()
        for p in people:
            ts = {t for (q, t) in per if q == p}
            fx = fixed.get(p, set())
            total = count[p] + len(fx)
            busy: dict[int, cp_model.LinearExprT] = {}
            for t in ts:
                vs = per[p, t]
                if len(vs) == 1 and total < 2:
                    busy[t] = vs[0]
                else:
                    b = self.m.new_bool_var(f"busy[{p}@{t}]")
                    self.m.add(b == sum(vs)).with_name(f"one_meeting[{p}@{t}]")
                    busy[t] = b
            if total < 2:
                continue
            one = self.m.new_constant(1)
            for t in fx:
                busy[t] = one
            self.m.add(sum(busy.values()) == total)  # implied: every meeting somewhere
            self._add_compactness(p, busy, sessions)
        self.m.minimize(sum(self.penalty))

    def _add_compactness(self, p: str, busy: dict[int, cp_model.LinearExprT],
                         sessions: list[list[int]]) -> None:
        """Span indicators: before/after are prefix/suffix ORs of busy; inner slots not busy are idle."""
        for si, sess in enumerate(sessions):
            cand = [t for t in sess if t in busy]
            if not cand:
                continue
            att = self.m.new_bool_var(f"attends[{p}@s{si}]")
            for t in cand:
                self.m.add_implication(busy[t], att)
            self.penalty.append(self.w.session * att)
            if len(cand) < 2:
                continue
            span = list(range(cand[0], cand[-1] + 1))
            before = {t: self.m.new_bool_var(f"before[{p}@{t}]") for t in span}
            after = {t: self.m.new_bool_var(f"after[{p}@{t}]") for t in span}
            for i, t in enumerate(span):
                if t in busy:
                    self.m.add_implication(busy[t], before[t])
                    self.m.add_implication(busy[t], after[t])
                if i:
                    self.m.add_implication(before[span[i - 1]], before[t])
                    self.m.add_implication(after[t], after[span[i - 1]])
            for t in span[1:-1]:
                idle = self.m.new_bool_var(f"idle[{p}@{t}]")
                clause = [before[t].Not(), after[t].Not(), idle]
                if t in busy:
                    clause.append(busy[t])
                self.m.add_bool_or(clause)
                self.penalty.append(self.w.idle * idle)

    def hint(self, slot_of: dict[int, int]) -> None:
        for (k, t), v in self.x.items():
            self.m.add_hint(v, slot_of.get(k) == t)

    def read(self, solver: cp_model.CpSolver) -> dict[int, int]:
        return {k: t for (k, t), v in self.x.items() if solver.boolean_value(v)}

    @property
    def size(self) -> int:
        return len(self.m.proto.variables)


def person_penalty(prob: SchedProblem, w: Weights, slots: set[int] | dict[int, int]) -> int:
    """Idle slots and sessions of one participant's day, weighted."""
    by_session: dict[int, list[int]] = defaultdict(list)
    for t in slots:
        by_session[prob.slots[t].session].append(t)
    idle = sum(max(ts) - min(ts) + 1 - len(ts) for ts in by_session.values())
    return w.idle * idle + w.session * len(by_session)


class Compactor:
    """The LNS state: where each meeting is, who is busy when, rooms used per slot."""

    def __init__(self, prob: SchedProblem, w: Weights, asg: Assignment, seed: int):
        self.prob, self.w = prob, w
        self.slot_of = dict(asg.slot_of)
        self.busy: dict[str, dict[int, int]] = defaultdict(dict)
        self.used: dict[int, int] = defaultdict(int)
        for k, t in self.slot_of.items():
            pr = prob.pairs[k]
            self.busy[pr.a][t] = k
            self.busy[pr.b][t] = k
            self.used[t] += 1
        self.locked = set(prob.locked_slot())
        self.rng = random.Random(seed)
        self.work = 0.0
        self.deadline = float("inf")  # the wall-clock safety net (time.monotonic)
        self.wall_hit = False  # the safety net stopped a step: the run may not repeat
        self.people = sorted(self.busy)
        self.excess = {p: self._excess(p) for p in self.people}
        # the whole event's penalty, kept up to date by _apply: a step costs the same on any event size
        self.total = sum(self.excess.values()) + self.w.session * len(self.people)

    def penalty(self, people: list[str] | None = None) -> int:
        if people is None:
            return self.total
        return sum(person_penalty(self.prob, self.w, self.busy[p]) for p in people)

    def _excess(self, p: str) -> int:
        """How far p's day is from the best it could be (one session, no idle)."""
        return person_penalty(self.prob, self.w, self.busy[p]) - self.w.session

    def neighbourhood(self, people: int) -> list[str]:
        bad = [p for p in self.people if self.excess[p] > 0 and len(self.busy[p]) >= 2]
        if not bad:
            return []
        weights = [self.excess[p] for p in bad]
        seed = self.rng.choices(bad, weights=weights)[0]
        chosen = [seed]
        frontier = [seed]
        while frontier and len(chosen) < people:
            p = frontier.pop(0)
            partners = sorted({self._partner(k, p) for k in self.busy[p].values()} - set(chosen))
            self.rng.shuffle(partners)
            partners.sort(key=lambda q: -self.excess[q])
            for q in partners[: max(1, people // 3)]:
                if len(chosen) < people:
                    chosen.append(q)
                    frontier.append(q)
        return chosen

    def _partner(self, k: int, p: str) -> str:
        pr = self.prob.pairs[k]
        return pr.b if pr.a == p else pr.a

    def step(self, people: list[str], dtime: float) -> bool:
        """Re-place the meetings among ``people`` optimally; return True when the days improved."""
        group = set(people)
        free = sorted({k for p in people for k in self.busy[p].values()
                       if k not in self.locked and self._partner(k, p) in group})  # fmt: skip
        if len(free) < 2:
            return False
        fixed = {p: {t for t, k in self.busy[p].items() if k not in free} for p in group}
        cands: dict[int, tuple[int, ...]] = {}
        for k in free:
            pr = self.prob.pairs[k]
            blocked = fixed[pr.a] | fixed[pr.b]
            cands[k] = tuple(t for t in self.prob.common[k] if t not in blocked)
        room_left = {t: self.prob.event.rooms - self.used[t] for t in range(len(self.prob.slots))}
        for k in free:
            room_left[self.slot_of[k]] += 1
        model = CompactModel(self.prob, self.w, free, cands, fixed, room_left)
        model.hint(self.slot_of)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = self.rng.randrange(1 << 30)
        solver.parameters.max_deterministic_time = dtime
        solver.parameters.max_time_in_seconds = self.safety_left()
        status = solver.solve(model.m)
        self.wall_hit |= stopped_by_wall(solver, status)
        self.work += (dtime_used(solver) + WORK_PER_VAR * model.size + WORK_PER_STEP
                      + WORK_PER_PERSON_STEP * len(self.people))
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        new = model.read(solver)
        before = self.penalty(sorted(group))
        self._apply(free, new)
        if self.penalty(sorted(group)) > before:  # never accept a worse day
            self._apply(free, {k: t for k, t in self._saved.items()})
            return False
        return self.penalty(sorted(group)) < before

    def safety_left(self) -> float:
        """Real seconds before the safety net; past it, ``wall_hit`` is set."""
        left = self.deadline - time.monotonic()
        if left <= 0:
            self.wall_hit = True
        return max(0.05, min(left, 1e6))

    def _apply(self, free: list[int], new: dict[int, int]) -> None:
        self._saved = {k: self.slot_of[k] for k in free}
        for k in free:
            pr, t = self.prob.pairs[k], self.slot_of[k]
            del self.busy[pr.a][t], self.busy[pr.b][t]
            self.used[t] -= 1
        for k in free:
            pr, t = self.prob.pairs[k], new[k]
            self.slot_of[k] = t
            self.busy[pr.a][t] = k
            self.busy[pr.b][t] = k
            self.used[t] += 1
        for p in {q for k in free for q in (self.prob.pairs[k].a, self.prob.pairs[k].b)}:
            old, self.excess[p] = self.excess[p], self._excess(p)
            self.total += self.excess[p] - old


@dataclass(frozen=True)
class Compacted:
    assignment: Assignment
    work: float  # deterministic work used
    penalty: int  # weighted idle slots + sessions attended
    bound: int  # no placement of these meetings does better (lower bound on the penalty)
    wall_hit: bool = False  # the wall-clock safety net, not the work budget, stopped the search


#: LNS steps in a row without improvement after which the search stops (a local optimum):
#: small events then hand over to the whole-event proof, large ones keep trying longer.
STALL_SMALL, STALL_LARGE = 60, 400
#: Up to this many (meeting, slot) variables, a whole-event model then tries to prove the LNS optimal.
PROVE_LIMIT = 30_000


def lower_bound(prob: SchedProblem, w: Weights, asg: Assignment) -> int:
    """Trivial bound: each participant with a meeting attends at least one session, idle >= 0."""
    return w.session * len(asg.busy(prob))


def compact(prob: SchedProblem, w: Weights, asg: Assignment, work: float, wall: float, seed: int,
            report: Callable[[int], None] | None = None) -> Compacted:
    """Return the same meetings in slots that make days more compact, with the work used.

    ``work`` is the deterministic budget (about seconds on an idle machine): every
    decision counts work, never real time, so a run repeats itself on any load.
    ``wall`` (real seconds) is only a safety net; ``Compacted.wall_hit`` says it fired.
    """
    c = Compactor(prob, w, asg, seed)
    c.deadline = time.monotonic() + wall
    bound = lower_bound(prob, w, asg)
    if work <= 0 or len(asg.slot_of) < 2:
        return Compacted(asg, 0.0, c.penalty(), bound)
    small = sum(len(prob.common[k]) for k in asg.slot_of) <= PROVE_LIMIT
    people, stale = 8, 0
    stall = STALL_SMALL if small else STALL_LARGE
    while c.work < work and not c.wall_hit and c.penalty() > bound and stale < stall:
        group = c.neighbourhood(people)
        if not group:
            break
        improved = c.step(group, dtime=0.05 * people / 8)
        stale = 0 if improved else stale + 1
        if stale and stale % 20 == 0:
            people = min(people + 4, 40)  # no luck nearby: look wider
        if improved and report is not None:
            report(c.penalty())
    best = Assignment(dict(c.slot_of))
    if small and c.penalty() > bound and not c.wall_hit:
        best, bound = _prove(c, best, work - c.work, bound)
    final = Compactor(prob, w, best, seed).penalty()
    return Compacted(best, c.work, final, bound if final > bound else final, c.wall_hit)


def _prove(c: Compactor, asg: Assignment, dtime: float, bound: int) -> tuple[Assignment, int]:
    """Lower-bound-first search over the whole event: is there a placement with penalty <= k?

    k runs up from the proven bound; a refuted k raises the bound, the first
    feasible k is optimal. Presolve refutes small k fast, which plain
    minimisation does not (SOLVER-NOTES).
    """
    current = c.penalty()
    free = sorted(k for k in asg.slot_of if k not in c.locked)
    modelled = {q for k in free for q in (c.prob.pairs[k].a, c.prob.pairs[k].b) if len(c.busy[q]) >= 2}
    # the model prices only participants with 2+ meetings of which one is free; the rest is constant
    constant = c.penalty(sorted(set(c.busy) - modelled))
    best = asg
    k = max(bound, constant)
    while k < current and dtime > 0.1 and not c.wall_hit:
        model = _whole_model(c, asg, free)
        model.m.add(sum(model.penalty) <= k - constant)
        model.m.clear_objective()
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = c.rng.randrange(1 << 30)
        solver.parameters.max_deterministic_time = dtime / 2
        solver.parameters.max_time_in_seconds = c.safety_left()
        status = solver.solve(model.m)
        c.wall_hit |= stopped_by_wall(solver, status)
        used = dtime_used(solver) + WORK_PER_VAR * model.size
        c.work += used
        dtime -= used
        if status == cp_model.INFEASIBLE:
            bound = k = k + 1
        elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best = Assignment({**asg.slot_of, **model.read(solver)})
            current = Compactor(c.prob, c.w, best, 0).penalty()
            bound = max(bound, k)  # every smaller k was refuted
            break
        else:
            break
    return best, min(bound, current)


def _whole_model(c: Compactor, asg: Assignment, free: list[int]) -> CompactModel:
    fixed: dict[str, set[int]] = defaultdict(set)
    room_left = {t: c.prob.event.rooms for t in range(len(c.prob.slots))}
    for k in c.locked & set(asg.slot_of):
        pr = c.prob.pairs[k]
        fixed[pr.a].add(asg.slot_of[k])
        fixed[pr.b].add(asg.slot_of[k])
        room_left[asg.slot_of[k]] -= 1
    cands = {k: tuple(t for t in c.prob.common[k]
                      if t not in fixed[c.prob.pairs[k].a] and t not in fixed[c.prob.pairs[k].b])
             for k in free}  # fmt: skip
    model = CompactModel(c.prob, c.w, free, cands, dict(fixed), room_left)
    model.hint(asg.slot_of)
    return model
