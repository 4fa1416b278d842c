"""The schedule document (``docs/format.md``): written for other tools, read back for locks and checks.

Meetings carry UTC times ending in ``Z``; ``unscheduled`` says why each wanted
meeting was left out; ``stats`` holds the solver's figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from scheduler.domain.errors import InvalidInput, Message, Problem
from scheduler.domain.language import N_
from scheduler.domain.model import MEETING_STATUSES, Meeting, Schedule, Stats, Unscheduled


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def schedule_document(s: Schedule) -> dict[str, Any]:
    """Return the schedule as an interchange document."""
    return {
        "event_id": s.event_id,
        "meetings": [
            {
                "id": m.id,
                "participants": [m.a, m.b],
                "start": _utc(m.start),
                "end": _utc(m.end),
                "room": m.room,
                "status": m.status,
                **({"locked": True} if m.locked else {}),
            }
            for m in sorted(s.meetings, key=lambda m: (m.start, m.room, m.id))
        ],
        "unscheduled": [{"from": u.sender, "to": u.receiver, "reason": u.reason} for u in s.unscheduled],
        "stats": {
            "meetings": s.stats.meetings,
            "requests": s.stats.requests,
            "objective": s.stats.objective,
            "bound": s.stats.bound,
            "solve_seconds": round(s.stats.solve_seconds, 3),
            **dict(s.stats.extra),
        },
    }


class _Malformed(ValueError):
    """A meeting of a schedule document that cannot be read; ``words`` say why in any language."""

    def __init__(self, words: Message):
        self.words = words
        super().__init__(str(words))


def parse_schedule_document(doc: Any, source: str = "") -> Schedule:
    """Read a schedule document back (for locked meetings and independent checks)."""
    problems: list[Problem] = []
    if not isinstance(doc, Mapping) or not isinstance(doc.get("meetings"), list):
        raise InvalidInput([Problem.of("meetings", N_("a schedule needs a list of meetings"))], source)
    meetings = []
    for i, m in enumerate(doc["meetings"]):
        where = f"meetings[{i}]"
        try:
            a, b = m["participants"]
            start = datetime.fromisoformat(m["start"].replace("Z", "+00:00"))
            end = datetime.fromisoformat(m["end"].replace("Z", "+00:00"))
            if start.tzinfo is None or end.tzinfo is None:
                raise _Malformed(Message.of(N_("times must carry a zone (end them with Z)")))
            room = m["room"]
            if not isinstance(room, int) or isinstance(room, bool) or room < 1:
                raise _Malformed(Message.of(N_("room must be a positive integer, got {room}"), room=repr(room)))
            status = m.get("status", "scheduled")
            if status not in MEETING_STATUSES:
                raise _Malformed(Message.of(N_("status {status} is not one of {statuses}"), status=repr(status),
                                            statuses=", ".join(MEETING_STATUSES)))
            if not isinstance(m.get("locked", False), bool):
                raise _Malformed(Message.of(N_("locked must be true or false, got {value}"), value=repr(m["locked"])))
            meetings.append(
                Meeting(
                    str(m["id"]), a, b, start.astimezone(UTC), end.astimezone(UTC), room,
                    status, m.get("locked", False),
                )
            )  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            problems.append(Problem.of(where, N_("malformed meeting: {reason}"),
                                       reason=exc.words if isinstance(exc, _Malformed) else str(exc)))
    if problems:
        raise InvalidInput(problems, source)
    unscheduled = tuple(
        Unscheduled(u.get("from", ""), u.get("to", ""), u.get("reason", ""))
        for u in doc.get("unscheduled", [])
        if isinstance(u, Mapping)
    )
    st = doc.get("stats", {}) or {}
    return Schedule(
        str(doc.get("event_id", "")),
        tuple(meetings),
        unscheduled,
        Stats(
            int(st.get("meetings", len(meetings))), int(st.get("requests", 0)),
            float(st.get("objective", 0)), float(st.get("bound", 0)), float(st.get("solve_seconds", 0)),
        ),  # fmt: skip
    )

