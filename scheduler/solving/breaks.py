"""Breaks: the interruptions in a participant's day, and the CP-SAT model that minimises them.

A **break** is a maximal run of slots in which a participant has no meeting, lying
between two of their meetings *in one session*. This follows Bofill et al., JAIR 74
(2022), where the day is one sequence of slots, possibly with a lunch pause between
morning and afternoon, which we read as no break: our sessions are their morning and
afternoon, so the time between two sessions (lunch, the night, another day) never
counts. Slots a participant cannot take (outside their hours or availability) count
like any other empty slot: a forbidden slot between two meetings is a break. A
participant with at most one meeting has no break. The **spread** of a schedule is the most breaks of any
participant minus the fewest, over participants with at least one meeting (JAIR's
fairness bound ``d``).

:class:`BreaksModel` places a fixed list of meetings (every one must take place) and
counts breaks with the encoding of SOLVER-NOTES: ``busy[p,t] == sum of p's meeting
variables at t``, the implied ``sum_t busy[p,t] == meetings of p``, a suffix-OR
``later[p,t]`` and a break-start indicator ``busy[p,t-1] and not busy[p,t] and
later[p,t+1]``. How it is searched is :mod:`.breaks_search`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from ortools.sat.python import cp_model

from scheduler.solving.problem import Assignment, SchedProblem

#: A literal of the model, or a constant (0 or 1) folded away before CP-SAT sees it.
Lit = cp_model.IntVar | int


def count_breaks(session_of: Sequence[int], busy: Iterable[int]) -> int:
    """Return the breaks of one participant busy in slots ``busy`` (slot indices).

    ``session_of[t]`` is slot t's session; slots are numbered in time order and a
    session's slots are consecutive, so a break is two busy slots of one session
    that are consecutive in ``sorted(busy)`` but not adjacent.
    """
    ts = sorted(busy)
    return sum(1 for a, b in zip(ts, ts[1:], strict=False) if b > a + 1 and session_of[a] == session_of[b])


def breaks_by_participant(prob: SchedProblem, asg: Assignment) -> dict[str, int]:
    """Return participant id -> breaks, for every participant with at least one meeting."""
    session_of = [s.session for s in prob.slots]
    return {p: count_breaks(session_of, ts) for p, ts in asg.busy(prob).items()}


def spread_of(breaks: dict[str, int]) -> int:
    """Most breaks minus fewest breaks (0 for no participant)."""
    return max(breaks.values()) - min(breaks.values()) if breaks else 0


def min_breaks(session_of: Sequence[int], slots: Iterable[int], meetings: int) -> int:
    """A lower bound on one participant's breaks: ``meetings`` meetings in the slots ``slots`` they can take.

    Within a session the slots they can take form runs of consecutive slots; j
    meetings there need at least as many runs as the fewest (longest) runs that hold
    j, and every run after the first costs a break. A small knapsack over sessions
    spreads the meetings (sessions cost no break). Partners are ignored, so the sum
    over participants is a valid bound on any schedule's breaks.
    """
    runs: dict[int, list[int]] = defaultdict(list)
    last = -2
    for t in sorted(slots):
        if t == last + 1 and session_of[t] == session_of[last]:
            runs[session_of[t]][-1] += 1
        else:
            runs[session_of[t]].append(1)
        last = t
    inf = meetings + 1
    best = [0] + [inf] * meetings  # best[j]: fewest breaks to hold j meetings in the sessions seen
    for lengths in runs.values():
        lengths.sort(reverse=True)
        cost = [0]  # cost[j]: breaks to hold j meetings in this session
        for i, n in enumerate(lengths):
            cost += [i] * n
        nxt = [inf] * (meetings + 1)
        for j, b in enumerate(best):
            for extra, c in enumerate(cost[: meetings - j + 1]):
                nxt[j + extra] = min(nxt[j + extra], b + c)
        best = nxt
    return best[meetings] if best[meetings] < inf else 0


# ---------------------------------------------------------------- the constraint family


def _negate(lit: Lit) -> Lit:
    return 1 - lit if isinstance(lit, int) else lit.Not()


def _and(m: cp_model.CpModel, name: str, lits: list[Lit], exact: bool) -> Lit:
    """A literal for the conjunction of ``lits`` (constants folded); both directions when ``exact``."""
    out: list[cp_model.IntVar] = []
    for lit in lits:
        if isinstance(lit, int):
            if not lit:
                return 0
            continue
        out.append(lit)
    if not out:
        return 1
    if len(out) == 1:
        return out[0]
    b = m.new_bool_var(name)
    m.add_bool_or([lit.Not() for lit in out] + [b])
    if exact:
        for lit in out:
            m.add_implication(b, lit)
    return b


def _or(m: cp_model.CpModel, name: str, a: Lit, b: Lit, exact: bool) -> Lit:
    """A literal for ``a or b`` (constants folded); both directions when ``exact``."""
    if isinstance(a, int):
        return 1 if a else b
    if isinstance(b, int):
        return 1 if b else a
    v = m.new_bool_var(name)
    m.add_implication(a, v)
    m.add_implication(b, v)
    if exact:
        m.add_bool_or([a, b, v.Not()])
    return v


def add_break_starts(m: cp_model.CpModel, p: str, busy: dict[int, Lit], sessions: list[list[int]],
                     exact: bool) -> list[Lit]:
    """Add p's break-start indicators; return them (their sum is p's breaks).

    ``busy`` maps slot -> literal (or 1 for a meeting that cannot move); slots missing
    from it are empty. Per session, ``later[t]`` = p has a meeting at t or after (a
    suffix OR) and a break starts at t when ``busy[t-1] and not busy[t] and
    later[t+1]``. One-directional indicators (``exact=False``) suffice when breaks are
    only minimised; a bound from below on someone's breaks (the spread) needs them exact.
    """
    starts: list[Lit] = []
    for sess in sessions:
        cand = [t for t in sess if t in busy]
        if len(cand) < 2:
            continue
        span = list(range(cand[0], cand[-1] + 1))
        later: dict[int, Lit] = {span[-1] + 1: 0}
        for t in reversed(span):
            later[t] = _or(m, f"later[{p}@{t}]", busy.get(t, 0), later[t + 1], exact)
        for t in span[1:-1]:
            b = _and(m, f"break[{p}@{t}]", [busy.get(t - 1, 0), _negate(busy.get(t, 0)), later[t + 1]], exact)
            if not isinstance(b, int) or b:
                starts.append(b)
    return starts


# ---------------------------------------------------------------- the whole-event model


class PlacementModel:
    """A CP-SAT model ``m`` that places meetings: ``x[k, t]`` is meeting k in slot t.

    The breaks model and the LNS's compaction model both read and hint it the same way.
    """

    m: cp_model.CpModel
    x: dict[tuple[int, int], cp_model.IntVar]

    def hint(self, slot_of: dict[int, int]) -> None:
        """Hint a placement (meeting -> slot) for every x."""
        for (k, t), v in self.x.items():
            self.m.add_hint(v, slot_of.get(k) == t)

    def read(self, solver: cp_model.CpSolver) -> dict[int, int]:
        """Return meeting -> slot from a solved model."""
        return {k: t for (k, t), v in self.x.items() if solver.boolean_value(v)}

    @property
    def size(self) -> int:
        """The number of CP-SAT variables (the model's size for budgets and caps)."""
        return len(self.m.proto.variables)


class BreaksModel(PlacementModel):
    """Owns x[meeting, slot] for a fixed list of meetings, every one placed, and the breaks they cause.

    ``meetings``: pair indices to place; ``cands[k]``: the slots meeting k may take;
    ``fixed[p]``: slots in which p already has a meeting that does not move (a lock);
    ``room_left[t]``: rooms free in slot t. ``spread``: when not None, every
    participant with a meeting has between L and L + spread breaks for some L (exact
    indicators). Participants with one meeting, or with a meeting in every slot they
    can take, have a fixed number of breaks: they get no indicators, only a constant.
    ``total`` is the breaks of everyone; ``lower`` a bound on it (:func:`min_breaks`).
    """

    def __init__(self, prob: SchedProblem, meetings: list[int], cands: dict[int, tuple[int, ...]],
                 fixed: dict[str, set[int]], room_left: dict[int, int], spread: int | None = None):
        self.prob = prob
        self.m = cp_model.CpModel()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.breaks: dict[str, cp_model.LinearExprT] = {}
        self.lower = 0
        per = self._add_placed(meetings, cands, room_left)
        self._add_all_different(meetings, cands)
        count: dict[str, int] = defaultdict(int)
        for k in meetings:
            count[prob.pairs[k].a] += 1
            count[prob.pairs[k].b] += 1
        session_of = [s.session for s in prob.slots]
        self._sessions = prob.session_slots()
        for p in sorted(set(per) | {q for q, ts in fixed.items() if ts}):
            self._add_participant(p, per.get(p, {}), fixed.get(p, set()), count[p], session_of, spread is not None)
        self.total: cp_model.LinearExprT = sum(self.breaks.values())
        if spread is not None and self.breaks:
            self._add_spread(spread)

    def _add_placed(self, meetings: list[int], cands: dict[int, tuple[int, ...]], room_left: dict[int, int]
                    ) -> dict[str, dict[int, list[cp_model.IntVar]]]:
        """Every meeting in exactly one of its slots, at most ``room_left[t]`` meetings in slot t."""
        per: dict[str, dict[int, list[cp_model.IntVar]]] = defaultdict(lambda: defaultdict(list))
        per_slot: dict[int, list[cp_model.IntVar]] = defaultdict(list)
        for k in meetings:
            pr = self.prob.pairs[k]
            vs = []
            for t in cands[k]:
                v = self.m.new_bool_var(f"x[{pr.a},{pr.b}@{t}]")
                self.x[k, t] = v
                vs.append(v)
                per[pr.a][t].append(v)
                per[pr.b][t].append(v)
                per_slot[t].append(v)
            self.m.add_exactly_one(vs).with_name(f"placed[{pr.a},{pr.b}]")
        for t, vs in sorted(per_slot.items()):
            if len(vs) > room_left[t]:
                self.m.add(sum(vs) <= room_left[t]).with_name(f"rooms[{t}]")
        return per

    def _add_all_different(self, meetings: list[int], cands: dict[int, tuple[int, ...]]) -> None:
        """Implied: an integer slot per meeting, all different among each participant's meetings.

        Redundant with the at-most-one per (participant, slot), but its propagation
        (Hall intervals) prunes what the Booleans alone do not without the LP: on the
        tight forums of the benchmark it cut the probes' deterministic time by a third.
        """
        mine: dict[str, list[cp_model.IntVar]] = defaultdict(list)
        for k in meetings:
            pr, ts = self.prob.pairs[k], cands[k]
            slot = self.m.new_int_var_from_domain(cp_model.Domain.from_values(list(ts)), f"slot[{pr.a},{pr.b}]")
            self.m.add(slot == sum(t * self.x[k, t] for t in ts))
            mine[pr.a].append(slot)
            mine[pr.b].append(slot)
        for p, vs in sorted(mine.items()):
            if len(vs) > 1:
                self.m.add_all_different(vs).with_name(f"all_different[{p}]")

    def _add_participant(self, p: str, rows: dict[int, list[cp_model.IntVar]], fx: set[int], free: int,
                         session_of: list[int], exact: bool) -> None:
        """p's busy channel, the implied count, break starts and own bound (or a constant)."""
        total, slots = free + len(fx), set(rows) | fx
        if total == len(slots):  # a meeting in every slot they can take: breaks are fixed
            for t, vs in sorted(rows.items()):
                self.m.add(sum(vs) == 1).with_name(f"full[{p}@{t}]")
            self.breaks[p] = count_breaks(session_of, slots)
            self.lower += count_breaks(session_of, slots)
            return
        if total < 2:
            self.breaks[p] = 0
            return
        busy: dict[int, Lit] = dict.fromkeys(fx, 1)
        for t, vs in sorted(rows.items()):
            if len(vs) == 1:
                busy[t] = vs[0]
            else:
                b = self.m.new_bool_var(f"busy[{p}@{t}]")
                self.m.add(b == sum(vs)).with_name(f"one_meeting[{p}@{t}]")
                busy[t] = b
        # implied: every meeting somewhere (without it the probes found nothing in 10 s)
        self.m.add(sum(busy[t] for t in rows) == free).with_name(f"count[{p}]")
        starts = add_break_starts(self.m, p, busy, self._sessions, exact)
        self.breaks[p] = sum(starts)
        own = min_breaks(session_of, slots, total)
        if own:  # implied: with a cap on the total, each participant's share propagates
            self.m.add(sum(starts) >= own).with_name(f"own_bound[{p}]")
        self.lower += own

    def _add_spread(self, spread: int) -> None:
        """JAIR's fairness: some L with L <= breaks[p] <= L + spread for every participant with a meeting."""
        low = self.m.new_int_var(0, max(1, len(self.prob.slots)), "fewest_breaks")
        for p, b in sorted(self.breaks.items()):
            self.m.add(low <= b).with_name(f"spread_low[{p}]")
            self.m.add(b <= low + spread).with_name(f"spread_high[{p}]")

