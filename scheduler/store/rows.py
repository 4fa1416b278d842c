"""Conversions every store module shares between Python values and stored columns.

Owns no table. Every stored time is an aware UTC instant in ISO 8601.
"""

from __future__ import annotations

from datetime import UTC, datetime


def to_iso(dt: datetime) -> str:
    """An aware datetime as stored (UTC, ISO 8601); a naive one is refused."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime reached the store")
    return dt.astimezone(UTC).isoformat()


def from_iso(s: str) -> datetime:
    """A stored time back as an aware UTC datetime."""
    return datetime.fromisoformat(s).astimezone(UTC)


def stale_message(version: int, expected: int) -> str:
    """The words for a change refused because the page it came from is out of date."""
    return (f"Someone changed the schedule meanwhile (your page showed version {expected}, it is now at "
            f"{version}), so nothing was changed. Look at the schedule as it is now and try again.")


def sessions_column(sessions: tuple[int, ...]) -> str:
    """A request's sessions as stored: numbers from 1 separated by ';' (``1;3``), '' for any."""
    return ";".join(str(i + 1) for i in sessions)


def sessions_from_column(text: str | None) -> tuple[int, ...]:
    """A stored ``sessions`` column back as indices into ``Event.sessions``."""
    if not text:
        return ()
    return tuple(int(part) - 1 for part in (text or "").split(";") if part.strip())
