"""Compact days: move the chosen meetings between slots to cut idle slots, sessions or breaks.

The meetings are fixed; only their slots change. Two objectives, as the organiser
chooses (``SolverConfig.compactness``): weighted idle slots and sessions attended
(``idle``), or breaks, the interruptions of a day (``breaks``, Bofill et al., JAIR 2022;
:mod:`.breaks`), optionally with a bound on their spread between participants.

Small events (at most :data:`PROVE_LIMIT` (meeting, slot) variables) in breaks mode go
straight to the whole-event lower-bound-first search (:mod:`.breaks_search`), which
places and proves. Otherwise the engine is a large neighbourhood search of our own
(:mod:`.lns`): pick a participant with a fragmented day and a few of their partners,
free every meeting among them, and let a small CP-SAT model (one worker) re-place
those meetings optimally around everything else; small events then try to prove the
result optimal with a whole-event model. Every step is seeded and the budget is
counted in CP-SAT's deterministic time plus model size, so the same input and seed
give the same schedule on any machine that is not overloaded past the wall-clock
safety cap.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solving.breaks import breaks_by_participant, min_breaks, spread_of
from scheduler.solving.breaks_search import BreaksFound, search_breaks
from scheduler.solving.lns import CompactModel, Compactor, Weights, person_penalty
from scheduler.solving.problem import Assignment, SchedProblem
from scheduler.solving.work import WORK_PER_VAR, dtime_used, stopped_by_wall

#: What other modules import from here (the LNS pieces live in :mod:`.lns`, the work counters in :mod:`.work`).
__all__ = ["Compacted", "Weights", "compact", "dtime_used", "lower_bound", "person_penalty", "stopped_by_wall"]


@dataclass(frozen=True)
class Compacted:
    """A compaction's result: the placement, its penalty and a proven bound on it."""

    assignment: Assignment
    work: float  # deterministic work used
    penalty: int  # weighted idle slots + sessions attended + breaks (Weights)
    bound: int  # no placement of these meetings does better (lower bound on the penalty)
    wall_hit: bool = False  # the wall-clock safety net, not the work budget, stopped the search
    #: breaks mode: the spread bound the result honours (JAIR's d, raised when d cannot hold), None when
    #: none was asked or it could not be met; the bound is then over the schedules that honour it
    spread: int | None = None


#: LNS steps in a row without improvement after which the search stops (a local optimum):
#: small events then hand over to the whole-event proof, large ones keep trying longer.
STALL_SMALL, STALL_LARGE = 60, 400
#: Up to this many (meeting, slot) variables, a whole-event model then tries to prove the LNS optimal
#: (in breaks mode: searches first, then the LNS goes on from its result when it is not proven).
PROVE_LIMIT = 30_000
#: Breaks mode, small events: the share of the budget the whole-event search may use before the LNS.
WHOLE_SHARE = 2 / 3


def lower_bound(prob: SchedProblem, w: Weights, asg: Assignment) -> int:
    """A bound no placement of these meetings beats: each participant with a meeting attends a
    session, idle >= 0, and has at least the breaks their own slots force (``breaks.min_breaks``)."""
    busy = asg.busy(prob)
    bound = w.session * len(busy)
    if w.breaks:
        session_of = [s.session for s in prob.slots]
        for ts in busy.values():
            mine = {t for k in set(ts.values()) for t in prob.common[k]}
            bound += w.breaks * min_breaks(session_of, mine, len(ts))
    return bound


def compact(prob: SchedProblem, w: Weights, asg: Assignment, work: float, wall: float, seed: int,
            report: Callable[[int], None] | None = None, spread: int | None = None,
            pending: tuple[int, ...] = ()) -> Compacted:
    """Return the same meetings in slots that make days more compact, with the work used.

    ``work`` is the deterministic budget (about seconds on an idle machine): every
    decision counts work, never real time, so a run repeats itself on any load.
    ``wall`` (real seconds) is only a safety net; ``Compacted.wall_hit`` says it fired.
    Breaks mode (``w.breaks``) only: ``spread`` is JAIR's fairness bound d (or None),
    and ``pending`` pairs not placed yet that the whole-event search places with the
    others; when it cannot, the result leaves them out.
    """
    c = Compactor(prob, w, asg, seed, spread)
    c.deadline = time.monotonic() + wall
    bound = lower_bound(prob, w, asg)
    small = sum(len(prob.common[k]) for k in (*asg.slot_of, *pending)) <= PROVE_LIMIT
    if w.breaks and small and work > 0 and (pending or len(asg.slot_of) >= 2):
        got = _fewest_breaks(c, asg, pending, work * WHOLE_SHARE, spread, seed)
        if got is not None and (got.penalty <= got.bound or c.work >= work or c.wall_hit):
            return got
        if got is not None:  # unproven: the LNS goes on from it, within the spread it honours
            spread = got.spread if got.spread is not None else spread
            c = _resume(c, got.assignment, spread)
            asg, bound = got.assignment, max(bound, got.bound)
    if work <= 0 or len(asg.slot_of) < 2 or pending:  # pending meetings: the caller places them first
        return Compacted(asg, c.work, c.penalty(), bound, c.wall_hit, _honoured(c, spread))
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
    if small and c.penalty() > bound and not c.wall_hit and not w.breaks:
        best, bound = _prove(c, best, work - c.work, bound)
    final = Compactor(prob, w, best, seed).penalty()
    return Compacted(best, c.work, final, bound if final > bound else final, c.wall_hit, _honoured(c, spread))


def _resume(c: Compactor, asg: Assignment, spread: int | None) -> Compactor:
    """A fresh LNS state at ``asg`` that keeps the work, the safety net and the seed's stream of ``c``."""
    nxt = Compactor(c.prob, c.w, asg, 0, spread)
    nxt.rng, nxt.work, nxt.deadline, nxt.wall_hit = c.rng, c.work, c.deadline, c.wall_hit
    return nxt


def _honoured(c: Compactor, spread: int | None) -> int | None:
    return spread if spread is not None and c.spread() <= spread else None


def _fewest_breaks(c: Compactor, asg: Assignment, pending: tuple[int, ...], work: float,
                   spread: int | None, seed: int) -> Compacted | None:
    """The whole-event breaks search (:func:`.breaks_search.search_breaks`) from ``asg``.

    When the search proves that no placement honours the spread bound d, d is raised
    by one (the fairest spread that can hold) and the search goes on with the budget
    left. None when it placed nothing (its work is counted in ``c``); the LNS then
    works from the start, refusing any step that widens the spread past d.
    """
    locked = {k: t for k, t in asg.slot_of.items() if k in c.locked}
    meetings = sorted({*asg.slot_of, *pending} - set(locked))
    start = None if pending else asg
    asked, used, found = spread, 0.0, BreaksFound(None, 0, 0, 0.0)
    while work - used > 0 and not c.wall_hit:
        found = search_breaks(c.prob, meetings, start, locked, spread, work - used, seed, c.deadline)
        used += found.work
        c.wall_hit |= found.wall_hit
        if found.assignment is not None or not found.infeasible or spread is None:
            break
        spread = spread + 1 if spread < len(c.prob.slots) else None  # JAIR's d cannot hold: the fairest that can
    c.work += used
    if found.assignment is None:
        return None
    if spread is None and asked is not None and spread_of(breaks_by_participant(c.prob, found.assignment)) <= asked:
        spread = asked  # found without the bound, but within it all the same
    return Compacted(found.assignment, c.work, c.w.breaks * found.breaks, c.w.breaks * found.bound,
                     c.wall_hit, spread)


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
