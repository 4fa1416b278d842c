#!/usr/bin/env python3
"""Closing one room of twelve on a generated event: what moves (room only, in time) and what is cancelled.

``python bench/rooms_bench.py [cache.json]`` solves a 120-participant event (12 rooms) once
(cached in the given file), then closes each of the three busiest rooms at a quarter of the
event and prints, per closing, the meetings in the room, room-only changes, time moves and
cancellations."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scheduler.domain.model import Meeting  # noqa: E402
from scheduler.domain.timegrid import build_slots  # noqa: E402
from scheduler.files.formats import parse_event_document  # noqa: E402
from scheduler.files.generator import generate_event  # noqa: E402
from scheduler.live.repair import rebalance  # noqa: E402
from scheduler.solver import SolverConfig, solve  # noqa: E402


def schedule(data, cache: Path | None) -> tuple[Meeting, ...]:
    """Solve the event once; reuse the cached schedule on later runs."""
    if cache and cache.exists():
        from datetime import datetime

        return tuple(Meeting(m["id"], m["a"], m["b"], datetime.fromisoformat(m["start"]),
                             datetime.fromisoformat(m["end"]), m["room"]) for m in json.loads(cache.read_text()))
    r = solve(data, config=SolverConfig(time_limit=15))
    if cache:
        cache.write_text(json.dumps([{"id": m.id, "a": m.a, "b": m.b, "start": m.start.isoformat(),
                                      "end": m.end.isoformat(), "room": m.room} for m in r.schedule.meetings]))
    return r.schedule.meetings


def main() -> None:
    """Print one line per closed room."""
    data = parse_event_document(generate_event(120, seed=5, event_id="rooms"))
    meetings = schedule(data, Path(sys.argv[1]) if len(sys.argv) > 1 else None)
    slots = build_slots(data.event)
    now = slots[len(slots) // 4].start
    future = [m for m in meetings if m.start > now]
    full = sum(1 for s in slots if s.start > now and sum(m.start == s.start for m in future) >= data.event.rooms)
    print(f"{data.event.rooms} rooms, {len(meetings)} meetings, {len({m.start for m in future})} slots to come "
          f"({full} of them full), closing at slot {len(slots) // 4}")
    busiest = sorted({m.room for m in future}, key=lambda k: -sum(m.room == k for m in future))[:3]
    for room in busiest:
        plan = rebalance(data, meetings, now, closed_rooms=[room])
        inside = sum(m.room == room for m in future)
        room_only = sum(1 for b, a in plan.moved if b.start == a.start)
        was = {m.id: m for m in meetings}
        others = sum(1 for b, _ in plan.moved if b.room != room) + sum(1 for m in plan.cancelled
                                                                      if was[m.id].room != room)  # fmt: skip
        print(f"close room {room:2}: {inside} meetings in it; {room_only} room-only changes, "
              f"{len(plan.moved) - room_only} time moves, {len(plan.cancelled)} cancelled "
              f"({others} of these changes hit meetings of other rooms), {len(plan.added)} added, "
              f"{len(plan.affected)} people told, {plan.seconds:.2f} s")


if __name__ == "__main__":
    main()
