"""The scheduling problem as data: what any solver (CP-SAT or greedy) sees.

Built once from an event: its slots, each participant's allowed slots and cap,
the wanted pairs with their weights and the slots both sides can take (within the
sessions their requests name, if any), and the meetings the organiser locked. Solvers return an :class:`Assignment`
(pair -> slot), and :func:`to_schedule` turns it into meetings with rooms.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import datetime

from scheduler.domain.errors import InfeasibleLock, Message, Problem
from scheduler.domain.language import N_
from scheduler.domain.model import EventData, Meeting, Pair, Participant, Slot
from scheduler.domain.sessions import slots_in
from scheduler.domain.timegrid import allowed_map, build_slots
from scheduler.matching.requests import wanted_pairs

#: Weight of a wanted pair by its best priority, and what mutuality, acceptance,
#: an organiser's decision and the compatibility score add (docs/matching.md).
PRIORITY_WEIGHT = {1: 12, 2: 8, 3: 5}
MUTUAL_BONUS = 6
ACCEPTED_BONUS = 3
IMPOSED_BONUS = 10


def pair_weight(priority: int, mutual: bool, accepted: bool = False, imposed: bool = False,
                score: float = 0.0) -> int:
    """Return the objective weight of a wanted pair."""
    from scheduler.matching.scores import score_bonus

    return (PRIORITY_WEIGHT.get(priority, 5) + (MUTUAL_BONUS if mutual else 0)
            + (ACCEPTED_BONUS if accepted and not mutual else 0) + (IMPOSED_BONUS if imposed else 0)
            + score_bonus(score))  # fmt: skip


@dataclass(frozen=True)
class Lock:
    """A meeting the organiser fixed: this pair, this slot, this room."""

    meeting_id: str
    a: str
    b: str
    slot: int
    room: int


@dataclass(frozen=True)
class SchedProblem:
    data: EventData
    slots: tuple[Slot, ...]
    allowed: dict[str, frozenset[int]]
    pairs: tuple[Pair, ...]  # weighted; locked pairs included
    common: tuple[tuple[int, ...], ...]  # per pair: slots allowed for both, in time order
    locks: tuple[Lock, ...] = ()
    participants: dict[str, Participant] = field(default_factory=dict)

    @property
    def event(self):
        return self.data.event

    def cap(self, pid: str) -> int:
        return self.participants[pid].cap(self.event)

    def pairs_of(self) -> dict[str, list[int]]:
        """Return participant id -> indices of the pairs it is part of."""
        out: dict[str, list[int]] = defaultdict(list)
        for k, pr in enumerate(self.pairs):
            out[pr.a].append(k)
            out[pr.b].append(k)
        return out

    def locked_slot(self) -> dict[int, int]:
        """Return pair index -> locked slot."""
        index = {pr.key: k for k, pr in enumerate(self.pairs)}
        return {index[pair_key(lk.a, lk.b)]: lk.slot for lk in self.locks}

    def session_slots(self) -> list[list[int]]:
        out: list[list[int]] = []
        for s in self.slots:
            if s.session == len(out):
                out.append([])
            out[s.session].append(s.index)
        return out


def lowest_free_room(taken: Collection[int], rooms: int) -> int | None:
    """Return the lowest room number in 1..``rooms`` not in ``taken``, or None when all are taken.

    Costs O(len(taken)), not O(rooms): a room count is a typed number, meetings are real.
    """
    used = set(taken)
    room = next(r for r in range(1, len(used) + 2) if r not in used)
    return room if room <= rooms else None


def pair_key(a: str, b: str) -> tuple[str, str]:
    """The pair (a, b) in canonical order, the key of every pair map (the smaller id first)."""
    return (a, b) if a < b else (b, a)


def build_problem(data: EventData, locked: tuple[Meeting, ...] = (), scores: bool = True) -> SchedProblem:
    """Return the problem for ``data``, with ``locked`` meetings fixed in place.

    ``scores=False`` skips the compatibility scores in the weights (a live repair needs speed).
    """
    slots = build_slots(data.event)
    allowed = allowed_map(data, slots)
    people = data.by_id()
    locks = _locks(data, slots, locked)
    pairs: dict[tuple[str, str], Pair] = {}
    wanted = [pr for pr in wanted_pairs(data)
              if people[pr.a].kind != people[pr.b].kind or data.event.allow_same_kind]  # fmt: skip
    score = _scores(data, allowed, wanted) if scores else {}
    for pr in wanted:
        w = pair_weight(pr.priority, pr.mutual, pr.accepted, pr.imposed, score.get(pr.key, 0.0))
        pairs[pr.key] = replace(pr, weight=w)
    for lk in locks:  # a locked meeting is wanted even when nobody requested it
        key = pair_key(lk.a, lk.b)
        if key not in pairs:
            pairs[key] = Pair(key[0], key[1], 1, False, pair_weight(1, False, imposed=True), imposed=True)
    ordered = tuple(pairs[k] for k in sorted(pairs))
    within: dict[tuple[int, ...], frozenset[int]] = {}  # sessions named -> their slots
    for p in ordered:
        if p.sessions is not None and p.sessions not in within:
            within[p.sessions] = slots_in(data.event, slots, p.sessions)
    common = tuple(tuple(sorted(allowed[p.a] & allowed[p.b] if p.sessions is None
                                else allowed[p.a] & allowed[p.b] & within[p.sessions])) for p in ordered)  # fmt: skip
    # a locked meeting may sit outside someone's hours: the organiser decided so
    lock_slot = {pair_key(lk.a, lk.b): lk.slot for lk in locks}
    common = tuple(
        tuple(sorted(set(c) | {lock_slot[p.key]})) if p.key in lock_slot else c
        for p, c in zip(ordered, common, strict=True)
    )
    return SchedProblem(data, slots, allowed, ordered, common, locks, people)


def _scores(data: EventData, allowed: dict[str, frozenset[int]], wanted: list[Pair]
            ) -> dict[tuple[str, str], float]:
    """Compatibility scores of the wanted pairs, when the profiles say anything."""
    if not any(p.needs or p.offers or p.description for p in data.participants):
        return {}
    from scheduler.matching.scores import scores_of

    return scores_of(data, [pr.key for pr in wanted], allowed)


def _locks(data: EventData, slots: tuple[Slot, ...], locked: tuple[Meeting, ...]) -> tuple[Lock, ...]:
    by_start: dict[datetime, int] = {s.start: s.index for s in slots}
    people = data.by_id()
    problems: list[Problem] = []
    out: list[Lock] = []
    for m in locked:
        where = f"locked meeting {m.id}"
        for pid in (m.a, m.b):
            if pid not in people:
                problems.append(Problem.of(where, N_("unknown participant {id}"), id=repr(pid)))
        if m.start not in by_start:
            problems.append(Problem.of(where, N_("{start} is not the start of a slot"), start=m.start.isoformat()))
            continue
        if not 1 <= m.room <= data.event.rooms:
            problems.append(Problem.of(where, N_("room {room} is not between 1 and {rooms}"), room=m.room,
                                       rooms=data.event.rooms))
        out.append(Lock(m.id, m.a, m.b, by_start[m.start], m.room))
    # two locks for one participant, or one room, in the same slot
    seen_person: dict[tuple[str, int], str] = {}
    seen_room: dict[tuple[int, int], str] = {}
    per_slot: dict[int, int] = defaultdict(int)
    for lk in out:
        for pid in (lk.a, lk.b):
            other = seen_person.setdefault((pid, lk.slot), lk.meeting_id)
            if other != lk.meeting_id:
                problems.append(Problem.of(
                    f"locked meetings {other} and {lk.meeting_id}", N_("both put {id} in slot {slot} ({start} UTC)"),
                    id=pid, slot=lk.slot, start=f"{slots[lk.slot].start:%Y-%m-%d %H:%M}"))
        other = seen_room.setdefault((lk.room, lk.slot), lk.meeting_id)
        if other != lk.meeting_id:
            problems.append(Problem.of(f"locked meetings {other} and {lk.meeting_id}",
                                       N_("both use room {room} in slot {slot}"), room=lk.room, slot=lk.slot))
        per_slot[lk.slot] += 1
    pairs_seen: dict[tuple[str, str], str] = {}
    for lk in out:
        other = pairs_seen.setdefault(pair_key(lk.a, lk.b), lk.meeting_id)
        if other != lk.meeting_id:
            problems.append(Problem.of(f"locked meetings {other} and {lk.meeting_id}",
                                       N_("{a} and {b} would meet twice"), a=lk.a, b=lk.b))
    mine: dict[str, list[str]] = defaultdict(list)
    for lk in out:
        mine[lk.a].append(lk.meeting_id)
        mine[lk.b].append(lk.meeting_id)
    for pid, ids in sorted(mine.items()):
        cap = people[pid].cap(data.event) if pid in people else len(ids)
        if len(ids) > cap:  # never relaxed: the organiser decides which lock goes
            problems.append(Problem.of(f"locked meetings {', '.join(sorted(ids))}", Message.ngettext(
                "give {id} {n} meeting, more than their cap of {cap}", "give {id} {n} meetings, more than their cap of {cap}",
                len(ids), id=pid, cap=cap)))
    if problems:
        raise InfeasibleLock(problems, Message.of(N_("locked meetings cannot all hold")))
    return tuple(out)


@dataclass(frozen=True)
class Assignment:
    """The solver's answer: pair index -> slot index."""

    slot_of: dict[int, int]

    def busy(self, prob: SchedProblem) -> dict[str, dict[int, int]]:
        """Return participant -> slot -> pair index."""
        out: dict[str, dict[int, int]] = defaultdict(dict)
        for k, t in self.slot_of.items():
            pr = prob.pairs[k]
            out[pr.a][t] = k
            out[pr.b][t] = k
        return out


