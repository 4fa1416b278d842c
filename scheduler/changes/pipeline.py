"""The one road for changes to an event: its phase, and what each change does to the schedule.

Every path that changes the schedule (solve, re-optimisation, repair, undo, standby,
move, decline, profile edit, re-import, closing a room) ends in the same steps, in
this order (``docs/changes.md`` has the table of what each action does in each phase):

1. compute the new schedule (pure functions, here and in ``rebalance``);
2. save it in one transaction with an audit record (``Store.save_schedule`` /
   ``Store.update_meeting``); a meeting that was announced is never deleted: it
   becomes ``cancelled`` and its SEQUENCE rises;
3. diff old and new (``changes.diff``): the participants affected, nobody else;
4. once the event is published, queue REQUEST (moved / added / back) or CANCEL for
   exactly the meetings that changed, then push the change to exactly the affected.

This module holds the pure rules of steps 1 and 3: the event's phase, meetings that
a change leaves without a reason to exist, and the re-optimisation after publication.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from scheduler.domain.language import N_
from scheduler.domain.messages import Message, joined
from scheduler.domain.model import EventData, Meeting, Participant, Unscheduled
from scheduler.domain.sessions import grid_sessions
from scheduler.domain.timegrid import allowed_slots, build_slots
from scheduler.matching.requests import wanted_pairs
from scheduler.solving.problem import pair_key

PHASES = ("draft", "published", "live", "closed")
#: meeting statuses that still take place (or took place)
LIVE = ("scheduled", "moved", "held")
#: statuses of a meeting still to come that a change may move or cancel
UPCOMING = ("scheduled", "moved")

PHASE_TEXT = {
    "draft": "Draft: no invites sent yet. Generating the schedule replaces it.",
    "published": "Published: invites went out. Changes keep what was announced and send updates.",
    "live": "Live: the event is running. Started slots are frozen; changes send updates at once.",
    "closed": "Closed: the event is over. The schedule is kept as the record of what happened.",
}


def phase(data: EventData, published: bool, now: datetime) -> str:
    """Return the event's phase at ``now``: draft, published, live or closed.

    ``published``: whether any invite was ever queued. The event is live from the start of
    its first slot to the end of its last, closed after it (whether published or not).
    """
    slots = build_slots(data.event)
    if slots and now >= slots[-1].end:
        return "closed"
    if slots and now >= slots[0].start:
        return "live"
    return "published" if published else "draft"


def unwanted(data: EventData, meetings: Iterable[Meeting], now: datetime) -> tuple[Meeting, ...]:
    """Meetings still to come whose pair nobody wants any more under the event's request
    policy (a request declined, withdrawn or expired, a participant removed); the ones the
    organiser locked stay. Returned as they are; the caller cancels them."""
    people = {p.id for p in data.participants}  # a removed participant wants nothing
    wanted = {p.key for p in wanted_pairs(data)}
    return tuple(m for m in meetings
                 if m.status in UPCOMING and m.start > now and not m.locked
                 and (m.a not in people or m.b not in people or pair_key(m.a, m.b) not in wanted))  # fmt: skip


def outside_availability(data: EventData, p: Participant, meetings: Iterable[Meeting],
                         now: datetime) -> tuple[Meeting, ...]:
    """``p``'s meetings still to come that lie outside ``p``'s working hours or availability
    (e.g. after ``p`` narrowed them); ``data`` gives the event's slots."""
    slots = build_slots(data.event)
    allowed = {slots[i].start for i in allowed_slots(p, slots)}
    return tuple(m for m in meetings if p.id in (m.a, m.b) and m.status in UPCOMING and m.start > now
                 and m.start not in allowed)  # fmt: skip


def outside_sessions(data: EventData, meetings: Iterable[Meeting], now: datetime) -> tuple[Meeting, ...]:
    """Meetings still to come, not locked, in a session their pair's requests do not allow
    (e.g. after a request was restricted to the afternoon); returned as they are."""
    named = {pr.key: pr.sessions for pr in wanted_pairs(data) if pr.sessions is not None}
    if not named:
        return ()
    slots = build_slots(data.event)
    order = grid_sessions(data.event)
    session = {s.start: order[s.session] for s in slots}
    return tuple(m for m in meetings if m.status in UPCOMING and m.start > now and not m.locked
                 and pair_key(m.a, m.b) in named and m.start in session
                 and session[m.start] not in named[pair_key(m.a, m.b)])  # fmt: skip


def cancelled(meetings: Iterable[Meeting], ids: Iterable[str]) -> tuple[Meeting, ...]:
    """The schedule with the meetings ``ids`` cancelled (the store raises their SEQUENCE)."""
    gone = set(ids)
    return tuple(replace(m, status="cancelled") if m.id in gone else m for m in meetings)


@dataclass(frozen=True)
class Preview:
    """What a change would do, for the person to apply or discard it."""

    added: tuple[Meeting, ...]
    moved: tuple[tuple[Meeting, Meeting], ...]  # (before, after)
    cancelled: tuple[Meeting, ...]
    affected: frozenset[str]

    @property
    def empty(self) -> bool:
        return not (self.added or self.moved or self.cancelled)


