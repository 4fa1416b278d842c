"""The slot grid in UTC, and which slots each participant can take.

Sessions are written in the event's zone; each participant's working hours and
availability in their own zone. Both are turned into UTC instants date by date
with :mod:`zoneinfo`, so daylight-saving switches (on whatever day each zone
switches, or never) fall out of the conversion instead of being special cases.
A slot is allowed when it lies wholly inside one local window of one date; a
slot that would cross the participant's local midnight therefore never is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .model import END_OF_DAY, Event, EventData, Participant, Slot, Window


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    """Return the IANA zone ``name``; raise ValueError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError) as exc:
        raise ValueError(f"{name!r} is not an IANA time zone") from exc


def is_zone(name: str) -> bool:
    try:
        zone(name)
    except ValueError:
        return False
    return True


def local_instant(day: date, at: time, tz: str) -> datetime:
    """Return the UTC instant of wall-clock ``at`` on ``day`` in zone ``tz`` (24:00 allowed)."""
    if at == END_OF_DAY:
        return local_instant(day + timedelta(days=1), time(0, 0), tz)
    return datetime.combine(day, at, tzinfo=zone(tz)).astimezone(UTC)


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


def _allowed(p: Participant, slots: tuple[Slot, ...], days: set[date]) -> frozenset[int]:
    windows = participant_windows(p, days)
    return frozenset(
        s.index for s in slots if any(a <= s.start and s.end <= b for a, b in windows)
    )


def allowed_slots(p: Participant, slots: tuple[Slot, ...]) -> frozenset[int]:
    """Return the indices of ``slots`` lying wholly inside one of ``p``'s local windows."""
    return _allowed(p, slots, _candidate_dates(slots))


def allowed_map(data: EventData, slots: tuple[Slot, ...] | None = None) -> dict[str, frozenset[int]]:
    """Return every participant's allowed slot indices."""
    slots = build_slots(data.event) if slots is None else slots
    days = _candidate_dates(slots)
    return {p.id: _allowed(p, slots, days) for p in data.participants}
