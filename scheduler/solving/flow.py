"""Which pairs meet, solved exactly as a min-cost flow (traditional x tech events).

With slots relaxed away, choosing pairs is a degree-constrained bipartite
matching: each traditional SME and each tech SME meets at most min(cap, slots
it could use) partners, each pair at most once, all meetings within rooms x
slots. The fairness bonuses (first and second meeting of each traditional SME)
are concave, so they become parallel arcs of increasing cost. Min-cost flow
solves this exactly in milliseconds and deterministically; its optimum bounds
the weighted objective of every schedule.
"""

from __future__ import annotations

from collections import defaultdict

from ortools.graph.python import min_cost_flow

from scheduler.solving.problem import SchedProblem

LOCK_BONUS = 1_000_000


def usable_limits(prob: SchedProblem) -> dict[str, int]:
    """Return each participant's most meetings: min(cap, slots shared with any wanted partner)."""
    usable: dict[str, set[int]] = defaultdict(set)
    for k, pr in enumerate(prob.pairs):
        usable[pr.a].update(prob.common[k])
        usable[pr.b].update(prob.common[k])
    return {p: min(prob.cap(p), len(usable[p])) for p in prob.participants}


def select_by_flow(prob: SchedProblem, first_bonus: int, second_bonus: int, targets: set[str],
                   unit_weights: bool = False) -> list[int] | None:
    """Return the pair indices of an optimal choice, or None when pairs are not all cross-kind.

    With ``unit_weights`` every pair counts 1: the most meetings any schedule can hold.
    """
    kinds = {p: q.kind for p, q in prob.participants.items()}
    ks = [k for k, c in enumerate(prob.common) if c]
    if any(kinds[prob.pairs[k].a] == kinds[prob.pairs[k].b] for k in ks):
        return None
    limit = usable_limits(prob)
    locked = set(prob.locked_slot())
    f = min_cost_flow.SimpleMinCostFlow()
    node: dict[str, int] = {}
    source, sink, hub = 0, 1, 2

    def nid(p: str) -> int:
        if p not in node:
            node[p] = 3 + len(node)
        return node[p]

    for k in ks:
        pr = prob.pairs[k]
        t, s = (pr.a, pr.b) if kinds[pr.a] == "traditional" else (pr.b, pr.a)
        cost = -(1 if unit_weights else pr.weight) - (LOCK_BONUS if k in locked else 0)
        f.add_arc_with_capacity_and_unit_cost(nid(t), nid(s), 1, cost)
    flow_cap = 0
    for p, n in sorted(node.items()):
        cap = limit[p]
        if kinds[p] == "traditional":
            flow_cap += cap
            if p in targets and cap >= 1:
                f.add_arc_with_capacity_and_unit_cost(hub, n, 1, -first_bonus)
                if cap >= 2:
                    f.add_arc_with_capacity_and_unit_cost(hub, n, 1, -second_bonus)
                if cap > 2:
                    f.add_arc_with_capacity_and_unit_cost(hub, n, cap - 2, 0)
            elif cap > 0:
                f.add_arc_with_capacity_and_unit_cost(hub, n, cap, 0)
        elif cap > 0:
            f.add_arc_with_capacity_and_unit_cost(n, sink, cap, 0)
    total = prob.event.rooms * len(prob.slots)
    f.add_arc_with_capacity_and_unit_cost(source, hub, min(total, flow_cap), 0)
    f.add_arc_with_capacity_and_unit_cost(source, sink, flow_cap, 0)  # unused capacity
    f.set_node_supply(source, flow_cap)
    f.set_node_supply(sink, -flow_cap)
    if f.solve() != f.OPTIMAL:
        return None
    return [k for arc, k in enumerate(ks) if f.flow(arc) > 0]
