"""The pilot's figures as tables: the one shape the report page, the HTML / PDF report and the
workbook (one sheet per table) all show, so every format holds the same numbers.

A :class:`Table` has an id (its sheet name and HTML anchor), a title, columns with a format each
(``text``, ``int``, ``pct`` for a share in 0..1, ``num`` for a mean), rows of cells (None: no
figure) and a note saying what the figures count. Survey tables under the minimum group size
have no rows and say so in the note. Titles, columns, notes and the words in the cells (the
figures' names, the built-in surveys' labels) are written in the report's language; names,
countries, clusters, technology tags and wave ids are data and stay as stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.language import ENGLISH, N_, Language

from .findings import MIN_GROUP, OTHER, Group, Share
from .pilot import NO_CLUSTER, PilotFigures, share
from .recommendations import Recommendation

Cell = str | int | float | None


@dataclass(frozen=True)
class Column:
    name: str
    format: str = "int"  # text | int | pct | num


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


def cell_text(value: Cell, fmt: str) -> str:
    """A cell as the page and the PDF show it: shares as whole percents, means with one decimal."""
    if value is None:
        return "–"
    if fmt == "pct" and isinstance(value, int | float):
        return f"{100 * value:.0f}%"
    if fmt == "num" and isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _suppressed(n: int, lang: Language) -> str:
    if n >= MIN_GROUP:
        return ""
    return lang.gettext("not shown: {n} respondents, fewer than the minimum group of {min}").format(n=n, min=MIN_GROUP)


T, INT, P, N = Column, "int", "pct", "num"

#: the key figures' row of requests waiting for an answer, and what the policy does with them,
#: by whether they are scheduled (the ``unless_declined`` policy) or not (``accepted_only``)
PENDING_ROW = {True: N_("requests pending (scheduled)"), False: N_("requests pending (not scheduled until accepted)")}
POLICY_NOTE = {
    True: N_("Under this event's policy pending requests are scheduled unless declined, so meetings can outnumber "
             "accepted requests."),
    False: N_("Under this event's policy only accepted requests (and those both sides asked for) are scheduled."),
}


def _shares(rows: tuple[Share, ...], lang: Language) -> tuple[tuple[Cell, ...], ...]:
    return tuple((lang.gettext(s.label), s.count, s.share) for s in rows)


def report_tables(f: PilotFigures, recs: tuple[Recommendation, ...] = (), lang: Language = ENGLISH) -> tuple[Table, ...]:
    """Every table of the report, in the report's order, written in ``lang``."""
    fu, r, c, fb, ad = f.funnel, f.reach, f.cross_border, f.feedback, f.adoption
    _ = lang.gettext
    mean = "–" if fb.useful_mean is None else f"{fb.useful_mean:.2f}"
    ladder = (_("no contact"), _("valuable contact"), _("negotiation"), _("agreement"))
    out = [
        Table("kpis", _("Key figures"), (T(_("figure"), "text"), T(_("value"), N), T(_("share"), P)), (
            (_("requests"), fu.requests, None),
            (_("requests accepted (or imposed)"), fu.accepted, share(fu.accepted, fu.requests)),
            (_(PENDING_ROW[fu.pending_scheduled]), fu.pending, share(fu.pending, fu.requests)),
            (_("requests declined"), fu.declined, share(fu.declined, fu.requests)),
            (_("meetings scheduled"), fu.scheduled, None), (_("meetings held"), fu.held, share(fu.held, fu.scheduled)),
            (_("no-shows"), fu.no_show, fu.no_show_share), (_("meetings cancelled"), fu.cancelled, None),
            (_("meetings not yet marked held or no-show"), fu.unmarked, None),
            (_("participants"), r.participants, None), (_("traditional SMEs"), r.traditional, None),
            (_("tech SMEs"), r.tech, None),
            (_("participants checked in"), r.checked_in, share(r.checked_in, r.participants)),
            (_("mean meetings per participant"), r.mean_meetings, None),
            (_("traditional SMEs with ≥ 1 meeting"), r.traditional_1, r.traditional_1_share),
            (_("traditional SMEs with ≥ 3 meetings"), r.traditional_3, r.traditional_3_share),
            (_("meetings with both countries known"), c.known, None),
            (_("cross-border meetings (share: of those with both countries known)"), c.cross, c.share),
            (_("meetings with a country unknown"), c.unknown, None),
        ), _("Meetings taking place: scheduled, moved or held. Shares: accepted and declined of requests, held of "
             "meetings scheduled, no-shows of meetings marked (held or no-show).") + " " + _(POLICY_NOTE[fu.pending_scheduled])),
        Table("meetings_per_participant", _("Meetings per participant"),
              (T(_("meetings"), INT), T(_("traditional SMEs"), INT), T(_("tech SMEs"), INT)),
              tuple((b.meetings, b.traditional, b.tech) for b in r.per_participant),
              _("Participants by the number of meetings they have that take place.")),
        Table("country_pairs", _("Meetings by country pair"), (T(_("country"), "text"), *(T(x) for x in c.countries)),
              tuple((a, *row) for a, row in zip(c.countries, c.matrix(), strict=True)),
              _("Meetings with both countries known; {n} with a country unknown are not in the matrix.").format(n=c.unknown)),
        Table("clusters", _("Cluster attribution"),
              (T(_("cluster"), "text"), T(_("participants"), INT), T(_("traditional SMEs"), INT),
               T(_("with a meeting"), INT), T(_("meetings"), INT)),
              tuple((_("(no cluster)") if x.cluster == NO_CLUSTER else x.cluster, x.participants, x.traditional,
                     x.with_meeting, x.meetings) for x in f.clusters),
              _("A meeting between two clusters counts in each.")),
        Table("technology_gap", _("Technologies demanded vs offered (profiles)"),
              (T(_("technology"), "text"), T(_("demanded by traditional SMEs"), INT), T(_("offered by tech SMEs"), INT),
               T(_("gap"), INT)),
              tuple((t.technology, t.demanded, t.offered, t.gap) for t in f.technologies),
              _("From the participants' profiles (needs and offers); largest gap first.")),
        Table("technologies_wanted", _("Technologies traditional SMEs want to adopt (survey)"),
              (T(_("technology"), "text"), T(_("SMEs"), INT), T(_("share"), P)), _shares(ad.technologies, lang),
              _suppressed(ad.respondents, lang)
              or _("n = {n} traditional SMEs answering the adoption survey.").format(n=ad.respondents)),
        Table("feedback", _("Meeting feedback"),
              (T(_("question"), "text"), T(_("answer"), "text"), T(_("answers"), INT), T(_("share"), P)),
              tuple((_("took place"), _(s.label), s.count, s.share) for s in fb.took_place)
              + tuple((_("usefulness (1-5)"), s.label, s.count, s.share) for s in fb.useful)
              + tuple((_("next step"), _(s.label), s.count, s.share) for s in fb.next_steps),
              _suppressed(fb.respondents, lang)
              or _("{respondents} respondents, {answers} answers; mean usefulness {mean} of 5.").format(
                  respondents=fb.respondents, answers=fb.answers, mean=mean)),
        Table("outcomes", _("Outcomes over time (follow-up waves)"),
              (T(_("wave"), "text"), T(_("months"), INT), T(_("respondents"), INT), T(_("meetings"), INT),
               *(x for s in ladder for x in (T(s, INT), T(_("{level} share").format(level=s), P)))),
              tuple((w.wave, w.months, w.respondents, w.meetings, *(v for s in w.levels for v in (s.count, s.share)))
                    for w in f.waves if w.shown),
              _("Per meeting followed up: the highest level either side reports. Waves with fewer than {n} "
                "respondents are not shown.").format(n=MIN_GROUP)),
        Table("agreement_kinds", _("Kinds of agreement (meetings at negotiation or agreement)"),
              (T(_("wave"), "text"), T(_("kind"), "text"), T(_("meetings"), INT), T(_("share"), P)),
              tuple((w.wave, _(s.label), s.count, s.share) for w in f.waves if w.shown for s in w.agreement_kinds)),
        _ranked("opportunities", _("Opportunities traditional SMEs expect"), ad.overall, "opportunities", ad.respondents,
                lang),
        _ranked("threats", _("Threats and barriers traditional SMEs see"), ad.overall, "threats", ad.respondents, lang),
        _ranked("main_barrier", _("The main barrier"), ad.overall, "main_threat", ad.respondents, lang),
        _by("threats_by_sector", _("Opportunities and threats by sector"), ad.by_sector, ad.suppressed_sectors,
            _("sector"), lang),
        _by("threats_by_country", _("Opportunities and threats by country"), ad.by_country, ad.suppressed_countries,
            _("country"), lang),
        Table("support", _("Support traditional SMEs want"), (T(_("support"), "text"), T(_("SMEs"), INT), T(_("share"), P)),
              _shares(ad.support, lang), _suppressed(ad.respondents, lang)),
        Table("client_blockers", _("What blocks adoption by their clients (tech SMEs)"),
              (T(_("barrier"), "text"), T(_("tech SMEs"), INT), T(_("share"), P)), _shares(ad.client_blockers, lang),
              _suppressed(ad.tech_respondents, lang)),
        Table("recommendations", _("Policy recommendations"),
              (T(_("rule"), "text"), T(_("recommendation"), "text"), T(_("n"), INT)),
              tuple((x.rule, x.text, x.n) for x in recs), _("Each derived by a documented rule (docs/report.md).")),
    ]  # fmt: skip
    return tuple(out)


