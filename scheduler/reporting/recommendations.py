"""Policy recommendations derived from the pilot's figures by documented rules (docs/report.md).

Each rule has an id, a condition on the figures with its thresholds as named constants below,
and a sentence template that states the finding with its figures, then the recommendation
(:data:`RESPONSES` for a barrier). No text is written that a rule does not template; a rule whose
data rest on fewer than :data:`~.findings.MIN_GROUP` respondents (or participants) does not fire.
:func:`recommend` runs every rule in :data:`RULES` order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .findings import MIN_GROUP, OTHER, Group, Share
from .pilot import PilotFigures

#: main-barrier-sector / main-barrier-country: the top main barrier's share in a group
MAIN_BARRIER_SHARE = 0.40
#: threat-overall: the share of traditional SMEs naming the most named threat
THREAT_SHARE = 0.50
#: support-wanted: the share naming the most wanted support
SUPPORT_SHARE = 0.50
#: technology-gap: traditional SMEs needing a technology, and at most this share of that offered
GAP_MIN_DEMAND = MIN_GROUP
GAP_OFFER_RATIO = 0.5
#: low-reach: the share of traditional SMEs with at least one meeting below this
REACH_MIN = 0.80
#: no-shows: the share of no-shows among the meetings marked (held or no-show), at or above this
NO_SHOW_MAX = 0.15
#: cross-border-low: the cross-border share below this (over at least MIN_GROUP meetings known)
CROSS_BORDER_MIN = 0.30
#: low-usefulness: the mean usefulness (1-5) below this
USEFUL_MIN = 3.0
#: stalled-contacts: share of meetings at valuable contact or negotiation in the latest wave
STALLED_SHARE = 0.50

#: What a barrier calls for: the policy response each main barrier (threat id) points to.
RESPONSES = {
    "cost": "co-fund first investments (vouchers or grants sized for small firms)",
    "skills": "fund training and skills programmes for their staff, delivered with the technology providers",
    "data": "support data-sharing and data-quality services, with clear rules on data ownership",
    "cybersecurity": "offer cybersecurity audits and basic protection packages",
    "regulation": "provide plain-language guidance on the regulation (AI Act, GDPR) and a help desk",
    "lock_in": "promote open standards and interoperability requirements in supported projects",
    "return": "fund test-before-invest pilots so firms can see the return before they invest",
    "integration": "support integration projects with existing machines and systems",
    "finance": "open access to finance: guarantees and loans for technology investments",
    "culture": "support change management and peer visits to firms that adopted",
}


@dataclass(frozen=True)
class Recommendation:
    rule: str  # the rule's id (docs/report.md)
    finding: str  # the figures the recommendation rests on, in words
    action: str  # what it recommends
    n: int  # the respondents or records behind the finding

    @property
    def text(self) -> str:
        return f"{self.finding}: {self.action}."


def pct(x: float) -> str:
    return f"{round(100 * x)}%"


def _main_barrier(groups: tuple[Group, ...], rule: str) -> Iterator[Recommendation]:
    for g in groups:
        if g.name == OTHER or not g.main_threat:
            continue
        top = g.main_threat[0]
        if top.n >= MIN_GROUP and top.share >= MAIN_BARRIER_SHARE and top.option in RESPONSES:
            yield Recommendation(rule, f"{pct(top.share)} of traditional SMEs in {g.name} (n={top.n}) name "
                                       f"{top.label.lower()} as the main barrier", RESPONSES[top.option], top.n)  # fmt: skip


def main_barrier_sector(f: PilotFigures) -> Iterator[Recommendation]:
    """A sector where at least MAIN_BARRIER_SHARE name the same main barrier."""
    yield from _main_barrier(f.adoption.by_sector, "main-barrier-sector")


def main_barrier_country(f: PilotFigures) -> Iterator[Recommendation]:
    """A country where at least MAIN_BARRIER_SHARE name the same main barrier."""
    yield from _main_barrier(f.adoption.by_country, "main-barrier-country")


def _top(shares: tuple[Share, ...]) -> Share | None:
    return shares[0] if shares and shares[0].n >= MIN_GROUP else None


def threat_overall(f: PilotFigures) -> Iterator[Recommendation]:
    """The most named threat, named by at least THREAT_SHARE of traditional SMEs."""
    top = _top(f.adoption.overall.threats) if f.adoption.overall else None
    if top and top.share >= THREAT_SHARE and top.option in RESPONSES:
        yield Recommendation("threat-overall", f"{pct(top.share)} of traditional SMEs (n={top.n}) name "
                                               f"{top.label.lower()} among the threats they see", RESPONSES[top.option], top.n)  # fmt: skip


def support_wanted(f: PilotFigures) -> Iterator[Recommendation]:
    """The most wanted support, named by at least SUPPORT_SHARE of traditional SMEs."""
    top = _top(f.adoption.support)
    if top and top.share >= SUPPORT_SHARE:
        yield Recommendation("support-wanted", f"{pct(top.share)} of traditional SMEs (n={top.n}) ask for "
                                               f"{top.label.lower()}",
                             f"make {top.label.lower()} part of the programme's next call", top.n)  # fmt: skip


def technology_gap(f: PilotFigures) -> Iterator[Recommendation]:
    """A technology needed by at least GAP_MIN_DEMAND traditional SMEs and offered by at most
    GAP_OFFER_RATIO as many tech SMEs (the largest gaps first, at most three)."""
    rows = [t for t in f.technologies if t.demanded >= GAP_MIN_DEMAND and t.offered <= GAP_OFFER_RATIO * t.demanded]
    for t in rows[:3]:
        yield Recommendation("technology-gap", f"{t.demanded} traditional SMEs need {t.technology} but only "
                                               f"{t.offered} technology providers offer it",
                             f"recruit providers of {t.technology} for the next event and the programme's "
                             "supplier network", t.demanded)  # fmt: skip


def low_reach(f: PilotFigures) -> Iterator[Recommendation]:
    """Fewer than REACH_MIN of the traditional SMEs (at least MIN_GROUP) had a meeting."""
    r = f.reach
    s = r.traditional_1_share
    if r.traditional >= MIN_GROUP and s is not None and s < REACH_MIN:
        yield Recommendation("low-reach", f"only {pct(s)} of traditional SMEs ({r.traditional_1} of {r.traditional}) "
                                          "had at least one meeting",
                             "recruit more technology providers matching their needs and let the organiser "
                             "propose meetings to those left without", r.traditional)  # fmt: skip


def no_shows(f: PilotFigures) -> Iterator[Recommendation]:
    """No-shows are at least NO_SHOW_MAX of the meetings marked (at least MIN_GROUP)."""
    fu = f.funnel
    marked = fu.held + fu.no_show
    if marked >= MIN_GROUP and fu.no_show_share is not None and fu.no_show_share >= NO_SHOW_MAX:
        yield Recommendation("no-shows", f"{pct(fu.no_show_share)} of the meetings marked ({fu.no_show} of {marked}) "
                                         "were no-shows",
                             "send reminders the day before and keep standby partners ready on the day", marked)  # fmt: skip


def cross_border_low(f: PilotFigures) -> Iterator[Recommendation]:
    """Fewer than CROSS_BORDER_MIN of the meetings with both countries known are cross-border."""
    c = f.cross_border
    if c.known >= MIN_GROUP and c.share is not None and c.share < CROSS_BORDER_MIN:
        yield Recommendation("cross-border-low", f"only {pct(c.share)} of meetings with both countries known "
                                                 f"({c.cross} of {c.known}) were cross-border",
                             "invite clusters from more countries and weigh cross-border pairs in the "
                             "recommendations", c.known)  # fmt: skip


def low_usefulness(f: PilotFigures) -> Iterator[Recommendation]:
    """The mean usefulness of meetings is below USEFUL_MIN (feedback shown: MIN_GROUP respondents)."""
    fb = f.feedback
    if fb.shown and fb.useful_mean is not None and fb.useful_mean < USEFUL_MIN:
        yield Recommendation("low-usefulness", f"participants rated meetings {fb.useful_mean:.1f} of 5 on average "
                                               f"({fb.respondents} respondents, {fb.answers} answers)",
                             "improve the match-making: richer profiles and requests confirmed by both sides",
                             fb.respondents)  # fmt: skip


def stalled_contacts(f: PilotFigures) -> Iterator[Recommendation]:
    """In the latest wave shown, at least STALLED_SHARE of meetings are at valuable contact or
    negotiation (contacts that have not become agreements)."""
    waves = [w for w in f.waves if w.shown]
    if not waves:
        return
    w = waves[-1]
    mid = sum(s.count for s in w.levels if s.option in ("valuable_contact", "negotiation"))
    if w.meetings and mid / w.meetings >= STALLED_SHARE:
        yield Recommendation("stalled-contacts", f"{w.months} months after the event, {pct(mid / w.meetings)} of the "
                                                 f"meetings followed up ({mid} of {w.meetings}, {w.respondents} "
                                                 "respondents) are valuable contacts or negotiations without an agreement",
                             "fund follow-up support (test-before-invest, brokerage of pilot projects) to turn "
                             "contacts into agreements", w.respondents)  # fmt: skip


Rule = Callable[[PilotFigures], Iterator[Recommendation]]
#: Every rule, in the order the report lists what they find.
RULES: dict[str, Rule] = {
    "main-barrier-sector": main_barrier_sector, "main-barrier-country": main_barrier_country,
    "threat-overall": threat_overall, "support-wanted": support_wanted, "technology-gap": technology_gap,
    "low-reach": low_reach, "no-shows": no_shows, "cross-border-low": cross_border_low,
    "low-usefulness": low_usefulness, "stalled-contacts": stalled_contacts,
}  # fmt: skip


def recommend(figures: PilotFigures) -> tuple[Recommendation, ...]:
    """Every recommendation the rules derive from ``figures``, in :data:`RULES` order."""
    return tuple(r for rule in RULES.values() for r in rule(figures))