def assign_rooms(prob: SchedProblem, asg: Assignment) -> dict[int, int]:
    """Number rooms per slot so participants keep their room across consecutive meetings."""
    locked_room = {}
    index = {pr.key: k for k, pr in enumerate(prob.pairs)}
    for lk in prob.locks:
        locked_room[index[pair_key(lk.a, lk.b)]] = lk.room
    by_slot: dict[int, list[int]] = defaultdict(list)
    for k, t in asg.slot_of.items():
        by_slot[t].append(k)
    room_of: dict[int, int] = {}
    last_room: dict[str, tuple[int, int]] = {}  # participant -> (slot, room)
    for t in sorted(by_slot):
        taken: set[int] = set()
        lowest = 1  # rooms below it are taken: rooms are only taken, so the lowest free one only rises
        ks = sorted(by_slot[t])
        for k in ks:
            if k in locked_room:
                room_of[k] = locked_room[k]
                taken.add(locked_room[k])
        for k in ks:
            if k in room_of:
                continue
            pr = prob.pairs[k]
            wish = [last_room[p][1] for p in (pr.a, pr.b)
                    if p in last_room and last_room[p][0] == t - 1]  # fmt: skip
            wish = [r for r in wish if r not in taken]
            while lowest in taken:
                lowest += 1
            room = wish[0] if wish else lowest if lowest <= prob.event.rooms else None
            if room is None:  # the solvers never place more meetings than rooms in a slot
                raise ValueError(f"slot {t} holds more meetings than the {prob.event.rooms} rooms")
            room_of[k] = room
            taken.add(room)
        for k in ks:
            pr = prob.pairs[k]
            last_room[pr.a] = last_room[pr.b] = (t, room_of[k])
    return room_of


def meeting_id(pr: Pair) -> str:
    """Return a stable meeting id derived from the pair (same pair, same id across solves)."""
    return f"m-{pr.a}-{pr.b}"


def to_schedule(prob: SchedProblem, asg: Assignment):
    """Turn an assignment into a :class:`Schedule` with rooms numbered."""
    from scheduler.domain.model import Schedule

    rooms = assign_rooms(prob, asg)
    locks = {pair_key(lk.a, lk.b): lk for lk in prob.locks}
    meetings = []
    for k, t in sorted(asg.slot_of.items(), key=lambda kt: (kt[1], rooms[kt[0]])):
        pr, s = prob.pairs[k], prob.slots[t]
        lk = locks.get(pr.key)
        if lk is not None:  # a locked meeting keeps its id and the organiser's order of names
            meetings.append(Meeting(lk.meeting_id, lk.a, lk.b, s.start, s.end, rooms[k], "scheduled", True))
        else:
            meetings.append(Meeting(meeting_id(pr), pr.a, pr.b, s.start, s.end, rooms[k]))
    return Schedule(prob.event.id, tuple(meetings))
