"""Greedy first-fit: the way today's platforms fill a grid.

Kept as the benchmark baseline and as a warm start (``add_hint``) for CP-SAT.
Pairs go in priority order (heaviest first, then the ones with fewest common
slots); each takes the first slot in which both are free and a room is left.
With ``compact=True`` it takes instead the slot that adds the least idle time
to both participants' days, which makes a better hint for the compaction phase.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from scheduler.solving.problem import Assignment, SchedProblem


def greedy(prob: SchedProblem, pairs: Iterable[int] | None = None, *, compact: bool = False,
           start: Assignment | None = None) -> Assignment:
    """Return a first-fit assignment of ``pairs`` (default: every wanted pair).

    With ``start``, its meetings stay where they are and the others fill around them.
    """
    ks = list(range(len(prob.pairs))) if pairs is None else list(pairs)
    ks.sort(key=lambda k: (-prob.pairs[k].weight, len(prob.common[k]), k))
    rooms_left = [prob.event.rooms] * len(prob.slots)
    busy: dict[str, set[int]] = defaultdict(set)
    count: dict[str, int] = defaultdict(int)
    slot_of: dict[int, int] = {}

    def take(k: int, t: int) -> None:
        pr = prob.pairs[k]
        slot_of[k] = t
        rooms_left[t] -= 1
        for p in (pr.a, pr.b):
            busy[p].add(t)
            count[p] += 1

    for k, t in {**prob.locked_slot(), **(start.slot_of if start else {})}.items():
        take(k, t)
    session = [s.session for s in prob.slots]
    for k in ks:
        if k in slot_of:
            continue
        pr = prob.pairs[k]
        if count[pr.a] >= prob.cap(pr.a) or count[pr.b] >= prob.cap(pr.b):
            continue
        free = [t for t in prob.common[k]
                if rooms_left[t] > 0 and t not in busy[pr.a] and t not in busy[pr.b]]  # fmt: skip
        if not free:
            continue
        if compact:
            t = min(free, key=lambda t: (_added_cost(busy[pr.a], t, session)
                                         + _added_cost(busy[pr.b], t, session), t))  # fmt: skip
        else:
            t = free[0]
        take(k, t)
    return Assignment(slot_of)


def _added_cost(busy: set[int], t: int, session: list[int]) -> int:
    """Idle slots plus a session-opening penalty that adding ``t`` costs one participant."""
    same = [u for u in busy if session[u] == session[t]]
    if not same:
        return 3 if busy else 0  # opening another session costs more than a short wait
    lo, hi = min(same), max(same)
    if lo <= t <= hi:
        return -1  # fills a hole
    return (lo - t - 1) if t < lo else (t - hi - 1)
