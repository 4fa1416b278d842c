"""Re-import of a stored event: what a new version of the event file changes (pure).

A re-import *merges* by default: participants and requests new in the file are added,
changed profiles are updated under the same id (their personal link keeps working), a
request the file restricts to other sessions takes them (its meeting still to come is
cancelled when it no longer fits them),
participants absent from the file are removed (kept as records, see ``Store``) and
their meetings still to come cancelled; requests that came from an import and are
absent from the file are withdrawn; the event settings follow the file, and the
meetings still to come that no longer fit them are cancelled. Meetings of unchanged
pairs stay exactly as they are, and nothing is ever deleted: a cancelled meeting keeps
its id and its SEQUENCE rises, so calendars receive a CANCEL.

:func:`plan_merge` computes the :class:`MergePlan` the organiser previews; the store
applies it (``Store.merge_event``) in one transaction. :func:`replace_warning` says
what a full replace of a published event would cancel.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from datetime import datetime

from scheduler.changes import pipeline
from scheduler.domain.errors import InvalidInput
from scheduler.domain.language import N_
from scheduler.domain.messages import Message
from scheduler.domain.model import LIVE_STATUSES, EventData, Meeting, Participant, Request
from scheduler.domain.sessions import describe, format_sessions
from scheduler.domain.timegrid import build_slots, local_label
from scheduler.files.writer import event_to_dict
from scheduler.matching.requests import RequestState

#: participant fields compared to decide that a profile changed (the id is the identity)
PROFILE_FIELDS = tuple(f.name for f in fields(Participant) if f.name != "id")


@dataclass(frozen=True)
class Updated:
    """A participant whose profile changes, and which fields."""

    participant: Participant
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Cancellation:
    """A meeting still to come that the re-import cancels, and why."""

    meeting: Meeting
    reason: str


@dataclass(frozen=True)
class MergePlan:
    """What a re-import would change: previewed first, then stored as it is.

    ``merged`` is the event as it will be stored (``merged.removed``: everyone removed,
    now and before); ``meetings`` the whole schedule after it (the cancelled ones with
    status ``cancelled``); ``told``: the participants whose calendars change.
    """

    merged: EventData
    added: tuple[Participant, ...]
    updated: tuple[Updated, ...]
    removed: tuple[Participant, ...]
    requests_added: tuple[Request, ...]
    requests_withdrawn: tuple[Request, ...]
    settings: tuple[tuple[str, str, str], ...]  # (field, before, after)
    cancelled: tuple[Cancellation, ...]
    meetings: tuple[Meeting, ...]
    told: tuple[str, ...]
    #: requests in both the store and the file whose sessions the file changes (as they will be)
    requests_changed: tuple[Request, ...] = ()

    @property
    def event_id(self) -> str:
        return self.merged.event.id

    @property
    def empty(self) -> bool:
        return not (self.added or self.updated or self.removed or self.requests_added or self.requests_changed
                    or self.requests_withdrawn or self.settings or self.cancelled)  # fmt: skip

    def summary(self) -> Message:
        """One line: how many of each change (a Message: English as a str, any language by ``say``)."""
        counts = {"added": len(self.added), "updated": len(self.updated), "removed": len(self.removed),
                  "requests_added": len(self.requests_added), "withdrawn": len(self.requests_withdrawn),
                  "changed": len(self.requests_changed), "settings": len(self.settings),
                  "cancelled": len(self.cancelled), "told": len(self.told)}  # fmt: skip
        if self.requests_changed:
            return Message(N_("{added} participants added, {updated} updated, {removed} removed; {requests_added} "
                              "requests added, {withdrawn} withdrawn, {changed} changed; {settings} settings changed; "
                              "{cancelled} meetings cancelled; {told} participants told"), **counts)  # fmt: skip
        return Message(N_("{added} participants added, {updated} updated, {removed} removed; {requests_added} requests "
                          "added, {withdrawn} withdrawn; {settings} settings changed; {cancelled} meetings cancelled; "
                          "{told} participants told"), **counts)  # fmt: skip

    def lines(self) -> list[str]:
        """The plan in words, one change a line, times in the event's zone."""
        people = self.merged.by_id()
        tz = self.merged.event.timezone
        out = [f"+ participant {p.id} ({p.name})" for p in self.added]
        out += [f"~ participant {u.participant.id} ({u.participant.name}): {', '.join(u.fields)}" for u in self.updated]
        out += [f"- participant {p.id} ({p.name}): removed, personal link revoked" for p in self.removed]
        out += [f"+ request {r.sender} -> {r.receiver}" for r in self.requests_added]
        out += [f"- request {r.sender} -> {r.receiver} ({r.status}): withdrawn" for r in self.requests_withdrawn]
        out += [f"~ request {r.sender} -> {r.receiver}: sessions "
                + (f"{format_sessions(r.sessions)} ({describe(self.merged.event, r.sessions)})" if r.sessions
                   else "any") for r in self.requests_changed]  # fmt: skip
        out += [f"~ setting {k}: {a} -> {b}" for k, a, b in self.settings]
        for c in self.cancelled:
            m = c.meeting
            out.append(f"x meeting {people[m.a].name} <> {people[m.b].name}, {local_label(m.start, tz, '%a %d %b %H:%M')},"
                       f" room {m.room}: cancelled ({c.reason})")  # fmt: skip
        return out