def preview(before: Iterable[Meeting], after: Iterable[Meeting]) -> Preview:
    """Compare two schedules of one event: meetings added, moved, cancelled; who is affected."""
    from scheduler.changes.diff import diff

    old = {m.id: m for m in before}
    new = tuple(after)
    changes = diff(old.values(), new)
    seen = {c.meeting.id: c for cs in changes.values() for c in cs}
    return Preview(
        added=tuple(c.meeting for c in seen.values() if c.kind == "added"),
        moved=tuple((c.before, c.meeting) for c in seen.values() if c.kind == "moved" and c.before),
        cancelled=tuple(c.meeting for c in seen.values() if c.kind == "cancelled"),
        affected=frozenset(changes),
    )


@dataclass(frozen=True)
class Restore:
    """What reopening a room can put back: meetings back where they were, and those that stay."""

    back: tuple[tuple[Meeting, Meeting], ...]  # (now, restored)
    stay: tuple[tuple[Meeting, str], ...]  # (now, why it cannot go back: a Message)


def restorable(data: EventData, meetings: Iterable[Meeting], displaced: Iterable[Meeting], now: datetime,
               closed_rooms: Iterable[int] = ()) -> Restore:
    """Which meetings a room closing moved in time or cancelled can go back to their slot and room.

    ``displaced``: those meetings as they were before the closing. One goes back when its
    slot is still to come, its room is open and free then, both participants are free then
    (and below their cap, for a cancelled one), and the pair is still wanted. A meeting that
    only changed room in its own slot keeps its new room: its time never changed."""
    current = {m.id: m for m in meetings}
    people = data.by_id()
    wanted = {p.key for p in wanted_pairs(data)}
    closed = set(closed_rooms)
    live = [m for m in current.values() if m.status in LIVE]
    back: list[tuple[Meeting, Meeting]] = []
    stay: list[tuple[Meeting, str]] = []
    for d in sorted(displaced, key=lambda m: (m.start, m.room, m.id)):
        m = current.get(d.id)
        if m is None or m.status in ("held", "no_show") or (m.status in LIVE and m.start == d.start):
            continue  # it took place, or it only changed room (or is back already)
        why = None
        if d.start <= now:
            why = Message(N_("its time has passed"))
        elif d.room in closed or not 1 <= d.room <= data.event.rooms:
            why = Message(N_("room {room} is closed"), room=d.room)
        elif m.a not in people or m.b not in people or (pair_key(m.a, m.b) not in wanted and not m.locked):
            why = Message(N_("the meeting is no longer wanted"))
        else:
            others = [x for x in live if x.id != m.id]
            if any(x.start == d.start and x.room == d.room for x in others):
                why = Message(N_("room {room} is taken then"), room=d.room)
            elif busy := sorted({p for x in others if x.start == d.start for p in (x.a, x.b)} & {m.a, m.b}):
                why = Message(N_("{names} already meet someone then"), names=joined([people[p].name for p in busy]))
            elif m.status == "cancelled" and any(pair_key(x.a, x.b) == pair_key(m.a, m.b) for x in others):
                why = Message(N_("they meet at another time already"))
            elif m.status == "cancelled" and (full := [p for p in (m.a, m.b)
                                                        if sum(p in (x.a, x.b) for x in others) >= people[p].cap(data.event)]):  # fmt: skip
                why = Message(N_("{name} reached their number of meetings"), name=people[full[0]].name)
        restored = replace(m, start=d.start, end=d.end, room=d.room,
                           status=d.status if d.status in UPCOMING else "scheduled")  # fmt: skip
        if why is None and any(outside_availability(data, people[p], [restored], now) for p in (m.a, m.b)):
            why = Message(N_("one of them is no longer available then"))
        if why is None and outside_sessions(data, [restored], now):
            why = Message(N_("its request now asks for other sessions"))
        if why is None:
            back.append((m, restored))
            live = [x for x in live if x.id != m.id] + [restored]
        else:
            stay.append((m, why))
    return Restore(tuple(back), tuple(stay))


def not_placed(data: EventData, meetings: Iterable[Meeting]) -> tuple[Unscheduled, ...]:
    """Every wanted pair (under the event's request policy) without a meeting that takes place,
    with the reason in words; computed from the schedule as it is now."""
    from scheduler.solver import explain
    from scheduler.solving.problem import Assignment, build_problem

    prob = build_problem(data, scores=False)
    index = {pr.key: k for k, pr in enumerate(prob.pairs)}
    slot_of_start = {s.start: s.index for s in prob.slots}
    meetings = tuple(meetings)
    asg = Assignment({index[pair_key(m.a, m.b)]: slot_of_start[m.start] for m in meetings
                      if m.status in LIVE and pair_key(m.a, m.b) in index and m.start in slot_of_start})  # fmt: skip
    lost = {pair_key(m.a, m.b): m.status for m in meetings if m.status in ("cancelled", "no_show")}
    said = {"cancelled": Message(N_("their meeting was called off (cancelled)")),
            "no_show": Message(N_("one of them missed their meeting"))}  # fmt: skip
    people = data.by_id()

    def named(u: Unscheduled) -> str:  # the reasons name people by id; a person reads names
        text = said.get(lost.get(pair_key(u.sender, u.receiver), ""), u.reason)
        if isinstance(text, Message):
            return Message(text.template, **{k: people[v].name if k in ("a", "b", "who") and v in people else v
                                             for k, v in text.args.items()})  # fmt: skip
        for pid in (u.sender, u.receiver):
            if pid in people:
                text = re.sub(rf"(?<![\w-]){re.escape(pid)}(?![\w-])", people[pid].name, text)
        return text

    return tuple(replace(u, reason=named(u)) for u in explain(prob, asg))
