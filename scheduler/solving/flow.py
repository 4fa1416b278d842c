"""Which pairs meet, solved exactly as a min-cost flow (traditional x tech events).

With slots relaxed away, choosing pairs is a degree-constrained bipartite
matching: each traditional SME and each tech SME meets at most min(cap, slots
it could use) partners, each pair at most once, all meetings within rooms x
slots. The leximin fairness bonus (:mod:`.fairness`) is concave in a
traditional SME's served count, so it becomes parallel unit arcs of decreasing
bonus, one per meeting (separable concave rewards in a min-cost flow: Ahuja,
Magnanti and Orlin, *Network Flows*, 1993, section 14.3). Locked meetings are
committed before the flow and use up their share of the caps and rooms. Min-cost
flow solves this exactly in milliseconds and deterministically; its optimum
bounds the objective of every schedule.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.graph.python import min_cost_flow

from scheduler.solving.fairness import NO_FAIRNESS, Fairness
from scheduler.solving.problem import SchedProblem


def usable_limits(prob: SchedProblem) -> dict[str, int]:
    """Return each participant's most meetings: min(cap, slots shared with any wanted partner)."""
    usable: dict[str, set[int]] = defaultdict(set)
    for k, pr in enumerate(prob.pairs):
        usable[pr.a].update(prob.common[k])
        usable[pr.b].update(prob.common[k])
    return {p: min(prob.cap(p), len(usable[p])) for p in prob.participants}


def select_by_flow(prob: SchedProblem, fair: Fairness = NO_FAIRNESS,
                   unit_weights: bool = False) -> list[int] | None:
    """Return the pair indices of an optimal choice, or None when pairs are not all cross-kind.

    The choice maximises ``fair``'s bonuses plus the pair weights (the objective of
    :func:`.cpsat.objective_value`); with ``unit_weights`` (and no fairness) every
    pair counts 1: the most meetings any schedule can hold. Locked pairs are always
    in the choice. Costs are int64 in OR-Tools: the largest arc cost is
    ``fair.bonus(1)``, about ``levels`` x the total pair weight.
    """
    kinds = {p: q.kind for p, q in prob.participants.items()}
    ks = [k for k, c in enumerate(prob.common) if c]
    if any(kinds[prob.pairs[k].a] == kinds[prob.pairs[k].b] for k in ks):
        return None
    limit = usable_limits(prob)
    locked = sorted(prob.locked_slot())
    held_pairs = set(locked)
    held: dict[str, int] = defaultdict(int)  # locked meetings per participant
    for k in locked:
        held[prob.pairs[k].a] += 1
        held[prob.pairs[k].b] += 1
    f = min_cost_flow.SimpleMinCostFlow()
    node: dict[str, int] = {}
    source, sink, hub = 0, 1, 2

    def nid(p: str) -> int:
        if p not in node:
            node[p] = 3 + len(node)
        return node[p]

    arcs: list[tuple[int, int]] = []  # (arc, pair index)
    for k in (k for k in ks if k not in held_pairs):
        pr = prob.pairs[k]
        t, s = (pr.a, pr.b) if kinds[pr.a] == "traditional" else (pr.b, pr.a)
        cost = -(1 if unit_weights else pr.weight)
        arcs.append((f.add_arc_with_capacity_and_unit_cost(nid(t), nid(s), 1, cost), k))
    flow_cap = 0
    for p, n in sorted(node.items()):
        cap = max(0, limit[p] - held[p])
        if kinds[p] != "traditional":
            if cap > 0:
                f.add_arc_with_capacity_and_unit_cost(n, sink, cap, 0)
            continue
        flow_cap += cap
        if p in fair.targets:  # the j-th meeting of p earns bonus(j): concave, so filled in order
            # (one arc per meeting p could have: at most its feasible pairs, whatever its cap)
            for j in range(held[p] + 1, min(held[p] + cap, fair.targets[p]) + 1):
                f.add_arc_with_capacity_and_unit_cost(hub, n, 1, -fair.bonus(j))
        elif cap > 0:
            f.add_arc_with_capacity_and_unit_cost(hub, n, cap, 0)
    total = max(0, prob.event.rooms * len(prob.slots) - len(locked))
    f.add_arc_with_capacity_and_unit_cost(source, hub, min(total, flow_cap), 0)
    f.add_arc_with_capacity_and_unit_cost(source, sink, flow_cap, 0)  # unused capacity
    f.set_node_supply(source, flow_cap)
    f.set_node_supply(sink, -flow_cap)
    if f.solve() != f.OPTIMAL:
        return None
    return sorted(locked + [k for arc, k in arcs if f.flow(arc) > 0])
