"""The host board's view model: what a host running the live day sees.

The slots of the day being run (or of every day) with their meetings, the running slot's
meetings counted by where they stand, the meetings a host may still move and the slots they
may go to, the "meet now" offers of the running slot, the recent changes in words and what
"Undo last change" would reverse. Times are labelled in the event's zone; words and dates in
the reader's :class:`~scheduler.domain.language.Language` (English by default).

The store's records (audit log, last change, standby offers) come in as the store gives them;
``now`` is a parameter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scheduler.changes.pipeline import UPCOMING
from scheduler.domain.language import ENGLISH, Language
from scheduler.domain.messages import from_data, say
from scheduler.domain.model import EventData, Meeting, Slot
from scheduler.domain.timegrid import build_slots, local_label, to_local

#: how a slot is labelled on the board, in the event's zone
SLOT_LABEL = "%a %d %b %H:%M"

#: what undo would reverse, in words (other snapshot actions are the reason a host gave)
UNDO_WHAT = {"rebalance": "a repair", "standby": "a meet-now meeting", "schedule": "a new schedule",
             "solve": "a new schedule", "undo": "an undo", "reopen": "meetings put back in a reopened room"}  # fmt: skip


def _words(lang: Language) -> dict[str, str]:
    """:data:`UNDO_WHAT` in ``lang`` (each string written out for the catalogue)."""
    return {"rebalance": lang.gettext("a repair"), "standby": lang.gettext("a meet-now meeting"),
            "schedule": lang.gettext("a new schedule"), "solve": lang.gettext("a new schedule"),
            "undo": lang.gettext("an undo"), "reopen": lang.gettext("meetings put back in a reopened room"),
            "demo_outcomes": lang.gettext("the demo's simulated day")}  # fmt: skip


#: audit records that are not changes to the day's meetings: the board's history leaves them out
NOT_THE_DAY = frozenset({"survey_saved", "survey_answered", "survey_round_set", "demo_outcomes", "erased",
                         "retention"})


def slot_label(instant: datetime, tz: str, lang: Language = ENGLISH) -> str:
    """A slot's start on ``tz``'s clock: ``Fri 26 Mar 09:00`` (:data:`SLOT_LABEL`), or Babel's in ``lang``."""
    return local_label(instant, tz, SLOT_LABEL) if lang.code == "en" else lang.when(instant, tz, "short")


@dataclass(frozen=True)
class BoardRow:
    """One slot on the board: its meetings by room, and whether it runs now or is over."""

    slot: Slot
    label: str  # the slot's start in the event's zone
    meetings: tuple[Meeting, ...]  # by room
    current: bool
    past: bool


@dataclass(frozen=True)
class RunningCounts:
    """The running slot's meetings by where they stand: what a host scans first."""

    meetings: int
    both_here: int
    one_waiting: int
    nobody_yet: int
    held: int
    no_show: int
    cancelled: int

    def labelled(self) -> tuple[tuple[str, int], ...]:
        """The counts with the words the board shows, in the board's order."""
        return (("meetings", self.meetings), ("both here", self.both_here), ("one waiting", self.one_waiting),
                ("nobody yet", self.nobody_yet), ("held", self.held), ("no-show", self.no_show),
                ("cancelled", self.cancelled))  # fmt: skip


@dataclass(frozen=True)
class HistoryLine:
    """One recent change in words: when (date and time, event zone), who, what and why."""

    at: str
    actor: str
    what: str
    why: str


@dataclass(frozen=True)
class LastChange:
    """Who made the change "Undo last change" would reverse, when (event zone) and what."""

    actor: str
    actor_name: str
    at: str
    what: str


