"""What a valid schedule is, checked without any solver.

Every solve in the tests, and every production solve, passes through
:func:`validate`. It reads only the event (slots and allowed slots from
:mod:`scheduler.domain.timegrid`) and the schedule, so a bug in a solver cannot hide
behind the same bug here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from scheduler.domain.errors import InvalidInput, Problem
from scheduler.domain.model import EventData, Meeting, Schedule
from scheduler.domain.sessions import describe, session_of
from scheduler.domain.timegrid import Slot
from scheduler.solving.problem import Assignment, SchedProblem, pair_key, to_schedule


def validate(prob: SchedProblem, schedule: Schedule) -> list[str]:
    """Return every broken hard rule as a sentence; an empty list means valid."""
    ev = prob.event
    people = prob.participants
    slot_at = {(s.start, s.end): s.index for s in prob.slots}
    issues: list[str] = []
    live = [m for m in schedule.meetings if m.status not in ("cancelled", "no_show")]
    per_person_slot: dict[tuple[str, int], list[str]] = defaultdict(list)
    per_slot_rooms: dict[int, list[int]] = defaultdict(list)
    count: Counter[str] = Counter()
    pairs: dict[frozenset[str], str] = {}
    placed: dict[str, tuple[int, int]] = {}
    # the sessions a pair's requests restrict its meeting to (docs/format.md, requests)
    restricted = {pr.key: pr.sessions for pr in prob.pairs if pr.sessions is not None}
    for m in live:
        t = slot_at.get((m.start, m.end))
        if t is None:
            issues.append(f"{m.id}: {m.start:%Y-%m-%d %H:%M}-{m.end:%H:%M} UTC is not a slot of the grid")
            continue
        placed[m.id] = (t, m.room)
        unknown = [p for p in (m.a, m.b) if p not in people]
        if unknown:
            issues.append(f"{m.id}: unknown participant {unknown[0]}")
            continue
        if m.a == m.b:
            issues.append(f"{m.id}: {m.a} meets itself")
        if people[m.a].kind == people[m.b].kind and not ev.allow_same_kind:
            issues.append(f"{m.id}: {m.a} and {m.b} are both {people[m.a].kind}")
        if not m.locked:
            for p in (m.a, m.b):
                if t not in prob.allowed[p]:
                    issues.append(f"{m.id}: slot {t} is outside {p}'s hours or availability")
            named = restricted.get(pair_key(m.a, m.b))
            if named is not None and session_of(ev, prob.slots[t]) not in named:
                issues.append(f"{m.id}: slot {t} is in {describe(ev, [session_of(ev, prob.slots[t])])}, but the "
                              f"requests of {m.a} and {m.b} allow only {describe(ev, named)}")  # fmt: skip
        for p in (m.a, m.b):
            per_person_slot[(p, t)].append(m.id)
            count[p] += 1
        if not 1 <= m.room <= ev.rooms:
            issues.append(f"{m.id}: room {m.room} is not between 1 and {ev.rooms}")
        per_slot_rooms[t].append(m.room)
        key = frozenset((m.a, m.b))
        if key in pairs:
            issues.append(f"{m.id}: {m.a} and {m.b} already meet in {pairs[key]}")
        pairs.setdefault(key, m.id)
    for (p, t), ids in sorted(per_person_slot.items()):
        if len(ids) > 1:
            issues.append(f"{p} has {len(ids)} meetings in slot {t}: {', '.join(ids)}")
    for t, rooms in sorted(per_slot_rooms.items()):
        if len(rooms) > ev.rooms:
            issues.append(f"slot {t} has {len(rooms)} meetings for {ev.rooms} rooms")
        dup = sorted(r for r, n in Counter(rooms).items() if n > 1)
        if dup:
            issues.append(f"slot {t}: room {dup[0]} holds two meetings")
    locked_n: Counter[str] = Counter(p for m in live if m.locked for p in {m.a, m.b})
    for p, n in sorted(count.items()):
        cap = people[p].cap(ev)
        if n > max(cap, locked_n[p]):
            issues.append(f"{p} has {n} meetings, over its cap of {cap}")
    by_id = {m.id: m for m in live}
    for lk in prob.locks:
        m = by_id.get(lk.meeting_id)
        if m is None:
            issues.append(f"locked meeting {lk.meeting_id} is missing")
        elif placed.get(m.id) != (lk.slot, lk.room):
            issues.append(f"locked meeting {lk.meeting_id} moved from slot {lk.slot} room {lk.room}")
    return issues


def idle_slots(prob: SchedProblem, schedule: Schedule) -> int:
    """Count empty slots between a participant's first and last meeting of each session."""
    slot_at = {s.start: s for s in prob.slots}
    busy: dict[tuple[str, int], list[int]] = defaultdict(list)
    for m in schedule.meetings:
        if m.status in ("cancelled", "no_show"):
            continue
        s = slot_at[m.start]
        for p in (m.a, m.b):
            busy[(p, s.session)].append(s.index)
    return sum(max(ts) - min(ts) + 1 - len(ts) for ts in busy.values())


