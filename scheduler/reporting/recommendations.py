"""Policy recommendations derived from the pilot's figures by documented rules (docs/report.md).

Each rule has an id, a condition on the figures with its thresholds as named constants below,
and a sentence template that states the finding with its figures, then the recommendation
(:data:`RESPONSES` for a barrier), written in the report's language (each template is marked
for extraction and translated with its ``{placeholders}``). No text is written that a rule does not template; a rule whose
data rest on fewer than :data:`~.findings.MIN_GROUP` respondents (or participants) does not fire.
:func:`recommend` runs every rule in :data:`RULES` order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from scheduler.domain.language import ENGLISH, N_, Language

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
    "cost": N_("co-fund first investments (vouchers or grants sized for small firms)"),
    "skills": N_("fund training and skills programmes for their staff, delivered with the technology providers"),
    "data": N_("support data-sharing and data-quality services, with clear rules on data ownership"),
    "cybersecurity": N_("offer cybersecurity audits and basic protection packages"),
    "regulation": N_("provide plain-language guidance on the regulation (AI Act, GDPR) and a help desk"),
    "lock_in": N_("promote open standards and interoperability requirements in supported projects"),
    "return": N_("fund test-before-invest pilots so firms can see the return before they invest"),
    "integration": N_("support integration projects with existing machines and systems"),
    "finance": N_("open access to finance: guarantees and loans for technology investments"),
    "culture": N_("support change management and peer visits to firms that adopted"),
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


def said(label: str, lang: Language) -> str:
    """A built-in option's label inside a sentence of ``lang``: lower case in English (as ever), the
    first letter lowered in the Romance languages, quoted as written in German (whose nouns keep
    their capital, and whose adjectives cannot be told from them here)."""
    label = lang.gettext(label)
    if lang.code == "en":
        return label.lower()
    return f"\u201e{label}\u201c" if lang.code == "de" else label[:1].lower() + label[1:]


def _main_barrier(groups: tuple[Group, ...], rule: str, lang: Language) -> Iterator[Recommendation]:
    for g in groups:
        if g.name == OTHER or not g.main_threat:
            continue
        top = g.main_threat[0]
        if top.n >= MIN_GROUP and top.share >= MAIN_BARRIER_SHARE and top.option in RESPONSES:
            finding = lang.gettext(N_("{share} of traditional SMEs in {group} (n={n}) name {barrier} as the main barrier"))
            yield Recommendation(rule, finding.format(share=pct(top.share), group=g.name, n=top.n,
                                                      barrier=said(top.label, lang)),
                                 lang.gettext(RESPONSES[top.option]), top.n)  # fmt: skip


def main_barrier_sector(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """A sector where at least MAIN_BARRIER_SHARE name the same main barrier."""
    yield from _main_barrier(f.adoption.by_sector, "main-barrier-sector", lang)


def main_barrier_country(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """A country where at least MAIN_BARRIER_SHARE name the same main barrier."""
    yield from _main_barrier(f.adoption.by_country, "main-barrier-country", lang)


def _top(shares: tuple[Share, ...]) -> Share | None:
    return shares[0] if shares and shares[0].n >= MIN_GROUP else None


def threat_overall(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """The most named threat, named by at least THREAT_SHARE of traditional SMEs."""
    top = _top(f.adoption.overall.threats) if f.adoption.overall else None
    if top and top.share >= THREAT_SHARE and top.option in RESPONSES:
        finding = lang.gettext(N_("{share} of traditional SMEs (n={n}) name {threat} among the threats they see"))
        yield Recommendation("threat-overall", finding.format(share=pct(top.share), n=top.n, threat=said(top.label, lang)),
                             lang.gettext(RESPONSES[top.option]), top.n)  # fmt: skip


def support_wanted(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """The most wanted support, named by at least SUPPORT_SHARE of traditional SMEs."""
    top = _top(f.adoption.support)
    if top and top.share >= SUPPORT_SHARE:
        support = said(top.label, lang)
        yield Recommendation("support-wanted",
                             lang.gettext(N_("{share} of traditional SMEs (n={n}) ask for {support}")).format(
                                 share=pct(top.share), n=top.n, support=support),
                             lang.gettext(N_("make {support} part of the programme's next call")).format(support=support),
                             top.n)  # fmt: skip


def technology_gap(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """A technology needed by at least GAP_MIN_DEMAND traditional SMEs and offered by at most
    GAP_OFFER_RATIO as many tech SMEs (the largest gaps first, at most three)."""
    rows = [t for t in f.technologies if t.demanded >= GAP_MIN_DEMAND and t.offered <= GAP_OFFER_RATIO * t.demanded]
    for t in rows[:3]:
        finding = lang.gettext(N_("{demanded} traditional SMEs need {technology} but only {offered} technology "
                                  "providers offer it"))
        action = lang.gettext(N_("recruit providers of {technology} for the next event and the programme's "
                                 "supplier network"))
        yield Recommendation("technology-gap", finding.format(demanded=t.demanded, technology=t.technology,
                                                              offered=t.offered),
                             action.format(technology=t.technology), t.demanded)  # fmt: skip


def low_reach(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """Fewer than REACH_MIN of the traditional SMEs (at least MIN_GROUP) had a meeting."""
    r = f.reach
    s = r.traditional_1_share
    if r.traditional >= MIN_GROUP and s is not None and s < REACH_MIN:
        finding = lang.gettext(N_("only {share} of traditional SMEs ({met} of {all}) had at least one meeting"))
        yield Recommendation("low-reach", finding.format(share=pct(s), met=r.traditional_1, all=r.traditional),
                             lang.gettext(N_("recruit more technology providers matching their needs and let the "
                                             "organiser propose meetings to those left without")),
                             r.traditional)  # fmt: skip


def no_shows(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """No-shows are at least NO_SHOW_MAX of the meetings marked (at least MIN_GROUP)."""
    fu = f.funnel
    marked = fu.held + fu.no_show
    if marked >= MIN_GROUP and fu.no_show_share is not None and fu.no_show_share >= NO_SHOW_MAX:
        finding = lang.gettext(N_("{share} of the meetings marked ({missed} of {marked}) were no-shows"))
        yield Recommendation("no-shows", finding.format(share=pct(fu.no_show_share), missed=fu.no_show, marked=marked),
                             lang.gettext(N_("send reminders the day before and keep standby partners ready on the day")),
                             marked)  # fmt: skip


def cross_border_low(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """Fewer than CROSS_BORDER_MIN of the meetings with both countries known are cross-border."""
    c = f.cross_border
    if c.known >= MIN_GROUP and c.share is not None and c.share < CROSS_BORDER_MIN:
        finding = lang.gettext(N_("only {share} of meetings with both countries known ({cross} of {known}) were "
                                  "cross-border"))
        yield Recommendation("cross-border-low", finding.format(share=pct(c.share), cross=c.cross, known=c.known),
                             lang.gettext(N_("invite clusters from more countries and weigh cross-border pairs in the "
                                             "recommendations")), c.known)  # fmt: skip


def low_usefulness(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """The mean usefulness of meetings is below USEFUL_MIN (feedback shown: MIN_GROUP respondents)."""
    fb = f.feedback
    if fb.shown and fb.useful_mean is not None and fb.useful_mean < USEFUL_MIN:
        finding = lang.gettext(N_("participants rated meetings {mean} of 5 on average ({respondents} respondents, "
                                  "{answers} answers)"))
        yield Recommendation("low-usefulness", finding.format(mean=f"{fb.useful_mean:.1f}", respondents=fb.respondents,
                                                              answers=fb.answers),
                             lang.gettext(N_("improve the match-making: richer profiles and requests confirmed by "
                                             "both sides")), fb.respondents)  # fmt: skip


def stalled_contacts(f: PilotFigures, lang: Language = ENGLISH) -> Iterator[Recommendation]:
    """In the latest wave shown, at least STALLED_SHARE of meetings are at valuable contact or
    negotiation (contacts that have not become agreements)."""
    waves = [w for w in f.waves if w.shown]
    if not waves:
        return
    w = waves[-1]
    mid = sum(s.count for s in w.levels if s.option in ("valuable_contact", "negotiation"))
    if w.meetings and mid / w.meetings >= STALLED_SHARE:
        finding = lang.gettext(N_("{months} months after the event, {share} of the meetings followed up ({mid} of "
                                  "{meetings}, {respondents} respondents) are valuable contacts or negotiations "
                                  "without an agreement"))
        yield Recommendation("stalled-contacts", finding.format(months=w.months, share=pct(mid / w.meetings), mid=mid,
                                                                meetings=w.meetings, respondents=w.respondents),
                             lang.gettext(N_("fund follow-up support (test-before-invest, brokerage of pilot projects) "
                                             "to turn contacts into agreements")), w.respondents)  # fmt: skip


Rule = Callable[[PilotFigures, Language], Iterator[Recommendation]]
#: Every rule, in the order the report lists what they find.
RULES: dict[str, Rule] = {
    "main-barrier-sector": main_barrier_sector, "main-barrier-country": main_barrier_country,
    "threat-overall": threat_overall, "support-wanted": support_wanted, "technology-gap": technology_gap,
    "low-reach": low_reach, "no-shows": no_shows, "cross-border-low": cross_border_low,
    "low-usefulness": low_usefulness, "stalled-contacts": stalled_contacts,
}  # fmt: skip


def recommend(figures: PilotFigures, lang: Language = ENGLISH) -> tuple[Recommendation, ...]:
    """Every recommendation the rules derive from ``figures``, in :data:`RULES` order, written in ``lang``."""
    return tuple(r for rule in RULES.values() for r in rule(figures, lang))
