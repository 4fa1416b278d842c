"""The organiser console's view model: the event page and one participant's day.

The schedule grid (slots down, rooms in use across), each participant's number of meetings
that take place, the event's figures and the wanted meetings not placed with the reason in
words (:func:`scheduler.changes.pipeline.not_placed`, from the schedule as it is now). Times
are labelled in the event's zone, and a participant's day in theirs too.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from scheduler.changes.pipeline import not_placed
from scheduler.domain.language import ENGLISH, Language
from scheduler.domain.model import EventData, Meeting, Participant, Slot, Unscheduled
from scheduler.domain.timegrid import build_slots
from scheduler.reporting.kpis import kpis
from scheduler.viewmodels.board import slot_label

#: how a slot or a meeting's start is labelled, in the event's zone (or the participant's)
SLOT_LABEL = "%a %d %b %H:%M"
#: meeting statuses that do not count towards a participant's meetings
NOT_TAKING_PLACE = ("cancelled", "no_show")


@dataclass(frozen=True)
class GridRow:
    """One slot of the grid: its meeting in each room in use (None where the room is free)."""

    slot: Slot
    label: str  # the slot's start in the event's zone
    session: int
    cells: tuple[Meeting | None, ...]  # rooms 1, 2, ... up to the highest room in use


@dataclass(frozen=True)
class Grid:
    """The schedule as a grid: one row per slot of the event, in order (``rows[i].slot.index == i``)."""

    rows: tuple[GridRow, ...]

    @property
    def slots(self) -> tuple[Slot, ...]:
        return tuple(r.slot for r in self.rows)


@dataclass(frozen=True)
class EventPage:
    """What the console's event page shows beside the stored records."""

    grid: Grid
    kpis: Mapping[str, float | int]
    counts: Mapping[str, int]  # participant id -> meetings that take place
    not_placed: tuple[Unscheduled, ...]  # wanted pairs without a meeting, and why


@dataclass(frozen=True)
class DayRow:
    """One meeting of a participant's day."""

    m: Meeting
    other: Participant  # who they meet
    local: str  # the start in the participant's zone
    event: str  # the start in the event's zone


def schedule_grid(data: EventData, meetings: Iterable[Meeting], lang: Language = ENGLISH) -> Grid:
    """The grid of ``meetings``: a row per slot, a column per room up to the highest room in use
    (never beyond the event's rooms); a meeting goes in the cell of its start and room; slots
    labelled in ``lang`` on the event's clock."""
    ev = data.event
    meetings = tuple(meetings)
    by_slot: dict[datetime, dict[int, Meeting]] = defaultdict(dict)
    for m in meetings:
        by_slot[m.start][m.room] = m
    top = min(ev.rooms, max((m.room for m in meetings), default=0))  # columns for rooms in use, not all rooms
    return Grid(tuple(GridRow(s, slot_label(s.start, ev.timezone, lang), s.session,
                              tuple(by_slot[s.start].get(r) for r in range(1, top + 1)))
                      for s in build_slots(ev)))  # fmt: skip


def meeting_counts(data: EventData, meetings: Iterable[Meeting]) -> Mapping[str, int]:
    """Each participant's number of meetings that take place (or took place); 0 for none."""
    counts = {p.id: 0 for p in data.participants}
    for m in meetings:
        if m.status not in NOT_TAKING_PLACE:
            for p in (m.a, m.b):
                if p in counts:
                    counts[p] += 1
    return MappingProxyType(counts)


def unplaced(data: EventData, meetings: Iterable[Meeting]) -> tuple[Unscheduled, ...]:
    """The wanted pairs without a meeting that takes place, and why, from the schedule as it is
    now (so the list stays right after repairs, undo, meet-now, moves and declines); nothing
    before there is a schedule (nothing was left out yet)."""
    meetings = tuple(meetings)
    return not_placed(data, meetings) if meetings else ()


def event_page(data: EventData, meetings: Iterable[Meeting]) -> EventPage:
    """The console's event page: grid, figures, meetings per participant, not placed and why."""
    meetings = tuple(meetings)
    return EventPage(schedule_grid(data, meetings), kpis(data, meetings), meeting_counts(data, meetings),
                     unplaced(data, meetings))  # fmt: skip


def participant_day(data: EventData, meetings: Iterable[Meeting], pid: str,
                    lang: Language = ENGLISH) -> tuple[DayRow, ...]:
    """The meetings of participant ``pid`` (every status), in schedule order, with who they meet
    and the start in their zone and the event's (written in ``lang``)."""
    people = data.by_id()
    me = people[pid]
    return tuple(DayRow(m, people[m.b if m.a == pid else m.a], slot_label(m.start, me.timezone, lang),
                        slot_label(m.start, data.event.timezone, lang))
                 for m in meetings if pid in (m.a, m.b))  # fmt: skip


@dataclass(frozen=True)
class NextAction:
    """What the organiser should do next, in words, and which console page does it."""

    words: str
    target: str  # import | requests | solve | publish | outbox | board | results


def next_action(stage: str, participants: int, requests: int, meetings: int, failed_mail: int) -> NextAction:
    """The organiser's next step for an event in phase ``stage`` (draft, published, live, closed),
    from how many participants, requests and meetings it has and how many messages failed."""
    if stage == "closed":
        return NextAction("Read the results and send the surveys", "results")
    if not participants:
        return NextAction("Import participants", "import")
    if not requests:
        return NextAction("Collect meeting requests: import them, or let participants ask", "requests")
    if failed_mail:
        return NextAction(f"Retry the {failed_mail} failed message{'s' if failed_mail != 1 else ''} in the outbox",
                          "outbox")  # fmt: skip
    if stage == "live":
        return NextAction("Run the day from the host board", "board")
    if not meetings:
        return NextAction("Generate the schedule", "solve")
    if stage == "draft":
        return NextAction("Publish the invites", "publish")
    return NextAction("Update the schedule to place new requests", "solve")
