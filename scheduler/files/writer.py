"""Write the event document out: domain objects to the interchange form (``docs/format.md``).

The inverse of :mod:`.formats`: a document written here reads back to the same
event. Tables (CSV, .xlsx) are written by :mod:`.sheets`, the schedule document
by :mod:`.schedules`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from scheduler.domain.model import Event, EventData, Participant, Request
from scheduler.files.inputs import format_clock


def event_to_dict(e: Event) -> dict[str, Any]:
    """The event block of the document; extra fields read in are written back."""
    out: dict[str, Any] = dict(e.extra)
    out.update(
        id=e.id,
        name=e.name,
        timezone=e.timezone,
        slot_minutes=e.slot_minutes,
        gap_minutes=e.gap_minutes,
        sessions=[
            {"date": s.date.isoformat(), "start": format_clock(s.start), "end": format_clock(s.end)}
            for s in e.sessions
        ],
        rooms=e.rooms,
        max_meetings=e.max_meetings,
        allow_same_kind=e.allow_same_kind,
        request_policy=e.request_policy,
        request_ttl_hours=e.request_ttl_hours,
    )
    if e.video_url_template is not None:
        out["video_url_template"] = e.video_url_template
    return out


def participant_to_dict(p: Participant) -> dict[str, Any]:
    """One participant record of the document; extra fields read in are written back."""
    out: dict[str, Any] = dict(p.extra)
    out.update(
        id=p.id,
        name=p.name,
        kind=p.kind,
        cluster=p.cluster,
        country=p.country,
        timezone=p.timezone,
        contact=p.contact,
        email=p.email,
        working_hours={"start": format_clock(p.working_hours[0]), "end": format_clock(p.working_hours[1])},
    )
    if p.available is not None:
        out["available"] = [
            {"date": w.date.isoformat(), "start": format_clock(w.start), "end": format_clock(w.end)}
            for w in p.available
        ]
    if p.max_meetings is not None:
        out["max_meetings"] = p.max_meetings
    out.update(
        sectors=list(p.sectors), needs=list(p.needs), offers=list(p.offers), languages=list(p.languages)
    )
    if p.description:
        out["description"] = p.description
    if p.locale:
        out["locale"] = p.locale
    return out


def request_to_dict(r: Request) -> dict[str, Any]:
    """One request record of the document (``status`` only when it is not pending, ``sessions``,
    numbered from 1, only when it restricts the meeting)."""
    out: dict[str, Any] = dict(r.extra)
    out.update({"from": r.sender, "to": r.receiver, "priority": r.priority})
    if r.status != "pending":
        out["status"] = r.status
    if r.sessions:
        out["sessions"] = [i + 1 for i in r.sessions]
    return out


def event_document(data: EventData) -> dict[str, Any]:
    """Return the event as an interchange document (a dict ready for ``json.dump``)."""
    return {
        "event": event_to_dict(data.event),
        "participants": [participant_to_dict(p) for p in data.participants],
        "requests": [request_to_dict(r) for r in data.requests],
    }



def dump_json(doc: Any, path: str | Path | None = None) -> str:
    """Return ``doc`` as indented UTF-8 JSON text, and write it to ``path`` when one is given."""
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text

