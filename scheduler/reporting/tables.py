"""The pilot's figures as tables: the one shape the report page, the HTML / PDF report and the
workbook (one sheet per table) all show, so every format holds the same numbers.

A :class:`Table` has an id (its sheet name and HTML anchor), a title, columns with a format each
(``text``, ``int``, ``pct`` for a share in 0..1, ``num`` for a mean), rows of cells (None: no
figure) and a note saying what the figures count. Survey tables under the minimum group size
have no rows and say so in the note.
"""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.domain.language import N_

from .findings import MIN_GROUP, Group, Share
from .pilot import PilotFigures, share
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


def _suppressed(n: int, who: str = "respondents") -> str:
    return (f"not shown: {n} {who}, fewer than the minimum group of {MIN_GROUP}" if n < MIN_GROUP else "")


T, INT, P, N = Column, "int", "pct", "num"

#: the key figures' row of requests waiting for an answer, and what the policy does with them,
#: by whether they are scheduled (the ``unless_declined`` policy) or not (``accepted_only``)
PENDING_ROW = {True: N_("requests pending (scheduled)"), False: N_("requests pending (not scheduled until accepted)")}
POLICY_NOTE = {
    True: N_("Under this event's policy pending requests are scheduled unless declined, so meetings can outnumber "
             "accepted requests."),
    False: N_("Under this event's policy only accepted requests (and those both sides asked for) are scheduled."),
}


def _shares(rows: tuple[Share, ...]) -> tuple[tuple[Cell, ...], ...]:
    return tuple((s.label, s.count, s.share) for s in rows)


