"""Seeded brokerage forums of the published kind (Bofill et al., JAIR 74, 2022), in our event format.

The twenty forums of the paper have 42 to 78 companies, 125 to 302 fixed meetings,
8 to 22 slots in a morning and an afternoon session, 12 to 27 tables, slots that
some companies cannot take, meetings restricted to the morning or the afternoon,
and a few very busy companies meeting in nearly every slot. The organiser fixes the
meeting list; the scheduler only chooses times, to minimise breaks.

:func:`jair_like` builds such a forum from a planted timetable: meetings are drawn
slot by slot among companies free and present then, busy companies first, so every
meeting can be placed (the planted timetable is one placement) and the rooms
suffice. Each meeting is an ``imposed`` request: the organiser's decision, always
scheduled. :data:`INSTANCES` is the benchmark's set, spanning the published ranges.

Morning-only or afternoon-only meetings come two ways, as in the published instances:
companies present in one session only (their availability windows), and one meeting in
ten restricted by its request to the session its planted slot lies in
(``"sessions": "morning"`` or ``"afternoon"``, docs/format.md), so the planted schedule
stays feasible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

DAY = "2027-05-12"
SLOT_MINUTES = 20
MORNING_START, AFTERNOON_START = 9 * 60, 15 * 60


@dataclass(frozen=True)
class Spec:
    """One forum to generate: sizes as in the published table, and the seed."""

    companies: int
    meetings: int
    slots: int
    tables: int
    seed: int

    @property
    def name(self) -> str:
        return f"jl-{self.companies}c-{self.meetings}m-{self.slots}s-{self.tables}t"


#: The benchmark's forums: (companies, meetings, slots, tables) spanning 42-78 / 125-302 / 8-22 / 12-27.
INSTANCES: tuple[Spec, ...] = tuple(Spec(c, m, s, t, seed) for seed, (c, m, s, t) in enumerate((
    (42, 125, 8, 20), (45, 140, 10, 18), (48, 160, 12, 16), (50, 180, 12, 24),
    (52, 150, 14, 12), (55, 200, 14, 20), (58, 210, 16, 14), (60, 230, 16, 20),
    (63, 250, 18, 18), (66, 220, 20, 12), (70, 270, 18, 27), (72, 280, 20, 16),
    (75, 302, 22, 15), (78, 302, 16, 27), (78, 260, 22, 13), (64, 190, 10, 22),
), start=1))  # fmt: skip


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _windows(present: list[int], morning: int) -> list[dict[str, str]]:
    """Availability windows covering exactly the slots in ``present`` (runs of consecutive slots)."""
    out: list[dict[str, str]] = []
    run: list[int] = []
    for t in sorted(present) + [-10]:
        if run and (t != run[-1] + 1 or t == morning):
            out.append({"date": DAY, "start": _hhmm(_slot_start(run[0], morning)),
                        "end": _hhmm(_slot_start(run[-1], morning) + SLOT_MINUTES)})  # fmt: skip
            run = []
        if t >= 0:
            run.append(t)
    return out


def _slot_start(t: int, morning: int) -> int:
    return (MORNING_START + t * SLOT_MINUTES if t < morning
            else AFTERNOON_START + (t - morning) * SLOT_MINUTES)  # fmt: skip


def jair_like(spec: Spec) -> dict[str, Any]:
    """Return the event document of one forum (shapes as in docs/format.md).

    Raise ValueError when the planted timetable cannot reach ``spec.meetings``
    (too few companies or tables for the slots): the sizes are then not a forum.
    """
    rng = random.Random(spec.seed)
    n, slots = spec.companies, spec.slots
    morning = slots // 2
    ids = [f"c-{i + 1:03d}" for i in range(n)]
    present: dict[str, set[int]] = {}
    for i, pid in enumerate(ids):
        roll = rng.random()
        if i < 3:  # the busiest companies stay all day
            span = set(range(slots))
        elif roll < 0.12:
            span = set(range(morning))
        elif roll < 0.24:
            span = set(range(morning, slots))
        else:
            span = set(range(slots))
        if rng.random() < 0.35:  # forbidden slots: one or two the company cannot take
            for t in rng.sample(sorted(span), k=min(len(span) - 2, rng.choice((1, 1, 2)))):
                span.discard(t)
        present[pid] = span
    weight = {pid: (12.0 if i < 3 else rng.paretovariate(1.3)) for i, pid in enumerate(ids)}
    busy: dict[int, set[str]] = {t: set() for t in range(slots)}
    met: set[frozenset[str]] = set()
    planted: dict[frozenset[str], int] = {}
    tries = 0
    while len(met) < spec.meetings and tries < spec.meetings * 400:
        tries += 1
        t = rng.randrange(slots)
        if len(busy[t]) >= 2 * spec.tables:
            continue
        free = [p for p in ids if t in present[p] and p not in busy[t]]
        if len(free) < 2:
            continue
        a = rng.choices(free, weights=[weight[p] for p in free])[0]
        others = [p for p in free if p != a and frozenset((a, p)) not in met]
        if not others:
            continue
        b = rng.choices(others, weights=[weight[p] for p in others])[0]
        key = frozenset((a, b))
        met.add(key)
        planted[key] = t
        busy[t] |= {a, b}
    if len(met) < spec.meetings:
        raise ValueError(f"{spec.name}: only {len(met)} meetings could be planted")
    event = {
        "id": spec.name, "name": f"Brokerage forum {spec.name}", "timezone": "Europe/Madrid",
        "slot_minutes": SLOT_MINUTES, "gap_minutes": 0,
        "sessions": [{"date": DAY, "start": _hhmm(MORNING_START),
                      "end": _hhmm(MORNING_START + morning * SLOT_MINUTES)},
                     {"date": DAY, "start": _hhmm(AFTERNOON_START),
                      "end": _hhmm(AFTERNOON_START + (slots - morning) * SLOT_MINUTES)}],
        "rooms": spec.tables, "max_meetings": slots, "allow_same_kind": True,
        "compactness": "breaks",
    }  # fmt: skip
    participants = []
    for i, pid in enumerate(ids):
        p: dict[str, Any] = {"id": pid, "name": f"Company {i + 1}", "kind": "tech" if i % 2 else "traditional",
                             "timezone": "Europe/Madrid", "working_hours": {"start": "08:00", "end": "20:00"}}
        if present[pid] != set(range(slots)):
            p["available"] = _windows(sorted(present[pid]), morning)
        participants.append(p)
    requests = [{"from": a, "to": b, "priority": 1, "status": "imposed"}
                for a, b in sorted(tuple(sorted(k)) for k in met)]  # fmt: skip
    return {"event": event, "participants": participants, "requests": _restrict(requests, planted, morning)}


def _restrict(requests: list[dict[str, Any]], planted: dict[frozenset[str], int],
              morning: int) -> list[dict[str, Any]]:
    """Restrict one meeting in ten to the session of its planted slot (morning or afternoon).

    ``morning`` is the number of morning slots (slot indices below it are in the morning);
    the draw is seeded by the forum's own sizes, so the same spec gives the same forum.
    """
    rng = random.Random(len(requests) * 7919 + morning)
    out = []
    for r in requests:
        if rng.random() < 0.1:
            t = planted[frozenset((r["from"], r["to"]))]
            r = {**r, "sessions": "morning" if t < morning else "afternoon"}
        out.append(r)
    return out