def sessions_attended(prob: SchedProblem, schedule: Schedule) -> int:
    """Count (participant, session) pairs with at least one meeting."""
    slot_at = {s.start: s for s in prob.slots}
    return len({(p, slot_at[m.start].session) for m in schedule.meetings for p in (m.a, m.b)
                if m.status not in ("cancelled", "no_show")})  # fmt: skip


def move_problem(data: EventData, meetings: Iterable[Meeting], m: Meeting, slots: tuple[Slot, ...],
                 slot_index: int, room: int, closed_rooms: Iterable[int] = (),
                 now: datetime | None = None) -> str | None:
    """Why ``m`` cannot move to (slot, room) by hand, naming the field; None when it can.

    The one rule for every move by hand (console and host board): a meeting still to come,
    to a slot that has not started at ``now``, an open room within the event's rooms, both
    participants available and free then, in a session the pair's requests allow, the room
    free then."""
    from scheduler.domain.timegrid import allowed_map

    people = data.by_id()

    def name(pid: str) -> str:
        return people[pid].name if pid in people else pid

    if m.status not in ("scheduled", "moved"):
        state = {"held": "took place", "no_show": "was missed", "cancelled": "is cancelled"}.get(m.status, m.status)
        return f"meeting: this meeting {state}; only a meeting still to come can be moved"
    if not 0 <= slot_index < len(slots):
        return f"slot: {slot_index} is not a slot of this event"
    if now is not None and (slots[slot_index].start <= now or m.start <= now):
        return "slot: only meetings and slots that have not started can be moved"
    if not 1 <= room <= data.event.rooms:
        return f"room: must be between 1 and {data.event.rooms}"
    if room in set(closed_rooms):
        return f"room: room {room} is closed; choose an open room or reopen it on the host board first"
    s = slots[slot_index]
    allowed = allowed_map(data, slots)
    for p in (m.a, m.b):
        if slot_index not in allowed[p]:
            return f"slot: {name(p)} is not available then (their working hours or availability)"
    named = next((pr.sessions for pr in data.pairs() if pr.key == pair_key(m.a, m.b)), None)
    if named is not None and session_of(data.event, s) not in named:
        return f"slot: the meeting request restricts this meeting to {describe(data.event, named)}"
    for x in meetings:
        if x.id == m.id or x.status in ("cancelled", "no_show") or x.start != s.start:
            continue
        if x.room == room:
            return f"room: room {room} is taken by {name(x.a)} ⇄ {name(x.b)} in that slot"
        if {x.a, x.b} & {m.a, m.b}:
            return f"slot: {' and '.join(name(p) for p in sorted({x.a, x.b} & {m.a, m.b}))} already meet someone then"
    return None


def check_assignment(prob: SchedProblem, asg: Assignment) -> Schedule:
    """Return ``asg`` as a schedule; raise InvalidInput if it breaks a hard rule (a guard on every
    solver's output)."""
    schedule = to_schedule(prob, asg)
    issues = validate(prob, schedule)
    if issues:
        raise InvalidInput([Problem("schedule", i) for i in issues], "solver produced an invalid schedule")
    return schedule
