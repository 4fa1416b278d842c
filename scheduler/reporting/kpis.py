"""The figures organisers report to their funders, as the console's tiles.

Cross-border share: over the meetings whose two participants' countries are both known; a
meeting where a country is missing is counted apart (``unknown_country``), never as
cross-border. The full pilot figures are in :mod:`.pilot`.
"""

from __future__ import annotations

from collections.abc import Iterable

from scheduler.domain.model import EventData, Meeting

LIVE = ("scheduled", "moved", "held")


def kpis(data: EventData, meetings: Iterable[Meeting]) -> dict[str, float | int]:
    """Participants, requests (accepted; pending: waiting for an answer, which the ``unless_declined``
    policy schedules), meetings (taking place, held, no-show), traditional SMEs served,
    cross-border share over meetings with both countries known (shares in 0..1)."""
    people = data.by_id()
    meetings = tuple(meetings)
    live = [m for m in meetings if m.status in LIVE]
    served = {p for m in live for p in (m.a, m.b) if people[p].kind == "traditional"}
    trad = sum(1 for p in data.participants if p.kind == "traditional")
    known = [m for m in live if people[m.a].country and people[m.b].country]
    cross = sum(1 for m in known if people[m.a].country != people[m.b].country)
    return {
        "participants": len(data.participants),
        "traditional": trad,
        "tech": len(data.participants) - trad,
        "requests": len(data.requests),
        "accepted": sum(1 for r in data.requests if r.status in ("accepted", "imposed")),
        "pending": sum(1 for r in data.requests if r.status in ("suggested", "pending")),
        "meetings": len(live),
        "held": sum(1 for m in meetings if m.status == "held"),
        "no_show": sum(1 for m in meetings if m.status == "no_show"),
        "traditional_served": len(served),
        "traditional_served_share": len(served) / trad if trad else 0.0,
        "cross_border_share": cross / len(known) if known else 0.0,
        "unknown_country": len(live) - len(known),
        "countries": len({p.country for p in data.participants if p.country}),
    }