@dataclass(frozen=True)
class Board:
    """The whole host board."""

    rows: tuple[BoardRow, ...]  # the day being run, or every day when ``whole``
    whole: bool  # every day is shown (asked for, or no slot falls on today)
    has_today: bool  # some slot falls on today: the board can switch between today and every day
    running: RunningCounts | None  # None when no slot runs now, or it has no meetings
    upcoming: tuple[Meeting, ...]  # meetings still to come on the days shown: what a host may move
    future: tuple[tuple[int, str], ...]  # (slot index, label) of every slot still to come
    offers: tuple[Mapping[str, Any], ...]  # the running slot's "meet now" offers, as the store keeps them
    history: tuple[HistoryLine, ...]  # newest first
    last_change: LastChange | None  # None when there is nothing to undo


def current_slot(slots: Iterable[Slot], now: datetime) -> Slot | None:
    """The slot running at ``now``, if any."""
    return next((s for s in slots if s.start <= now < s.end), None)


def board_rows(data: EventData, meetings: Iterable[Meeting], now: datetime, lang: Language = ENGLISH
               ) -> tuple[BoardRow, ...]:  # fmt: skip
    """Every slot of the event with its meetings by room, the running one and those over marked
    (labels in ``lang``)."""
    tz = data.event.timezone
    slots = build_slots(data.event)
    running = current_slot(slots, now)
    at: dict[datetime, list[Meeting]] = defaultdict(list)
    for m in meetings:
        at[m.start].append(m)
    return tuple(BoardRow(s, slot_label(s.start, tz, lang), tuple(sorted(at[s.start], key=lambda m: m.room)),
                          current=s == running, past=s.end <= now) for s in slots)  # fmt: skip


def running_counts(meetings: Iterable[Meeting], checked: Iterable[str]) -> RunningCounts | None:
    """Count meetings (those of the running slot) by where they stand; None when there are none.

    A meeting still to take place counts by how many of its two participants checked in."""
    here_now = set(checked)
    count = dict.fromkeys(("meetings", "both_here", "one_waiting", "nobody_yet", "held", "no_show", "cancelled"), 0)
    for m in meetings:
        count["meetings"] += 1
        if m.status in UPCOMING:
            here = (m.a in here_now) + (m.b in here_now)
            count[("nobody_yet", "one_waiting", "both_here")[here]] += 1
        else:
            count[m.status if m.status in ("held", "no_show") else "cancelled"] += 1
    return RunningCounts(**count) if count["meetings"] else None