def _ranked(tid: str, title: str, g: Group | None, field: str, n: int, lang: Language) -> Table:
    _ = lang.gettext
    rows = _shares(getattr(g, field), lang) if g else ()
    return Table(tid, title, (T(_("answer"), "text"), T(_("SMEs"), INT), T(_("share"), P)), rows,
                 _suppressed(n, lang) or _("n = {n}; ranked, most named first.").format(n=n))


def _by(tid: str, title: str, groups: tuple[Group, ...], lost: int, what: str, lang: Language) -> Table:
    _ = lang.gettext
    rows = tuple((_("other") if g.name == OTHER else g.name, g.n, question, _(s.label), s.count, s.share)
                 for g in groups
                 for question, shares in ((_("main barrier"), g.main_threat), (_("threats named"), g.threats),
                                          (_("opportunities named"), g.opportunities)) for s in shares)  # fmt: skip
    note = _("Groups of fewer than {n} respondents are pooled into 'other'").format(n=MIN_GROUP)
    note += (_("; {lost} small groups are not shown (their pool is under {n}).").format(lost=lost, n=MIN_GROUP)
             if lost else ".")  # fmt: skip
    return Table(tid, title, (T(what, "text"), T(_("n"), INT), T(_("question"), "text"), T(_("answer"), "text"),
                              T(_("SMEs"), INT), T(_("share"), P)), rows, note)  # fmt: skip
