"""Repair the rest of the day after no-shows and cancellations, moving as little as possible.

Slots that have started are frozen. Every live meeting in a later slot keeps
its slot unless moving it lets more wanted meetings happen: the objective
values an existing meeting far above any new one, prices each move above an
unplaced low-priority request, charges extra for a second move of the same
participant, and adds a rescue bonus to new meetings of participants who lost
one. Freed slots are refilled from wanted pairs that have not met.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ortools.sat.python import cp_model

from scheduler.changes.diff import diff
from scheduler.domain.model import EventData, Meeting
from scheduler.solving.compaction import dtime_used, stopped_by_wall
from scheduler.solving.problem import (
    SchedProblem,
    build_problem,
    lowest_free_room,
    meeting_id,
    pair_key,
)

LIVE = ("scheduled", "moved", "held")
KEEP_VALUE = 100  # an existing meeting is worth keeping far above any new one
MOVE_COST = 8  # more than an unplaced priority-3 one-way request (5)
SECOND_MOVE_COST = 6  # per further move of the same participant
RESCUE_BONUS = 10  # a new meeting for someone who lost one


@dataclass(frozen=True)
class Absence:
    """``participant`` is away until ``until`` (None: for the rest of the event).

    Gone for the rest of the day is ``until=timegrid.end_of_local_day(now, event_tz)``:
    a multi-day event expects them back the next day."""

    participant: str
    until: datetime | None = None


@dataclass(frozen=True)
class RebalanceConfig:
    #: CP-SAT deterministic time (about seconds on an idle machine): the only budget, so a
    #: preview and its apply give the same plan however loaded the machine is
    time_limit: float = 2.0
    seed: int = 0
    #: real time only as a safety net, at wall_factor x time_limit (``Plan.wall_limit_hit``)
    wall_factor: float = 10.0
    #: a meeting that would go ahead as planned is only moved to a slot starting at least this
    #: long after ``now``: nobody's meeting is shifted at short notice (a meeting with an absent
    #: side, and new rescue meetings, may come sooner)
    min_notice: timedelta = timedelta(minutes=60)
    #: at most this many meetings of bystanders (neither side absent, left without a meeting
    #: or in a closing room) move in one repair: the repair stays around the people it is for
    max_bystander_moves: int = 3


@dataclass(frozen=True)
class Plan:
    meetings: tuple[Meeting, ...]  # the whole schedule after the repair
    added: tuple[Meeting, ...]
    moved: tuple[tuple[Meeting, Meeting], ...]  # (before, after)
    cancelled: tuple[Meeting, ...]
    affected: frozenset[str] = field(default_factory=frozenset)
    seconds: float = 0.0  # real time taken (for reports; it decides nothing)
    work: float = 0.0  # CP-SAT deterministic time used
    wall_limit_hit: bool = False  # the safety net stopped the search: the plan may not repeat


def rebalance(data: EventData, meetings: Iterable[Meeting], now: datetime, absences: Iterable[Absence] = (),
              config: RebalanceConfig | None = None, *, closed_rooms: Iterable[int] = (),
              wanted: Iterable[tuple[str, str]] = (), lost: Iterable[str] = (),
              problem: SchedProblem | None = None, keep_existing: bool = False,
              retry_cancelled: bool = False) -> Plan:
    """Return the repaired schedule from ``now`` on, and what changed.

    ``closed_rooms`` are virtual rooms that can no longer be used from now on: their
    meetings take a free room in the same slot when there is one, else move or go.
    ``wanted`` are pairs to place if at all possible (a late request a host adds).
    ``lost`` are participants who lost a meeting without being away (a cancellation):
    they are refilled first, like the partners of an absent participant.
    ``problem`` is ``build_problem(data, scores=False)`` when the caller already has it.
    ``keep_existing``: no meeting still to come moves (new ones only fill free capacity).
    ``retry_cancelled``: a pair whose meeting was cancelled may be placed again (a
    re-optimisation); a repair leaves such pairs alone.
    """
    cfg = config or RebalanceConfig()
    started = time.monotonic()
    original = tuple(meetings)
    absences = tuple(absences)
    closed = frozenset(closed_rooms)
    # a closed room's meetings first take a free open room in their own slot (a room change,
    # not a move in time: no notice or bystander limit applies); only the others must leave
    meetings = rehouse(original, closed, data.event.rooms, now)
    wanted = {pair_key(a, b) for a, b in wanted}
    prob = problem if problem is not None else build_problem(data, scores=False)
    open_rooms = prob.event.rooms - sum(1 for r in closed if 1 <= r <= prob.event.rooms)
    frozen = {s.index for s in prob.slots if s.start <= now}
    future = [s.index for s in prob.slots if s.index not in frozen]
    slot_of_start = {s.start: s.index for s in prob.slots}
    away: dict[str, set[int]] = defaultdict(set)
    for a in absences:
        for t in future:
            if a.until is None or prob.slots[t].start < a.until:
                away[a.participant].add(t)

    index = {pr.key: k for k, pr in enumerate(prob.pairs)}
    fixed = [m for m in meetings if slot_of_start.get(m.start) in frozen or m.status not in LIVE]
    existing: dict[int, Meeting] = {}
    for m in meetings:
        if m.status in LIVE and slot_of_start.get(m.start) not in frozen:
            k = index.get(pair_key(m.a, m.b))
            if k is None and m.room in closed:  # an organiser's meeting with no room left in its slot
                fixed.append(replace(m, status="cancelled"))
            elif m.locked:
                fixed.append(m)  # locked by the organiser, or kept by a participant: stays as it is
            elif k is None:
                fixed.append(m)  # a pair nobody asks for any more (an organiser's): left as it is
            else:
                existing[k] = m
    # a pair whose meeting was missed (no-show) may meet later in the day, e.g. after a late
    # arrival; a pair that met, or whose meeting was called off, is not placed again
    met = {pair_key(m.a, m.b) for m in fixed if m.status != "no_show"
           and not (retry_cancelled and m.status == "cancelled")}
    # who lost a meeting: partners of the absent in meetings still to come, and in no-shows of
    # the last two slots that started (older ones were repaired when they happened)
    # (a meeting still to come is lost only when its slot falls in the absence: someone late
    # until 11:00 keeps their afternoon, and so do their afternoon partners)
    recent = {prob.slots[t].start for t in sorted(frozen)[-2:]}
    hit = [*((m, slot_of_start[m.start]) for m in existing.values()),
           *((m, None) for m in meetings if m.status == "no_show" and m.start in recent)]
    losers = {m.b if m.a == a.participant else m.a
              for a in absences for m, t in hit
              if a.participant in (m.a, m.b) and (t is None or t in away[a.participant])}  # fmt: skip
    losers |= {p for k in wanted for p in k}  # a late request is placed like a rescue
    losers |= set(lost)  # e.g. both sides of a meeting cancelled today
    absent = {a.participant for a in absences}
    # meetings in a room closing from now on must find another room (or slot)
    evicted = {p for m in existing.values() if m.room in closed for p in (m.a, m.b)}
    # The neighbourhood: who lost a meeting, the partners they could meet instead, and the
    # absent themselves. Everyone else's meetings stay fixed, which keeps the model small
    # and the disruption local.
    candidates = {k for k, pr in enumerate(prob.pairs)
                  if {pr.a, pr.b} & losers and pr.key not in met and k not in existing}  # fmt: skip
    movable = losers | absent | evicted | {p for k in candidates for p in (prob.pairs[k].a, prob.pairs[k].b)}
    for k, m in list(existing.items()):
        if keep_existing or not {m.a, m.b} & movable:
            fixed.append(existing.pop(k))
    busy: dict[str, set[int]] = defaultdict(set)
    rooms_used: dict[int, int] = defaultdict(int)
    used: dict[str, int] = defaultdict(int)
    for m in fixed:
        if m.status in LIVE:
            t = slot_of_start.get(m.start)
            rooms_used[t] += 1
            for p in (m.a, m.b):
                used[p] += 1
                busy[p].add(t)

    model = cp_model.CpModel()
    x: dict[tuple[int, int], cp_model.IntVar] = {}
    soon = {s.index for s in prob.slots if s.index not in frozen and s.start < now + cfg.min_notice}
    for k in sorted(candidates | set(existing)):
        pr = prob.pairs[k]
        stay = slot_of_start[existing[k].start] if k in existing else None
        for t in prob.common[k]:
            if t in frozen or t in away[pr.a] or t in away[pr.b] or t in busy[pr.a] or t in busy[pr.b]:
                continue
            if stay is not None and t == stay and existing[k].room in closed:
                continue  # no open room is free in its slot (``rehouse`` gave the free ones away)
            if stay is not None and t != stay and t in soon and not {pr.a, pr.b} & absent:
                continue  # a meeting going ahead is not moved at short notice (one with an absent may be)
            x[k, t] = model.new_bool_var(f"x[{pr.a},{pr.b}@{t}]")
    by_pair: dict[int, list] = defaultdict(list)
    per_person: dict[tuple[str, int], list] = defaultdict(list)
    per_slot: dict[int, list] = defaultdict(list)
    for (k, t), v in x.items():
        by_pair[k].append(v)
        per_person[prob.pairs[k].a, t].append(v)
        per_person[prob.pairs[k].b, t].append(v)
        per_slot[t].append(v)
    for k, vs in by_pair.items():
        m = existing.get(k)
        if m is not None and m.room not in closed and {m.a, m.b} & evicted and not {m.a, m.b} & (losers | absent):
            model.add_exactly_one(vs)  # a closing room never costs another meeting its place (it may move)
        else:
            model.add_at_most_one(vs)
    for vs in per_person.values():
        if len(vs) > 1:
            model.add_at_most_one(vs)
    for t, vs in per_slot.items():
        if len(vs) > open_rooms - rooms_used[t]:
            model.add(sum(vs) <= max(0, open_rooms - rooms_used[t]))
    pairs_of = prob.pairs_of()
    for p, ks in pairs_of.items():
        held = [v for k in ks for v in by_pair.get(k, [])]
        room_left = prob.cap(p) - used[p]
        if len(held) > max(0, room_left):
            model.add(sum(held) <= max(0, room_left))

    terms = []
    moves: dict[str, list] = defaultdict(list)
    concerned = losers | absent | evicted
    bystanders = []  # moves of meetings whose two sides are not concerned by this repair
    for k, vs in by_pair.items():
        pr = prob.pairs[k]
        if k in existing:
            t0 = slot_of_start[existing[k].start]
            terms.append((KEEP_VALUE + pr.weight) * sum(vs))
            if (k, t0) in x:
                terms.append(MOVE_COST * x[k, t0])  # staying put earns back the move cost
            moved = sum(vs) - (x[k, t0] if (k, t0) in x else 0)
            moves[pr.a].append(moved)
            moves[pr.b].append(moved)
            if not {pr.a, pr.b} & concerned:
                bystanders.append(moved)
        else:
            bonus = RESCUE_BONUS if {pr.a, pr.b} & losers else 0
            if pr.key in wanted:
                bonus += KEEP_VALUE // 2  # what the host asked for now comes before any other new meeting
            terms.append((pr.weight + bonus - MOVE_COST) * sum(vs))
    if len(bystanders) > cfg.max_bystander_moves:
        model.add(sum(bystanders) <= cfg.max_bystander_moves)
    for p, ms in moves.items():
        extra = model.new_int_var(0, len(ms), f"extra_moves[{p}]")
        model.add(extra >= sum(ms) - 1)
        terms.append(-SECOND_MOVE_COST * extra)
    model.maximize(sum(terms))
    for (k, t), v in x.items():
        model.add_hint(v, k in existing and slot_of_start[existing[k].start] == t)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = cfg.seed
    solver.parameters.max_deterministic_time = cfg.time_limit
    solver.parameters.max_time_in_seconds = cfg.time_limit * cfg.wall_factor
    status = solver.solve(model)
    chosen = {k: t for (k, t), v in x.items() if status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
              and solver.boolean_value(v)}  # fmt: skip
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):  # keep what still can be kept
        chosen = {k: slot_of_start[m.start] for k, m in existing.items()
                  if (k, slot_of_start[m.start]) in x}  # fmt: skip
    new = _with_rooms(prob, fixed, existing, chosen, closed, meetings)
    meetings = original
    before = {m.id: m for m in meetings}
    changes = diff(meetings, new)
    added = tuple(m for m in new if m.id not in before or before[m.id].status not in LIVE and m.status in LIVE)
    moved = tuple((before[m.id], m) for m in new if m.id in before and before[m.id].status in LIVE
                  and m.status in LIVE and (before[m.id].start, before[m.id].room) != (m.start, m.room))  # fmt: skip
    cancelled = tuple(m for m in new if m.status == "cancelled" and before.get(m.id, m).status in LIVE)
    return Plan(new, added, moved, cancelled, frozenset(changes), time.monotonic() - started,
                dtime_used(solver), stopped_by_wall(solver, status))


def rehouse(meetings: Iterable[Meeting], closed_rooms: Iterable[int], rooms: int,
            now: datetime) -> tuple[Meeting, ...]:
    """Give each meeting still to come in a closed room a free open room of its own slot.

    The time stays; the meeting becomes ``moved`` (its invite changes room). A meeting whose
    slot has no free open room is returned as it is, still in the closed room."""
    closed = set(closed_rooms)
    meetings = tuple(meetings)
    if not closed:
        return meetings
    taken: dict[datetime, set[int]] = defaultdict(set)
    for m in meetings:
        if m.status in LIVE and m.room not in closed:
            taken[m.start].add(m.room)
    out = []
    for m in sorted(meetings, key=lambda m: (m.start, m.room, m.id)):
        free = set(range(1, rooms + 1)) - closed - taken[m.start]
        if m.status in LIVE and m.start > now and m.room in closed and free:
            room = min(free)
            taken[m.start].add(room)
            m = replace(m, room=room, status="moved" if m.status == "scheduled" else m.status)
        out.append(m)
    return tuple(out)


def reoptimise(data: EventData, meetings: Iterable[Meeting], now: datetime, *, allow_moves: bool = False,
               closed_rooms: Iterable[int] = (), config: RebalanceConfig | None = None) -> Plan:
    """Re-generate a published schedule with minimal change; return the plan to preview.

    Meetings in slots that have started are frozen, statuses included (held, no-show,
    cancelled stay what they are). Every wanted pair without a meeting still to come is
    tried again in the free capacity. With ``allow_moves=False`` (the default) no meeting
    still to come moves: with nothing else changed, nothing changes. With ``allow_moves``
    a meeting may move when that places more wanted meetings, each move costing as in a
    repair (``MOVE_COST``, ``SECOND_MOVE_COST``). Meetings that nobody wants any more are
    not touched here (see ``pipeline.unwanted``)."""
    meetings = tuple(meetings)
    cfg = config or RebalanceConfig(time_limit=10.0, max_bystander_moves=10**6)
    prob = build_problem(data, scores=False)
    placed = {pair_key(m.a, m.b) for m in meetings if m.status in LIVE}
    lost = {p for pr in prob.pairs if pr.key not in placed for p in (pr.a, pr.b)}
    return rebalance(data, meetings, now, config=cfg, closed_rooms=closed_rooms, lost=sorted(lost),
                     problem=prob, keep_existing=not allow_moves, retry_cancelled=True)


def with_waitlist(data: EventData, per_participant: int = 3) -> EventData:
    """Add each traditional SME's top recommendations as a waitlist (suggested, priority 3).

    A repair only ever draws on them for someone who lost a meeting (like a host's
    "meet now"); under the ``accepted_only`` request policy they are not used at all.
    """
    if per_participant <= 0:
        return data
    from scheduler.domain.model import Request
    from scheduler.matching.scores import recommend

    recs = recommend(data, per_participant, exclude=[(r.sender, r.receiver) for r in data.requests])
    extra = tuple(Request(m.participant, m.partner, 3, "suggested") for ms in recs.values() for m in ms)
    return replace(data, requests=(*data.requests, *extra))


def fresh_id(base: str, meetings: Iterable[Meeting]) -> str:
    """``base``, unless a missed (no-show) meeting keeps that id: then ``base-2``, ``base-3``, ...

    The record of a missed meeting stays for the event's report; a meeting called off
    earlier (cancelled) is the same meeting coming back and keeps its id."""
    ids = {m.id for m in meetings}
    kept = {m.id for m in meetings if m.status == "no_show"}
    if base not in kept:
        return base
    n = 2
    while f"{base}-{n}" in ids and f"{base}-{n}" in kept:
        n += 1
    return f"{base}-{n}"


def _with_rooms(prob, fixed, existing, chosen, closed, meetings) -> tuple[Meeting, ...]:
    out = list(fixed)
    taken: dict[int, set[int]] = defaultdict(set)
    slot_of_start = {s.start: s.index for s in prob.slots}
    for m in fixed:
        if m.status in LIVE:
            taken[slot_of_start[m.start]].add(m.room)
    keep = [(k, t) for k, t in chosen.items() if k in existing and slot_of_start[existing[k].start] == t
            and existing[k].room not in closed]  # fmt: skip
    for k, t in keep:
        out.append(existing[k])
        taken[t].add(existing[k].room)
    for k, t in sorted(chosen.items()):
        if (k, t) in keep:
            continue
        pr, s = prob.pairs[k], prob.slots[t]
        room = lowest_free_room(taken[t] | closed, prob.event.rooms)
        if room is None:  # the repair model keeps each slot within the open rooms
            raise ValueError(f"slot {t} holds more meetings than the open rooms")
        taken[t].add(room)
        if k in existing:
            old = existing[k]
            out.append(Meeting(old.id, old.a, old.b, s.start, s.end, room, "moved", old.locked, old.version))
        else:
            out.append(Meeting(fresh_id(meeting_id(pr), meetings), pr.a, pr.b, s.start, s.end, room))
    for k, m in existing.items():
        if k not in chosen:
            out.append(Meeting(m.id, m.a, m.b, m.start, m.end, m.room, "cancelled", m.locked, m.version))
    # a new meeting that reuses the id of an earlier cancelled one replaces that record
    by_id: dict[str, Meeting] = {}
    for m in out:
        if m.id not in by_id or by_id[m.id].status not in LIVE:
            by_id[m.id] = m
    return tuple(sorted(by_id.values(), key=lambda m: (m.start, m.room, m.id)))