def newest_first(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The audit ``records`` newest first by when they were made (``at``, ISO 8601 with an offset),
    the later one first among those made at the same instant (the store's order)."""
    listed = list(records)
    order = sorted(range(len(listed)), key=lambda i: (datetime.fromisoformat(listed[i]["at"]), i), reverse=True)
    return [listed[i] for i in order]


def history(data: EventData, meetings: Iterable[Meeting], records: Iterable[Mapping[str, Any]],
            lang: Language = ENGLISH) -> tuple[HistoryLine, ...]:  # fmt: skip
    """The audit ``records`` (oldest first, as the store gives them) in words of ``lang``, newest
    first (:func:`newest_first`): when (date and time on the event's clock, in ``lang``: ``Fri 26 Mar 09:05``),
    who, what and why. People are named; a meeting by its pair."""
    _ = lang.gettext
    tz = data.event.timezone
    people = data.by_id()
    by_id = {m.id: m for m in meetings}

    def name(pid):
        return people[pid].name if pid in people else pid

    def meeting(mid):
        m = by_id.get(mid)
        return f"{name(m.a)} ⇄ {name(m.b)}" if m else _("meeting %(id)s") % {"id": mid}

    out = []
    for r in newest_first(records):
        if r["action"] in NOT_THE_DAY:
            continue
        d = r["detail"]
        if r["action"] == "meeting":
            b, a = d.get("before", {}), d.get("after", {})
            what = f"{meeting(d.get('meeting'))}: {b.get('status')} → {a.get('status')}"
            if (b.get("start"), b.get("room")) != (a.get("start"), a.get("room")):
                start = datetime.fromisoformat(a["start"])
                when = local_label(start, tz, "%a %H:%M") if lang.code == "en" else lang.when(start, tz, "short")
                what += _(", now %(when)s room %(room)s") % {"when": when, "room": a.get("room")}
            why = say(from_data(d.get("reason", "")), lang)
        elif r["action"] == "schedule":
            kind = d.get("action", "solve")
            undid = d.get("undid")
            what = {"rebalance": _("repair applied"),
                    "undo": _("undo (%(what)s)") % {"what": _words(lang).get(undid, undid) if undid else _("last change")},
                    "reopen": _("room %(room)s reopened, %(num)s meetings back") % {
                        "room": d.get("room"), "num": len(d.get("restored", []))},
                    "standby": _("meet-now meeting %(a)s ⇄ %(b)s") % {"a": name(d.get("a")), "b": name(d.get("b"))},
                    "demo_outcomes": _words(lang)["demo_outcomes"],
                    }.get(kind, _("schedule saved"))  # fmt: skip
            why = say(from_data(d.get("why", "")), lang)
        elif r["action"] == "checkin":
            what, why = _("%(name)s is here") % {"name": name(d.get("participant"))}, ""
        elif r["action"] == "standby_offer":
            status = d.get("status", "made")
            status = {"made": _("made"), "declined": _("declined"), "confirmed": _("confirmed"),
                      "expired": _("expired"), "void": _("void")}.get(status, status)  # fmt: skip
            what, why = _("meet-now offer %(id)s %(status)s") % {"id": d.get("offer", ""), "status": status}, ""
        elif r["action"] == "live_settings":
            what, why = _("live settings changed"), ""
        else:
            what, why = r["action"], ""
        out.append(HistoryLine(lang.when(datetime.fromisoformat(r["at"]), tz, "short"), name(r["actor"]), what, why))
    return tuple(out)


def last_change(record: Mapping[str, Any] | None, tz: str, lang: Language = ENGLISH) -> LastChange | None:
    """What "Undo last change" would reverse, from the store's last change (``actor``, ``at``
    aware, ``action``), in words of ``lang``; None when there is nothing to undo."""
    if record is None:
        return None
    user = record["actor"]
    return LastChange(user, user, local_label(record["at"], tz, "%H:%M"), _words(lang).get(record["action"], record["action"]))


def host_board(data: EventData, meetings: Iterable[Meeting], now: datetime, *, checked: Iterable[str] = (),
               offers: Iterable[Mapping[str, Any]] = (), records: Iterable[Mapping[str, Any]] = (),
               last: Mapping[str, Any] | None = None, every_day: bool = False, lang: Language = ENGLISH
               ) -> Board:  # fmt: skip
    """The host board at ``now``: the day being run (every day when ``every_day``, or when no
    slot falls on today), the running slot's counts among the ``checked``-in and its ``offers``,
    the audit ``records`` in words and the ``last`` change undo would reverse (words and labels in ``lang``)."""
    meetings = tuple(meetings)
    tz = data.event.timezone
    rows = board_rows(data, meetings, now, lang)
    running = next((r for r in rows if r.current), None)
    today = to_local(now, tz).date()
    on_today = tuple(r for r in rows if to_local(r.slot.start, tz).date() == today)
    whole = every_day or not on_today
    shown = rows if whole else on_today
    ids = {m.id for r in shown for m in r.meetings}  # the move form offers the days shown
    start = running.slot.start if running else None
    return Board(
        rows=shown, whole=whole, has_today=bool(on_today),
        running=running_counts([m for m in meetings if m.start == start], checked),
        upcoming=tuple(m for m in meetings if m.start > now and m.status in UPCOMING and m.id in ids),
        future=tuple((r.slot.index, r.label) for r in rows if r.slot.start > now),
        offers=tuple(o for o in offers if start is not None and o["slot_start"] == start),
        history=history(data, meetings, records, lang), last_change=last_change(last, tz, lang),
    )  # fmt: skip
