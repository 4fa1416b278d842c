"""Domain objects: immutable, typed, time zone aware.

Every instant is an aware ``datetime`` in UTC. Local wall-clock values (session
hours, working hours, availability windows) are kept as ``date``/``time`` and
are only turned into instants by :mod:`scheduler.domain.timegrid`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

Kind = Literal["traditional", "tech"]
KINDS: tuple[Kind, ...] = ("traditional", "tech")

MeetingStatus = Literal["scheduled", "moved", "cancelled", "held", "no_show"]
MEETING_STATUSES: tuple[MeetingStatus, ...] = ("scheduled", "moved", "cancelled", "held", "no_show")

#: Request statuses that still stand for a wanted meeting (see scheduler/matching/requests.py).
LIVE_STATUSES = ("suggested", "pending", "accepted", "imposed")

#: ``time.max`` stands for "24:00", the end of a local day.
END_OF_DAY = time.max

#: The domain part of the calendar UIDs of a new event (``{meeting}.{event}@{domain}``).
UID_DOMAIN = "entente.invalid"


@dataclass(frozen=True)
class Window:
    """A local wall-clock window on one date, in some zone given by context."""

    date: date
    start: time
    end: time


@dataclass(frozen=True)
class Session:
    """A block of back-to-back slots, written in the event's zone."""

    date: date
    start: time
    end: time


@dataclass(frozen=True)
class Event:
    id: str
    name: str
    timezone: str
    slot_minutes: int
    sessions: tuple[Session, ...]
    rooms: int
    max_meetings: int
    gap_minutes: int = 0
    video_url_template: str | None = None
    allow_same_kind: bool = False
    request_policy: str = "unless_declined"  # or "accepted_only" (scheduler/matching/requests.py)
    request_ttl_hours: float = 72.0
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    #: the domain of the event's calendar UIDs, fixed when the event is first stored: calendars
    #: match entries by UID, so it never changes afterwards (events stored under the old name keep
    #: ``b2bmatch.invalid``). A store detail: not part of the interchange format, nor of equality.
    uid_domain: str = field(default=UID_DOMAIN, compare=False)


@dataclass(frozen=True)
class Participant:
    id: str
    name: str
    kind: Kind
    timezone: str
    working_hours: tuple[time, time] = (time(8, 0), time(18, 0))
    available: tuple[Window, ...] | None = None
    max_meetings: int | None = None
    cluster: str = ""
    country: str = ""
    contact: str = ""
    email: str = ""
    sectors: tuple[str, ...] = ()
    needs: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    description: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    locale: str = ""  # the language of their mail and pages (en, fr, de, es, it, pt); "" = the event's

    def cap(self, event: Event) -> int:
        """Return this participant's meeting cap (personal, else the event's)."""
        return self.max_meetings if self.max_meetings is not None else event.max_meetings


@dataclass(frozen=True)
class Request:
    """``sender`` asks to meet ``receiver``; priority 1 (most wanted) to 3.

    ``sessions``: the sessions the meeting may take place in, as indices into
    ``Event.sessions`` (0-based, in the order the event lists them; files write them
    from 1); empty means any session (:mod:`scheduler.domain.sessions`).
    """

    sender: str
    receiver: str
    priority: int = 2
    status: str = "pending"
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    sessions: tuple[int, ...] = ()


@dataclass(frozen=True)
class Pair:
    """A wanted meeting between two participants, merged from one or two requests."""

    a: str
    b: str
    priority: int  # best (lowest) priority of the requests behind it
    mutual: bool
    weight: int = 0  # solver weight; filled by the problem builder
    accepted: bool = False  # the receiving side said yes
    imposed: bool = False  # the organiser decided it
    #: the sessions it may take place in (indices into ``Event.sessions``): None for any;
    #: () when its requests restrict it to sessions that do not overlap (it cannot take place)
    sessions: tuple[int, ...] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.a, self.b)


@dataclass(frozen=True)
class Slot:
    index: int
    session: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Meeting:
    id: str
    a: str
    b: str
    start: datetime
    end: datetime
    room: int
    status: MeetingStatus = "scheduled"
    locked: bool = False
    version: int = 0

    @property
    def participants(self) -> tuple[str, str]:
        return (self.a, self.b)


@dataclass(frozen=True)
class Unscheduled:
    sender: str
    receiver: str
    reason: str


@dataclass(frozen=True)
class Stats:
    meetings: int = 0
    requests: int = 0
    objective: float = 0.0
    bound: float = 0.0
    solve_seconds: float = 0.0
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Schedule:
    event_id: str
    meetings: tuple[Meeting, ...]
    unscheduled: tuple[Unscheduled, ...] = ()
    stats: Stats = field(default_factory=Stats)


def pair_sessions(requests: Iterable[Request]) -> tuple[int, ...] | None:
    """The sessions a meeting wanted by ``requests`` (one pair's) may take place in.

    A request without sessions allows any; the meeting must suit every request that
    restricts it: None when none does, else the sessions all of those name (the
    intersection, sorted; () when they name none in common).
    """
    named = [frozenset(r.sessions) for r in requests if r.sessions]
    if not named:
        return None
    return tuple(sorted(frozenset.intersection(*named)))


@dataclass(frozen=True)
class EventData:
    """One whole event document: the event, its participants and its requests.

    ``removed``: participants a re-import took out of a stored event. They take part in
    nothing (no requests, no new meetings, no personal link) but past and cancelled
    meetings still name them, so :meth:`by_id` finds them too.
    """

    event: Event
    participants: tuple[Participant, ...]
    requests: tuple[Request, ...]
    removed: tuple[Participant, ...] = ()

    def participant(self, pid: str) -> Participant:
        for p in self.participants:
            if p.id == pid:
                return p
        raise KeyError(pid)

    def by_id(self) -> dict[str, Participant]:
        """Participant id -> participant, removed ones included (meetings still name them)."""
        return {p.id: p for p in (*self.removed, *self.participants)}

    def pairs(self, statuses: tuple[str, ...] = LIVE_STATUSES) -> tuple[Pair, ...]:
        """Merge requests with one of ``statuses`` into unordered wanted pairs (mutual when both asked)."""
        merged: dict[tuple[str, str], list[Request]] = {}
        for r in self.requests:
            if r.status not in statuses:
                continue
            key = (r.sender, r.receiver) if r.sender < r.receiver else (r.receiver, r.sender)
            merged.setdefault(key, []).append(r)
        out = []
        for (a, b), reqs in sorted(merged.items()):
            senders = {r.sender for r in reqs}
            out.append(Pair(a, b, min(r.priority for r in reqs), mutual=len(senders) == 2,
                            accepted=any(r.status == "accepted" for r in reqs),
                            imposed=any(r.status == "imposed" for r in reqs),
                            sessions=pair_sessions(reqs)))
        return tuple(out)
