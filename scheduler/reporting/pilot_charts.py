"""The pilot's charts as inline SVG: matplotlib's object API (no pyplot, no GUI backend), served
with the page (no CDN, no script).

Each :class:`Chart` names the table (:mod:`.tables`) that holds the same figures: the table is
the chart's text alternative, shown beside it on the page and in the report. The same figures
give the same SVG text: a fixed ``svg.hashsalt`` per chart, no date or creator in the metadata,
and every id inside a chart prefixed with the chart's id, so several charts share a page.
A chart whose figures are suppressed (under the minimum group size) or empty is not drawn.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

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


def _funnel(f: PilotFigures, ax) -> None:
    fu = f.funnel
    labels = ["requests", "accepted", "scheduled", "held", "no-show", "cancelled"]
    values = [fu.requests, fu.accepted, fu.scheduled, fu.held, fu.no_show, fu.cancelled]
    bars = ax.barh(labels[::-1], values[::-1], color=[GREY, BLUE, BLUE, GREEN, RED, GREY][::-1])
    ax.bar_label(bars, padding=2, fontsize=8)
    ax.set_xlabel("count")


def _per_participant(f: PilotFigures, ax) -> None:
    bins = f.reach.per_participant
    xs = [b.meetings for b in bins]
    ax.bar([x - 0.2 for x in xs], [b.traditional for b in bins], 0.4, color=BLUE, label="traditional SMEs")
    ax.bar([x + 0.2 for x in xs], [b.tech for b in bins], 0.4, color=ORANGE, label="tech SMEs")
    ax.set_xlabel("meetings taking place")
    ax.set_ylabel("participants")
    ax.set_xticks(xs)
    ax.legend(fontsize=7)


def _outcomes(f: PilotFigures, ax) -> None:
    waves = [w for w in f.waves if w.shown]
    names = [f"{w.wave} ({w.months} months, {w.meetings} meetings)" for w in waves]
    left = [0.0] * len(waves)
    for i, colour in enumerate(LADDER_COLOURS):
        shares = [w.levels[i].share for w in waves]
        ax.barh(names, shares, left=left, color=colour, label=waves[0].levels[i].label)
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of meetings followed up")
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.25), ncols=2)


def _named(items, colour: str, n: int, ax) -> None:
    """Horizontal bars of the top 8 shares (threats or opportunities), largest on top."""
    items = items[:8][::-1]
    bars = ax.barh([s.label for s in items], [s.share for s in items], color=colour)
    ax.bar_label(bars, labels=[f"{100 * s.share:.0f}%" for s in items], padding=2, fontsize=8)
    ax.set_xlim(0, 1.1)
    ax.set_xlabel(f"share of traditional SMEs naming it (n={n})")


def _threats(f: PilotFigures, ax) -> None:
    g = f.adoption.overall
    assert g is not None
    _named(g.threats, RED, g.n, ax)


def _opportunities(f: PilotFigures, ax) -> None:
    g = f.adoption.overall
    assert g is not None
    _named(g.opportunities, GREEN, g.n, ax)


def _gap(f: PilotFigures, ax) -> None:
    rows = f.technologies[:10][::-1]
    ys = range(len(rows))
    ax.barh([y + 0.2 for y in ys], [t.demanded for t in rows], 0.4, color=BLUE, label="demanded (traditional SMEs)")
    ax.barh([y - 0.2 for y in ys], [t.offered for t in rows], 0.4, color=ORANGE, label="offered (tech SMEs)")
    ax.set_yticks(list(ys), [t.technology for t in rows])
    ax.set_xlabel("participants")
    ax.legend(fontsize=7)


#: chart id -> (title, the table with its figures, whether there is something to draw, the drawing, height)
CHARTS: dict[str, tuple[str, str, Callable[[PilotFigures], bool], Callable, float]] = {
    "funnel": ("Requests and meetings", "kpis", lambda f: f.funnel.requests > 0 or f.funnel.scheduled > 0, _funnel, 2.6),
    "per-participant": ("Meetings per participant", "meetings_per_participant",
                        lambda f: f.reach.participants > 0, _per_participant, 2.6),
    "outcomes": ("Outcomes over time", "outcomes", lambda f: any(w.shown for w in f.waves), _outcomes, 2.6),
    "threats": ("Threats and barriers", "threats", lambda f: bool(f.adoption.overall and f.adoption.overall.threats),
                _threats, 3.0),
    "opportunities": ("Expected opportunities", "opportunities",
                      lambda f: bool(f.adoption.overall and f.adoption.overall.opportunities), _opportunities, 3.0),
    "technology-gap": ("Technologies demanded vs offered", "technology_gap", lambda f: bool(f.technologies), _gap, 3.4),
}  # fmt: skip


def charts(f: PilotFigures) -> tuple[Chart, ...]:
    """Every chart with something to draw, in :data:`CHARTS` order (about half a second each)."""
    return tuple(chart(f, cid) for cid, spec in CHARTS.items() if spec[2](f))


def chart(f: PilotFigures, cid: str) -> Chart:
    """Draw one chart of :data:`CHARTS` (KeyError for an unknown id)."""
    import matplotlib
    from matplotlib.figure import Figure

    title, table, _, draw, height = CHARTS[cid]
    buf = io.StringIO()
    with _LOCK, matplotlib.rc_context({**_RC, "svg.hashsalt": f"entente-{cid}"}):
        fig = Figure(figsize=(6.4, height), layout="constrained")
        ax = fig.subplots()
        draw(f, ax)
        ax.set_title(title)
        ax.grid(True, axis="x", linewidth=0.3)
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    svg = prefix_ids(buf.getvalue(), f"chart-{cid}")
    return Chart(cid, title, inline_svg(svg, f"{title}, event {f.event_id}", f"chart-{cid}-title"), table)


def prefix_ids(svg: str, prefix: str) -> str:
    """Give every ``id`` in ``svg`` the prefix ``prefix-``, and every reference to it (``#id``)."""
    ids = set(re.findall(r'\sid="([^"]+)"', svg))
    if not ids:
        return svg
    pattern = re.compile(r'(\sid="|#)(' + "|".join(map(re.escape, sorted(ids, key=len, reverse=True))) + r')(?=["\)])')
    return pattern.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", svg)
