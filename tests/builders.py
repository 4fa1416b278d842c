"""Small real worlds for tests: event documents built from a few keywords."""

from __future__ import annotations

import copy
from typing import Any

from scheduler.domain.model import EventData
from scheduler.files.formats import parse_event_document


def event_block(**over: Any) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "id": "ev-test",
        "name": "Test event",
        "timezone": "Europe/Brussels",
        "slot_minutes": 25,
        "gap_minutes": 5,
        "sessions": [{"date": "2027-03-26", "start": "09:00", "end": "13:00"}],
        "rooms": 3,
        "max_meetings": 6,
    }
    ev.update(over)
    return ev


def person(pid: str, kind: str | None = None, tz: str = "Europe/Brussels", **over: Any) -> dict[str, Any]:
    kind = kind or ("traditional" if pid.startswith("t") else "tech")
    p: dict[str, Any] = {
        "id": pid,
        "name": f"{pid} SME",
        "kind": kind,
        "timezone": tz,
        "email": f"{pid}@example.org",
    }
    p.update(over)
    return p


def document(participants: list[dict[str, Any]], requests: list[tuple] | None = None,
             **event_over: Any) -> dict[str, Any]:
    reqs = []
    for r in requests or []:
        reqs.append({"from": r[0], "to": r[1], "priority": r[2] if len(r) > 2 else 1})
    return {"event": event_block(**event_over), "participants": participants, "requests": reqs}


def build(participants: list[dict[str, Any]], requests: list[tuple] | None = None,
          **event_over: Any) -> EventData:
    return parse_event_document(copy.deepcopy(document(participants, requests, **event_over)))
