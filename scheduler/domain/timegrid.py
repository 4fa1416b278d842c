"""The slot grid in UTC, and which slots each participant can take.

Sessions are written in the event's zone; each participant's working hours and
availability in their own zone. Both are turned into UTC instants date by date
with :mod:`zoneinfo` (rules from the tzdata package, :mod:`scheduler.domain.zones`), so
daylight-saving switches (on whatever day each zone switches, or never) fall
out of the conversion. A wall time that does not exist (a gap) or exists twice
(a fold) is refused at import for sessions and availability windows
(:func:`wall_time_problem`); working hours, a daily pattern, follow the rule of
:func:`local_instant`.
A slot is allowed when it lies wholly inside one local window of one date; a
slot that would cross the participant's local midnight therefore never is.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduler.domain.errors import Message
from scheduler.domain.model import END_OF_DAY, Event, EventData, Participant, Slot, Window
from scheduler.domain.zones import UnknownZone, zone_info


def zone(name: str) -> ZoneInfo:
    """Return the rules of IANA zone ``name`` from the tzdata package; raise ValueError when there is none."""
    return zone_info(name)


def is_zone(name: str) -> bool:
    """Return whether ``name`` is an IANA zone (canonical or alias) of the tzdata package."""
    try:
        zone_info(name)
    except UnknownZone:
        return False
    return True


def _naive(day: date, at: time) -> datetime:
    if at == END_OF_DAY:
        return datetime.combine(day + timedelta(days=1), time(0, 0))
    return datetime.combine(day, at)


def _transition(lo: datetime, hi: datetime, z: ZoneInfo) -> datetime:
    """Return the first instant in (lo, hi] with ``hi``'s UTC offset (a zone switch lies between)."""
    a, b = int(lo.timestamp()), int(hi.timestamp())
    off = hi.astimezone(z).utcoffset()
    while b - a > 1:
        mid = (a + b) // 2
        if datetime.fromtimestamp(mid, UTC).astimezone(z).utcoffset() == off:
            b = mid
        else:
            a = mid
    return datetime.fromtimestamp(b, UTC)


@lru_cache(maxsize=1 << 16)
def _resolve(day: date, at: time, tz: str) -> tuple[datetime, Message | None]:
    """Return the instant of a wall time under the documented rule, and what is odd about it.

    Remembered: thousands of participants share a few zones, hours and dates."""
    z = zone(tz)
    naive = _naive(day, at)
    u0 = naive.replace(tzinfo=z, fold=0).astimezone(UTC)
    u1 = naive.replace(tzinfo=z, fold=1).astimezone(UTC)
    if u0 == u1:
        return u0, None
    lo, hi = min(u0, u1), max(u0, u1)
    switch = _transition(lo, hi, z)
    before = (switch - timedelta(seconds=1)).astimezone(z) + timedelta(seconds=1)
    after = switch.astimezone(z)

    def hhmm(t: datetime) -> str:
        if t.date() == day + timedelta(days=1) and t.time() == time(0, 0):
            return "24:00"
        return f"{t:%H:%M}" if t.date() == day else f"{t:%Y-%m-%d %H:%M}"

    shown = "24:00" if at == END_OF_DAY else f"{at:%H:%M}"
    if lo.astimezone(z).replace(tzinfo=None) != naive:  # neither reading comes back: a gap
        why = Message.gettext("{time} does not exist on {date} in {zone} (clocks jump from {before} to {after})",
                         time=shown, date=day.isoformat(), zone=tz, before=hhmm(before), after=hhmm(after))
        return switch, why
    why = Message.gettext("{time} occurs twice on {date} in {zone} (clocks go back from {before} to {after})",
                     time=shown, date=day.isoformat(), zone=tz, before=hhmm(before), after=hhmm(after))
    return lo, why


def local_instant(day: date, at: time, tz: str) -> datetime:
    """Return the UTC instant at which the wall clock of zone ``tz`` first reads ``at`` on ``day``.

    ``24:00`` is the next day's ``00:00``. A time skipped by a forward switch
    (a gap) gives the first instant after the gap; a time that happens twice
    (a fold) gives its first occurrence. So ``00:00`` and ``24:00`` are always
    the start of a local day, and consecutive daily windows neither overlap
    nor leave a hole (docs/format.md, "Limits"). Raise ValueError for an unknown zone.
    """
    return _resolve(day, at, tz)[0]


