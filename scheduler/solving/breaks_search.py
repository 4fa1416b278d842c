"""The fewest breaks for a fixed list of meetings: lower-bound-first search beside plain minimisation.

:func:`search_breaks` builds one :class:`~.breaks.BreaksModel` and asks CP-SAT, in
turn, two questions under one deterministic budget:

- *is there a schedule with at most k breaks?* for k = the lower bound (first the
  sum of what each participant's own slots force, then every refuted k + 1). Presolve
  refutes a too-small k in a fraction of a second, and the first feasible k is optimal
  (SOLVER-NOTES). These probes run without the LP relaxation (on the forums of
  ``bench/breaks_bench.py`` it made finding schedules many times slower) and without
  a hint (a first placement as hint did not help; docs/solver.md has the figures).
- *minimise breaks below the best so far* (with the LP, hinted with the best), which
  improves the schedule when a probe is stuck and may raise the bound.

A probe gets half the budget left and a fresh seed; when it ends undecided, a
minimisation gets half of what is then left, and so on. Without a schedule to start
from (meetings still to place, or a start that breaks the spread bound), a plain
placement search takes the minimisation's turn, and proves when no placement
honours the spread at all. The search stops as soon as the best schedule meets the
bound (a 0-break schedule stops it at once). Every call runs one worker on CP-SAT's
deterministic clock, so the same input and seed give the same schedule
(docs/solver.md, "Determinism").
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solving.breaks import BreaksModel, breaks_by_participant, spread_of
from scheduler.solving.problem import Assignment, SchedProblem
from scheduler.solving.work import WORK_PER_VAR, dtime_used, stopped_by_wall

#: Smallest deterministic budget worth a CP-SAT call here.
MIN_CALL = 0.05


@dataclass(frozen=True)
class BreaksFound:
    """What :func:`search_breaks` found.

    ``assignment``: every meeting placed (locked ones where they are), or None when no
    placement of them all honouring ``spread`` was found within the budget (``bound``
    then still holds, and ``infeasible`` says whether none exists). ``breaks``: the
    assignment's breaks; ``bound``: no placement honouring ``spread`` has fewer.
    ``work``: deterministic work used (CP-SAT deterministic time plus model size).
    """

    assignment: Assignment | None
    breaks: int
    bound: int
    work: float
    wall_hit: bool = False
    infeasible: bool = False

    @property
    def proven(self) -> bool:
        return self.assignment is not None and self.breaks <= self.bound


class _Search:
    """One model, a cap on its total, and the counted work."""

    def __init__(self, prob: SchedProblem, meetings: list[int], locked: dict[int, int],
                 spread: int | None, seed: int, deadline: float):
        self.prob, self.locked = prob, locked
        fixed: dict[str, set[int]] = defaultdict(set)
        room_left = {t: prob.event.rooms for t in range(len(prob.slots))}
        for k, t in locked.items():
            fixed[prob.pairs[k].a].add(t)
            fixed[prob.pairs[k].b].add(t)
            room_left[t] -= 1
        cands = {k: tuple(t for t in prob.common[k]
                          if t not in fixed[prob.pairs[k].a] and t not in fixed[prob.pairs[k].b])
                 for k in meetings}  # fmt: skip
        self.model = BreaksModel(prob, meetings, cands, dict(fixed), room_left, spread)
        self.top = len(prob.slots) * max(1, len(prob.participants))  # more breaks than any schedule has
        self.cap = self.model.m.new_int_var(0, self.top, "breaks_cap")
        self.model.m.add(self.model.total <= self.cap).with_name("breaks_cap")
        self.rng = random.Random(seed)
        self.deadline = deadline
        self.work = WORK_PER_VAR * self.model.size
        self.wall_hit = False

    def run(self, lo: int, hi: int, dtime: float, best: Assignment | None = None
            ) -> tuple[int, cp_model.CpSolver]:
        """One CP-SAT call with the total in [lo, hi]: a probe (``best`` None: no LP, no hint)
        or a minimisation below ``best`` (with the LP, hinted with it)."""
        domain = self.model.m.proto.variables[self.cap.index].domain
        domain[0], domain[1] = lo, hi
        m = self.model.m
        m.clear_objective()
        m.clear_hints()
        if best is not None:
            m.minimize(self.model.total)
            self.model.hint(best.slot_of)
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.num_workers = 1
        p.random_seed = self.rng.randrange(1 << 30)
        p.max_deterministic_time = dtime
        p.max_time_in_seconds = max(0.05, self.deadline - time.monotonic())
        if best is None:
            p.linearization_level = 0
        status = solver.solve(m)
        self.wall_hit |= stopped_by_wall(solver, status)
        self.work += dtime_used(solver)
        return status, solver

    def found(self, solver: cp_model.CpSolver) -> tuple[Assignment, int]:
        asg = Assignment({**self.locked, **self.model.read(solver)})
        return asg, sum(breaks_by_participant(self.prob, asg).values())


def search_breaks(prob: SchedProblem, meetings: list[int], start: Assignment | None, locked: dict[int, int],
                  spread: int | None, work: float, seed: int, deadline: float) -> BreaksFound:
    """Place ``meetings`` (pair indices, every one) with the fewest breaks; prove it when the budget allows.

    ``start``: a placement of them all to begin from (the first upper bound), or None.
    ``locked``: pair -> slot of meetings that do not move (not in ``meetings``).
    ``spread``: JAIR's fairness bound d (most minus fewest breaks over participants
    with a meeting), or None. ``work``: the deterministic budget (CP-SAT deterministic
    seconds, model building counted); ``deadline``: the wall-clock safety net, a
    ``time.monotonic()`` instant. Breaks and bound are counted over every participant.
    """
    s = _Search(prob, meetings, locked, spread, seed, deadline)
    lb = s.model.lower
    best: Assignment | None = None
    ub = s.top + 1
    if start is not None:
        per = breaks_by_participant(prob, start)
        if spread is None or spread_of(per) <= spread:
            best, ub = start, sum(per.values())
    while lb < ub and work - s.work >= MIN_CALL and not s.wall_hit:
        status, solver = s.run(0, lb, (work - s.work) / 2)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best, ub = s.found(solver)
            break
        if status == cp_model.INFEASIBLE:
            lb += 1
        if best is None:  # no schedule yet: is there one at all (every meeting placed, the spread honoured)?
            status, solver = s.run(lb, s.top, (work - s.work) / (4 if status == cp_model.INFEASIBLE else 2))
            if status == cp_model.INFEASIBLE:
                return BreaksFound(None, 0, lb, s.work, s.wall_hit, infeasible=True)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                best, ub = s.found(solver)
            continue
        if status == cp_model.INFEASIBLE or work - s.work < MIN_CALL:
            continue
        status, solver = s.run(lb, ub - 1, (work - s.work) / 2, best)
        if status == cp_model.INFEASIBLE:  # nothing better than the best: it is optimal
            lb = ub
        elif status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            best, ub = s.found(solver)
            lb = ub if status == cp_model.OPTIMAL else max(lb, _ceil(solver.best_objective_bound))
        else:
            lb = max(lb, _ceil(solver.best_objective_bound))
    if best is None:
        return BreaksFound(None, 0, lb, s.work, s.wall_hit)
    return BreaksFound(best, ub, min(lb, ub), s.work, s.wall_hit)


def _ceil(bound: float) -> int:
    """The smallest integer at least ``bound`` (CP-SAT's bounds on an integer objective are integral up to noise)."""
    return int(bound + 1 - 1e-6)