def changed_fields(before: Participant, after: Participant) -> tuple[str, ...]:
    """The profile fields (model names) in which two versions of a participant differ."""
    return tuple(f for f in PROFILE_FIELDS if getattr(before, f) != getattr(after, f)
                 or (f == "extra" and dict(before.extra) != dict(after.extra)))  # fmt: skip


def _settings(before: EventData, after: EventData) -> tuple[tuple[str, str, str], ...]:
    a, b = event_to_dict(before.event), event_to_dict(after.event)
    keys = sorted(set(a) | set(b))
    return tuple((k, str(a.get(k, "")), str(b.get(k, ""))) for k in keys if a.get(k) != b.get(k) and k != "id")


def plan_merge(current: EventData, states: Iterable[RequestState], incoming: EventData,
               meetings: Iterable[Meeting], now: datetime) -> MergePlan:
    """Compare the stored event with a new version of its file; return the merge plan.

    ``current``: the stored event (``Store.load``); ``states``: its requests with their
    origin (``Store.request_states``); ``meetings``: its stored schedule; ``now``: meetings
    that started before it are history and never change. Requests made in the app (origin
    other than ``import``) are not expected in the file and stay, unless a side is removed.
    A request in both keeps its stored state (its lifecycle moved on since the import), but
    takes the file's sessions when they differ (``requests_changed``): a meeting still to come
    outside the sessions its pair may then use is cancelled.
    Raises InvalidInput when the file is of another event.
    """
    ev = current.event
    if incoming.event.id != ev.id:
        raise InvalidInput(f"the file is event {incoming.event.id!r}, not {ev.id!r}")
    meetings = tuple(meetings)
    states = list(states)
    old = {p.id: p for p in current.participants}
    new = {p.id: p for p in incoming.participants}
    added = tuple(p for p in incoming.participants if p.id not in old)
    removed = tuple(p for p in current.participants if p.id not in new)
    updated = tuple(Updated(new[pid], f) for pid in old if pid in new
                    for f in [changed_fields(old[pid], new[pid])] if f)  # fmt: skip
    gone = {p.id for p in removed}

    # a participant removed earlier who is back: their requests in the file count again
    back = {p.id for p in current.removed} & set(new)
    stored = {(s.request.sender, s.request.receiver): s for s in states
              if not (back & {s.request.sender, s.request.receiver})}  # fmt: skip
    in_file = {(r.sender, r.receiver) for r in incoming.requests}
    requests_added = tuple(r for r in incoming.requests if (r.sender, r.receiver) not in stored)
    withdrawn = tuple(
        s.request for key, s in stored.items()
        if s.request.status in LIVE_STATUSES
        and (gone & set(key) or (s.origin == "import" and key not in in_file))
    )  # fmt: skip
    out_ids = {(r.sender, r.receiver) for r in withdrawn}
    file_sessions = {(r.sender, r.receiver): r.sessions for r in incoming.requests}
    changed = {key: replace(s.request, sessions=file_sessions[key]) for key, s in stored.items()
               if key in file_sessions and key not in out_ids and not gone & set(key)
               and s.request.sessions != file_sessions[key]}  # fmt: skip
    requests = tuple(replace(s.request, status="withdrawn") if key in out_ids else changed.get(key, s.request)
                     for key, s in stored.items() if not gone & set(key)) + requests_added  # fmt: skip
    keep_removed = tuple(p for p in current.removed if p.id not in new)
    merged = EventData(incoming.event, incoming.participants, requests, (*keep_removed, *removed))

    cancels = _cancellations(merged, updated, gone, meetings, now)
    after = pipeline.cancelled(meetings, [c.meeting.id for c in cancels])
    told = tuple(sorted(pipeline.preview(meetings, after).affected))
    return MergePlan(merged, added, updated, removed, requests_added, withdrawn, _settings(current, incoming),
                     cancels, after, told, tuple(changed.values()))  # fmt: skip