def report_tables(f: PilotFigures, recs: tuple[Recommendation, ...] = ()) -> tuple[Table, ...]:
    """Every table of the report, in the report's order."""
    fu, r, c, fb, ad = f.funnel, f.reach, f.cross_border, f.feedback, f.adoption
    out = [
        Table("kpis", "Key figures", (T("figure", "text"), T("value", N), T("share", P)), (
            ("requests", fu.requests, None), ("requests accepted (or imposed)", fu.accepted, share(fu.accepted, fu.requests)),
            (PENDING_ROW[fu.pending_scheduled], fu.pending, share(fu.pending, fu.requests)),
            ("requests declined", fu.declined, share(fu.declined, fu.requests)),
            ("meetings scheduled", fu.scheduled, None), ("meetings held", fu.held, share(fu.held, fu.scheduled)),
            ("no-shows", fu.no_show, fu.no_show_share), ("meetings cancelled", fu.cancelled, None),
            ("meetings not yet marked held or no-show", fu.unmarked, None),
            ("participants", r.participants, None), ("traditional SMEs", r.traditional, None), ("tech SMEs", r.tech, None),
            ("participants checked in", r.checked_in, share(r.checked_in, r.participants)),
            ("mean meetings per participant", r.mean_meetings, None),
            ("traditional SMEs with ≥ 1 meeting", r.traditional_1, r.traditional_1_share),
            ("traditional SMEs with ≥ 3 meetings", r.traditional_3, r.traditional_3_share),
            ("meetings with both countries known", c.known, None),
            ("cross-border meetings (share: of those with both countries known)", c.cross, c.share),
            ("meetings with a country unknown", c.unknown, None),
        ), "Meetings taking place: scheduled, moved or held. Shares: accepted and declined of requests, held of "
           "meetings scheduled, no-shows of meetings marked (held or no-show). " + POLICY_NOTE[fu.pending_scheduled]),
        Table("meetings_per_participant", "Meetings per participant",
              (T("meetings", INT), T("traditional SMEs", INT), T("tech SMEs", INT)),
              tuple((b.meetings, b.traditional, b.tech) for b in r.per_participant),
              "Participants by the number of meetings they have that take place."),
        Table("country_pairs", "Meetings by country pair", (T("country", "text"), *(T(x) for x in c.countries)),
              tuple((a, *row) for a, row in zip(c.countries, c.matrix(), strict=True)),
              f"Meetings with both countries known; {c.unknown} with a country unknown are not in the matrix."),
        Table("clusters", "Cluster attribution",
              (T("cluster", "text"), T("participants", INT), T("traditional SMEs", INT), T("with a meeting", INT),
               T("meetings", INT)),
              tuple((x.cluster, x.participants, x.traditional, x.with_meeting, x.meetings) for x in f.clusters),
              "A meeting between two clusters counts in each."),
        Table("technology_gap", "Technologies demanded vs offered (profiles)",
              (T("technology", "text"), T("demanded by traditional SMEs", INT), T("offered by tech SMEs", INT), T("gap", INT)),
              tuple((t.technology, t.demanded, t.offered, t.gap) for t in f.technologies),
              "From the participants' profiles (needs and offers); largest gap first."),
        Table("technologies_wanted", "Technologies traditional SMEs want to adopt (survey)",
              (T("technology", "text"), T("SMEs", INT), T("share", P)), _shares(ad.technologies),
              _suppressed(ad.respondents) or f"n = {ad.respondents} traditional SMEs answering the adoption survey."),
        Table("feedback", "Meeting feedback", (T("question", "text"), T("answer", "text"), T("answers", INT), T("share", P)),
              tuple(("took place", s.label, s.count, s.share) for s in fb.took_place)
              + tuple(("usefulness (1-5)", s.label, s.count, s.share) for s in fb.useful)
              + tuple(("next step", s.label, s.count, s.share) for s in fb.next_steps),
              _suppressed(fb.respondents) or f"{fb.respondents} respondents, {fb.answers} answers; mean usefulness "
              f"{'–' if fb.useful_mean is None else f'{fb.useful_mean:.2f}'} of 5."),
        Table("outcomes", "Outcomes over time (follow-up waves)",
              (T("wave", "text"), T("months", INT), T("respondents", INT), T("meetings", INT),
               *(x for s in ("no contact", "valuable contact", "negotiation", "agreement") for x in (T(s, INT), T(s + " share", P)))),
              tuple((w.wave, w.months, w.respondents, w.meetings, *(v for s in w.levels for v in (s.count, s.share)))
                    for w in f.waves if w.shown),
              "Per meeting followed up: the highest level either side reports. Waves with fewer than "
              f"{MIN_GROUP} respondents are not shown."),
        Table("agreement_kinds", "Kinds of agreement (meetings at negotiation or agreement)",
              (T("wave", "text"), T("kind", "text"), T("meetings", INT), T("share", P)),
              tuple((w.wave, s.label, s.count, s.share) for w in f.waves if w.shown for s in w.agreement_kinds)),
        _ranked("opportunities", "Opportunities traditional SMEs expect", ad.overall, "opportunities", ad.respondents),
        _ranked("threats", "Threats and barriers traditional SMEs see", ad.overall, "threats", ad.respondents),
        _ranked("main_barrier", "The main barrier", ad.overall, "main_threat", ad.respondents),
        _by("threats_by_sector", "Opportunities and threats by sector", ad.by_sector, ad.suppressed_sectors, "sector"),
        _by("threats_by_country", "Opportunities and threats by country", ad.by_country, ad.suppressed_countries, "country"),
        Table("support", "Support traditional SMEs want", (T("support", "text"), T("SMEs", INT), T("share", P)),
              _shares(ad.support), _suppressed(ad.respondents)),
        Table("client_blockers", "What blocks adoption by their clients (tech SMEs)",
              (T("barrier", "text"), T("tech SMEs", INT), T("share", P)), _shares(ad.client_blockers),
              _suppressed(ad.tech_respondents)),
        Table("recommendations", "Policy recommendations", (T("rule", "text"), T("recommendation", "text"), T("n", INT)),
              tuple((x.rule, x.text, x.n) for x in recs), "Each derived by a documented rule (docs/report.md)."),
    ]  # fmt: skip
    return tuple(out)


def _ranked(tid: str, title: str, g: Group | None, field: str, n: int) -> Table:
    rows = _shares(getattr(g, field)) if g else ()
    return Table(tid, title, (T("answer", "text"), T("SMEs", INT), T("share", P)), rows,
                 _suppressed(n) or f"n = {n}; ranked, most named first.")


def _by(tid: str, title: str, groups: tuple[Group, ...], lost: int, what: str) -> Table:
    rows = tuple((g.name, g.n, question, s.label, s.count, s.share) for g in groups
                 for question, shares in (("main barrier", g.main_threat), ("threats named", g.threats),
                                          ("opportunities named", g.opportunities)) for s in shares)
    note = f"Groups of fewer than {MIN_GROUP} respondents are pooled into 'other'"
    note += f"; {lost} small groups are not shown (their pool is under {MIN_GROUP})." if lost else "."
    return Table(tid, title, (T(what, "text"), T("n", INT), T("question", "text"), T("answer", "text"), T("SMEs", INT),
                              T("share", P)), rows, note)
