"""The fairness rule: leximin over traditional SMEs' meeting counts, as one linear objective.

A traditional SME's *served count* is the number of its wanted meetings placed
(locked ones included). The rule (docs/solver.md, Objective): first make the
smallest served count as large as possible, then the second smallest, and so on
(leximin); among the choices that are equally fair, the pair weights (priority,
mutuality, acceptance, score) decide. It is one linear objective, so the min-cost
flow and the CP-SAT models optimise it exactly and report a true optimality gap::

    objective = sum over targets p of  step * G(n_p)  +  sum of the placed pairs' weights
    G(n) = sum_{k=1..n} (levels + 1 - k)        (strictly concave: K, K-1, ..., 1)

``step`` exceeds the total weight of every feasible wanted pair, so one more unit
of ``sum G`` outweighs any change in pair weight; and maximising a strictly
concave separable sum over the served-count vectors that the caps, rooms and
slots allow (an M-natural-convex set when traditional SMEs meet tech SMEs only)
gives exactly the leximin vectors (A. Tamir, Math. Oper. Res. 20, 1995; A. Frank
and K. Murota, Math. Programming 195, 2022).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from scheduler.solving.problem import Assignment, SchedProblem


@dataclass(frozen=True)
class Fairness:
    """The concave bonus of the leximin rule for one problem.

    ``targets`` maps each traditional SME with a feasible wanted pair to the most
    meetings it could get (min(cap, its feasible pairs)); ``levels`` (K) is the
    largest of those; ``step`` (D) is 1 + the total weight of all feasible pairs.
    """

    step: int
    levels: int
    targets: dict[str, int]

    def bonus(self, k: int) -> int:
        """Return the bonus for a target's ``k``-th meeting (1-based): ``step * (levels + 1 - k)``, 0 past ``levels``."""
        return self.step * max(0, self.levels + 1 - k) if k >= 1 else 0

    def value(self, n: int) -> int:
        """Return ``step * G(n)``: the bonuses of a target's first ``n`` meetings."""
        n = min(n, self.levels)
        return self.step * (n * self.levels - n * (n - 1) // 2)

    def total(self, counts: dict[str, int]) -> int:
        """Return the fairness part of the objective for the served counts ``counts`` (participant -> n)."""
        return sum(self.value(counts.get(p, 0)) for p in self.targets)


NO_FAIRNESS = Fairness(step=0, levels=0, targets={})


def fair_targets(prob: SchedProblem) -> list[str]:
    """Return the traditional SMEs with at least one wanted pair they could take, sorted."""
    return sorted(_feasible_pairs(prob))


def fairness(prob: SchedProblem, on: bool = True) -> Fairness:
    """Return the leximin bonus of ``prob`` (module docstring), or no bonus at all when not ``on``."""
    if not on:
        return NO_FAIRNESS
    feasible = _feasible_pairs(prob)
    targets = {p: min(prob.cap(p), n, len(prob.slots)) for p, n in sorted(feasible.items())}
    weight = sum(pr.weight for pr, c in zip(prob.pairs, prob.common, strict=True) if c)
    return Fairness(step=weight + 1, levels=max(targets.values(), default=0), targets=targets)


def served_counts(prob: SchedProblem, asg: Assignment) -> dict[str, int]:
    """Return participant -> meetings placed in ``asg`` (absent: none)."""
    count: dict[str, int] = defaultdict(int)
    for k in asg.slot_of:
        count[prob.pairs[k].a] += 1
        count[prob.pairs[k].b] += 1
    return dict(count)


def _feasible_pairs(prob: SchedProblem) -> dict[str, int]:
    """Traditional SME (cap above 0) -> how many of its wanted pairs have a common slot."""
    out: dict[str, int] = defaultdict(int)
    for k, pr in enumerate(prob.pairs):
        if not prob.common[k]:
            continue
        for p in (pr.a, pr.b):
            if prob.participants[p].kind == "traditional" and prob.cap(p) > 0:
                out[p] += 1
    return dict(out)