def _cancellations(merged: EventData, updated: tuple[Updated, ...],
                   gone: set[str], meetings: tuple[Meeting, ...], now: datetime) -> tuple[Cancellation, ...]:
    """The meetings still to come that the merged event leaves without a place or a reason."""
    ev = merged.event
    grid = {(s.start, s.end) for s in build_slots(ev)}
    people = merged.by_id()
    why: dict[str, str] = {}

    def cancel(m: Meeting, reason: str) -> None:
        why.setdefault(m.id, reason)

    upcoming = [m for m in meetings if m.status in pipeline.UPCOMING and m.start > now]
    for m in upcoming:
        left = [people[p].name for p in (m.a, m.b) if p in gone]
        if left:
            cancel(m, Message(N_("{name} left the event"), name=left[0]) if len(left) == 1 else
                   Message(N_("{name} and {other} left the event"), name=left[0], other=left[1]))  # fmt: skip
        elif (m.start, m.end) not in grid:
            cancel(m, Message(N_("its time is no longer a slot of the event")))
        elif m.room > ev.rooms:
            cancel(m, Message(N_("room {room} no longer exists (the event has {rooms})"), room=m.room, rooms=ev.rooms))
    for u in updated:
        for m in pipeline.outside_availability(merged, u.participant, upcoming, now):
            if not m.locked:
                cancel(m, Message(N_("outside {name}'s new hours"), name=u.participant.name))
    for m in pipeline.unwanted(merged, upcoming, now):
        cancel(m, Message(N_("its request was withdrawn")))
    for m in pipeline.outside_sessions(merged, upcoming, now):
        cancel(m, Message(N_("outside the sessions its request now allows")))
    # a lower cap: the latest meetings still to come above it go
    count: dict[str, list[Meeting]] = defaultdict(list)
    for m in sorted(meetings, key=lambda m: m.start):
        if m.status in pipeline.LIVE and m.id not in why:
            for p in (m.a, m.b):
                count[p].append(m)
    for p in merged.participants:
        cap = p.cap(ev)
        extra = len(count[p.id]) - cap
        for m in reversed([m for m in count[p.id] if m in upcoming and not m.locked and m.id not in why]):
            if extra <= 0:
                break
            cancel(m, Message(N_("{name} now has at most {cap} meetings"), name=p.name, cap=cap))
            extra -= 1
    order = {m.id: i for i, m in enumerate(meetings)}
    by_id = {m.id: m for m in meetings}
    return tuple(Cancellation(by_id[mid], r) for mid, r in sorted(why.items(), key=lambda kv: order[kv[0]]))


def replace_warning(meetings: Iterable[Meeting], notified: Iterable[tuple[str, str, int, str]]) -> Message:
    """What a full replace of a published event does, in one sentence for the confirmation.

    ``notified``: (meeting, participant, sequence, method) of every message ever queued
    (``Store.notified``). A calendar entry is a participant invited to a meeting still on.
    """
    on = {m.id for m in meetings if m.status in pipeline.UPCOMING}
    entries = {(mid, pid) for mid, pid, _, method in notified if mid in on and method == "REQUEST"}
    announced = {mid for mid, _ in entries}
    return Message(N_("This cancels {meetings} announced meetings ({entries} calendar entries) and revokes every "
                      "personal link."), meetings=len(announced), entries=len(entries))  # fmt: skip
