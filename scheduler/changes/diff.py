"""What changed between two versions of a schedule, per participant (for live pushes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler.domain.model import Meeting

GONE = ("cancelled", "no_show")


@dataclass(frozen=True)
class Change:
    kind: str  # added | moved | cancelled
    meeting: Meeting
    before: Meeting | None = None


def diff(old: Iterable[Meeting], new: Iterable[Meeting]) -> dict[str, list[Change]]:
    """Return participant id -> the changes that touch them (unaffected people are absent)."""
    before = {m.id: m for m in old}
    after = {m.id: m for m in new}
    out: dict[str, list[Change]] = defaultdict(list)
    for mid, m in after.items():
        prev = before.get(mid)
        if prev is None or (prev.status in GONE and m.status not in GONE):
            change = Change("added", m)
        elif m.status in GONE and prev.status not in GONE:
            change = Change("cancelled", m, prev)
        elif (prev.start, prev.room) != (m.start, m.room) and m.status not in GONE:
            change = Change("moved", m, prev)
        else:
            continue
        for p in (m.a, m.b):
            out[p].append(change)
    for mid, prev in before.items():
        if mid not in after and prev.status not in GONE:
            for p in (prev.a, prev.b):
                out[p].append(Change("cancelled", prev, prev))
    return dict(out)