def wall_time_problem(day: date, at: time, tz: str) -> Message | None:
    """Return why wall time ``at`` on ``day`` in ``tz`` is not one instant (gap or fold), else None
    (a :class:`Message`: ``str()`` is English, ``.text(lang)`` the reader's language).

    ``00:00`` and ``24:00`` name the start of a local day, which always exists
    once, so they never have a problem.
    """
    if at in (time(0, 0), END_OF_DAY):
        return None
    return _resolve(day, at, tz)[1]


def local_label(instant: datetime, tz: str, fmt: str = "%H:%M") -> str:
    """Return ``instant`` on the wall clock of ``tz`` formatted with ``fmt``.

    When that wall time happens twice on that date (a fold), the zone's
    abbreviation or offset is appended (``01:30 WEST`` / ``01:30 WET``) so the
    two readings can be told apart; otherwise the bare ``fmt`` text.
    """
    local = to_local(instant, tz)
    text = local.strftime(fmt)
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        text += f" {local.tzname()}"
    return text


def end_of_local_day(instant: datetime, tz: str) -> datetime:
    """Return the UTC instant of the midnight that ends ``instant``'s date in zone ``tz``."""
    return local_instant(to_local(instant, tz).date(), END_OF_DAY, tz)


def to_local(instant: datetime, tz: str) -> datetime:
    """Return ``instant`` on the wall clock of zone ``tz``."""
    return instant.astimezone(zone(tz))


def build_slots(event: Event) -> tuple[Slot, ...]:
    """Return the event's slots in time order, numbered from 0, as UTC instants."""
    length = timedelta(minutes=event.slot_minutes)
    step = timedelta(minutes=event.slot_minutes + event.gap_minutes)
    slots: list[Slot] = []
    sessions = sorted(event.sessions, key=lambda s: (s.date, s.start))
    for si, session in enumerate(sessions):
        start = local_instant(session.date, session.start, event.timezone)
        end = local_instant(session.date, session.end, event.timezone)
        t = start
        while t + length <= end:
            slots.append(Slot(len(slots), si, t, t + length))
            t += step
    return tuple(slots)


def participant_windows(p: Participant, dates: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """Return the UTC intervals in which ``p`` accepts meetings, for the given local dates."""
    wh_start, wh_end = p.working_hours
    by_date: dict[date, list[Window]] = {}
    for w in p.available or ():
        by_date.setdefault(w.date, []).append(w)
    out: list[tuple[datetime, datetime]] = []
    for day in sorted(set(dates)):
        if p.available is None:
            windows = [(wh_start, wh_end)]
        else:
            windows = [
                (max(w.start, wh_start), min(w.end, wh_end))
                for w in by_date.get(day, ())
            ]
        for a, b in windows:
            if a < b:
                out.append((local_instant(day, a, p.timezone), local_instant(day, b, p.timezone)))
    return out


def _candidate_dates(slots: tuple[Slot, ...]) -> set[date]:
    # Local dates anywhere on Earth lie within a day of the UTC date.
    days: set[date] = set()
    for s in slots:
        d = s.start.date()
        days.update((d - timedelta(days=1), d, d + timedelta(days=1)))
    return days


def _allowed(p: Participant, ordered: list[Slot], starts: list[datetime], days: set[date]) -> frozenset[int]:
    """The slots wholly inside one of p's windows; ``ordered`` are the slots by start, ``starts`` their starts."""
    out: set[int] = set()
    for a, b in participant_windows(p, days):
        for s in ordered[bisect_left(starts, a):]:
            if s.start >= b:
                break
            if s.end <= b:
                out.add(s.index)
    return frozenset(out)


def _by_start(slots: tuple[Slot, ...]) -> tuple[list[Slot], list[datetime]]:
    ordered = sorted(slots, key=lambda s: s.start)
    return ordered, [s.start for s in ordered]


def allowed_slots(p: Participant, slots: tuple[Slot, ...]) -> frozenset[int]:
    """Return the indices of ``slots`` lying wholly inside one of ``p``'s local windows."""
    return _allowed(p, *_by_start(slots), _candidate_dates(slots))


def allowed_map(data: EventData, slots: tuple[Slot, ...] | None = None) -> dict[str, frozenset[int]]:
    """Return every participant's allowed slot indices."""
    slots = build_slots(data.event) if slots is None else slots
    days = _candidate_dates(slots)
    ordered, starts = _by_start(slots)
    return {p.id: _allowed(p, ordered, starts, days) for p in data.participants}
