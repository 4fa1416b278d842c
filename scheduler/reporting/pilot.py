"""The pilot's figures for its funder: one pure function from the event's records to a frozen tree.

:func:`pilot_figures` takes what the store holds (the event with its requests, the meetings, the
check-ins, the surveys and their answers) and returns :class:`PilotFigures`:

- :class:`Funnel`: requests, accepted (or imposed by the organiser), pending (scheduled under the
  ``unless_declined`` policy), declined, meetings scheduled
  (every meeting placed and not called off), held, no-show, cancelled, and those still to be
  marked (scheduled or moved, neither held nor no-show yet);
- :class:`Reach`: participants, check-ins, meetings per participant (the distribution, by kind),
  traditional SMEs with at least 1 and at least 3 meetings;
- :class:`CrossBorder`: the share of cross-border meetings over the meetings whose two countries
  are both known (a meeting with an unknown country is counted apart), and the country-pair matrix;
- cluster attribution (:class:`ClusterRow`) and technologies demanded vs offered
  (:class:`TechRow`) from the participants' profiles;
- the survey findings (:mod:`.findings`: feedback, the outcome ladder by wave, opportunities and
  threats), each shown only over groups of at least :data:`~.findings.MIN_GROUP` respondents.

A meeting "takes place" when its status is scheduled, moved or held (:data:`TAKING_PLACE`): that
is what meetings per participant and the cross-border share count. Everything is a count of
records; shares are in 0..1 and None when their denominator is 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from scheduler.domain.model import EventData, Meeting
from scheduler.surveys.model import Answer, Survey

from .findings import Adoption, Feedback, Wave, adoption_findings, feedback_findings, outcome_waves

#: meeting statuses of a meeting that takes (or took) place
TAKING_PLACE = ("scheduled", "moved", "held")
#: request statuses that count as accepted: the receiver said yes, or the organiser decided it
ACCEPTED = ("accepted", "imposed")
#: request statuses still waiting for an answer (scheduled under the ``unless_declined`` policy)
PENDING = ("suggested", "pending")
NO_CLUSTER = "(no cluster)"


def share(part: int, whole: int) -> float | None:
    """``part / whole``, or None when ``whole`` is 0."""
    return part / whole if whole else None


@dataclass(frozen=True)
class Funnel:
    requests: int
    accepted: int
    declined: int
    scheduled: int  # placed and not cancelled: held + no_show + still to be marked
    held: int
    no_show: int
    cancelled: int
    unmarked: int  # scheduled or moved, not marked held or no-show yet
    pending: int = 0  # suggested or pending: waiting for an answer (scheduled under ``unless_declined``)
    policy: str = "unless_declined"  # the event's request policy (scheduler/matching/requests.py)

    @property
    def pending_scheduled(self) -> bool:
        """Whether requests waiting for an answer are scheduled (the ``unless_declined`` policy)."""
        return self.policy != "accepted_only"

    @property
    def no_show_share(self) -> float | None:
        """No-shows over the meetings marked (held + no-show)."""
        return share(self.no_show, self.held + self.no_show)


@dataclass(frozen=True)
class Bin:
    """How many participants of each kind have ``meetings`` meetings taking place."""

    meetings: int
    traditional: int
    tech: int


@dataclass(frozen=True)
class Reach:
    participants: int
    traditional: int
    tech: int
    checked_in: int
    per_participant: tuple[Bin, ...]  # 0, 1, ... up to the most meetings anyone has
    mean_meetings: float | None
    traditional_1: int  # traditional SMEs with at least 1 meeting taking place
    traditional_3: int  # ... with at least 3

    @property
    def traditional_1_share(self) -> float | None:
        return share(self.traditional_1, self.traditional)

    @property
    def traditional_3_share(self) -> float | None:
        return share(self.traditional_3, self.traditional)


@dataclass(frozen=True)
class CountryPair:
    a: str  # a <= b; a == b for a domestic meeting
    b: str
    meetings: int


@dataclass(frozen=True)
class CrossBorder:
    known: int  # meetings taking place whose two countries are known
    cross: int
    unknown: int  # meetings taking place where a country is unknown (counted apart)
    countries: tuple[str, ...]  # the countries of the matrix, sorted
    pairs: tuple[CountryPair, ...]  # every pair with a meeting, sorted

    @property
    def share(self) -> float | None:
        """Cross-border meetings over meetings with both countries known."""
        return share(self.cross, self.known)

    def matrix(self) -> tuple[tuple[int, ...], ...]:
        """Meetings by country pair, rows and columns in :attr:`countries` order (symmetric)."""
        index = {c: i for i, c in enumerate(self.countries)}
        grid = [[0] * len(self.countries) for _ in self.countries]
        for p in self.pairs:
            grid[index[p.a]][index[p.b]] = p.meetings
            grid[index[p.b]][index[p.a]] = p.meetings
        return tuple(tuple(row) for row in grid)


@dataclass(frozen=True)
class ClusterRow:
    cluster: str
    participants: int
    traditional: int
    with_meeting: int  # members with at least one meeting taking place
    meetings: int  # meetings taking place with at least one member (a meeting of two clusters counts in each)


@dataclass(frozen=True)
class TechRow:
    technology: str
    demanded: int  # traditional SMEs that name it among their needs
    offered: int  # tech SMEs that name it among their offers

    @property
    def gap(self) -> int:
        return self.demanded - self.offered


@dataclass(frozen=True)
class PilotFigures:
    event_id: str
    event_name: str
    funnel: Funnel
    reach: Reach
    cross_border: CrossBorder
    clusters: tuple[ClusterRow, ...]
    technologies: tuple[TechRow, ...]  # largest gap first
    feedback: Feedback
    waves: tuple[Wave, ...]  # m3, m6
    adoption: Adoption


def pilot_figures(data: EventData, meetings: Iterable[Meeting], checked_in: Collection[str] = (),
                  surveys: Mapping[str, Survey] | None = None, answers: Iterable[Answer] = ()) -> PilotFigures:
    """Compute every pilot figure of one event.

    Args:
        data: the event, its participants (removed ones too: past meetings name them) and its
            requests with their current status.
        meetings: the stored meetings, every status.
        checked_in: ids of the participants who checked in on the day.
        surveys: survey id -> survey (the event's current versions: an organiser's copy is read by
            its ``kind``); None for the built-in ones.
        answers: every survey answer of the event.
    """
    from scheduler.surveys.builtin import BUILTIN

    meetings = tuple(meetings)
    kinds = {sid: s.kind for sid, s in (surveys if surveys is not None else BUILTIN).items()}
    kinds.update({sid: s.kind for sid, s in BUILTIN.items() if sid not in kinds})
    by_kind: dict[str, list[Answer]] = {"adoption": [], "feedback": [], "followup": []}
    for a in answers:
        kind = kinds.get(a.survey_id)
        if kind in by_kind and a.event_id == data.event.id:
            by_kind[kind].append(a)
    return PilotFigures(
        event_id=data.event.id, event_name=data.event.name,
        funnel=funnel(data, meetings), reach=reach(data, meetings, checked_in),
        cross_border=cross_border(data, meetings), clusters=clusters(data, meetings),
        technologies=technologies(data),
        feedback=feedback_findings(by_kind["feedback"]),
        waves=outcome_waves(by_kind["followup"]),
        adoption=adoption_findings(data, by_kind["adoption"]),
    )  # fmt: skip


def funnel(data: EventData, meetings: tuple[Meeting, ...]) -> Funnel:
    """Requests and meetings by status (see :class:`Funnel`)."""
    status = Counter(m.status for m in meetings)
    return Funnel(
        requests=len(data.requests),
        accepted=sum(1 for r in data.requests if r.status in ACCEPTED),
        declined=sum(1 for r in data.requests if r.status == "declined"),
        scheduled=len(meetings) - status["cancelled"], held=status["held"], no_show=status["no_show"],
        cancelled=status["cancelled"], unmarked=status["scheduled"] + status["moved"],
        pending=sum(1 for r in data.requests if r.status in PENDING), policy=data.event.request_policy,
    )  # fmt: skip


def taking_place(meetings: Iterable[Meeting]) -> list[Meeting]:
    return [m for m in meetings if m.status in TAKING_PLACE]


def reach(data: EventData, meetings: tuple[Meeting, ...], checked_in: Collection[str]) -> Reach:
    """Participants, check-ins and meetings per participant (active participants only)."""
    count = Counter(p for m in taking_place(meetings) for p in m.participants)
    people = data.participants
    trad = [p for p in people if p.kind == "traditional"]
    top = max((count[p.id] for p in people), default=0)
    bins = tuple(Bin(k, sum(1 for p in trad if count[p.id] == k),
                     sum(1 for p in people if p.kind == "tech" and count[p.id] == k)) for k in range(top + 1))  # fmt: skip
    ids = {p.id for p in people}
    return Reach(
        participants=len(people), traditional=len(trad), tech=len(people) - len(trad),
        checked_in=len(ids & set(checked_in)), per_participant=bins,
        mean_meetings=sum(count[p.id] for p in people) / len(people) if people else None,
        traditional_1=sum(1 for p in trad if count[p.id] >= 1),
        traditional_3=sum(1 for p in trad if count[p.id] >= 3),
    )  # fmt: skip


def cross_border(data: EventData, meetings: tuple[Meeting, ...]) -> CrossBorder:
    """Cross-border share over meetings with both countries known, and the country-pair matrix."""
    people = data.by_id()
    pairs: Counter[tuple[str, str]] = Counter()
    unknown = 0
    for m in taking_place(meetings):
        a, b = people[m.a].country, people[m.b].country
        if not a or not b:
            unknown += 1
            continue
        pairs[(min(a, b), max(a, b))] += 1
    known = sum(pairs.values())
    cross = sum(n for (a, b), n in pairs.items() if a != b)
    countries = tuple(sorted({c for pair in pairs for c in pair}))
    return CrossBorder(known, cross, unknown, countries,
                       tuple(CountryPair(a, b, n) for (a, b), n in sorted(pairs.items())))


def clusters(data: EventData, meetings: tuple[Meeting, ...]) -> tuple[ClusterRow, ...]:
    """Participants and meetings per cluster, most meetings first (no cluster: :data:`NO_CLUSTER`)."""
    people = data.by_id()
    live = taking_place(meetings)
    busy = {p for m in live for p in m.participants}
    names = sorted({p.cluster or NO_CLUSTER for p in data.participants})
    rows = []
    for name in names:
        members = [p for p in data.participants if (p.cluster or NO_CLUSTER) == name]
        ids = {p.id for p in members}
        rows.append(ClusterRow(
            name, len(members), sum(1 for p in members if p.kind == "traditional"), len(ids & busy),
            sum(1 for m in live if name in (people[m.a].cluster or NO_CLUSTER, people[m.b].cluster or NO_CLUSTER)),
        ))  # fmt: skip
    return tuple(sorted(rows, key=lambda r: (-r.meetings, r.cluster)))


def technologies(data: EventData) -> tuple[TechRow, ...]:
    """Technologies named in the profiles: demanded (traditional needs) vs offered (tech offers),
    largest gap first, then the most demanded, then by name."""
    demanded = Counter(t for p in data.participants if p.kind == "traditional" for t in set(p.needs))
    offered = Counter(t for p in data.participants if p.kind == "tech" for t in set(p.offers))
    rows = [TechRow(t, demanded[t], offered[t]) for t in set(demanded) | set(offered)]
    return tuple(sorted(rows, key=lambda r: (-r.gap, -r.demanded, r.technology)))
