"""The CP-SAT models of phase 1 (*select*): which wanted pairs meet, and in which slot.

:class:`SelectModel` owns the decision variables x[pair, slot] (a Boolean only for
each slot allowed for both) and adds its constraints family by family
(``add_<family>``); :class:`AggregateModel` is its relaxation with slots set aside.
Both maximise the same objective (:func:`objective_value`): the weighted value of
the meetings plus the leximin fairness bonus of :mod:`.fairness` on each
traditional SME's served count. How they are searched is :mod:`.search`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from itertools import pairwise

from ortools.sat.python import cp_model

from scheduler.solving.config import SolverConfig
from scheduler.solving.fairness import fair_targets, fairness, served_counts
from scheduler.solving.flow import usable_limits
from scheduler.solving.problem import Assignment, SchedProblem

__all__ = ["AggregateModel", "SelectModel", "fair_targets", "objective_value", "trivial_bound"]

# ---------------------------------------------------------------- objective


def objective_value(prob: SchedProblem, asg: Assignment, cfg: SolverConfig) -> int:
    """Return the phase-1 objective of an assignment (the same formula CP-SAT maximises).

    ``sum of the placed pairs' weights + sum over traditional SMEs p of step * G(n_p)``
    (:class:`.fairness.Fairness`; no fairness term when ``cfg.fairness`` is off).
    """
    fair = fairness(prob, cfg.fairness)
    return sum(prob.pairs[k].weight for k in asg.slot_of) + fair.total(served_counts(prob, asg))


# ---------------------------------------------------------------- phase 1


def _add_pair_objective(m: cp_model.CpModel, prob: SchedProblem, cfg: SolverConfig,
                        held: dict[int, cp_model.LinearExprT],
                        ) -> tuple[dict[str, tuple[cp_model.IntVar, ...]], cp_model.LinearExprT]:
    """Maximise weighted meetings plus the leximin bonus; return the level variables and objective.

    Per traditional SME p, ``level[p,j]`` (j = 1..its most meetings) may be true only
    when p has at least j meetings and earns ``bonus(j)``, which decreases in j.
    """
    fair = fairness(prob, cfg.fairness)
    terms = [prob.pairs[k].weight * h for k, h in held.items()]
    pairs_of = prob.pairs_of()
    served: dict[str, tuple[cp_model.IntVar, ...]] = {}
    for p, most in fair.targets.items():
        hs = [held[k] for k in pairs_of[p] if k in held]
        if not hs:
            continue
        levels = tuple(m.new_bool_var(f"level[{p},{j}]") for j in range(1, min(most, len(hs)) + 1))
        m.add(sum(levels) <= sum(hs)).with_name(f"fair[{p}]")
        for lower, upper in pairwise(levels):
            m.add_implication(upper, lower)
        served[p] = levels
        terms += [fair.bonus(j) * v for j, v in enumerate(levels, start=1)]
    objective = sum(terms)
    m.maximize(objective)
    return served, objective


def _hint_served(m: cp_model.CpModel, prob: SchedProblem, served: dict[str, tuple[cp_model.IntVar, ...]],
                 asg: Assignment) -> None:
    count = served_counts(prob, asg)
    for p, levels in served.items():
        for j, v in enumerate(levels, start=1):
            m.add_hint(v, count.get(p, 0) >= j)


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


def trivial_bound(prob: SchedProblem, cfg: SolverConfig) -> float:
    """A bound on the objective with nothing solved: every feasible pair meets, every target at its most."""
    feasible = sum(pr.weight for pr, c in zip(prob.pairs, prob.common, strict=True) if c)
    fair = fairness(prob, cfg.fairness)
    return float(feasible + fair.total(fair.targets))
