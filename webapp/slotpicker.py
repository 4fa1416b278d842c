"""Availability as ticked slots: the slot picker's answer as windows in the participant's zone.

The event's slots are shown day by day on the participant's wall clock (a slot may fall on
another local date than the event's); ticked slots are saved as the availability windows the
model uses (:class:`scheduler.domain.model.Window`, local dates and times in the participant's
zone), through the profile form (:func:`.portal.profile`, fields ``picker`` and ``slot``), so the
same checks and the same "your meetings outside your new hours" question apply. After parsing,
the windows must give back exactly the ticked slots (:func:`lost_slots`); any slot they cannot
express is refused in words and nothing is saved.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time

from flask_babel import gettext as _

from scheduler.domain.model import EventData, Participant, Slot
from scheduler.domain.timegrid import allowed_slots, build_slots, to_local

from .i18n import page_language


@dataclass(frozen=True)
class Picked:
    """The slot picker's answer: window texts (``2027-03-26 21:00-23:55``), the ticked slot
    indices, and the problems found (in words; when any, nothing may be saved)."""

    windows: tuple[str, ...]
    wanted: frozenset[int]
    problems: tuple[str, ...]


def slot_words(s: Slot, tz: str) -> str:
    """``Fri 26 Mar 21:00-21:25`` on the wall clock of ``tz``, in the page's language (``ven. 26 mars 21:00-21:25``)."""
    lang = page_language()
    return f"{lang.when(s.start, tz, 'short')}-{lang.when(s.end, tz, 'time')}"


def crosses_midnight(s: Slot, tz: str) -> bool:
    """Whether slot ``s`` starts on one local date of ``tz`` and ends after the next one begins."""
    a, b = to_local(s.start, tz), to_local(s.end, tz)
    return b.date() != a.date() and b.time() != time(0, 0)


def picked_windows(data: EventData, me: Participant, values: Iterable[str]) -> Picked:
    """Turn the ticked slot numbers into windows in ``me``'s zone: consecutive slots of one local
    date make one window. Problems: a value that is not a slot, none ticked, a slot across midnight."""
    slots = build_slots(data.event)
    wanted: set[int] = set()
    problems: list[str] = []
    for v in values:
        if not (v.isascii() and v.isdigit() and len(v) < 7) or int(v) >= len(slots):
            problems.append(_("%(value)s is not a slot of this event.", value=repr(v[:20])))
        else:
            wanted.add(int(v))
    if not wanted and not problems:
        problems.append(_("Tick at least one slot in which you can meet."))
    tz = me.timezone
    runs: list[list[Slot]] = []
    for s in sorted((slots[i] for i in wanted), key=lambda s: s.start):
        if crosses_midnight(s, tz):
            problems.append(_("%(slot)s runs past midnight in your zone (%(tz)s), so it cannot be chosen.",
                              slot=slot_words(s, tz), tz=tz))  # fmt: skip
            continue
        last = runs[-1][-1] if runs else None
        if (last is not None and last.index + 1 == s.index and last.session == s.session
                and to_local(last.start, tz).date() == to_local(s.start, tz).date()):
            runs[-1].append(s)
        else:
            runs.append([s])
    windows = []
    for run in runs:
        a, b = to_local(run[0].start, tz), to_local(run[-1].end, tz)
        end = "24:00" if b.date() != a.date() else f"{b:%H:%M}"
        windows.append(f"{a:%Y-%m-%d} {a:%H:%M}-{end}")
    return Picked(tuple(windows), frozenset(wanted), tuple(problems))


def lost_slots(data: EventData, updated: Participant, wanted: frozenset[int]) -> list[str]:
    """The ticked slots the saved profile would not allow, each with the reason in words."""
    slots = build_slots(data.event)
    got = allowed_slots(updated, slots)
    start, end = updated.working_hours
    hours = f"{start:%H:%M}-{'24:00' if end.hour == 23 and end.minute == 59 else f'{end:%H:%M}'}"
    out = []
    for i in sorted(wanted - got):
        out.append(_("%(slot)s is outside your working hours (%(hours)s); widen them in your profile first.",
                     slot=slot_words(slots[i], updated.timezone), hours=hours))  # fmt: skip
    return out
