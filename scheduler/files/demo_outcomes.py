"""Simulated outcomes for a demo event: meetings marked held or no-show, and survey answers.

So that a fresh ``run.py demo`` shows a full Results page, :func:`demo_outcomes` plays what would
follow the event, from a seed: each meeting taking place is held (or a no-show); participants
answer the technology-adoption survey (threats weighted by sector, so some findings stand out),
the feedback after each meeting and the follow-up at 3 and 6 months (the outcome ladder moving
up between waves). Every answer passes the survey's own check. The result is demo data only:
the caller marks it as such (``run.py demo`` audits ``demo_outcomes``).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import timedelta

from scheduler.domain.model import EventData, Meeting
from scheduler.domain.timegrid import build_slots
from scheduler.surveys.builtin import (
    AGREEMENTS,
    BUILTIN,
    NEXT_STEPS,
    OPPORTUNITIES,
    OUTCOMES,
    SECTORS,
    SUPPORT,
    TECHNOLOGIES,
    THREATS,
)
from scheduler.surveys.model import Answer, check_answers

NO_SHOW_RATE = 0.1
ANSWER_RATES = {"adoption": 0.85, "feedback": 0.7, "m3": 0.6, "m6": 0.5}
#: each sector's most likely main barrier (the rest share what is left)
SECTOR_BARRIER = {"textiles": "skills", "food-processing": "cost", "metalworking": "skills", "furniture": "cost",
                  "agriculture": "data", "logistics": "integration", "construction": "skills", "tourism": "cost"}  # fmt: skip
LADDER = [o for o, _ in OUTCOMES]


@dataclass(frozen=True)
class DemoOutcomes:
    meetings: tuple[Meeting, ...]  # every meeting, those taking place marked held or no_show
    answers: tuple[Answer, ...]


def _ids(pairs: tuple[tuple[str, str], ...]) -> list[str]:
    return [i for i, _ in pairs if i != "other"]


def demo_outcomes(data: EventData, meetings: tuple[Meeting, ...], seed: int = 7) -> DemoOutcomes:
    """Mark meetings and draw answers for ``data``'s event, deterministically from ``seed``.

    Answer times: adoption a week before the first slot, feedback an hour after each meeting,
    follow-ups 3 and 6 months (91 and 182 days) after the last slot.
    """
    rng = random.Random(seed)
    slots = build_slots(data.event)
    first, last = slots[0].start, slots[-1].end
    people = data.by_id()
    marked = tuple(replace(m, status="no_show" if rng.random() < NO_SHOW_RATE else "held")
                   if m.status in ("scheduled", "moved") else m for m in meetings)  # fmt: skip
    answers: list[Answer] = []

    def answer(survey: str, pid: str, raw: dict, at, meeting: str = "", wave: str = "") -> None:
        values = check_answers(BUILTIN[survey], raw, people[pid].kind)
        answers.append(Answer(data.event.id, survey, BUILTIN[survey].version, pid, values, at, meeting, wave))

    for p in data.participants:
        if rng.random() >= ANSWER_RATES["adoption"]:
            continue
        if p.kind == "traditional":
            sector = p.sectors[0] if p.sectors else ""
            main = SECTOR_BARRIER.get(sector) if rng.random() < 0.7 else None
            main = main or rng.choice(_ids(THREATS))
            threats = {main, *rng.sample(_ids(THREATS), rng.randint(1, 3))}
            raw = {"technologies": rng.sample(_ids(TECHNOLOGIES), rng.randint(1, 3)), "readiness": rng.randint(1, 5),
                   "opportunities": rng.sample(_ids(OPPORTUNITIES), rng.randint(1, 3)),
                   "threats": sorted(threats), "main_threat": main,
                   "support": ["funding", *rng.sample(_ids(SUPPORT)[1:], rng.randint(0, 2))] if rng.random() < 0.6
                   else rng.sample(_ids(SUPPORT), rng.randint(1, 2))}  # fmt: skip
        else:
            raw = {"sectors_served": rng.sample(_ids(SECTORS), rng.randint(1, 3)),
                   "client_blockers": rng.sample(_ids(THREATS), rng.randint(1, 3))}  # fmt: skip
        answer("adoption", p.id, raw, first - timedelta(days=7))
    level: dict[str, int] = {}
    for m in marked:
        if m.status not in ("held", "no_show"):
            continue
        held = m.status == "held"
        if held:
            level[m.id] = rng.choices(range(4), weights=(35, 40, 17, 8))[0]
        for pid in m.participants:
            if rng.random() >= ANSWER_RATES["feedback"]:
                continue
            raw = {"took_place": "no"} if not held else {
                "took_place": "yes" if rng.random() < 0.9 else "partly", "useful": rng.choices(range(1, 6), (1, 2, 4, 6, 4))[0],
                "next_step": rng.choices(_ids(NEXT_STEPS), (25, 30, 20, 12, 9, 4))[0]}  # fmt: skip
            answer("feedback", pid, raw, m.end + timedelta(hours=1), m.id)
    for wave, days in (("m3", 91), ("m6", 182)):
        for m in marked:
            if m.id not in level:
                continue
            if wave == "m6" and level[m.id] < 3 and rng.random() < 0.3:
                level[m.id] += 1  # some contacts move up the ladder between the waves
            for pid in m.participants:
                if rng.random() >= ANSWER_RATES[wave]:
                    continue
                raw = {"outcome": LADDER[level[m.id]]}
                if level[m.id] >= 2:
                    raw["agreement_kind"] = rng.sample(_ids(AGREEMENTS), rng.randint(1, 2))
                answer("followup", pid, raw, last + timedelta(days=days), m.id, wave)
    return DemoOutcomes(marked, tuple(answers))
