"""The pilot's charts as inline SVG: matplotlib's object API (no pyplot, no GUI backend), served
with the page (no CDN, no script).

Each :class:`Chart` names the table (:mod:`.tables`) that holds the same figures: the table is
the chart's text alternative, shown beside it on the page and in the report. The same figures
give the same SVG text: a fixed ``svg.hashsalt`` per chart, no date or creator in the metadata,
and every id inside a chart prefixed with the chart's id, so several charts share a page.
A chart whose figures are suppressed (under the minimum group size) or empty is not drawn.
Titles, axes, legends and the built-in surveys' labels are written in the report's language.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from scheduler.domain.language import ENGLISH, N_, Language

from .capacity_plot import inline_svg
from .pilot import PilotFigures

_LOCK = threading.Lock()  # matplotlib's settings are process-wide: one drawing at a time
_RC = {"svg.fonttype": "path", "font.size": 9}
BLUE, ORANGE, GREEN, GREY, RED = "#1f5fa8", "#c2571a", "#2e8b57", "#777777", "#b22222"
LADDER_COLOURS = ("#bbbbbb", "#9ecae1", "#4292c6", "#08519c")


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    svg: str  # one <svg> element, no inline CSS
    table: str  # the id of the table with the same figures (its text alternative)


def _funnel(f: PilotFigures, ax, lang: Language) -> None:
    fu, _ = f.funnel, lang.gettext
    labels = [_("requests"), _("accepted"), _("scheduled"), _("held"), _("no-show"), _("cancelled")]
    values = [fu.requests, fu.accepted, fu.scheduled, fu.held, fu.no_show, fu.cancelled]
    bars = ax.barh(labels[::-1], values[::-1], color=[GREY, BLUE, BLUE, GREEN, RED, GREY][::-1])
    ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_xlabel(_("count"))


def _per_participant(f: PilotFigures, ax, lang: Language) -> None:
    bins, _ = f.reach.per_participant, lang.gettext
    xs = [b.meetings for b in bins]
    ax.bar([x - 0.2 for x in xs], [b.traditional for b in bins], 0.4, color=BLUE, label=_("traditional SMEs"))
    ax.bar([x + 0.2 for x in xs], [b.tech for b in bins], 0.4, color=ORANGE, label=_("tech SMEs"))
    ax.set_xlabel(_("meetings taking place"))
    ax.set_ylabel(_("participants"))
    ax.set_xticks(xs)
    ax.legend(fontsize=7)


def _outcomes(f: PilotFigures, ax, lang: Language) -> None:
    waves, _ = [w for w in f.waves if w.shown], lang.gettext
    names = [_("{wave} ({months} months, {meetings} meetings)").format(wave=w.wave, months=w.months, meetings=w.meetings)
             for w in waves]
    left = [0.0] * len(waves)
    for i, colour in enumerate(LADDER_COLOURS):
        shares = [w.levels[i].share for w in waves]
        ax.barh(names, shares, left=left, color=colour, label=_(waves[0].levels[i].label))
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 1)
    ax.set_xlabel(_("share of meetings followed up"))
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2)


def _named(items, colour: str, n: int, ax, lang: Language) -> None:
    """Horizontal bars of the top 8 shares (threats or opportunities), largest on top."""
    items = items[:8][::-1]
    bars = ax.barh([lang.gettext(s.label) for s in items], [s.share for s in items], color=colour)
    ax.bar_label(bars, labels=[f"{100 * s.share:.0f}%" for s in items], padding=2, fontsize=8)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel(lang.gettext("share of traditional SMEs naming it (n={n})").format(n=n))


def _threats(f: PilotFigures, ax, lang: Language) -> None:
    g = f.adoption.overall
    assert g is not None
    _named(g.threats, RED, g.n, ax, lang)


def _opportunities(f: PilotFigures, ax, lang: Language) -> None:
    g = f.adoption.overall
    assert g is not None
    _named(g.opportunities, GREEN, g.n, ax, lang)


def _gap(f: PilotFigures, ax, lang: Language) -> None:
    rows, _ = f.technologies[:10][::-1], lang.gettext
    ys = range(len(rows))
    ax.barh([y + 0.2 for y in ys], [t.demanded for t in rows], 0.4, color=BLUE, label=_("demanded (traditional SMEs)"))
    ax.barh([y - 0.2 for y in ys], [t.offered for t in rows], 0.4, color=ORANGE, label=_("offered (tech SMEs)"))
    ax.set_yticks(list(ys), [t.technology for t in rows])
    ax.set_xlabel(_("participants"))
    ax.legend(fontsize=7)


#: chart id -> (title, the table with its figures, whether there is something to draw, the drawing, height)
CHARTS: dict[str, tuple[str, str, Callable[[PilotFigures], bool], Callable, float]] = {
    "funnel": (N_("Requests and meetings"), "kpis", lambda f: f.funnel.requests > 0 or f.funnel.scheduled > 0, _funnel, 2.6),
    "per-participant": (N_("Meetings per participant"), "meetings_per_participant",
                        lambda f: f.reach.participants > 0, _per_participant, 2.6),
    "outcomes": (N_("Outcomes over time"), "outcomes", lambda f: any(w.shown for w in f.waves), _outcomes, 2.6),
    "threats": (N_("Threats and barriers"), "threats", lambda f: bool(f.adoption.overall and f.adoption.overall.threats),
                _threats, 3.0),
    "opportunities": (N_("Expected opportunities"), "opportunities",
                      lambda f: bool(f.adoption.overall and f.adoption.overall.opportunities), _opportunities, 3.0),
    "technology-gap": (N_("Technologies demanded vs offered"), "technology_gap", lambda f: bool(f.technologies), _gap, 3.4),
}  # fmt: skip


def charts(f: PilotFigures, lang: Language = ENGLISH) -> tuple[Chart, ...]:
    """Every chart with something to draw, in :data:`CHARTS` order (about half a second each), in ``lang``."""
    return tuple(chart(f, cid, lang) for cid, spec in CHARTS.items() if spec[2](f))


def chart(f: PilotFigures, cid: str, lang: Language = ENGLISH) -> Chart:
    """Draw one chart of :data:`CHARTS` in ``lang`` (KeyError for an unknown id)."""
    import matplotlib
    from matplotlib.figure import Figure

    title, table, _shown, draw, height = CHARTS[cid]
    title = lang.gettext(title)
    buf = io.StringIO()
    with _LOCK, matplotlib.rc_context({**_RC, "svg.hashsalt": f"entente-{cid}"}):
        fig = Figure(figsize=(6.4, height), layout="constrained")
        ax = fig.subplots()
        draw(f, ax, lang)
        ax.set_title(title)
        ax.grid(True, axis="x", linewidth=0.3)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = prefix_ids(buf.getvalue(), f"chart-{cid}")
    label = lang.gettext("{title}, event {event}").format(title=title, event=f.event_id)
    return Chart(cid, title, inline_svg(svg, label, f"chart-{cid}-title"), table)


def prefix_ids(svg: str, prefix: str) -> str:
    """Give every ``id`` in ``svg`` the prefix ``prefix-``, and every reference to it (``#id``)."""
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = re.compile(r'(\sid="|#)(' + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r')(?=["\)])')
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
