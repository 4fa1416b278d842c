"""The figures organisers report to their funders."""

from __future__ import annotations

from collections.abc import Iterable

from scheduler.domain.model import EventData, Meeting

LIVE = ("scheduled", "moved", "held")


def kpis(data: EventData, meetings: Iterable[Meeting]) -> dict[str, float | int]:
    """Participants, requests, meetings, traditional SMEs served, cross-border share."""
    people = data.by_id()
    live = [m for m in meetings if m.status in LIVE]
    served = {p for m in live for p in (m.a, m.b) if people[p].kind == "traditional"}
    trad = sum(1 for p in data.participants if p.kind == "traditional")
    cross = sum(1 for m in live if people[m.a].country and people[m.a].country != people[m.b].country)
    return {
        "participants": len(data.participants),
        "traditional": trad,
        "tech": len(data.participants) - trad,
        "requests": len(data.requests),
        "meetings": len(live),
        "traditional_served": len(served),
        "traditional_served_share": len(served) / trad if trad else 0.0,
        "cross_border_share": cross / len(live) if live else 0.0,
        "countries": len({p.country for p in data.participants if p.country}),
    }
