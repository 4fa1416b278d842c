"""Standby "meet now": when a partner has not shown up N minutes into a slot, offer the
participant left waiting an immediate meeting with someone else who is here and free.

The offer goes to both people; when both accept from their portal it becomes a
meeting in that slot (the missed meeting is recorded as a no-show) in one
transaction. Candidates are checked in, free in the running slot (or waiting
themselves), allowed to meet (kinds, availability, caps, not met already) and
ranked by their recommendation score; a pair someone already asked for comes first,
unless its requests restrict it to other sessions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from scheduler.domain.errors import Conflict, InvalidInput
from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.model import EventData, Meeting, Schedule
from scheduler.domain.sessions import session_of
from scheduler.domain.timegrid import Slot, allowed_map, build_slots
from scheduler.live.repair import fresh_id
from scheduler.matching.scores import Scorer
from scheduler.solving.problem import lowest_free_room, pair_key

OPEN_STATES = ("scheduled", "moved")
#: the note of an offer whose slot ended before both answered
SLOT_OVER = Message(N_("its slot is over"))
COUNTED = ("scheduled", "moved", "held")  # meetings that use a participant's cap


@dataclass(frozen=True)
class Waiting:
    meeting: Meeting
    waiting: str  # checked in
    missing: str  # not checked in


def running_slot(slots: Iterable[Slot], now: datetime) -> Slot | None:
    return next((s for s in slots if s.start <= now < s.end), None)


def waiting(meetings: Iterable[Meeting], checked: set[str], slot: Slot, now: datetime,
            after_minutes: int) -> list[Waiting]:
    """Meetings of the running slot where one side is here and the other is not, N minutes in."""
    if now < slot.start + timedelta(minutes=after_minutes):
        return []
    out = []
    for m in sorted(meetings, key=lambda m: (m.room, m.id)):
        if m.start != slot.start or m.status not in OPEN_STATES:
            continue
        a_in, b_in = m.a in checked, m.b in checked
        if a_in != b_in:
            out.append(Waiting(m, m.a if a_in else m.b, m.b if a_in else m.a))
    return out


def propose(data: EventData, meetings: Iterable[Meeting], checked: set[str], now: datetime, after_minutes: int,
            offers: Iterable[dict[str, Any]] = (), closed_rooms: Iterable[int] = (),
            scorer: Scorer | None = None) -> list[dict[str, Any]]:
    """Return new offers for the running slot: at most one open offer per person."""
    meetings = tuple(meetings)
    slots = build_slots(data.event)
    slot = running_slot(slots, now)
    if slot is None:
        return []
    waits = waiting(meetings, checked, slot, now, after_minutes)
    if not waits:
        return []
    offers = [o for o in offers if o["slot_start"] == slot.start]
    engaged = {p for o in offers if o["status"] in ("open", "confirmed") for p in (o["a"], o["b"])}
    refused = {pair_key(o["a"], o["b"]) for o in offers if o["status"] in ("declined", "void")}
    people = data.by_id()
    allowed = allowed_map(data, slots)
    waiting_meeting = {w.waiting: w.meeting for w in waits}
    busy = {p for m in meetings if m.start == slot.start and m.status in COUNTED for p in (m.a, m.b)}
    free = sorted(p for p in checked if p in people and (p not in busy or p in waiting_meeting))
    met = {pair_key(m.a, m.b) for m in meetings if m.status in COUNTED}
    used: dict[str, int] = defaultdict(int)
    for m in meetings:
        if m.status in COUNTED:
            used[m.a] += 1
            used[m.b] += 1
    for p in waiting_meeting:
        used[p] -= 1  # the missed meeting does not count once it is replaced
    requested = {pair_key(r.sender, r.receiver) for r in data.requests if r.status not in ("declined", "withdrawn")}
    # a pair whose requests name other sessions does not meet in this one (docs/format.md, requests)
    session = session_of(data.event, slot)
    elsewhere = {pr.key for pr in data.pairs() if pr.sessions is not None and session not in pr.sessions}
    sc = scorer or Scorer(data, allowed)
    out = []
    for w in waits:
        me = people[w.waiting]
        if w.waiting in engaged or slot.index not in allowed[w.waiting]:
            continue
        best = None
        for p in free:
            other = people[p]
            key = pair_key(me.id, p)
            if (p in engaged or p in (me.id, w.missing) or key in met or key in refused or key in elsewhere
                    or slot.index not in allowed[p] or used[p] >= other.cap(data.event)
                    or (other.kind == me.kind and not data.event.allow_same_kind)):  # fmt: skip
                continue
            trad, tech = (me.id, p) if me.kind == "traditional" else (p, me.id)
            score = sc.score(trad, tech) if people[trad].kind != people[tech].kind else 0.0
            asked = key in requested
            if score <= 0 and not asked:
                continue  # nothing to talk about
            rank = (asked, score, p)
            if best is None or rank > best[0]:
                best = (rank, p, score, asked)
        if best is None:
            continue
        _, p, score, asked = best
        trad, tech = (me.id, p) if me.kind == "traditional" else (p, me.id)
        reasons = list(sc.reasons(trad, tech)) if trad in sc.ti and tech in sc.si else []
        if asked:
            reasons.insert(0, Message(N_("one of you asked to meet the other")))
        replaces = [w.meeting.id] + ([waiting_meeting[p].id] if p in waiting_meeting else [])
        out.append({"slot_start": slot.start, "slot_end": slot.end, "a": me.id, "b": p, "room": w.meeting.room,
                    "score": round(score, 3), "reasons": [r for r in reasons if "no common slot" not in r],
                    "replaces": replaces})  # fmt: skip
        engaged |= {me.id, p}
    return out


def arrived(meetings: Iterable[Meeting], offer: dict[str, Any], checked: set[str]) -> str | None:
    """The missing partner the offer replaces who has checked in since, if any."""
    for m in meetings:
        if m.id in offer["replaces"]:
            for p in (m.a, m.b):
                if p not in (offer["a"], offer["b"]) and p in checked:
                    return p
    return None


def confirm(data: EventData, meetings: Iterable[Meeting], offer: dict[str, Any], now: datetime,
            closed_rooms: Iterable[int] = (), checked: set[str] | None = None) -> tuple[Meeting, ...]:
    """Return the schedule with the offer turned into a meeting; Conflict when it no longer fits."""
    meetings = tuple(meetings)
    if now >= offer["slot_end"]:
        raise Conflict(Message(N_("the slot of this offer is over")))
    a, b = offer["a"], offer["b"]
    late = arrived(meetings, offer, checked or set())
    if late is not None:
        raise Conflict(Message(N_("{name} has arrived for the planned meeting"), name=data.by_id()[late].name))
    replaced = {mid for mid in offer["replaces"]}
    out = []
    for m in meetings:
        if m.id in replaced:
            if m.status not in OPEN_STATES:
                raise Conflict(Message(N_("meeting {meeting} is already marked {status}: the partner may have arrived"),
                                       meeting=m.id, status=m.status))  # fmt: skip
            m = replace(m, status="no_show")
        out.append(m)
    live_then = [m for m in out if m.start == offer["slot_start"] and m.status in COUNTED]
    for m in live_then:
        if {m.a, m.b} & {a, b}:
            raise Conflict(Message(N_("{who} already meets someone in this slot"),
                                   who=" and ".join(sorted({m.a, m.b} & {a, b}))))  # fmt: skip
    if any(m.status in COUNTED and pair_key(m.a, m.b) == pair_key(a, b) for m in out):
        raise Conflict(Message(N_("{a} and {b} already have a meeting"), a=a, b=b))
    taken = {m.room for m in live_then} | set(closed_rooms)
    room = offer["room"] if offer["room"] not in taken else \
        lowest_free_room(taken, data.event.rooms)  # fmt: skip
    if room is None:
        raise Conflict(Message(N_("no virtual room is free in this slot")))
    x, y = pair_key(a, b)
    mid = fresh_id(f"m-{x}-{y}", out)
    new = Meeting(mid, x, y, offer["slot_start"], offer["slot_end"], room, "scheduled")
    out = [m for m in out if m.id != mid]  # an earlier cancelled meeting of the same pair is replaced
    out.append(new)
    return tuple(sorted(out, key=lambda m: (m.start, m.room, m.id)))


# ---------------------------------------------------------------- with a store


def said(exc: Exception) -> str:
    """What ``exc`` says: its :class:`Message` when it was raised with one (kept for the reader's language)."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], Message) else str(exc)


@dataclass(frozen=True)
class Answer:
    offer: dict[str, Any]
    before: tuple[Meeting, ...] = ()
    after: tuple[Meeting, ...] = ()  # empty unless the offer became a meeting


def scan(store, event_id: str, now: datetime) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Close offers that can no longer happen, make new ones; return (new, closed)."""
    with store.write():
        meetings = store.meetings(event_id)
        checked = store.checked_in(event_id)
        closed = []
        for o in store.offers(event_id, status="open"):
            if o["slot_end"] <= now:
                closed.append(store.set_offer(event_id, o["id"], now, status="expired", note=SLOT_OVER))
            elif (who := arrived(meetings, o, checked)) is not None:
                closed.append(store.set_offer(event_id, o["id"], now, status="void",
                                              note=Message(N_("{who} arrived for the planned meeting"), who=who)))  # fmt: skip
        settings = store.live_settings(event_id)
        data = store.load(event_id)
        offers = propose(data, meetings, checked, now, settings["standby_minutes"], store.offers(event_id),
                         settings["closed_rooms"])  # fmt: skip
        return (store.add_offers(event_id, offers, now) if offers else []), closed


def answer(store, event_id: str, offer_id: int, pid: str, accept: bool, now: datetime) -> Answer:
    """Record one person's answer; when both accepted, make the meeting (all in one transaction)."""
    with store.write():
        offer = store.offer(event_id, offer_id)
        if pid not in (offer["a"], offer["b"]):
            raise InvalidInput(f"offer {offer_id}: it is not addressed to {pid}")
        if offer["status"] != "open":
            raise Conflict(f"offer {offer_id} is {offer['status']} already")
        if offer["slot_end"] <= now:
            return Answer(store.set_offer(event_id, offer_id, now, status="expired", note=SLOT_OVER))
        side = "a_answer" if pid == offer["a"] else "b_answer"
        offer = store.set_offer(event_id, offer_id, now, actor=pid, **{side: "accepted" if accept else "declined"})
        if not accept:
            return Answer(store.set_offer(event_id, offer_id, now, actor=pid, status="declined"))
        if not (offer["a_answer"] == offer["b_answer"] == "accepted"):
            return Answer(offer)
        data = store.load(event_id)
        before = store.meetings(event_id)
        try:
            after = confirm(data, before, offer, now, store.live_settings(event_id)["closed_rooms"],
                            store.checked_in(event_id))  # fmt: skip
        except Conflict as exc:
            return Answer(store.set_offer(event_id, offer_id, now, actor=pid, status="void", note=said(exc)))
        store.save_schedule(Schedule(event_id, after), actor=pid, now=now,
                            detail={"action": "standby", "offer": offer_id, "a": offer["a"], "b": offer["b"]})  # fmt: skip
        [made] = [m for m in after if m.start == offer["slot_start"] and {m.a, m.b} == {offer["a"], offer["b"]}
                  and m.status == "scheduled"]  # fmt: skip
        offer = store.set_offer(event_id, offer_id, now, actor=pid, status="confirmed", meeting_id=made.id)
        return Answer(offer, before, store.meetings(event_id))
