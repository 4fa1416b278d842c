"""The compaction LNS machinery: a state of where meetings are, and small models that re-place a few.

:class:`Compactor` holds where each meeting is, who is busy when and the rooms used;
:meth:`Compactor.step` frees the meetings among a few participants and lets a small
CP-SAT model (:class:`CompactModel`, one worker) re-place them optimally around
everything else. What a day costs is :class:`Weights` (idle slots, sessions attended,
breaks) and :func:`person_penalty`. The search that drives it is
:func:`scheduler.solving.compaction.compact`.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from scheduler.solving.breaks import Lit, PlacementModel, add_break_starts, count_breaks
from scheduler.solving.problem import Assignment, SchedProblem
from scheduler.solving.work import WORK_PER_STEP, WORK_PER_VAR, dtime_used, stopped_by_wall

WORK_PER_PERSON_STEP = 5e-7  # choosing a neighbourhood scans every participant


@dataclass(frozen=True)
class Weights:
    """What compact days cost: per idle slot, per session attended, per break (docs/solver.md)."""

    idle: int
    session: int
    breaks: int = 0


class CompactModel(PlacementModel):
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
            busy: dict[int, Lit] = {}
            for t in ts:
                vs = per[p, t]
                if len(vs) == 1 and (total < 2 or not (w.idle or w.session)):
                    busy[t] = vs[0]
                else:
                    b = self.m.new_bool_var(f"busy[{p}@{t}]")
                    self.m.add(b == sum(vs)).with_name(f"one_meeting[{p}@{t}]")
                    busy[t] = b
            if total < 2:
                continue
            if w.idle or w.session:
                one = self.m.new_constant(1)
                spans = {**busy, **dict.fromkeys(fx, one)}
                self.m.add(sum(spans.values()) == total)  # implied: every meeting somewhere
                self._add_compactness(p, spans, sessions)
            else:
                self.m.add(sum(busy.values()) == count[p])  # implied: every meeting somewhere
            if w.breaks:
                starts = add_break_starts(self.m, p, {**busy, **dict.fromkeys(fx, 1)}, sessions, exact=False)
                self.penalty += [w.breaks * b for b in starts]
        self.m.minimize(sum(self.penalty))

    def _add_compactness(self, p: str, busy: dict[int, cp_model.IntVar], sessions: list[list[int]]) -> None:
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


def person_penalty(prob: SchedProblem, w: Weights, slots: set[int] | dict[int, int]) -> int:
    """Idle slots, sessions and breaks of one participant's day, weighted."""
    by_session: dict[int, list[int]] = defaultdict(list)
    for t in slots:
        by_session[prob.slots[t].session].append(t)
    idle = sum(max(ts) - min(ts) + 1 - len(ts) for ts in by_session.values())
    breaks = count_breaks([s.session for s in prob.slots], slots) if w.breaks else 0
    return w.idle * idle + w.session * len(by_session) + w.breaks * breaks


class Compactor:
    """The LNS state: where each meeting is, who is busy when, rooms used per slot."""

    def __init__(self, prob: SchedProblem, w: Weights, asg: Assignment, seed: int, spread: int | None = None):
        self.prob, self.w, self.spread_limit = prob, w, spread
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
        self.session_of = [s.session for s in prob.slots]
        self.breaks = {p: count_breaks(self.session_of, self.busy[p]) for p in self.people}

    def spread(self) -> int:
        """Most breaks minus fewest, over participants with a meeting."""
        return max(self.breaks.values()) - min(self.breaks.values()) if self.breaks else 0

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
        before, spread = self.penalty(sorted(group)), self.spread()
        self._apply(free, new)
        worse = self.spread_limit is not None and self.spread() > max(self.spread_limit, spread)
        if worse or self.penalty(sorted(group)) > before:  # never accept a worse day, nor a less fair one
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
            self.breaks[p] = count_breaks(self.session_of, self.busy[p])
