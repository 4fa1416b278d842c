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
    span: dict[str, dict[int, tuple[int, int]]] = defaultdict(dict)  # p -> session -> first, last slot
    slot_of: dict[int, int] = {}
    session = [s.session for s in prob.slots]

    def take(k: int, t: int) -> None:
        pr = prob.pairs[k]
        slot_of[k] = t
        rooms_left[t] -= 1
        for p in (pr.a, pr.b):
            busy[p].add(t)
            count[p] += 1
            lo, hi = span[p].get(session[t], (t, t))
            span[p][session[t]] = (min(lo, t), max(hi, t))

    for k, t in {**prob.locked_slot(), **(start.slot_of if start else {})}.items():
        take(k, t)
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
            t = min(free, key=lambda t: (_added_cost(span[pr.a], count[pr.a], t, session[t])
                                         + _added_cost(span[pr.b], count[pr.b], t, session[t]), t))  # fmt: skip
        else:
            t = free[0]
        take(k, t)
    return Assignment(slot_of)


def _added_cost(span: dict[int, tuple[int, int]], meetings: int, t: int, session: int) -> int:
    """Idle slots plus a session-opening penalty that adding ``t`` (in ``session``) costs one
    participant with ``meetings`` meetings, whose first and last slot per session are ``span``."""
    if session not in span:
        return 3 if meetings else 0  # opening another session costs more than a short wait
    lo, hi = span[session]
    if lo <= t <= hi:
        return -1  # fills a hole
    return (lo - t - 1) if t < lo else (t - hi - 1)
