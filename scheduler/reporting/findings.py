"""What the survey answers say, as aggregates over groups of at least :data:`MIN_GROUP` respondents.

Answers are personal data: the report shows only aggregates, and every aggregate that rests on
survey answers rests on at least :data:`MIN_GROUP` respondents (distinct participants). A figure
whose respondents are fewer is suppressed (its items are empty, ``shown`` is False); in a
breakdown (by sector, by country) the groups under the threshold are pooled into
:data:`OTHER`, which is shown only when the pool itself reaches the threshold, else suppressed
(counted in ``suppressed``, never named).

Question and option ids are those of :mod:`scheduler.surveys.builtin` (an organiser's copy keeps
them). Shares are counts over the group's ``n``; a multiple-choice share is the share of
respondents who named the option, so shares of one question may add up to more than 1.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from scheduler.domain.model import EventData
from scheduler.surveys.builtin import (
    AGREEMENTS,
    NEXT_STEPS,
    OPPORTUNITIES,
    OUTCOMES,
    SUPPORT,
    TECHNOLOGIES,
    THREATS,
    YES_NO_PARTLY,
)
from scheduler.surveys.model import WAVES, Answer

#: The minimum group size: no aggregate of survey answers rests on fewer respondents.
MIN_GROUP = 5
#: The pooled group of a breakdown's small groups.
OTHER = "other"
#: The outcome ladder, lowest first (``followup.outcome``).
LADDER = tuple(i for i, _ in OUTCOMES)
UNKNOWN = "unknown"


@dataclass(frozen=True)
class Share:
    """``count`` of the ``n`` respondents (or answers) chose ``option`` (``label`` in words)."""

    option: str
    label: str
    count: int
    n: int

    @property
    def share(self) -> float:
        return self.count / self.n if self.n else 0.0


@dataclass(frozen=True)
class Feedback:
    """Right after the meetings: one answer per participant and meeting."""

    respondents: int  # distinct participants
    answers: int
    took_place: tuple[Share, ...]  # yes, partly, no; over the answers
    useful_mean: float | None  # 1..5
    useful: tuple[Share, ...]  # 1..5, over the answers that rated it
    next_steps: tuple[Share, ...]  # in the survey's order

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_GROUP


@dataclass(frozen=True)
class Wave:
    """The follow-up wave ``wave`` (``m3``, ``m6``): where the meetings stand, per meeting.

    A meeting's level is the highest either side reports in the wave; ``levels`` follow the ladder
    (no contact, valuable contact, negotiation, agreement) over ``meetings``; ``agreement_kinds``
    are over the meetings at negotiation or agreement (either side's kinds, once per meeting).
    """

    wave: str
    months: int
    respondents: int
    meetings: int
    levels: tuple[Share, ...]
    agreement_kinds: tuple[Share, ...]

    @property
    def shown(self) -> bool:
        return self.respondents >= MIN_GROUP

    def level(self, option: str) -> Share | None:
        return next((s for s in self.levels if s.option == option), None)


@dataclass(frozen=True)
class Group:
    """The adoption answers of one group of traditional SMEs (all of them, a sector, a country)."""

    name: str
    n: int  # respondents in the group (at least MIN_GROUP)
    opportunities: tuple[Share, ...]  # ranked: most named first
    threats: tuple[Share, ...]  # ranked
    main_threat: tuple[Share, ...]  # ranked; over those who named a main barrier


@dataclass(frozen=True)
class Adoption:
    """The technology-adoption survey: traditional SMEs' opportunities and threats, tech SMEs'
    view of their clients. ``overall`` is None when fewer than MIN_GROUP traditional SMEs answered."""

    respondents: int  # traditional SMEs
    overall: Group | None
    by_sector: tuple[Group, ...]
    by_country: tuple[Group, ...]
    suppressed_sectors: int  # small groups left out (their pool was below MIN_GROUP too)
    suppressed_countries: int
    technologies: tuple[Share, ...]  # ranked: technologies traditional SMEs want to adopt
    support: tuple[Share, ...]  # ranked
    readiness_mean: float | None
    tech_respondents: int
    client_blockers: tuple[Share, ...]  # ranked, from tech SMEs; empty under MIN_GROUP


def counted(values: Iterable[str], n: int, options: tuple[tuple[str, str], ...], ranked: bool = True) -> tuple[Share, ...]:
    """Shares of each option among ``n``: ranked (most first, then the survey's order) or in order."""
    count = Counter(values)
    out = [Share(o, label, count[o], n) for o, label in options]
    if ranked:
        out = sorted((s for s in out if s.count), key=lambda s: -s.count)  # stable: the survey's order breaks ties
    return tuple(out)


def _many(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, tuple | list) else ()


def feedback_findings(answers: list[Answer]) -> Feedback:
    """The meeting feedback (``took_place``, ``useful``, ``next_step``); empty under MIN_GROUP."""
    respondents = len({a.participant_id for a in answers})
    if respondents < MIN_GROUP:
        return Feedback(respondents, len(answers), (), None, (), ())
    took = [a.values["took_place"] for a in answers if isinstance(a.values.get("took_place"), str)]
    useful = [a.values["useful"] for a in answers if isinstance(a.values.get("useful"), int)]
    steps = [a.values["next_step"] for a in answers if isinstance(a.values.get("next_step"), str)]
    scale = tuple((str(i), str(i)) for i in range(1, 6))
    return Feedback(
        respondents, len(answers), counted(took, len(took), YES_NO_PARTLY, ranked=False),
        sum(useful) / len(useful) if useful else None,  # type: ignore[arg-type]
        counted(map(str, useful), len(useful), scale, ranked=False),
        counted(steps, len(steps), NEXT_STEPS, ranked=False),
    )  # fmt: skip


def outcome_waves(answers: list[Answer]) -> tuple[Wave, ...]:
    """Each follow-up wave (:data:`~scheduler.surveys.model.WAVES`), suppressed under MIN_GROUP."""
    out = []
    for wave, months in WAVES.items():
        mine = [a for a in answers if a.wave == wave and a.values.get("outcome") in LADDER]
        respondents = len({a.participant_id for a in mine})
        if respondents < MIN_GROUP:
            out.append(Wave(wave, months, respondents, len({a.meeting_id for a in mine}), (), ()))
            continue
        level: dict[str, int] = {}
        kinds: dict[str, set[str]] = defaultdict(set)
        for a in mine:
            rank = LADDER.index(str(a.values["outcome"]))
            level[a.meeting_id] = max(level.get(a.meeting_id, 0), rank)
            kinds[a.meeting_id].update(_many(a.values.get("agreement_kind", ())))
        advanced = [m for m, r in level.items() if r >= LADDER.index("negotiation")]
        out.append(Wave(
            wave, months, respondents, len(level),
            counted((LADDER[r] for r in level.values()), len(level), OUTCOMES, ranked=False),
            counted((k for m in advanced for k in kinds[m]), len(advanced), AGREEMENTS),
        ))  # fmt: skip
    return tuple(out)


def group(name: str, answers: list[Answer]) -> Group:
    """The opportunities and threats of one group of traditional SMEs' adoption answers."""
    mains = [str(a.values["main_threat"]) for a in answers if isinstance(a.values.get("main_threat"), str)]
    return Group(
        name, len(answers),
        counted((o for a in answers for o in _many(a.values.get("opportunities", ()))), len(answers), OPPORTUNITIES),
        counted((t for a in answers for t in _many(a.values.get("threats", ()))), len(answers), THREATS),
        counted(mains, len(mains), THREATS),
    )  # fmt: skip


def breakdown(members: Mapping[str, list[Answer]]) -> tuple[tuple[Group, ...], int]:
    """Groups of at least MIN_GROUP respondents (largest first), the small ones pooled into
    :data:`OTHER` when the pool reaches MIN_GROUP; returns the groups and how many were suppressed."""
    big = sorted(((k, v) for k, v in members.items() if len(v) >= MIN_GROUP), key=lambda kv: (-len(kv[1]), kv[0]))
    small = [k for k, v in members.items() if len(v) < MIN_GROUP]
    pooled = list({a.participant_id: a for k in small for a in members[k]}.values())
    groups = [group(k, v) for k, v in big]
    if small and len(pooled) >= MIN_GROUP:
        groups.append(group(OTHER, pooled))
        return tuple(groups), 0
    return tuple(groups), len(small)


def adoption_findings(data: EventData, answers: list[Answer]) -> Adoption:
    """Opportunities and threats overall, by sector and by country (from the profiles), under the
    minimum group size; the latest answer of each participant counts."""
    people = data.by_id()
    latest = {a.participant_id: a for a in answers if a.participant_id in people}
    trad = [a for pid, a in sorted(latest.items()) if people[pid].kind == "traditional"]
    tech = [a for pid, a in sorted(latest.items()) if people[pid].kind == "tech"]
    by_sector: dict[str, list[Answer]] = defaultdict(list)
    by_country: dict[str, list[Answer]] = defaultdict(list)
    for a in trad:
        p = people[a.participant_id]
        for sector in dict.fromkeys(p.sectors or (UNKNOWN,)):
            by_sector[sector].append(a)
        by_country[p.country or UNKNOWN].append(a)
    blockers = ()
    if len(tech) >= MIN_GROUP:
        blockers = counted((t for a in tech for t in _many(a.values.get("client_blockers", ()))), len(tech), THREATS)
    if len(trad) < MIN_GROUP:
        return Adoption(len(trad), None, (), (), 0, 0, (), (), None, len(tech), blockers)
    sectors, lost_sectors = breakdown(by_sector)
    countries, lost_countries = breakdown(by_country)
    ready = [a.values["readiness"] for a in trad if isinstance(a.values.get("readiness"), int)]
    return Adoption(
        len(trad), group("all traditional SMEs", trad), sectors, countries, lost_sectors, lost_countries,
        counted((t for a in trad for t in _many(a.values.get("technologies", ()))), len(trad), TECHNOLOGIES),
        counted((s for a in trad for s in _many(a.values.get("support", ()))), len(trad), SUPPORT),
        sum(ready) / len(ready) if len(ready) >= MIN_GROUP else None,  # type: ignore[arg-type]
        len(tech), blockers,
    )  # fmt: skip
